"""Data models of a check: the conversation going in, the findings coming out.

They follow ``shared/spec/cases.md``: one case is a draft reply in its context.
Extra input fields (``expected``, ``note``, anything a tool adds) are accepted and ignored,
so evaluation files and tool exports can be checked as they are.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["x", "facebook", "instagram", "line", "youtube", "other"]


class Severity(str, Enum):
    """How much a finding matters; ordered ``info`` < ``warning`` < ``error``."""

    info = "info"
    warning = "warning"
    error = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.info: 0, Severity.warning: 1, Severity.error: 2}


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Message(_Input):
    """One message of a conversation: the post, a thread reply, a history item or the draft."""

    author: str
    text: str
    id: str | None = None
    created_at: datetime | None = None
    in_reply_to: str | None = None


Voice = Literal["formal", "friendly", "playful"]


class Brand(_Input):
    """Who speaks for the brand: messages by these handles are brand messages.

    ``contacts`` are the brand's own published contact points (e-mail addresses or
    ``@domain``, phone numbers, URLs): never personal data in a draft. ``voice`` is the
    persona the brand chose; packs may soften tone findings for a playful brand.
    """

    name: str = ""
    handles: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    voice: Voice = "formal"


class Conversation(_Input):
    """A draft reply in its context: the post, its thread and the customer's history."""

    id: str = ""
    channel: Channel = "x"
    brand: Brand = Field(default_factory=Brand)
    post: Message
    thread: tuple[Message, ...] = ()
    history: tuple[Message, ...] = ()
    draft: Message

    @classmethod
    def simple(cls, draft: str, post: str = "", *, channel: Channel = "x",
               brand: Brand | None = None) -> Conversation:
        """A conversation from two texts, for the common 'is this reply fine?' call."""
        return cls(
            channel=channel,
            brand=brand or Brand(),
            post=Message(author="customer", text=post),
            draft=Message(author=(brand.handles[0] if brand and brand.handles else "brand"), text=draft),
        )


class Span(BaseModel):
    """Character offsets ``[start, end)`` into the original ``draft.text``."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int


class Suggestion(BaseModel):
    """A reply rendered from a pack template, offered instead of (or beside) the draft."""

    template: str
    text: str


class Fix(BaseModel):
    """A replacement of ``span`` by ``replacement``; ``safe`` fixes may be applied automatically."""

    span: Span
    replacement: str
    safe: bool = True


class Finding(BaseModel):
    """One problem in the draft: which rule, which category, how bad, where."""

    rule: str
    category: str
    severity: Severity
    message: str
    span: Span | None = None
    suggestions: list[Suggestion] = Field(default_factory=list)
    fix: Fix | None = None


class Report(BaseModel):
    """Everything one check found, sorted by position in the draft."""

    id: str = ""
    findings: list[Finding] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or ``None`` when there are none."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def fails(self, threshold: Severity) -> bool:
        """Whether any finding is at or above ``threshold`` (the CLI's ``--fail-on``)."""
        return any(f.severity.rank >= threshold.rank for f in self.findings)
