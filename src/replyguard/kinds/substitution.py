"""Wrong → right: each match becomes a finding with a `fix`.

Each swap has exactly one of `phrase` (a literal phrase, normalised), `regex` (a regular
expression; `\\1` in `replacement` refers to its groups) or `tokens` (a token sequence),
plus `replacement` and `safe`. Swaps are tried in order; a later swap's match that overlaps
an earlier one is skipped. A fix is *unsafe* unless its swap says `safe: true`: safe fixes
keep the meaning and are applied by `check --fix`, unsafe ones are only shown (as in Ruff).
Span and fix: the match.

Example::

    - id: double-honorific
      kind: substitution
      category: keigo_error
      severity: warning
      message: 二重敬語です（{match} → {replacement}）
      swaps:
        - {phrase: おっしゃられた, replacement: おっしゃった, safe: true}
        - {regex: 'お伺いさせていただ(き|く)', replacement: 'お伺いいたし'}
        - tokens: [{surface: 拝見}, {lemma: 為る}]
          replacement: ご覧
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from .. import prefilter
from ..context import Context
from ..doc import Doc
from ..matcher import Matcher, TokenSequence, compile_sequence, quote
from ..regex import Regex, SetGate, utf8
from ..schema import MatcherSpec, RuleBase, TokenSpec, _Spec
from ..text import normalize
from . import BuildEnv, Hit, Kind, KindError


class Swap(_Spec):
    """One wrong → right pair: exactly one of ``phrase``, ``regex``, ``tokens``."""

    phrase: str | None = Field(None, description="a literal phrase (normalised)")
    regex: str | None = Field(None, description="a regular expression")
    tokens: list[TokenSpec] | None = Field(None, description="a token sequence")
    replacement: str = Field(description="text that replaces the match; \\1 refers to a regex group")
    safe: bool = Field(False, description="true: the fix keeps the meaning and `check --fix` may apply it; "
                                          "default false (shown, never applied)")


class SubstitutionRule(RuleBase):
    """wrong → right: each match becomes a finding with a fix."""

    kind: Literal["substitution"]
    swaps: list[Swap] = Field(min_length=1, description="the swaps, tried in order")
    unless: MatcherSpec | None = Field(None, description="matches in a sentence where this matches are skipped")


@dataclass
class _Swap:
    regex: Regex | None
    sequence: TokenSequence | None
    replacement: str
    safe: bool
    need: prefilter.Grams | None = None  # characters every match of ``regex`` contains
    gate: SetGate | None = None  # the "written" gate set's scan of the text as written


@dataclass
class SubstitutionChecker:
    swaps: list[_Swap]
    unless: Matcher | None
    _memo_key: object = field(default_factory=object, compare=False, repr=False)

    def run(self, ctx: Context) -> Iterable[Hit]:
        """The hits depend on the draft's text only: they are kept on its Doc (a draft checked
        again, in another context, is not matched again)."""
        doc = ctx.draft
        hits: tuple[Hit, ...] | None = doc.memo.get(self._memo_key)  # type: ignore[assignment]
        if hits is None:  # a tuple: nearly always the shared empty one, which the collector never tracks
            hits = doc.memo[self._memo_key] = tuple(self._hits(doc))
        return hits

    def _hits(self, doc: Doc) -> Iterable[Hit]:
        blocked = {doc.sentence_at(a) for a, _ in self.unless.find(doc)} if self.unless else set()
        taken: list[tuple[int, int]] = []
        data = doc.utf8 if doc.masked == doc.text else utf8(doc.text)  # swaps read the text as written
        for swap in self.swaps:
            for (a, b), repl in self._matches(swap, doc, data):
                if doc.sentence_at(a) in blocked or doc.in_quote(a) or any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                yield Hit((a, b), {"match": doc.text[a:b], "replacement": repl},
                          replacement=repl, safe=swap.safe)

    @staticmethod
    def _matches(swap: _Swap, doc: Doc, data: bytes) -> Iterable[tuple[tuple[int, int], str]]:
        # the required characters, then the literal parts (ご…される needs される), then the gate's
        # scan: most drafts lack every swap's literal parts, and then are not scanned at all
        rx = swap.regex
        if rx is not None and (swap.need is None or not swap.need.isdisjoint(doc.grams)) and rx.may_match(doc.text) \
                and not (swap.gate is not None and swap.gate.ruled_out(doc.memo, data)):
            for m in rx.matches(doc.text, data):
                yield m.span, m.expand(swap.replacement)
        if swap.sequence is not None:
            for span in swap.sequence.spans(doc):
                yield span, swap.replacement


def build(spec: SubstitutionRule, env: BuildEnv) -> SubstitutionChecker:
    swaps = []
    for i, s in enumerate(spec.swaps):
        given = [x is not None for x in (s.phrase, s.regex, s.tokens)]
        if sum(given) != 1:
            raise KindError("each swap needs exactly one of 'phrase', 'regex' or 'tokens'", at=("swaps", i))
        rx = None
        if s.phrase is not None:
            rx = Regex(quote(normalize(s.phrase).text), groups=True)
        elif s.regex is not None:
            rx = env.regex(s.regex, at=("swaps", i), groups=True)
        if rx is not None and (bad := rx.bad_reference(s.replacement)) is not None:
            raise KindError(f"replacement {s.replacement!r} refers to group {bad}, "
                            f"but the pattern has {rx.ngroups} group(s)", at=("swaps", i, "replacement"))
        seq = compile_sequence(s.tokens, env.keys) if s.tokens else None
        need = prefilter.pattern_grams(rx.pattern) if rx is not None else None
        swaps.append(_Swap(rx, seq, s.replacement, s.safe, need, SetGate(rx, "written") if rx is not None else None))
    unless = env.matcher(spec.unless, at=("unless",)) if spec.unless else None
    return SubstitutionChecker(swaps, unless)


KIND = Kind(SubstitutionRule, build, {"match": "the matched text, normalised", "replacement": "its replacement"},
            __doc__ or "", fixes=lambda spec: [s.safe for s in spec.swaps])
