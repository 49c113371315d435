"""One finding per match of `match` in the draft (matches inside quotes 「…」 excepted).

Span: the match.

Example::

    - id: internet-slang
      kind: pattern
      category: overfamiliar
      severity: warning
      message: ネットスラング（{match}）は使わないでください
      match:
        phrases: [草, ワロタ]
        regex: ['(?:^|[^a-z])(?P<hit>w{2,})(?:[^a-z]|$)']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..matcher import Matcher
from ..schema import MatcherSpec, RuleBase
from . import BuildEnv, Hit, Kind


class PatternRule(RuleBase):
    """One finding per match of the matcher in the draft."""

    kind: Literal["pattern"]
    match: MatcherSpec = Field(description="what to find")
    max_findings: int = Field(3, ge=1, description="at most this many findings per draft")


@dataclass
class PatternChecker:
    matcher: Matcher
    limit: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        spans = [sp for sp in self.matcher.find(doc) if not doc.in_quote(sp[0])]
        for a, b in spans[:self.limit]:
            yield Hit((a, b), {"match": doc.text[a:b]})


def build(spec: PatternRule, env: BuildEnv) -> PatternChecker:
    return PatternChecker(env.matcher(spec.match, at=("match",)), spec.max_findings)


KIND = Kind(PatternRule, build, {"match": "the matched text, normalised"}, __doc__ or "")
