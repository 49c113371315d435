"""Output formats. Formatters only format: they receive a report or a run and return text.

Formats of a whole run (the located findings of ``check --cases``, of one draft, or of
``lint-templates``) are registered in :data:`RUN_FORMATS`: each is one module of this package
with ``format_run(run, fail_on) -> str``. Adding one is that module plus a line here; the
command line offers every registered name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..models import Report

if TYPE_CHECKING:
    from ..models import Severity
    from .located import Run

# run format name → module of this package (imported only when used)
RUN_FORMATS: dict[str, str] = {"sarif": "sarif", "github": "github", "junit": "junit"}
CI_FORMATS: tuple[str, ...] = tuple(RUN_FORMATS)


def run_formatter(name: str) -> Callable[[Run, Severity], str]:
    """The ``format_run`` of a registered run format."""
    module = importlib.import_module(f"{__name__}.{RUN_FORMATS[name]}")
    formatter: Callable[[Run, Severity], str] = module.format_run
    return formatter


def report_dict(report: Report) -> dict[str, Any]:
    """The ``--format jsonl`` object of one case (``shared/spec/cases.md``)."""
    return report.model_dump(mode="json", exclude_none=False)
