"""The draft nearly repeats a message the brand already sent.

Similarity is the Dice coefficient of character n-grams, whitespace ignored. Span: none.
At most one finding.

Example::

    - id: repeated-reply
      kind: repetition
      category: copy_paste_apology
      severity: warning
      message: 以前の返信とほぼ同じ文面です（類似度 {similarity}）
      threshold: 0.85
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import dice
from ..context import Context
from ..schema import RuleBase, Scope
from . import BuildEnv, Hit, Kind

_AGAINST: tuple[Scope, ...] = ("thread_brand", "history_brand")


class RepetitionRule(RuleBase):
    """The draft nearly repeats a brand message already sent in the thread or history."""

    kind: Literal["repetition"]
    against: list[Scope] = Field(default_factory=lambda: list(_AGAINST),
                                 description="the scopes where earlier messages are looked up")
    threshold: float = Field(0.8, gt=0, le=1, description="similarity that counts as a repeat")
    ngram: int = Field(3, ge=1, le=8, description="n-gram length")


@dataclass
class RepetitionChecker:
    against: list[str]
    threshold: float
    n: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        draft = ctx.ngrams(ctx.draft, self.n)
        for scope in self.against:
            for doc in ctx.docs(scope):
                sim = dice(draft, ctx.ngrams(doc, self.n))
                if sim >= self.threshold:
                    yield Hit(None, {"similarity": round(sim, 2), "previous": doc.original[:40]})
                    return


def build(spec: RepetitionRule, env: BuildEnv) -> RepetitionChecker:
    return RepetitionChecker(list(spec.against), spec.threshold, spec.ngram)


KIND = Kind(RepetitionRule, build, {"similarity": "the similarity (2 decimals)",
                                    "previous": "the first 40 characters of the earlier message"}, __doc__ or "")
