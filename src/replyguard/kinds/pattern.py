"""``pattern`` (a finding per match) and ``substitution`` (wrong → right, with a fix)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .. import prefilter
from ..context import Context
from ..matcher import Matcher, TokenSequence, compile_sequence, quote
from ..regex import Regex, compile_pattern
from ..schema import PatternRule, SubstitutionRule
from ..text import normalize
from . import BuildEnv, Hit


@dataclass
class PatternChecker:
    matcher: Matcher
    limit: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        spans = [sp for sp in self.matcher.find(doc) if not doc.in_quote(sp[0])]
        for a, b in spans[:self.limit]:
            yield Hit((a, b), {"match": doc.text[a:b]})


def build_pattern(spec: PatternRule, env: BuildEnv) -> PatternChecker:
    return PatternChecker(Matcher(spec.match, env.lexicons), spec.max_findings)


@dataclass
class _Swap:
    regex: Regex | None
    sequence: TokenSequence | None
    replacement: str
    safe: bool
    need: prefilter.Grams | None = None  # characters every match of ``regex`` contains


@dataclass
class SubstitutionChecker:
    swaps: list[_Swap]
    unless: Matcher | None

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        blocked = {doc.sentence_at(a) for a, _ in self.unless.find(doc)} if self.unless else set()
        taken: list[tuple[int, int]] = []
        for swap in self.swaps:
            for (a, b), repl in self._matches(swap, ctx):
                if doc.sentence_at(a) in blocked or doc.in_quote(a) or any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                yield Hit((a, b), {"match": doc.text[a:b], "replacement": repl},
                          replacement=repl, safe=swap.safe)

    @staticmethod
    def _matches(swap: _Swap, ctx: Context) -> Iterable[tuple[tuple[int, int], str]]:
        doc = ctx.draft
        if swap.regex is not None and (swap.need is None or not swap.need.isdisjoint(doc.grams)):
            for m in swap.regex.matches(doc.text, doc.utf8):
                yield m.span, m.expand(swap.replacement)
        if swap.sequence is not None:
            for span in swap.sequence.spans(doc):
                yield span, swap.replacement


def build_substitution(spec: SubstitutionRule, env: BuildEnv) -> SubstitutionChecker:
    swaps = []
    for s in spec.swaps:
        given = [x is not None for x in (s.phrase, s.regex, s.tokens)]
        if sum(given) != 1:
            raise ValueError("each swap needs exactly one of 'phrase', 'regex' or 'tokens'")
        rx = None
        if s.phrase is not None:
            rx = Regex(quote(normalize(s.phrase).text), groups=True)
        elif s.regex is not None:
            rx = compile_pattern(s.regex, groups=True)
        if rx is not None and (bad := rx.bad_reference(s.replacement)) is not None:
            raise ValueError(f"replacement {s.replacement!r} refers to group {bad}, "
                             f"but the pattern has {rx.ngroups} group(s)")
        seq = compile_sequence(s.tokens) if s.tokens else None
        need = prefilter.pattern_grams(rx.pattern) if rx is not None else None
        swaps.append(_Swap(rx, seq, s.replacement, s.safe, need))
    unless = Matcher(spec.unless, env.lexicons) if spec.unless else None
    return SubstitutionChecker(swaps, unless)
