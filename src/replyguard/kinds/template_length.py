"""A template is too long for its channel when its variables are at their longest (a
template entry of `lint-templates`).

For each of the template's channels that has a limit, the template is rendered with every
declared variable at its `max_length` (CJK characters — weight 2 on X; a variable whose
example is a URL as a URL, which X counts as 23), a 15-character customer handle and the
longest sample post, and counted as the `length` kind counts a draft. The limit is the
strictest of the defaults and of the configured packs' `length` rules (`limits:`). Fields:
`{length}`, `{limit}`, `{channel}`, `{filled}` (` with every variable at its max_length` when
the template declares variables, else empty). Place: `text:`. Only in packs with
`scope: templates`.

Example::

    - id: too-long
      kind: template_length
      category: template
      severity: error
      message: "{length} characters on {channel}{filled} (limit {limit})"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..analysis import channel_length
from ..context import Context
from ..schema import RuleBase
from ..template_subject import template_of
from . import BuildEnv, Hit, Kind


class TemplateLengthRule(RuleBase):
    """The template at its maximum variable lengths exceeds a channel's limit."""

    kind: Literal["template_length"]


@dataclass
class TemplateLengthChecker:
    def run(self, ctx: Context) -> Iterable[Hit]:
        t = template_of(ctx)
        if not t.renderable:
            return
        filled = " with every variable at its max_length" if t.spec.variables else ""
        for channel, limit in t.limited_channels():
            text = t.longest(channel)
            if not isinstance(text, str):
                return  # a rendering error (template_render reports it)
            n = channel_length(ctx.doc(text), channel)
            if n > limit:
                yield Hit(fields={"length": n, "limit": limit, "channel": channel, "filled": filled})


def build(spec: TemplateLengthRule, env: BuildEnv) -> TemplateLengthChecker:
    return TemplateLengthChecker()


KIND = Kind(TemplateLengthRule, build, {
    "length": "the length at maximum variable lengths, as the channel counts it", "limit": "the channel's limit",
    "channel": "the channel", "filled": "' with every variable at its max_length', or empty without variables",
}, __doc__ or "", scope="templates")
