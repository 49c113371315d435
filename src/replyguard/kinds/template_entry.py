"""What a template entry declares (a template entry of `lint-templates`).

* `duplicate_id`: an earlier entry of the repository has the same id. Fields: `{id}`,
  `{where}` (file:line of the first one). Place: `id:`.
* `unknown_intent`: an intent that is no fact of the loaded packs (`complaint`,
  `question`…). One finding each. Fields: `{intent}`, `{known}` (the known ones). Place: the
  intent.
* `no_samples`: the entry has no samples, so it cannot be linted in context. Place: `id:`.

Only in packs with `scope: templates`.

Example::

    - id: no-samples
      kind: template_entry
      check: no_samples
      category: template
      severity: warning
      message: "no samples: add a sample post it is meant to answer"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..schema import RuleBase
from ..template_subject import template_of
from . import BuildEnv, Hit, Kind


class TemplateEntryRule(RuleBase):
    """A problem with what the entry declares: its id, intents or samples."""

    kind: Literal["template_entry"]
    check: Literal["duplicate_id", "unknown_intent", "no_samples"] = Field(
        description="duplicate_id: the id is used by an earlier entry; unknown_intent: an intent no loaded pack "
                    "knows; no_samples: the entry has no samples")


@dataclass
class TemplateEntryChecker:
    check: str

    def run(self, ctx: Context) -> Iterable[Hit]:
        t = template_of(ctx)
        if self.check == "duplicate_id":
            first = next((s for s in t.earlier if s.id == t.id), None)
            if first is not None:
                yield Hit(fields={"id": t.id, "where": f"{first.t.file}:{first.t.line('id')}"}, at=("id",))
        elif self.check == "unknown_intent":
            known = ", ".join(sorted(t.repo.known_intents)) or "none"
            for k, intent in enumerate(t.spec.intents):
                if intent not in t.repo.known_intents:
                    yield Hit(fields={"intent": intent, "known": known}, at=("intents", k))
        elif not t.spec.samples:
            yield Hit(at=("id",))


def build(spec: TemplateEntryRule, env: BuildEnv) -> TemplateEntryChecker:
    return TemplateEntryChecker(spec.check)


KIND = Kind(TemplateEntryRule, build, {
    "id": "duplicate_id: the template id", "where": "duplicate_id: file:line of the first entry with it",
    "intent": "unknown_intent: the intent", "known": "unknown_intent: the intents the packs know",
}, __doc__ or "", scope="templates")
