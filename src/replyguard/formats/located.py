"""The result model every output format reads: a *run* → its *units* → located findings.

A unit is one thing that passes or fails as a whole: a draft checked on its own
(``check DRAFT``), a case of ``check --cases`` (at its line in the cases file), or a template
entry or template file of ``lint-templates`` (at its ``text`` key or the sample's line). A
checked draft keeps its whole :class:`~replyguard.models.Report` (decision, spans, fixes,
suggestions) beside the located findings made from it; those are built only when a format
asks for them, so streaming ``--format jsonl`` of a large batch never builds them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..batch import CaseResult, record_line
from ..models import Report, Severity

if TYPE_CHECKING:
    from ..linter import Linter

TOOL_NAME = "replyguard"
TOOL_URI = "https://github.com/replyguard/replyguard"

Subject = Literal["draft", "case", "template"]


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
    """One finding at a place: ``line`` and ``column`` are 1-based (``None``: unknown);
    ``span`` is ``[start, end)`` in the checked draft when the finding has one."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    category: str = ""
    span: tuple[int, int] | None = None


@dataclass
class SuppressedFinding:
    """A finding left out by an inline ``# replyguard: disable=`` comment or ``per-file-ignores``."""

    finding: Located
    reason: str
    source: str  # "inline" or "config"


INPUT_ERROR = "replyguard/input-error"
INPUT_ERROR_INFO = RuleInfo(INPUT_ERROR, "Case cannot be checked",
                            "The line is not valid JSON or not a valid case (docs/cases.md).", Severity.error)


class Unit:
    """A draft, a case or a template: a JUnit testcase, with its findings (possibly none).

    ``check`` is the checked draft behind a unit of ``check`` (``None`` for a template); its
    findings become :class:`Located` ones at ``file``:``line`` (with the span's column when
    ``columns``) the first time :attr:`findings` is read. ``fix``: the unit's record carries
    ``fixed_text`` (``check --fix``). ``meta``: fields the record carries first (the server's
    ``check_id``).
    """

    __slots__ = ("_findings", "check", "columns", "error", "file", "fix", "line", "meta", "name", "suppressed")

    def __init__(self, name: str, file: str, line: int | None = None, findings: list[Located] | None = None,
                 error: str | None = None, suppressed: list[SuppressedFinding] | None = None, *,
                 check: CaseResult | None = None, columns: bool = False, fix: bool = False,
                 meta: dict[str, Any] | None = None) -> None:
        self.name, self.file, self.line, self.error = name, file, line, error
        self.suppressed: list[SuppressedFinding] = suppressed if suppressed is not None else []
        self.check, self.columns, self.fix, self.meta = check, columns, fix, meta
        self._findings = findings if findings is not None or check is not None else []

    @property
    def findings(self) -> list[Located]:
        if self._findings is None:
            self._findings = self._locate()
        return self._findings

    @findings.setter
    def findings(self, value: list[Located]) -> None:
        self._findings = value

    @property
    def report(self) -> Report | None:
        """The report of a checked draft (``None``: a template, or a case that could not be checked)."""
        return self.check.report if self.check is not None and self.error is None else None

    @property
    def draft(self) -> str:
        return self.check.draft if self.check is not None else ""

    def severities(self) -> list[Severity]:
        """The severity of each finding (none for a case that could not be checked)."""
        if self.check is not None:
            return self.check.severities()
        return [f.severity for f in self.findings]

    def fails(self, threshold: Severity) -> bool:
        return any(s.rank >= threshold.rank for s in self.severities())

    def fixed_text(self) -> str | None:
        """The draft with its safe fixes applied (``None`` when it could not be checked)."""
        from ..linter import apply_fixes

        report = self.report
        return apply_fixes(self.draft, report) if report is not None else None

    def record(self) -> dict[str, Any]:
        """The unit as JSON data: a checked draft's report (``docs/cases.md``, the ``--format
        jsonl`` record), or a template's located findings and suppressions; :attr:`meta` first."""
        if self.check is not None:
            rec = self.check.record()
            if self.fix:  # only safe fixes: unsafe ones change the meaning and need a person
                rec["fixed_text"] = self.fixed_text()
        else:
            rec = {"name": self.name, "file": relative_uri(self.file), "line": self.line,
                   "findings": [located_dict(f) for f in self.findings],
                   "suppressed": [{**located_dict(s.finding), "reason": s.reason, "source": s.source}
                                  for s in self.suppressed]}
        return {**self.meta, **rec} if self.meta else rec

    def json_line(self) -> str:
        """:meth:`record` as one line of JSON, written by the checked draft when there is one
        (a batch worker's line as it sent it; the server's compact encoding)."""
        if self.check is None:
            return record_line(self.record())
        return self.check.json_line(self.meta, {"fixed_text": self.fixed_text()} if self.fix else None)

    def _locate(self) -> list[Located]:
        if self.error is not None:
            return [Located(INPUT_ERROR, Severity.error, self.error, self.file, self.line)]
        report = self.report
        assert report is not None
        return [Located(f.rule, f.severity, f.message, self.file, self.line,
                        (f.span.start + 1) if self.columns and f.span else None, f.category,
                        (f.span.start, f.span.end) if f.span else None)
                for f in report.findings]


def draft_unit(check: CaseResult, *, fix: bool = False, meta: dict[str, Any] | None = None) -> Unit:
    """A single draft (argument or stdin): line 1 of ``stdin``, columns are offsets in the draft + 1."""
    report = check.report
    return Unit((report.id if report is not None else "") or "draft", "stdin", 1, check=check, columns=True,
                fix=fix, meta=meta)


def case_unit(check: CaseResult, file: str, *, fix: bool = False) -> Unit:
    """One case of ``check --cases``: at its line in the cases file (``-``: stdin)."""
    return Unit(check.id or f"line {check.line}", "stdin" if file == "-" else file, check.line,
                error=check.error, check=check, fix=fix)


@dataclass
class Run:
    """Everything one command reports. ``subject`` says what a unit is; ``rules`` describes
    the rules a format may need to name (formats list only those with findings); ``fixes``:
    the units carry ``fixed_text`` (``check --fix``). A format fed unit by unit
    (:mod:`replyguard.formats`) gets the run with no units yet."""

    units: list[Unit]
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    suite: str = TOOL_NAME
    version: str = ""
    subject: Subject = "template"
    fixes: bool = False

    def findings(self) -> list[Located]:
        return [f for u in self.units for f in u.findings]

    def reported_rules(self) -> dict[str, RuleInfo]:
        """:attr:`rules` limited to the rules that have a finding or a suppressed one."""
        ids = {f.rule for u in self.units for f in u.findings} | {s.finding.rule for u in self.units
                                                                  for s in u.suppressed}
        return {k: v for k, v in self.rules.items() if k in ids}


def rule_infos(linter: Linter) -> dict[str, RuleInfo]:
    """Descriptions of the loaded pack rules (with their configured severities)."""
    return {r.id: RuleInfo(r.id, r.spec.title or r.message, (r.description or r.message).strip(),
                           linter.severity.get(r.id, r.severity)) for r in linter.packset.rules}


def check_run(linter: Linter, subject: Subject, *, fixes: bool = False) -> Run:
    """The header of a ``check`` run (no units yet): the rules a format may name."""
    from .. import __version__

    rules = rule_infos(linter)
    if subject == "case":
        rules[INPUT_ERROR] = INPUT_ERROR_INFO
    return Run([], rules, "replyguard check", __version__, subject, fixes)


def draft_run(linter: Linter, draft: str, report: Report, *, fix: bool = False,
              meta: dict[str, Any] | None = None, header: Run | None = None, compact: bool = False) -> Run:
    """A single draft's run (``check DRAFT``, the server's ``/v1/check``): one unit, carrying
    ``fixed_text`` when ``fix`` and the fields of ``meta`` first. ``header``: the
    :func:`check_run` header of ``"draft"`` to reuse (the server makes it once); ``compact``:
    its record line as pydantic encodes it (:class:`~replyguard.batch.CaseResult`)."""
    head = header if header is not None else check_run(linter, "draft")
    unit = draft_unit(CaseResult(1, report.id or None, draft, report, compact=compact), fix=fix, meta=meta)
    return Run([unit], head.rules, head.suite, head.version, "draft", fix)


def located_dict(f: Located) -> dict[str, Any]:
    return {"rule": f.rule, "severity": f.severity.value, "category": f.category,
            "message": f.message, "file": relative_uri(f.file), "line": f.line, "column": f.column}


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
