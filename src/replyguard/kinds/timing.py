"""The draft would be sent later than the response-time target after the post.

Needs both `post.created_at` and `draft.created_at`; without either, the rule does nothing.
With `first_response`, what is timed is the account's first response: when the draft's own
account replied in the thread after the post and within the target, the post was answered in
time and the draft is a follow-up (the update a holding reply promised), not a late reply.
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
    first_response: bool = Field(False, description="time the account's first response: its own reply in the "
                                 "thread within the target makes a later draft a follow-up")


@dataclass
class TimingChecker:
    max_minutes: float | None
    first_response: bool = False

    def run(self, ctx: Context) -> Iterable[Hit]:
        minutes = ctx.minutes_after_post(ctx.conv.draft.created_at)
        target = self.max_minutes if self.max_minutes is not None else ctx.settings.response_minutes
        if minutes is None or minutes <= target:
            return
        if self.first_response:
            author = ctx.conv.draft.author.lower().lstrip("@")
            for m in ctx.messages("thread_brand"):
                if m.author.lower().lstrip("@") != author:
                    continue  # another account's answer: the draft repeats it late
                after = ctx.minutes_after_post(m.created_at)
                if after is not None and 0 <= after <= target:
                    return  # the brand answered in time; the draft follows up
        yield Hit(None, {"minutes": round(minutes), "target": round(target)})


def build(spec: TimingRule, env: BuildEnv) -> TimingChecker:
    return TimingChecker(spec.max_minutes, spec.first_response)


KIND = Kind(TimingRule, build, {"minutes": "minutes from the post to the draft (rounded)",
                                "target": "the target (rounded)"}, __doc__ or "")
