"""A question to the brand in the thread is left unanswered while the draft replies.

A thread message is such a question when it is not by the brand, was posted before the
draft, either @mentions a brand handle or is by the post's author and @mentions no one else (a
question to a friend is not one to the brand), and matches `question`.
It counts as answered when the draft or a brand message replies to it (`in_reply_to` = its
`id`), or when a later brand message or the draft shares at least `min_overlap` of the
content words it adds to the post (those it shares with the post are its topic, not what it
asks). With `answer_facts`, a draft sent as the reply counts only when it matches one of
those facts or shares those words: a closing thank-you sent as the reply answers nothing.
Span: none. At most one finding.

Example::

    - id: mention-left-unanswered
      kind: unanswered_mention
      category: unanswered_mention
      severity: warning
      message: スレッドで {author} さんが質問しています（「{question}」）が、この返信は答えていません
      question:
        regex: ['[?？]', '(ますか|ですか|でしょうか)']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..matcher import Matcher
from ..models import Message
from ..schema import MatcherSpec, RuleBase, StrList
from . import BuildEnv, Hit, Kind
from ._thread import before

_MENTION = re.compile(r"@[A-Za-z0-9_]+")


class MentionRule(RuleBase):
    """A question to the brand in the thread is left unanswered while the draft replies."""

    kind: Literal["unanswered_mention"]
    question: MatcherSpec = Field(description="what makes a thread message a question")
    min_overlap: float = Field(0.25, ge=0, le=1, description="share of the question's content words a reply "
                               "must contain to count as answering it")
    stock: StrList = Field(default_factory=list, description=(
        "lemmas (or `@lexicon`) that carry no topic: a reply sharing only these (ございます, 頂く) "
        "with the question has not answered it"))
    answer_facts: StrList = Field(default_factory=list, description=(
        "matched facts that make a reply to the question an answer (`answer_signal`: はい, できます…); "
        "when given, a reply to the question that matches none of them and shares no content word "
        "with it leaves it unanswered"))


@dataclass
class MentionChecker:
    question: Matcher
    min_overlap: float
    answers: tuple[Matcher, ...] = ()
    stock: frozenset[str] = frozenset()

    def _draft_replies(self, q: Message, ctx: Context) -> bool:
        """The draft replies to ``q`` and (with answer facts) reads as an answer to it (a
        colleague's reply to ``q``, even a holding one, is a response the draft need not repeat)."""
        reply = ctx.conv.draft
        if q.id is None or reply.in_reply_to != q.id:
            return False
        if not self.answers:
            return True
        doc = ctx.doc(reply.text)
        return any(m.at_least(doc) for m in self.answers) or self._addressed(q, reply.text, ctx)

    def _addressed(self, q: Message, reply_text: str, ctx: Context) -> bool:
        q_terms = {t for t in ctx.content_terms(ctx.doc(q.text), self.stock) if not t.startswith("~")}
        if not q_terms:
            # a follow-up that names nothing of its own (で、どうなんですか？) asks about the post:
            # a reply that answers something (answer facts) answers it
            return any(m.at_least(ctx.doc(reply_text)) for m in self.answers)
        r_terms = ctx.content_terms(ctx.doc(reply_text), self.stock)
        if self.min_overlap > 0 and q_terms.isdisjoint(r_terms):
            return False  # nothing shared: narrowing the question by the post's words cannot change that
        # What the question adds to the post is what it asks about (南町店 is the post's topic;
        # 駐車場 is the question): a reply that only repeats the post's topic has not answered.
        asked = q_terms - ctx.content_terms(ctx.post)
        if asked:
            q_terms = asked
        return len(q_terms & r_terms) / len(q_terms) >= self.min_overlap

    def run(self, ctx: Context) -> Iterable[Hit]:
        conv = ctx.conv
        brand_msgs = ctx.messages("thread_brand")
        for q in conv.thread:
            if ctx.is_brand(q.author) or not before(q, conv.draft):
                continue
            qdoc = ctx.doc(q.text)
            to_brand = any(f"@{h}" in qdoc.text.lower() for h in ctx.handles)
            # the post's author asking a friend (@kanako だよね？) is not asking the brand
            own = q.author == conv.post.author and not _MENTION.search(qdoc.text)
            if not (to_brand or own) or not self.question.at_least(qdoc):
                continue
            if self._draft_replies(q, ctx) or (q.id is not None and any(b.in_reply_to == q.id for b in brand_msgs)):
                continue
            if any(before(q, b) and self._addressed(q, b.text, ctx) for b in brand_msgs):
                continue
            if self._addressed(q, conv.draft.text, ctx):
                continue
            yield Hit(None, {"author": q.author, "question": q.text[:60]})
            return


def build(spec: MentionRule, env: BuildEnv) -> MentionChecker:
    answers = env.fact_matchers(spec.answer_facts, at=("answer_facts",))
    stock = frozenset(env.lexicon_words(spec.stock, at=("stock",)))
    return MentionChecker(env.matcher(spec.question, at=("question",)), spec.min_overlap, answers, stock)


KIND = Kind(MentionRule, build, {"author": "who asked", "question": "the first 60 characters of the question"},
            __doc__ or "")
