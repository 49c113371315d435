"""Human-readable output: each finding with its rule, severity, message and the draft with
the span marked as »…«."""

from __future__ import annotations

from ..models import Finding, Report

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
