"""``--format json``: the records of ``jsonl`` as one JSON document, indented — the record
itself for one draft, an array of records for ``check --cases``, ``{"units": [...]}`` for
``lint-templates``."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..models import Severity
from . import OutputFormat, register
from .located import Run, Unit


@register
class Json(OutputFormat):
    name = "json"
    summary = "the same records as one JSON document"
    order = 1
    fixes = True
    media_type = "application/json"

    def __init__(self, out: TextIO, run: Run, fail_on: Severity = Severity.error) -> None:
        super().__init__(out, run, fail_on)
        self.records: list[dict[str, Any]] = []

    def unit(self, unit: Unit) -> None:
        self.records.append(unit.record())

    def end(self) -> None:
        doc: Any = self.records
        if self.run.subject == "draft" and len(self.records) == 1:
            doc = self.records[0]
        elif self.run.subject == "template":
            doc = {"units": self.records}
        self.out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
