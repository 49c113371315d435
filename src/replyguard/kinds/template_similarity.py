"""Two templates of a repository render to nearly the same text (a template entry of
`lint-templates`).

The template's example rendering (its first sample's) is compared with that of every
template before it with another id: character 3-gram Dice similarity, whitespace ignored.
One finding, for the first earlier template at or above the threshold (`lint-templates
--similarity` overrides it). Fields: `{other}` (its id), `{where}` (its file:line),
`{similarity}` (2 decimals). Place: `text:`. Only in packs with `scope: templates`.

Example::

    - id: near-duplicate
      kind: template_similarity
      category: template
      severity: warning
      message: "nearly the same text as '{other}' ({where}), similarity {similarity}"
      threshold: 0.85
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import similarity
from ..context import Context
from ..schema import RuleBase
from ..template_subject import template_of
from . import BuildEnv, Hit, Kind


class TemplateSimilarityRule(RuleBase):
    """The template renders to nearly the same text as an earlier one."""

    kind: Literal["template_similarity"]
    threshold: float = Field(0.85, gt=0, le=1, description="similarity that counts as a near-duplicate")


@dataclass
class TemplateSimilarityChecker:
    threshold: float

    def run(self, ctx: Context) -> Iterable[Hit]:
        t = template_of(ctx)
        if not t.example_text:
            return
        threshold = t.repo.similarity if t.repo.similarity is not None else self.threshold
        for other in t.earlier:
            if not other.example_text or other.id == t.id:
                continue
            score = similarity(other.example_text, t.example_text)
            if score >= threshold:
                yield Hit(fields={"other": other.id, "where": f"{other.t.file}:{other.t.text_line}",
                                  "similarity": f"{score:.2f}"})
                return


def build(spec: TemplateSimilarityRule, env: BuildEnv) -> TemplateSimilarityChecker:
    return TemplateSimilarityChecker(spec.threshold)


KIND = Kind(TemplateSimilarityRule, build, {
    "other": "the id of the earlier template", "where": "its file:line (the text: key)",
    "similarity": "the similarity (2 decimals)"}, __doc__ or "", scope="templates")
