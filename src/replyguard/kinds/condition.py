"""The rule's `when:` is the whole check: one finding whenever it holds.

`anchor` places the finding's span: the first match of a matcher in the draft, or where
the named matching fact (`draft.NAME`) matched in the draft; without a match the finding is
about the whole draft. Span: the anchor match, or none.

Example::

    - id: policy-brush-off
      kind: condition
      category: brush_off
      severity: warning
      message: 「仕様です」「規約です」だけで、理由も代わりの手段も示していません
      when: post.complaint and draft.dismissal and not draft.alternative
      anchor: draft.dismissal
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


class ConditionRule(RuleBase):
    """Fires when ``when`` holds; ``anchor`` optionally places the span in the draft."""

    kind: Literal["condition"]
    anchor: MatcherSpec | str | list[str] | None = Field(
        None, description="where the finding points: a matcher, or the name of a draft fact (draft.casual), "
                          "or several names (the first that matches places it: [draft.promo_push, draft.promo])")


@dataclass
class ConditionChecker:
    anchor: Matcher | None
    anchor_facts: tuple[str, ...]

    def run(self, ctx: Context) -> Iterable[Hit]:
        span = None
        if self.anchor_facts:
            for fact in self.anchor_facts:
                spans = ctx.facts.draft_spans(fact, ctx)
                if spans:
                    span = spans[0]
                    break
        else:
            span = self.anchor.search(ctx.draft) if self.anchor else None
        yield Hit(span, {"match": ctx.draft.text[span[0]:span[1]] if span else ""})


def build(spec: ConditionRule, env: BuildEnv) -> ConditionChecker:
    if isinstance(spec.anchor, (str, list)):
        names = [spec.anchor] if isinstance(spec.anchor, str) else spec.anchor
        for k, fact in enumerate(names):
            scope, _, name = fact.partition(".")
            if scope != "draft" or name not in env.facts.matched:
                raise KindError(f"anchor {fact!r} must name a matching fact of the draft (draft.NAME)",
                                at=("anchor",) if isinstance(spec.anchor, str) else ("anchor", k))
        return ConditionChecker(None, tuple(names))
    return ConditionChecker(env.matcher(spec.anchor, at=("anchor",)) if spec.anchor else None, ())


KIND = Kind(ConditionRule, build, {"match": "the anchor's text in the draft, or empty"}, __doc__ or "")
