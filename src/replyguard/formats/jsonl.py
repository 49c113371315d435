"""``--format jsonl``: one JSON record per unit, written as soon as the unit is done — a
checked draft's report (``docs/cases.md``, the record ``/v1/check`` answers), or a template's
located findings. ``check --cases`` streams it: one line out per case in, in input order."""

from __future__ import annotations

from . import OutputFormat, register
from .located import Unit


@register
class Jsonl(OutputFormat):
    name = "jsonl"
    summary = "one JSON record per case (or draft, or template), streamed"
    order = 2
    fixes = True
    answers = True
    media_type = "application/x-ndjson"

    def unit(self, unit: Unit) -> None:
        self.out.write(unit.json_line() + "\n")
