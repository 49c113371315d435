"""``replyguard audit``: check replies a team already sent and report on them."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..errors import ReplyguardError
from ..linter import Linter
from .aggregate import summarize
from .rows import CaseRow, finding_records
from .sources import FIELDS, count_cases, parse_mapping, read_cases

EXIT_OK, EXIT_ERROR = 0, 2

EPILOG = """\
exit codes: 0 = report written, 2 = usage, configuration or input error (a case that cannot be
            checked is reported on stderr with its line and counted; the report is still written).
examples:
  replyguard audit examples/cases.jsonl --html report.html
  replyguard audit export.csv --map draft.text=reply --map draft.author=agent --statistics
  replyguard audit cases.jsonl --engine dask --scheduler tcp://scheduler:8786 --format json
  replyguard audit cases.parquet --engine spark --master spark://master:7077 --html report.html
"""


def add_audit_parser(sub: Any) -> None:
    a = sub.add_parser("audit", help="audit replies already sent: aggregates, charts, worst replies "
                                     "(HTML/JSON/Markdown)",
                       description="Check every case of the given files and report: totals, categories, rules "
                                   "with their trend, agents, channels, response time, the worst replies.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("cases", nargs="+", metavar="CASES",
                   help="case files: JSON Lines ('-' for stdin), CSV or Parquet (by extension)")
    a.add_argument("--html", metavar="FILE", help="write the report as one self-contained HTML page")
    a.add_argument("--format", choices=["text", "json", "markdown"], default="text",
                   help="what to print on stdout (default: a short summary)")
    a.add_argument("--statistics", action="store_true", help="print the count of findings per rule, as ruff does")
    a.add_argument("--findings", metavar="FILE",
                   help="also write every case's findings as JSON Lines, in input order")
    a.add_argument("--input-format", choices=["auto", "jsonl", "csv", "parquet"], default="auto")
    a.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                   help=f"read a case field from a CSV/Parquet column (repeatable); fields: {', '.join(FIELDS)}, "
                        "case (a column of whole cases as JSON)")
    a.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="local: worker processes (default 1); dask without --scheduler: workers of the local "
                        "cluster (default: cores); spark without --master: local[N] (default local[*])")
    a.add_argument("--engine", choices=["local", "dask", "spark"], default="local",
                   help="where the checks run (dask and spark need replyguard[dask] / replyguard[spark])")
    a.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (default: a LocalCluster on this machine)")
    a.add_argument("--master", metavar="URL", help="Spark master (default: local[*])")
    a.add_argument("--worst", type=int, default=20, metavar="N", help="how many worst replies to show (default 20)")
    a.add_argument("--title", default="Reply audit", help="title of the HTML page")


def _rule_explanations(linter: Linter) -> dict[str, dict[str, str]]:
    return {r.id: {"category": r.category, "severity": linter.severity.get(r.id, r.severity).value,
                   "message": r.message, "description": (r.description or "").strip(), "when": r.when_source or ""}
            for r in linter.rules}


def _error(msg: str) -> int:
    print(f"replyguard: error: {msg}", file=sys.stderr)
    return EXIT_ERROR


def audit_command(args: argparse.Namespace, linter: Linter) -> int:
    from ..progress import Progress
    from .engines import Options, run
    from .table import remember_linter

    if args.jobs is not None and args.jobs < 1:
        return _error("--jobs must be at least 1")
    if args.worst < 0:
        return _error("--worst must be 0 or more")
    if args.scheduler and args.engine != "dask":
        return _error("--scheduler needs --engine dask")
    if args.master and args.engine != "spark":
        return _error("--master needs --engine spark")
    if args.cases.count("-") > 1:
        return _error("stdin ('-') can be read only once")
    mapping = parse_mapping(args.map)
    for path in args.cases:
        if path != "-" and not os.path.exists(path):
            return _error(f"{path}: No such file or directory")
    if args.html:  # fail before a long run, not after it
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return _error("--html needs matplotlib: pip install 'replyguard[audit]'")
    if args.engine == "dask":
        try:
            import dask.distributed  # noqa: F401
            import pyarrow  # noqa: F401
        except ImportError as exc:
            return _error(f"--engine dask needs the dask extra ({exc.name} is missing): pip install 'replyguard[dask]'")
    if args.engine == "spark":
        try:
            import pandas  # noqa: F401
            import pyspark  # noqa: F401
        except ImportError as exc:
            return _error(f"--engine spark needs the spark extra ({exc.name} is missing): "
                          "pip install 'replyguard[spark]'")

    cfg = linter.config
    remember_linter(linter)
    opts = Options(worst_n=args.worst, target_minutes=cfg.response_minutes)
    total = count_cases(args.cases, args.input_format) if sys.stderr.isatty() else None
    errors = 0
    out = None
    if args.findings:
        try:
            out = open(args.findings, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            return _error(f"{args.findings}: {exc.strerror}")
    jobs = args.jobs if args.jobs is not None else (1 if args.engine == "local" else
                                                     (os.cpu_count() or 1) if args.engine == "dask" else 0)
    address = args.scheduler or args.master
    try:
        with Progress(total) as progress:
            def on_rows(rows: list[CaseRow]) -> None:
                nonlocal errors
                for row in rows:
                    if row.error is not None:
                        errors += 1
                        progress.write(f"replyguard: {row.source}: {row.error}")
                    if out is not None:
                        rec = {"source": row.source, "line": row.line, "id": row.id}
                        if row.error is not None:
                            rec["error"] = row.error
                        rec["findings"] = finding_records(row)
                        out.write(json.dumps(rec, ensure_ascii=False) + "\n")

            tally = run(args.engine, read_cases(args.cases, mapping, args.input_format), cfg, jobs=jobs,
                        address=address, opts=opts, on_rows=on_rows, progress=progress)
    finally:
        if out is not None:
            out.close()
    agg = summarize(tally, target_minutes=cfg.response_minutes, rules=_rule_explanations(linter),
                    sources=args.cases, policy=cfg.policy.model_dump(mode="json"))
    if args.html:
        from .report_html import render_html

        try:
            with open(args.html, "w", encoding="utf-8") as fh:
                fh.write(render_html(agg, title=args.title))
        except OSError as exc:
            return _error(f"{args.html}: {exc.strerror}")
    from .report_text import format_json, format_markdown, format_statistics, format_summary

    if args.statistics:
        print(format_statistics(agg))
    if args.format == "json":
        print(format_json(agg))
    elif args.format == "markdown":
        print(format_markdown(agg), end="")
    elif not args.statistics:
        print(format_summary(agg))
    if args.html:
        print(f"replyguard: wrote {args.html}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK


__all__ = ["ReplyguardError", "add_audit_parser", "audit_command"]
