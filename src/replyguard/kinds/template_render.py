"""Rendering a template failed (a template entry of `lint-templates`): with a sample's
variables (placed at the sample), with the default variables when it has no samples, or with
every declared variable at its `max_length` for a channel with a length limit (placed at
`text:`; only the first such failure). A template that is not safe to render (see
`template_source`) is not rendered and has no such finding. Fields: `{error}` (the template,
the error, and `(at maximum variable lengths)` for the last case). Only in packs with
`scope: templates`.

Example::

    - id: render-error
      kind: template_render
      category: template
      severity: error
      message: "{error}"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..context import Context
from ..schema import RuleBase
from ..template_subject import template_of
from . import BuildEnv, Hit, Kind


class TemplateRenderRule(RuleBase):
    """A rendering of the template failed."""

    kind: Literal["template_render"]


@dataclass
class TemplateRenderChecker:
    def run(self, ctx: Context) -> Iterable[Hit]:
        t = template_of(ctx)
        if not t.renderable:
            return
        for at, error in t.render_errors:
            yield Hit(fields={"error": error}, at=at)
        for channel, _ in t.limited_channels():
            text = t.longest(channel)
            if not isinstance(text, str):
                yield Hit(fields={"error": f"{text} (at maximum variable lengths)"})
                return


def build(spec: TemplateRenderRule, env: BuildEnv) -> TemplateRenderChecker:
    return TemplateRenderChecker()


KIND = Kind(TemplateRenderRule, build, {"error": "what went wrong, naming the template"}, __doc__ or "",
            scope="templates")
