"""The draft would be sent later than the response-time target after the post.

Needs both `post.created_at` and `draft.created_at`; without either, the rule does nothing.
Span: none.

Example::

    - id: late-reply
      kind: timing
      category: slow_response
      severity: warning
      message: 投稿から {minutes} 分後の返信になります（目標 {target} 分以内）
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..schema import RuleBase
from . import BuildEnv, Hit, Kind


class TimingRule(RuleBase):
    """The draft would be sent later than the response-time target after the post."""

    kind: Literal["timing"]
    max_minutes: float | None = Field(None, description="the target in minutes (default: the config's "
                                                        "`response_minutes`, 60 unless set)")


@dataclass
class TimingChecker:
    max_minutes: float | None

    def run(self, ctx: Context) -> Iterable[Hit]:
        minutes = ctx.minutes_after_post(ctx.conv.draft.created_at)
        target = self.max_minutes if self.max_minutes is not None else ctx.settings.response_minutes
        if minutes is not None and minutes > target:
            yield Hit(None, {"minutes": round(minutes), "target": round(target)})


def build(spec: TimingRule, env: BuildEnv) -> TimingChecker:
    return TimingChecker(spec.max_minutes)


KIND = Kind(TimingRule, build, {"minutes": "minutes from the post to the draft (rounded)",
                                "target": "the target (rounded)"}, __doc__ or "")
