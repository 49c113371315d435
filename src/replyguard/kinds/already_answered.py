"""Another brand account (or agent) already answered the post.

A brand message in the thread counts when it answers the post (`in_reply_to` is empty or
the post's `id`), was posted at or before the draft (or has no time) but not before the post (the
post may be answering it), and is not a holding reply — one that matches `holding` and not
`answers` — even when the draft only holds too (two holding replies counted as a duplicate
were measured to cost more than they caught). With `min_shared_terms`, a draft sharing fewer
content words with the earlier reply answers something else (the post's second question). Span: none.

Example::

    - id: colleague-already-answered
      kind: already_answered
      category: already_answered
      severity: error
      message: "{author} がすでにこの投稿に回答しています"
      holding:
        phrases: [確認いたします, 確認してまいります, 少々お待ちください]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import similarity
from ..context import Context
from ..doc import Doc
from ..matcher import Matcher
from ..models import Message
from ..schema import MatcherSpec, RuleBase
from . import BuildEnv, Hit, Kind
from ._thread import before, posted_before


class AnsweredRule(RuleBase):
    """Another brand account already answered the post (a holding reply does not count)."""

    kind: Literal["already_answered"]
    holding: MatcherSpec | None = Field(
        None, description="brand replies that only acknowledge (「確認いたします」) and do not count as answers")
    answers: MatcherSpec | None = Field(
        None, description="what makes a brand reply an answer although it also holds (a time, a date, 予定です)")
    followup: MatcherSpec | None = Field(
        None, description="a later customer message in the thread matching this (a follow-up question) "
                          "re-opens the post, so the colleague's answer no longer counts")
    addition: MatcherSpec | None = Field(
        None, description="a draft matching this says it adds to the answer (補足いたします): what the "
                          "colleague left out, not a duplicate")
    min_similarity: float = Field(0.0, ge=0, le=1, description="if set, the earlier reply must also be at "
                                  "least this similar to the draft (character 3-gram Dice)")
    min_shared_terms: int = Field(0, ge=0, description=(
        "if set, the draft must share at least this many content words with the earlier reply: a "
        "draft that shares none answers what the colleague left (the second of two questions), "
        "not the same thing again"))


@dataclass
class AnsweredChecker:
    holding: Matcher | None
    followup: Matcher | None
    min_similarity: float
    answers: Matcher | None = None
    addition: Matcher | None = None
    min_shared_terms: int = 0

    def _holds(self, doc: Doc) -> bool:
        """Only acknowledges: a holding phrase and no answer beside it."""
        return self.holding is not None and self.holding.at_least(doc) \
            and not (self.answers is not None and self.answers.at_least(doc))

    @staticmethod
    def _shared_terms(answer: Doc, ctx: Context) -> int:
        """Content words (not character n-grams) the draft shares with an earlier answer."""
        shared = ctx.content_terms(answer) & ctx.content_terms(ctx.draft)
        return sum(1 for t in shared if not t.startswith("~"))

    def _reopened(self, answer: Message, ctx: Context) -> bool:
        """A customer asked again after the answer (連携してないです…他に方法は？)."""
        if self.followup is None or answer.created_at is None:
            return False
        return any(not ctx.is_brand(m.author) and m.created_at is not None and before(answer, m)
                   and m is not answer and self.followup.at_least(ctx.doc(m.text))
                   for m in ctx.conv.thread)

    def run(self, ctx: Context) -> Iterable[Hit]:
        post, draft = ctx.conv.post, ctx.conv.draft
        if self.addition is not None and self.addition.at_least(ctx.draft):
            return
        for m in ctx.messages("thread_brand"):
            if m.in_reply_to not in (None, post.id) or not before(m, draft) or posted_before(m, post):
                continue
            doc = ctx.doc(m.text)
            # A holding reply leaves the answer to come.
            if self._holds(doc):
                continue
            if self.min_similarity and similarity(doc.text, ctx.draft.text) < self.min_similarity:
                continue
            if self.min_shared_terms and self._shared_terms(doc, ctx) < self.min_shared_terms:
                continue
            if self._reopened(m, ctx):
                continue
            yield Hit(None, {"author": m.author, "previous": m.text[:40]})
            return


def build(spec: AnsweredRule, env: BuildEnv) -> AnsweredChecker:
    holding = env.matcher(spec.holding, at=("holding",)) if spec.holding else None
    followup = env.matcher(spec.followup, at=("followup",)) if spec.followup else None
    answers = env.matcher(spec.answers, at=("answers",)) if spec.answers else None
    addition = env.matcher(spec.addition, at=("addition",)) if spec.addition else None
    return AnsweredChecker(holding, followup, spec.min_similarity, answers, addition, spec.min_shared_terms)


KIND = Kind(AnsweredRule, build, {"author": "who answered", "previous": "the first 40 characters of the answer"},
            __doc__ or "")
