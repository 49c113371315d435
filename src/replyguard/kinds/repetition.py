"""The draft nearly repeats a message the brand already sent.

Similarity is the Dice coefficient of character n-grams, whitespace ignored. Span: none.
At most one finding.

With ``sentence_chars`` the rule looks for one sentence instead: a sentence of the draft at
least that long (spaces and punctuation not counted) that an earlier brand message already
contains word for word — the stock apology pasted again above a new second sentence, which the
whole-text similarity dilutes. Span: that sentence.

Example::

    - id: repeated-reply
      kind: repetition
      category: copy_paste_apology
      severity: warning
      message: 以前の返信とほぼ同じ文面です（類似度 {similarity}）
      threshold: 0.85
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import dice
from ..context import Context
from ..doc import MASK
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
    sentence_chars: int | None = Field(
        None, ge=8, le=200,
        description="look for one sentence of at least this many characters (spaces, punctuation, URLs "
                    "and handles not counted) repeated word for word, instead of the whole text")
    sentence_words: list[str] = Field(
        default_factory=list,
        description="with sentence_chars: a repeated sentence counts only if it holds one of these words")


# MASK stands in for a masked URL, e-mail address, handle or tag word: none of them is counted
_NOT_COUNTED = re.compile(r"[\s。、，,．.:：！!？?・…「」『』()（）@#" + MASK + "]+")


def _bare(text: str) -> str:
    return _NOT_COUNTED.sub("", text)


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


@dataclass
class SentenceRepetitionChecker:
    against: list[str]
    min_chars: int
    words: tuple[str, ...]

    def run(self, ctx: Context) -> Iterable[Hit]:
        masked = ctx.draft.masked
        mine = [(a, b, bare) for a, b in ctx.draft.sentences
                if len(bare := _bare(masked[a:b])) >= self.min_chars
                and (not self.words or any(w in bare for w in self.words))]
        if not mine:
            return
        for scope in self.against:
            for doc in ctx.docs(scope):
                if len(doc.text) < self.min_chars:
                    continue
                theirs = {_bare(doc.masked[a:b]) for a, b in doc.sentences}
                for a, b, bare in mine:
                    if bare in theirs:
                        yield Hit(_trimmed(masked, a, b), {"similarity": 1.0, "previous": doc.original[:40]})
                        return


def _trimmed(masked: str, a: int, b: int) -> tuple[int, int]:
    """The sentence without the @handles and spaces in front of it or the spaces after it."""
    while a < b and (masked[a].isspace() or masked[a] == "@" or masked[a] == MASK):
        a += 1
    while b > a and masked[b - 1].isspace():
        b -= 1
    return (a, b)


def build(spec: RepetitionRule, env: BuildEnv) -> RepetitionChecker | SentenceRepetitionChecker:
    if spec.sentence_chars is not None:
        return SentenceRepetitionChecker(list(spec.against), spec.sentence_chars, tuple(spec.sentence_words))
    return RepetitionChecker(list(spec.against), spec.threshold, spec.ngram)


KIND = Kind(RepetitionRule, build, {"similarity": "the similarity (2 decimals; 1.0 for a sentence repeated)",
                                    "previous": "the first 40 characters of the earlier message"}, __doc__ or "")
