"""The ``lint-templates`` command: lints a template repository and writes the run through
the output registry (:mod:`replyguard.formats`), like ``check``."""

from __future__ import annotations

import argparse
import sys

from . import formats
from .linter import Linter
from .models import Severity


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
    t.add_argument("--format", choices=formats.names(), default=formats.default_name(), help=formats.help_text())
    t.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                   help="lowest severity that makes the exit code 1 (default: config, else error)")
    t.add_argument("--similarity", type=float, default=None, metavar="X",
                   help="near-duplicate threshold, 0..1 (default: the rule's own, 0.85)")


def lint_templates_command(args: argparse.Namespace, linter: Linter, fail_on: Severity) -> int:
    """Exit code 0/1 like ``check``; 2 when a path does not exist."""
    from .template_lint import lint_template_paths

    threshold = args.similarity  # None: the near-duplicate rule's own threshold
    if threshold is not None and not 0 < threshold <= 1:
        print("replyguard: error: --similarity must be in (0, 1]", file=sys.stderr)
        return 2
    try:
        run = lint_template_paths(linter, args.paths, similarity_threshold=threshold)
    except FileNotFoundError as exc:
        print(f"replyguard: error: {exc.args[0]}: no such file or folder", file=sys.stderr)
        return 2
    formats.write_run(args.format, run, sys.stdout, fail_on)
    return 1 if any(f.severity.rank >= fail_on.rank for f in run.findings()) else 0
