"""The ``replyguard`` command line.

Exit codes (stable): 0 no finding at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration, pack or input error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__, formats
from .batch import bounded_lines, run_batch, run_batch_parallel, tune_gc
from .config import Config, resolve_config
from .errors import InputError, ReplyguardError
from .linter import Linter, apply_fixes
from .models import Brand, Conversation, Message, Severity
from .schema import Example

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EPILOG = """\
exit codes: 0 = nothing at or above --fail-on, 1 = findings at or above it,
            2 = usage, configuration, pack or input error.
examples:
  replyguard check --post "アプリ使いにくい" "ご意見ありがとうございます。"
  echo "仕様です。" | replyguard check --post "なんで編集できないの？"
  replyguard check --cases examples/cases.jsonl --format jsonl
  replyguard explain ja-keigo/double-honorific
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="replyguard",
        description="Lint draft replies to customers' social-media posts against guideline packs, "
                    "in the context of the post, the thread and the customer's history.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"replyguard {__version__}")
    p.add_argument("--config", help="config file (replyguard.toml or pyproject.toml); default: "
                                    "the nearest one above the working directory")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check a draft, or a batch of cases (--cases)",
                       description="Check one draft (argument or stdin) as a reply to --post, "
                                   "or every case of a JSON Lines file (--cases).",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("draft", nargs="?", help="the draft reply; read from stdin when omitted")
    c.add_argument("--post", default="", help="the customer's post the draft replies to")
    c.add_argument("--channel", default="x",
                   choices=["x", "facebook", "instagram", "line", "youtube", "other"])
    c.add_argument("--brand-handle", action="append", default=[], metavar="HANDLE",
                   help="a handle that speaks for the brand (repeatable)")
    c.add_argument("--cases", metavar="FILE", help="JSON Lines file of cases ('-' for stdin)")
    c.add_argument("--format", choices=formats.names(), default=formats.default_name(), help=formats.help_text())
    c.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                   help="lowest severity that makes the exit code 1 (default: config, else error)")
    c.add_argument("--no-confidence", action="store_true",
                   help="report every finding of the rules, also those the confidence model rates unlikely "
                        "(default: config 'confidence'; they are listed as suppressed)")
    c.add_argument("--fix", action="store_true",
                   help="print the draft with safe fixes applied (with --cases: records with fixed_text); "
                        "unsafe fixes are never applied")
    c.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="worker processes for --cases (default: 1); output order is kept")

    r = sub.add_parser("rules", help="list the loaded rules (or print the rule reference as Markdown)")
    r.add_argument("--format", choices=["text", "markdown"], default="text",
                   help="markdown: the rule reference, as committed in docs/rules.md")
    e = sub.add_parser("explain", help="explain one rule: rationale, condition, examples")
    e.add_argument("rule", help="rule id, e.g. ja-keigo/double-honorific")
    k = sub.add_parser("kinds", help="list the check kinds (or print their reference as Markdown)")
    k.add_argument("--format", choices=["text", "markdown"], default="text",
                   help="markdown: the kind reference, as committed in docs/packs.md")
    s = sub.add_parser("schema", help="print the JSON Schema of the pack format (for editors)")
    s.add_argument("--templates", action="store_true", help="the template repository format instead")
    from .ci import add_lint_templates_parser
    add_lint_templates_parser(sub)
    from .audit_report.command import add_audit_parser
    add_audit_parser(sub)
    s = sub.add_parser("serve", help="run the HTTP pre-send hook and demo page (needs replyguard[server])")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8787, help="port to bind (default: 8787)")
    s.add_argument("--max-body-bytes", type=int, default=256 * 1024, metavar="N",
                   help="largest accepted request body in bytes (default: 262144); larger ones get 413")
    s.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="browser origin allowed to call the API, e.g. https://agent.example.com "
                        "(repeatable; '*' for any; default: CORS off)")
    s.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes on the one port, each with its own linter; a check uses "
                        "one core, so use one per core (default: 1)")
    s.add_argument("--audit-log", metavar="PATH",
                   help="append every check and decision to this JSON Lines file (fsynced before the "
                        "answer; docs/server.md#audit-log)")
    s.add_argument("--audit-log-text", action="store_true",
                   help="also log the post and draft texts (personal data!); default: hashes and ids only")
    s.add_argument("--audit-log-max-bytes", type=int, default=100 * 1024 * 1024, metavar="N",
                   help="rotate the log to PATH.1 when it reaches N bytes (default: 100 MiB)")
    s.add_argument("--audit-log-backups", type=int, default=5, metavar="N",
                   help="rotated files kept: PATH.1 .. PATH.N (default: 5)")
    m = sub.add_parser("mcp", help="run the Model Context Protocol server for LLM agents (needs replyguard[mcp])",
                       description="Serve check_reply, fix_reply, explain_rule and the rules resource over MCP "
                                   "(stdio by default). See docs/agents.md.")
    m.add_argument("--transport", choices=["stdio", "streamable-http"], default="stdio")
    m.add_argument("--host", default="127.0.0.1", help="streamable-http: address to bind (default: 127.0.0.1)")
    m.add_argument("--port", type=int, default=8788, help="streamable-http: port (default: 8788)")
    a = sub.add_parser("audit-log", help="summarise an audit log: decisions per rule, overrides per agent and reason")
    a.add_argument("paths", nargs="+", metavar="PATH", help="log files (e.g. PATH PATH.1)")
    a.add_argument("--format", choices=["text", "json"], default="text")
    return p


def _linter(args: argparse.Namespace) -> tuple[Linter, Config]:
    cfg = resolve_config(args.config)
    if getattr(args, "no_confidence", False):
        cfg = cfg.model_copy(update={"confidence": False})
    return Linter(cfg), cfg


def _stdin():
    """Standard input as bytes (as text where it has no buffer: a test's StringIO)."""
    return getattr(sys.stdin, "buffer", sys.stdin)


def _read_draft(max_chars: int) -> str:
    """The draft from stdin: read no more than a draft may hold, and decoded as UTF-8 with a
    one-line error (not a traceback) when it is not."""
    cap = max_chars * 4 + 2  # UTF-8 is at most 4 bytes a character, plus "\r\n"
    data = _stdin().read(cap)
    if len(data) >= cap:
        raise InputError(f"stdin: the draft is longer than max_text_chars ({max_chars})")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"stdin: not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start + 1})") from None


def _single(args: argparse.Namespace, linter: Linter, fail_on: Severity) -> int:
    draft = args.draft if args.draft is not None else _read_draft(linter.config.max_text_chars)
    if not draft.strip():
        print("replyguard: error: no draft given (pass it as an argument or on stdin)", file=sys.stderr)
        return EXIT_ERROR
    handles = tuple(args.brand_handle) or ("brand",)
    conv = Conversation(channel=args.channel, brand=Brand(handles=handles),
                        post=Message(author="customer", text=args.post),
                        draft=Message(author=handles[0], text=draft.rstrip("\n")))
    report = linter.check(conv)
    if args.fix:
        print(apply_fixes(conv.draft.text, report))
    else:
        from .formats.located import draft_run

        formats.write_run(args.format, draft_run(linter, conv.draft.text, report), sys.stdout, fail_on)
    return EXIT_FINDINGS if report.fails(fail_on) else EXIT_OK


def _batch(args: argparse.Namespace, linter: Linter, fail_on: Severity) -> int:
    from .formats.located import case_unit, check_run
    from .progress import Progress, count_cases

    if args.jobs < 1:
        print("replyguard: error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    try:
        stream = _stdin() if args.cases == "-" else open(args.cases, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"replyguard: error: {args.cases}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    failed = errors = 0
    writer = formats.get(args.format)(sys.stdout, check_run(linter, "case", fixes=args.fix), fail_on)
    total = None
    if args.cases != "-" and sys.stderr.isatty():
        total = count_cases(args.cases)
    tune_gc()
    with stream, Progress(total) as progress:
        lines = bounded_lines(stream)  # bytes: a line that is not UTF-8 becomes an error record
        results = run_batch_parallel(linter.config, lines, args.jobs) if args.jobs > 1 else run_batch(linter, lines)
        for res in results:  # each case goes to the format as soon as it is checked
            unit = case_unit(res, args.cases, fix=args.fix)
            if unit.error is not None:
                errors += 1
                progress.write(f"replyguard: {args.cases}: {res.error}")
            else:
                failed += unit.fails(fail_on)
            writer.unit(unit)
            progress.update()
    writer.end()
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failed else EXIT_OK


def _rules(linter: Linter) -> int:
    for r in linter.rules:
        sev = linter.severity.get(r.id, r.severity).value
        print(f"{r.id:45} {sev:8} {r.category:22} {r.message}")
    return EXIT_OK


def _explain(linter: Linter, rule_id: str) -> int:
    r = linter.rule(rule_id)
    if r is not None:
        _print_rule(r.id, r.category, linter.severity.get(r.id, r.severity).value, r.spec, f"{r.file}:{r.line}",
                    r.message, r.description, r.when_source, yields_to=r.yields_to)
        return EXIT_OK
    for pack in linter.packset.template_packs:  # rules lint-templates runs; check does not load them
        for k, spec in enumerate(pack.spec.rules):
            full = f"{pack.spec.pack}/{spec.id}"
            if rule_id in (full, spec.id):
                _print_rule(full, spec.category, linter.severity.get(full, spec.severity).value, spec,
                            f"{pack.file}:{pack.line('rules', k)}", spec.message, spec.description, spec.when,
                            "  (lint-templates)")
                return EXIT_OK
    print(f"replyguard: error: unknown rule {rule_id!r} (see 'replyguard rules')", file=sys.stderr)
    return EXIT_ERROR


def _print_rule(rule_id: str, category: str, severity: str, spec: Any, where: str, message: str,
                description: str | None, when: str | None, suffix: str = "",
                yields_to: frozenset[str] = frozenset()) -> None:
    """What ``explain`` prints: header, place, message, rationale, condition, examples (a draft
    rule's as post and draft, a template rule's as the template)."""
    print(f"{rule_id}  [{category}]  severity: {severity}  kind: {spec.kind}{suffix}")
    print(f"defined in {where}\n")
    print(message)
    if description:
        print("\n" + description.strip())
    if when:
        print(f"\nwhen: {when}")
    if yields_to:  # why a finding of this rule may not show: a more specific rule named the problem
        print(f"\nyields to (dropped when one of these reports): {', '.join(sorted(yields_to))}")
    for label, examples in (("fails", spec.examples.fail), ("passes", spec.examples.pass_)):
        for ex in examples:
            if isinstance(ex, Example):
                post = ex.post if isinstance(ex.post, str) else ex.post.text
                note = f"\n  ({ex.note})" if ex.note else ""
                print(f"\n{label}:\n  post:  {post}\n  draft: {ex.draft}" + note)
            elif getattr(ex, "text", None) is not None:
                print(f"\n{label}:\n  template: {ex.text}")


def _serve(args: argparse.Namespace, linter: Linter) -> int:
    try:  # the server extra is optional: import it only for this command
        from .server import serve
    except ImportError as exc:
        print(f"replyguard: error: 'serve' needs the server extra ({exc.name} is missing): "
              "pip install 'replyguard[server]'", file=sys.stderr)
        return EXIT_ERROR
    if args.max_body_bytes <= 0 or args.workers <= 0 or args.audit_log_max_bytes <= 0 \
            or args.audit_log_backups <= 0:
        print("replyguard: error: --max-body-bytes, --workers and --audit-log-* must be positive", file=sys.stderr)
        return EXIT_ERROR
    if not 1 <= args.port <= 65535:  # uvicorn would fail with a traceback; --workers would bind another
        print(f"replyguard: error: --port must be between 1 and 65535 (got {args.port})", file=sys.stderr)
        return EXIT_ERROR
    audit = None
    if args.audit_log:
        audit = {"path": args.audit_log, "text": args.audit_log_text, "max_bytes": args.audit_log_max_bytes,
                 "backups": args.audit_log_backups}
        try:  # a log that cannot be written stops the server now, not at the first request
            from .audit import AuditLog
            AuditLog(args.audit_log, max_bytes=args.audit_log_max_bytes).close()
        except OSError as exc:
            print(f"replyguard: error: --audit-log {args.audit_log}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    from .workers import WorkersError

    try:
        serve(linter, host=args.host, port=args.port, max_body_bytes=args.max_body_bytes,
              cors_origins=args.cors_origin, workers=args.workers, config_path=args.config, audit=audit)
    except WorkersError as exc:
        print(f"replyguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except SystemExit as exc:  # uvicorn exits with 1 when it cannot bind (port in use, ...)
        return EXIT_ERROR if exc.code else EXIT_OK
    return EXIT_OK


def _mcp(args: argparse.Namespace, linter: Linter) -> int:
    try:  # the mcp extra is optional
        import mcp  # noqa: F401
    except ImportError:
        print("replyguard: error: 'mcp' needs the mcp extra: pip install 'replyguard[mcp]'", file=sys.stderr)
        return EXIT_ERROR
    from .mcp_server import run

    run(linter, transport=args.transport, host=args.host, port=args.port)
    return EXIT_OK


def _audit_log(args: argparse.Namespace) -> int:
    from .audit import format_summary, summarise

    try:
        summary = summarise(args.paths)
    except OSError as exc:
        print(f"replyguard: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_summary(summary))
    return EXIT_OK


def _kinds(fmt: str) -> int:
    from .kinds import registry
    from .kinds.reference import kinds_markdown

    if fmt == "markdown":
        sys.stdout.write(kinds_markdown())
    else:
        for kind in registry().values():
            print(f"{kind.name:20} {kind.summary}")
    return EXIT_OK


def _schema(templates: bool = False) -> int:
    from .schema import pack_model
    from .template_repo import template_schema

    schema = template_schema() if templates else pack_model().model_json_schema(by_alias=True)
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; an output that cannot be written (a full disk, a closed pipe) is exit 2
    with one line on stderr: the findings' exit code only stands when all output was written."""
    try:
        code = _main(argv)
        if sys.stdout is not None:
            sys.stdout.flush()
        return code
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            msg = "the output was closed before everything was written (broken pipe)"
        elif exc.filename:
            msg = f"{exc.filename}: {exc.strerror}"
        else:
            msg = f"cannot write the output: {exc.strerror or exc}"
        print(f"replyguard: error: {msg}", file=sys.stderr)
        _silence_stdout()
        return EXIT_ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit does not fail again
    and print a second message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's capture)
        pass


def _main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        if args.command == "schema":
            return _schema(args.templates)
        if args.command == "audit-log":
            return _audit_log(args)
        if args.command == "kinds":
            return _kinds(args.format)
        linter, cfg = _linter(args)
        if args.command == "rules":
            if args.format == "markdown":
                from .rulesdoc import rules_markdown

                sys.stdout.write(rules_markdown(linter.packset))
                return EXIT_OK
            return _rules(linter)
        if args.command == "explain":
            return _explain(linter, args.rule)
        if args.command == "serve":
            return _serve(args, linter)
        if args.command == "audit":
            from .audit_report.command import audit_command
            return audit_command(args, linter)
        if args.command == "mcp":
            return _mcp(args, linter)
        fail_on = Severity(args.fail_on) if args.fail_on else cfg.fail_on
        if args.command == "lint-templates":
            from .ci import lint_templates_command
            return lint_templates_command(args, linter, fail_on)
        if args.fix and not formats.get(args.format).fixes:  # it used to print text silently
            print(f"replyguard: error: --fix prints the fixed draft (or JSON records with --cases); "
                  f"it cannot be combined with --format {args.format}", file=sys.stderr)
            return EXIT_ERROR
        if args.cases:
            return _batch(args, linter, fail_on)
        return _single(args, linter, fail_on)
    except ReplyguardError as exc:
        print(f"replyguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
