"""The draft is longer than the channel allows.

Default limits: `x` 280, `instagram` 2,200, `facebook` 8,000, `line` 5,000, `youtube`
10,000; `other` has no limit unless set. How length is counted:

* **X**: X's weighted count — most CJK characters, kana and emoji count 2, Latin letters,
  digits and common punctuation 1, every URL 23; a leading run of `@handles` (the reply's
  addressees) is free. 140 kana = 280 is fine, 141 is too long.
* **LINE**: UTF-16 code units (an emoji outside the BMP counts 2).
* others: characters.

Span: none (whole draft).

Example::

    - id: over-channel-limit
      kind: length
      category: too_long
      severity: error
      message: "{channel} の文字数上限を超えています（{length} / {limit}）"
      limits: {facebook: 2000}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import DEFAULT_LIMITS, channel_length
from ..context import Context
from ..schema import RuleBase
from . import BuildEnv, Hit, Kind


class LengthRule(RuleBase):
    """The draft exceeds the channel's limit (X counts CJK as 2 and a URL as 23)."""

    kind: Literal["length"]
    limits: dict[str, int] = Field(default_factory=dict,
                                   description="channel → limit, overriding the defaults per channel")


@dataclass
class LengthChecker:
    limits: dict[str, int]

    def run(self, ctx: Context) -> Iterable[Hit]:
        channel = ctx.conv.channel
        limit = self.limits.get(channel)
        if limit is None:
            return
        n = channel_length(ctx.draft, channel)
        if n > limit:
            yield Hit(None, {"length": n, "limit": limit, "channel": channel})


def build(spec: LengthRule, env: BuildEnv) -> LengthChecker:
    return LengthChecker({**DEFAULT_LIMITS, **spec.limits})


KIND = Kind(LengthRule, build, {"length": "the draft's length as the channel counts it",
                                "limit": "the channel's limit", "channel": "the channel"}, __doc__ or "",
            channel_limits=lambda spec: {**DEFAULT_LIMITS, **spec.limits})
