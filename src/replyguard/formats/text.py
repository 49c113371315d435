"""``--format text``, for people: a checked draft's findings with rule, severity, action,
message and the draft with the span marked as »…«, then a summary of the cases; for
templates, ``file:line: severity: rule: message`` lines, the suppressed ones, a summary.
Written unit by unit, as the command produces them.
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from ..models import Finding, Report, Severity
from . import OutputFormat, register
from .located import Run, SuppressedFinding, Unit, relative_uri

_MARK = {"error": "✖", "warning": "▲", "info": "●"}


def mark_span(text: str, finding: Finding, width: int = 36) -> str:
    """A one-line excerpt of ``text`` around the finding's span, the span between » and «."""
    if finding.span is None:
        excerpt = text if len(text) <= width * 2 else text[: width * 2] + "…"
        return excerpt.replace("\n", " ")
    a, b = finding.span.start, finding.span.end
    left = max(0, a - width)
    right = min(len(text), b + width)
    out = ("…" if left > 0 else "") + text[left:a] + "»" + text[a:b] + "«" + text[b:right]
    out += "…" if right < len(text) else ""
    return out.replace("\n", " ")


def format_report(report: Report, draft: str, *, label: str = "") -> str:
    head = label or report.id or "draft"
    decision = f"decision: {report.decision.value}"
    if not report.findings and not report.suppressed:
        return f"{head}: no findings ({decision})"
    lines = [f"{head}: {len(report.findings) or 'no'} finding(s) ({decision})"]
    for f in report.findings:
        where = f"{f.span.start}-{f.span.end}" if f.span else "whole"
        lines.append(f"  {_MARK[f.severity.value]} {f.severity.value:<7} {f.action.value:<7} {f.rule} "
                     f"[{f.category}] @{where}")
        lines.append(f"      {f.message}")
        lines.append(f"      {mark_span(draft, f)}")
        if f.fix is not None:
            lines.append(f"      fix{'' if f.fix.safe else ' (unsafe)'}: → {f.fix.replacement}")
        for s in f.suggestions:
            lines.append(f"      suggest {s.template}: {s.text}")
    for sup in report.suppressed:
        lines.append(f"  suppressed {sup.rule} ({sup.source}: {sup.reason}): {len(sup.findings)} finding(s)")
    return "\n".join(lines)


def format_summary(counts: dict[str, int], cases: int, errors: int) -> str:
    parts = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
    line = f"{cases} case(s) checked: {parts or 'no findings'}"
    if errors:
        line += f"; {errors} input error(s)"
    return line


@register
class Text(OutputFormat):
    name = "text"
    summary = "for people (default)"
    order = 0
    default = True
    fixes = True  # with --fix a case prints as its JSON record with fixed_text (docs/cli.md)

    def __init__(self, out: TextIO, run: Run, fail_on: Severity = Severity.error) -> None:
        super().__init__(out, run, fail_on)
        self.counts: Counter[str] = Counter()
        self.units = self.errors = 0
        self.files: set[str] = set()
        self.suppressed: list[SuppressedFinding] = []

    def unit(self, unit: Unit) -> None:
        self.units += 1
        if self.run.subject == "template":
            self._template(unit)
            return
        if unit.error is not None:
            self.errors += 1
        else:
            self.counts.update(s.value for s in unit.severities())
        if self.run.fixes:
            line = unit.json_line()
        elif unit.error is not None:  # the error already starts with "line N: "
            case_id = unit.check.id if unit.check is not None else None
            line = f"{case_id}: error: {unit.error}" if case_id else f"error: {unit.error}"
        else:
            report = unit.report
            assert report is not None
            line = format_report(report, unit.draft, label=unit.name)
        self.out.write(line + "\n")

    def _template(self, unit: Unit) -> None:
        self.files.add(unit.file)
        for f in unit.findings:
            self.counts[f.severity.value] += 1
            self.out.write(f"{relative_uri(f.file)}:{f.line or 1}: {f.severity.value}: {f.rule}: {f.message}\n")
        self.suppressed.extend(unit.suppressed)

    def end(self) -> None:
        counts = {s: self.counts[s] for s in ("error", "warning", "info")}
        if self.run.subject == "case" and not self.run.fixes:
            self.out.write(format_summary(counts, self.units, self.errors) + "\n")
        elif self.run.subject == "template":
            for s in self.suppressed:
                f = s.finding
                self.out.write(f"{relative_uri(f.file)}:{f.line or 1}: suppressed ({s.source}: {s.reason}): "
                               f"{f.rule}: {f.message}\n")
            parts = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
            more = f"; {len(self.suppressed)} suppressed" if self.suppressed else ""
            self.out.write(f"{self.units} template(s) in {len(self.files)} file(s): "
                           f"{parts or 'no findings'}{more}\n")
