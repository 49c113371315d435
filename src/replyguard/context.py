"""Everything derived from one conversation, computed at most once and only when asked.

A rule's ``when:`` names facts (``post.complaint``, ``rapport``); the context computes each
fact the first time a rule asks and remembers it for the rest of the check. Facts nobody
asks about cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .analysis import Analyser
from .doc import Doc
from .models import Conversation, Message

if TYPE_CHECKING:
    from .facts import FactTable


@dataclass
class Settings:
    """What rules read from the configuration."""

    response_minutes: float = 60.0


class _Facts(dict[str, bool]):
    """The facts of one check by name; a name not yet asked is computed by its lookup, so a
    condition reads a known fact with no Python call (conditions ask ~80 facts per check)."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx: Context | None = ctx

    def __missing__(self, name: str) -> bool:
        ctx = self.ctx
        if ctx is None:
            raise RuntimeError("the check of this context is over")
        fn = ctx.facts.compiled.get(name) or ctx.facts.function(name)
        value = self[name] = fn(ctx)
        return value


class Context:
    """One check: the conversation, its analysed texts and the facts computed so far.

    The only door from a check kind into analysis: texts become Docs, and Docs content
    terms or n-grams, through the linter's :class:`~replyguard.analysis.Analyser` here.
    """

    def __init__(self, conv: Conversation, facts: FactTable, settings: Settings, analyser: Analyser | None = None):
        """``analyser``: the linter's (a fresh one when not given: correct, but nothing cached)."""
        self.conv = conv
        self.facts = facts
        self.settings = settings
        self.analyser = analyser = analyser if analyser is not None else Analyser()
        self._handles = frozenset(h.lower().lstrip("@") for h in conv.brand.handles)
        self._cache = _Facts(self)
        self.fact: Callable[[str], bool] = self._cache.__getitem__
        """A fact by name (``post.complaint``, ``rapport``), computed the first time it is asked."""
        self.asked: Mapping[str, bool] = self._cache
        """The facts asked so far, by name (read with ``in`` and ``get``, which compute nothing)."""
        self._scopes: dict[str, list[Doc]] = {}
        self.draft: Doc = analyser.doc(conv.draft.text)
        self.post: Doc = analyser.doc(conv.post.text)
        # what is known of these texts alone (FactTable.known_answers): known at once
        self.known_draft: dict[str, bool] = facts.known_answers(self.draft, "draft")
        self.known_post: dict[str, bool] = facts.known_answers(self.post, "post")
        self._cache.update(self.known_draft)
        self._cache.update(self.known_post)

    # -- who is who ---------------------------------------------------------------------
    def is_brand(self, author: str) -> bool:
        return author.lower().lstrip("@") in self._handles

    @property
    def handles(self) -> frozenset[str]:
        return self._handles

    def messages(self, scope: str) -> list[Message]:
        """Messages of a scope: ``thread``/``history`` are the customers', ``*_brand`` the brand's."""
        c = self.conv
        if scope == "post":
            return [c.post]
        if scope == "draft":
            return [c.draft]
        if scope == "thread":
            return [m for m in c.thread if not self.is_brand(m.author)]
        if scope == "thread_brand":
            return [m for m in c.thread if self.is_brand(m.author)]
        if scope == "history":
            return [m for m in c.history if not self.is_brand(m.author)]
        if scope == "history_brand":
            return [m for m in c.history if self.is_brand(m.author)]
        raise KeyError(scope)

    def docs(self, scope: str) -> list[Doc]:
        docs = self._scopes.get(scope)
        if docs is None:
            if scope == "draft":
                docs = [self.draft]
            elif scope == "post":
                docs = [self.post]
            else:
                docs = [self.analyser.doc(m.text) for m in self.messages(scope)]
            self._scopes[scope] = docs
        return docs

    def is_brand_contact(self, value: str) -> bool:
        """Whether ``value`` (an e-mail address or phone number found in a draft) is one of the
        brand's own published contact points (``brand.contacts``): those are not personal data."""
        contacts = self.conv.brand.contacts
        if not contacts:
            return False
        v = value.strip().lower()
        digits = "".join(ch for ch in v if ch.isdigit())
        for c in contacts:
            c = c.strip().lower()
            if "@" in c:
                domain = c[c.index("@") + 1:]
                if v == c or (c.startswith("@") and (v.endswith(c) or v.endswith("." + domain))):
                    return True
            elif digits and len(digits) >= 6 and digits == "".join(ch for ch in c if ch.isdigit()):
                return True
        return False

    def close(self) -> None:
        """End the check: the fact cache lets go of the context (they referred to each other)."""
        self._cache.ctx = None

    # -- analyses -----------------------------------------------------------------------
    def doc(self, text: str) -> Doc:
        """The analysed form of any text of the conversation."""
        return self.analyser.doc(text)

    def content_terms(self, doc: Doc, stock: frozenset[str] = frozenset(),
                      outside: Sequence[tuple[int, int]] = ()) -> frozenset[str]:
        return self.analyser.content_terms(doc, stock, outside)

    def word_features(self, doc: Doc, prefix: str) -> frozenset[str]:
        return self.analyser.word_features(doc, prefix)

    def ngrams(self, doc: Doc, n: int) -> frozenset[str]:
        return self.analyser.ngrams(doc, n)

    # -- time ---------------------------------------------------------------------------
    def minutes_after_post(self, when: datetime | None) -> float | None:
        start = self.conv.post.created_at
        if start is None or when is None:
            return None
        if (start.tzinfo is None) != (when.tzinfo is None):
            start, when = start.replace(tzinfo=None), when.replace(tzinfo=None)
        return (when - start).total_seconds() / 60.0
