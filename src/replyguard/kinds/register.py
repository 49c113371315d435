"""``register``: ``mixed`` polite and plain sentence endings in the draft (quotes excluded),
or ``count`` markers of a register (formal boilerplate, casual slang) against a minimum."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..context import Context
from ..matcher import Matcher
from ..schema import RegisterRule
from . import BuildEnv, Hit


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
        raise ValueError("mode 'count' needs 'markers'")
    return CountChecker(Matcher(spec.markers, env.lexicons), spec.min)
