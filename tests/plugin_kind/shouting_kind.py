"""Too many exclamation marks in the draft: a kind shipped by another package (a test).

Span: the first run.

Example::

    - id: shouting
      kind: shouting
      category: overfamiliar
      severity: info
      message: 感嘆符が {count} 個あります
      max: 2
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from replyguard.context import Context
from replyguard.kinds import BuildEnv, Hit, Kind, KindError
from replyguard.schema import RuleBase


class ShoutingRule(RuleBase):
    """More exclamation marks than ``max`` in the draft."""

    kind: Literal["shouting"]
    max: int = Field(2, description="how many ！ are still fine")


@dataclass
class ShoutingChecker:
    limit: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        text = ctx.draft.text
        n = text.count("!")
        if n > self.limit:
            a = text.index("!")
            yield Hit((a, a + 1), {"count": n})


def build(spec: ShoutingRule, env: BuildEnv) -> ShoutingChecker:
    if spec.max < 0:
        raise KindError("max must be 0 or more", at=("max",))
    return ShoutingChecker(spec.max)


KIND = Kind(ShoutingRule, build, {"count": "how many ！ the draft has"}, __doc__ or "")
