"""The register (speech level) of the draft.

* `mixed`: the draft has both polite (です/ます/ございます/ください) and plain (だ, 〜る,
  〜た, 〜ない) sentence endings. Each ending of the minority register is a finding (on a
  tie, the plain ones). Text in quotes (「…」) is ignored: quoting the customer is not
  mixing. Fields: `{match}`, `{register}` (`polite` or `plain`). Span: the ending.
* `count`: at least `min` markers in the draft make one finding spanning the first to the
  last marker. Fields: `{count}`, `{match}` (the first marker).
* `casual`: casual sentence endings anywhere, and plain ones too when no sentence is polite
  (タメ口), read from the sentence registers (see register_analysis); at most two findings.
  Fields: `{match}`, `{register}` (`casual` or `plain`). Span: the ending.

Example::

    - id: mixed-endings
      kind: register
      mode: mixed
      category: mixed_register
      severity: warning
      message: です・ます調の中に常体の文末（{match}）が混ざっています
    - id: ceremonial-keigo-to-light-post
      kind: register
      mode: count
      min: 2
      category: too_formal
      severity: info
      message: 重い定型敬語（{match} など {count} 箇所）
      when: post.casual and not post.complaint
      markers:
        phrases: [誠に, 何卒, 大変恐縮, ご愛顧賜り]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..matcher import Matcher
from ..schema import MatcherSpec, RuleBase
from . import BuildEnv, Hit, Kind, KindError


class RegisterRule(RuleBase):
    """Register of the draft: ``mixed`` polite/plain endings, or ``count`` markers of a register."""

    kind: Literal["register"]
    mode: Literal["mixed", "count", "casual"] = Field(
        description="mixed: polite and plain endings in one text; count: markers against a minimum; "
                    "casual: casual sentence endings, and plain ones when no sentence is polite (タメ口)")
    markers: MatcherSpec | None = Field(None, description="for mode count: markers to count")
    min: int = Field(1, ge=1, description="for mode count: how many markers make a finding")


@dataclass
class MixedChecker:
    def run(self, ctx: Context) -> Iterable[Hit]:
        endings = ctx.draft.endings
        polite = [e for e in endings if e[0] == "polite"]
        plain = [e for e in endings if e[0] == "plain"]
        if not polite or not plain:
            return
        # Flag the minority register; on a tie, the plain endings (replies are polite by default).
        minority = plain if len(plain) <= len(polite) else polite
        for kind, a, b in minority:
            yield Hit((a, b), {"match": ctx.draft.text[a:b], "register": kind})


@dataclass
class CasualChecker:
    """Casual endings anywhere, and plain endings too when no sentence is polite."""

    limit: int = 2

    def run(self, ctx: Context) -> Iterable[Hit]:
        regs = ctx.draft.registers
        polite = any(r.register == "polite" for r in regs)
        wanted = ("casual",) if polite else ("casual", "plain")
        hits = [r for r in regs if r.register in wanted and r.end > r.start]
        for r in hits[:self.limit]:
            yield Hit((r.start, r.end), {"match": ctx.draft.text[r.start:r.end], "register": r.register})


@dataclass
class CountChecker:
    markers: Matcher
    minimum: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        spans = self.markers.find(ctx.draft)
        if len(spans) >= self.minimum:
            a, b = spans[0][0], spans[-1][1]
            yield Hit((a, b), {"count": len(spans), "match": ctx.draft.text[spans[0][0]:spans[0][1]]})


def build(spec: RegisterRule, env: BuildEnv) -> MixedChecker | CountChecker | CasualChecker:
    if spec.mode == "mixed":
        return MixedChecker()
    if spec.mode == "casual":
        return CasualChecker()
    if spec.markers is None or spec.markers.is_empty():
        raise KindError("mode 'count' needs 'markers'", at=("mode",))
    return CountChecker(env.matcher(spec.markers, at=("markers",)), spec.min)


KIND = Kind(RegisterRule, build, {"match": "the ending (mixed, casual) or the first marker (count)",
                                  "register": "mixed, casual: polite, plain or casual",
                                  "count": "count: how many markers"}, __doc__ or "")
