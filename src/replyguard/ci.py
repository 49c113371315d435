"""CI side of the command line: ``lint-templates``, and the SARIF / GitHub / JUnit output of
``check``. Builds :class:`~replyguard.formats.located.Run` objects and hands them to the
formatters; the formatters only format.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable

from . import __version__
from .batch import CaseResult
from .formats import CI_FORMATS, RUN_FORMATS, run_formatter
from .formats.located import Located, RuleInfo, Run, Unit, relative_uri
from .linter import Linter
from .models import Report, Severity

TEMPLATE_FORMATS = ("text", "json", *CI_FORMATS)
INPUT_ERROR = "replyguard/input-error"


def rule_infos(linter: Linter) -> dict[str, RuleInfo]:
    """SARIF rule descriptions of the loaded pack rules (with configured severities)."""
    return {r.id: RuleInfo(r.id, r.message, (r.description or r.message).strip(),
                           linter.severity.get(r.id, r.severity)) for r in linter.packset.rules}


def _located(report: Report, file: str, line: int | None, *, columns: bool) -> list[Located]:
    return [Located(f.rule, f.severity, f.message, file, line,
                    (f.span.start + 1) if columns and f.span else None, f.category)
            for f in report.findings]


def single_run(linter: Linter, report: Report) -> Run:
    """A single draft (argument or stdin): one unit, columns are offsets in the draft + 1."""
    unit = Unit(report.id or "draft", "stdin", 1, _located(report, "stdin", 1, columns=True))
    return Run([unit], _used(rule_infos(linter), [unit]), "replyguard check", __version__)


def case_unit(res: CaseResult, file: str) -> Unit:
    """One case of ``check --cases``: located at its line in the cases file."""
    name = res.id or f"line {res.line}"
    if res.report is None:
        err = res.error or "error"
        return Unit(name, file, res.line, [Located(INPUT_ERROR, Severity.error, err, file, res.line)],
                    error=err)
    return Unit(name, file, res.line, _located(res.report, file, res.line, columns=False))


def cases_run(linter: Linter, file: str, results: list[CaseResult]) -> Run:
    """``check --cases``: one unit per case, located in the cases file (``-``: stdin)."""
    units = [case_unit(r, "stdin" if file == "-" else file) for r in results]
    infos = rule_infos(linter)
    infos[INPUT_ERROR] = RuleInfo(INPUT_ERROR, "Case cannot be checked",
                                  "The line is not valid JSON or not a valid case (docs/cases.md).",
                                  Severity.error)
    return Run(units, _used(infos, units), "replyguard check", __version__)


def _used(infos: dict[str, RuleInfo], units: Iterable[Unit]) -> dict[str, RuleInfo]:
    ids = {f.rule for u in units for f in u.findings}
    return {k: v for k, v in infos.items() if k in ids}


def format_run(run: Run, fmt: str, fail_on: Severity) -> str:
    if fmt in RUN_FORMATS:
        return run_formatter(fmt)(run, fail_on)
    if fmt == "json":
        return json.dumps(run_dict(run), ensure_ascii=False, indent=2)
    return format_text(run)


def _located_dict(f: Located) -> dict:
    return {"rule": f.rule, "severity": f.severity.value, "category": f.category,
            "message": f.message, "file": relative_uri(f.file), "line": f.line, "column": f.column}


def run_dict(run: Run) -> dict:
    return {"units": [{
        "name": u.name, "file": relative_uri(u.file), "line": u.line,
        "findings": [_located_dict(f) for f in u.findings],
        "suppressed": [{**_located_dict(s.finding), "reason": s.reason, "source": s.source}
                       for s in u.suppressed],
    } for u in run.units]}


def format_text(run: Run) -> str:
    """``file:line: severity rule: message``, one line per finding, then a summary."""
    lines = []
    counts: Counter[str] = Counter()
    for u in run.units:
        for f in u.findings:
            counts[f.severity.value] += 1
            lines.append(f"{relative_uri(f.file)}:{f.line or 1}: {f.severity.value}: {f.rule}: {f.message}")
    suppressed = [s for u in run.units for s in u.suppressed]
    for s in suppressed:
        f = s.finding
        lines.append(f"{relative_uri(f.file)}:{f.line or 1}: suppressed ({s.source}: {s.reason}): "
                     f"{f.rule}: {f.message}")
    files = len({u.file for u in run.units})
    parts = ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
    more = f"; {len(suppressed)} suppressed" if suppressed else ""
    lines.append(f"{len(run.units)} template(s) in {files} file(s): {parts or 'no findings'}{more}")
    return "\n".join(lines)


# -- lint-templates ---------------------------------------------------------------------------
def add_lint_templates_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "lint-templates", help="lint a reply-template repository (files or folders of YAML)",
        description="Render every template with its samples' variables and lint the result as a draft "
                    "against each sample post with the configured packs; check Jinja syntax, undefined "
                    "variables, sandbox escapes, length per channel at the maximum variable lengths, "
                    "near-duplicates and apology/form deflections. See docs/templates.md.")
    t.add_argument("paths", nargs="+", metavar="PATH",
                   help="template files or folders (searched recursively)")
    t.add_argument("--format", choices=TEMPLATE_FORMATS, default="text")
    t.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                   help="lowest severity that makes the exit code 1 (default: config, else error)")
    t.add_argument("--similarity", type=float, default=None, metavar="X",
                   help="near-duplicate threshold, 0..1 (default: 0.85)")


def lint_templates_command(args: argparse.Namespace, linter: Linter, fail_on: Severity) -> int:
    """Exit code 0/1 like ``check``; 2 when a path does not exist."""
    from .template_lint import DEFAULT_SIMILARITY, lint_template_paths

    threshold = DEFAULT_SIMILARITY if args.similarity is None else args.similarity
    if not 0 < threshold <= 1:
        print("replyguard: error: --similarity must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        run = lint_template_paths(linter, args.paths, similarity_threshold=threshold)
    except FileNotFoundError as exc:
        print(f"replyguard: error: {exc.args[0]}: no such file or folder", file=sys.stderr)
        return 2
    out = format_run(run, args.format, fail_on)
    if out:
        print(out)
    return 1 if any(f.severity.rank >= fail_on.rank for f in run.findings()) else 0
