"""Output formats. Formatters only format: they receive reports and return text."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..models import Report

Formatter = Callable[[Report, str], str]


def report_dict(report: Report) -> dict:
    """The ``--format jsonl`` object of one case (``shared/spec/cases.md``)."""
    return report.model_dump(mode="json", exclude_none=False)


def jsonl_line(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False)
