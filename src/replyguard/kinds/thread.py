"""Kinds that read the thread: a colleague ``already_answered`` the post, or a question to
the brand in the thread is left unanswered (``unanswered_mention``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..context import Context
from ..doc import doc_for
from ..matcher import Matcher
from ..models import Message
from ..schema import AnsweredRule, MentionRule
from . import BuildEnv, Hit
from .content import content_terms, similarity


def _before(m: Message, ref: Message) -> bool:
    """Whether ``m`` was posted before ``ref`` (true when either time is unknown)."""
    if m.created_at is None or ref.created_at is None:
        return True
    try:
        return m.created_at <= ref.created_at
    except TypeError:  # naive vs aware: compare wall clocks
        return m.created_at.replace(tzinfo=None) <= ref.created_at.replace(tzinfo=None)


def _posted_before(m: Message, ref: Message) -> bool:
    """Whether ``m`` was certainly posted before ``ref`` (both times known): a brand message
    the post itself may be answering, which therefore cannot answer the post."""
    if m.created_at is None or ref.created_at is None:
        return False
    return not _before(ref, m)


@dataclass
class AnsweredChecker:
    holding: Matcher | None
    followup: Matcher | None
    min_similarity: float

    def _reopened(self, answer: Message, ctx: Context) -> bool:
        """A customer asked again after the answer (連携してないです…他に方法は？)."""
        if self.followup is None or answer.created_at is None:
            return False
        return any(not ctx.is_brand(m.author) and m.created_at is not None and _before(answer, m)
                   and m is not answer and self.followup.at_least(doc_for(m.text))
                   for m in ctx.conv.thread)

    def run(self, ctx: Context) -> Iterable[Hit]:
        post, draft = ctx.conv.post, ctx.conv.draft
        for m in ctx.messages("thread_brand"):
            if m.in_reply_to not in (None, post.id) or not _before(m, draft) or _posted_before(m, post):
                continue
            doc = doc_for(m.text)
            if self.holding is not None and self.holding.at_least(doc):
                continue
            if self.min_similarity and similarity(doc.text, ctx.draft.text) < self.min_similarity:
                continue
            if self._reopened(m, ctx):
                continue
            yield Hit(None, {"author": m.author, "previous": m.text[:40]})
            return


def build_answered(spec: AnsweredRule, env: BuildEnv) -> AnsweredChecker:
    holding = Matcher(spec.holding, env.lexicons) if spec.holding else None
    followup = Matcher(spec.followup, env.lexicons) if spec.followup else None
    return AnsweredChecker(holding, followup, spec.min_similarity)


@dataclass
class MentionChecker:
    question: Matcher
    min_overlap: float

    def _addressed(self, q: Message, reply_text: str, ctx: Context) -> bool:
        q_terms = {t for t in content_terms(doc_for(q.text), frozenset()) if not t.startswith("~")}
        if not q_terms:
            return False
        r_terms = content_terms(doc_for(reply_text), frozenset())
        return len(q_terms & r_terms) / len(q_terms) >= self.min_overlap

    def run(self, ctx: Context) -> Iterable[Hit]:
        conv = ctx.conv
        brand_msgs = ctx.messages("thread_brand")
        for q in conv.thread:
            if ctx.is_brand(q.author) or not _before(q, conv.draft):
                continue
            qdoc = doc_for(q.text)
            to_brand = any(f"@{h}" in qdoc.text.lower() for h in ctx.handles)
            if not (to_brand or q.author == conv.post.author) or not self.question.at_least(qdoc):
                continue
            if q.id is not None and (conv.draft.in_reply_to == q.id
                                     or any(b.in_reply_to == q.id for b in brand_msgs)):
                continue
            if any(_before(q, b) and self._addressed(q, b.text, ctx) for b in brand_msgs):
                continue
            if self._addressed(q, conv.draft.text, ctx):
                continue
            yield Hit(None, {"author": q.author, "question": q.text[:60]})
            return


def build_mention(spec: MentionRule, env: BuildEnv) -> MentionChecker:
    return MentionChecker(Matcher(spec.question, env.lexicons), spec.min_overlap)
