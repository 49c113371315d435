"""Output formats. Formatters only format: they receive reports and return text."""

from __future__ import annotations

from typing import Any

from ..models import Report


def report_dict(report: Report) -> dict[str, Any]:
    """The ``--format jsonl`` object of one case (``shared/spec/cases.md``)."""
    return report.model_dump(mode="json", exclude_none=False)
