"""Findings with a place in a file, the input of the CI formatters (SARIF, GitHub, JUnit).

``check --cases`` places a case's findings at the case's line in the cases file;
``lint-templates`` at the template's ``text`` key or at the sample's line. A *unit* is one
thing that passes or fails as a whole: a case, or a template (a JUnit testcase).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Severity

TOOL_NAME = "replyguard"
TOOL_URI = "https://github.com/replyguard/replyguard"


@dataclass(frozen=True)
class RuleInfo:
    """What a formatter needs to describe a rule (SARIF ``tool.driver.rules[]``)."""

    id: str
    short: str
    full: str = ""
    severity: Severity = Severity.warning
    help_uri: str | None = None


@dataclass
class Located:
    """One finding at a place: ``line`` and ``column`` are 1-based (``None``: unknown)."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    category: str = ""


@dataclass
class SuppressedFinding:
    """A finding left out by an inline ``# replyguard: disable=`` comment or ``per-file-ignores``."""

    finding: Located
    reason: str
    source: str  # "inline" or "config"


@dataclass
class Unit:
    """A case or a template: a JUnit testcase, with its findings (possibly none)."""

    name: str
    file: str
    line: int | None = None
    findings: list[Located] = field(default_factory=list)
    error: str | None = None  # could not be checked at all (input error)
    suppressed: list[SuppressedFinding] = field(default_factory=list)


@dataclass
class Run:
    """Everything one command reports, ready for a formatter."""

    units: list[Unit]
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    suite: str = TOOL_NAME
    version: str = ""

    def findings(self) -> list[Located]:
        return [f for u in self.units for f in u.findings]


def relative_uri(path: str) -> str:
    """``path`` relative to the working directory when it is under it (else absolute), with ``/``."""
    if not path or path in ("-", "<stdin>"):
        return "stdin"
    try:
        p = Path(path)
        rel = (os.path.relpath(p.resolve(), Path.cwd().resolve()) if p.is_absolute()
               else os.path.normpath(path))
    except ValueError:  # another drive on Windows
        rel = path
    if rel.startswith(".."):
        return Path(path).resolve().as_posix()
    return rel.replace(os.sep, "/")
