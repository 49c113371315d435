"""Data models of a check: the conversation going in, the findings coming out.

They follow ``docs/cases.md``: one case is a draft reply in its context.
Extra input fields (``expected``, ``note``, anything a tool adds) are accepted and ignored,
so evaluation files and tool exports can be checked as they are.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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


class Action(str, Enum):
    """What a finding means for sending, from the config's policy; ordered
    ``allow`` < ``warn`` < ``approve`` (a second person or a reason) < ``block``."""

    allow = "allow"
    warn = "warn"
    approve = "approve"
    block = "block"

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]


_ACTION_RANK = {Action.allow: 0, Action.warn: 1, Action.approve: 2, Action.block: 3}

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


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


class Ignore(_Input):
    """A request to suppress one rule for one check; the reason goes into the report and the log."""

    rule: NonBlank
    reason: NonBlank


class Conversation(_Input):
    """A draft reply in its context: the post, its thread and the customer's history."""

    id: str = ""
    channel: Channel = "x"
    brand: Brand = Field(default_factory=Brand)
    post: Message
    thread: tuple[Message, ...] = ()
    history: tuple[Message, ...] = ()
    draft: Message
    ignore: tuple[Ignore, ...] = Field(
        (), description="rules that do not apply to this draft, each with a reason; a rule whose findings "
                        "block sending cannot be ignored")

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
    action: Action = Action.allow


class Suppressed(BaseModel):
    """Findings left out of a report because a suppression named their rule, or because the
    confidence model rated them unlikely (``source: confidence``), and why."""

    rule: str
    reason: str
    source: Literal["request", "inline", "config", "confidence"] = "request"
    findings: list[Finding] = Field(default_factory=list)


class Report(BaseModel):
    """Everything one check found, sorted by position in the draft."""

    id: str = ""
    findings: list[Finding] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    decision: Action = Field(Action.allow, description="the strictest action of the findings (allow when none)")
    suppressed: list[Suppressed] = Field(default_factory=list)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or ``None`` when there are none."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def fails(self, threshold: Severity) -> bool:
        """Whether any finding is at or above ``threshold`` (the CLI's ``--fail-on``)."""
        return any(f.severity.rank >= threshold.rank for f in self.findings)
