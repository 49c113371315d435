"""Regression corpus (issue 14), newcomer: every ``console`` block of README.md and docs/ is run
and its output compared with what the commands print today (docs/cli.md and docs/templates.md
showed outputs that had drifted).

A block is a shell session: ``$ command`` lines (a trailing ``\\`` continues one) followed by
the output. The commands run in bash from the repository root, one session per block, with
this interpreter's ``replyguard`` first on the PATH. Output lines are compared after trailing
spaces; a line that is only ``…`` stands for any number of lines, and ``…`` inside a line for
any text. stdout and stderr may interleave in either order (a terminal shows both). Blocks
that need a running server are not run: ``replyguard serve`` waits forever by design, and
``replyguard audit-log`` reads the log a server wrote. A command shown without output is
run but its output is not compared (``> file``, a call on the user's own file). When a block fails, the message shows
what the commands print now: paste it into the document (keeping any ``…``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
MARK = "@@replyguard-doc-command-{}@@"
NEEDS_A_SERVER = ("replyguard serve", "replyguard audit-log")


def _sessions() -> list[tuple[str, int, list[tuple[str, list[str]]]]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            steps: list[tuple[str, list[str]]] = []
            continuing = False
            for raw in m.group(1).splitlines():
                if continuing:
                    steps[-1] = (steps[-1][0] + "\n" + raw, [])
                elif raw.startswith("$ "):
                    steps.append((raw[2:], []))
                else:
                    steps[-1][1].append(raw.rstrip())
                continuing = raw.endswith("\\") and not steps[-1][1]
            found.append((f"{doc.relative_to(ROOT)}:{line}", line, steps))
    return found


SESSIONS = _sessions()


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split("…")))


def _matches(expected: list[str], out: list[str], err: list[str]) -> bool:
    """Whether ``expected`` is an interleaving of ``out`` and ``err`` (with the wildcards)."""
    from functools import cache

    @cache
    def go(i: int, j: int, k: int) -> bool:
        if i == len(expected):
            return j == len(out) and k == len(err)
        if expected[i] == "…":  # any number of lines of either stream
            return any(go(i + 1, j2, k2) for j2 in range(j, len(out) + 1) for k2 in range(k, len(err) + 1))
        pat = _pattern(expected[i])
        return (j < len(out) and bool(pat.fullmatch(out[j])) and go(i + 1, j + 1, k)) or \
            (k < len(err) and bool(pat.fullmatch(err[k])) and go(i + 1, j, k + 1))

    return go(0, 0, 0)


@pytest.mark.parametrize(("where", "line", "steps"), SESSIONS, ids=[s[0] for s in SESSIONS])
def test_console_block_prints_what_the_docs_show(where: str, line: int, steps) -> None:
    if any(needs in cmd for cmd, _ in steps for needs in NEEDS_A_SERVER):
        pytest.skip("needs a running server")
    script = "\n".join(f"__rc=$?; echo {MARK.format(i)}; echo {MARK.format(i)} >&2; (exit $__rc)\n{cmd}"
                       for i, (cmd, _) in enumerate(steps))  # $? still speaks of the previous command
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=300)
    outs = re.split(r"@@replyguard-doc-command-\d+@@\n", proc.stdout)[1:]
    errs = re.split(r"@@replyguard-doc-command-\d+@@\n", proc.stderr)[1:]
    assert len(outs) == len(steps) == len(errs), proc.stderr
    for (cmd, expected), out, err in zip(steps, outs, errs, strict=True):
        out_lines = [x.rstrip() for x in out.splitlines()]
        err_lines = [x.rstrip() for x in err.splitlines()]
        if "| head" in cmd:  # head may close the pipe before all is written: that line is expected
            err_lines = [x for x in err_lines if not x.endswith("(broken pipe)")]
        if not expected:  # the docs show no output for it (a redirect, an example of a call)
            continue
        assert _matches(expected, out_lines, err_lines), (
            f"{where}: $ {cmd}\n--- the docs show:\n" + "\n".join(expected)
            + "\n--- stdout:\n" + "\n".join(out_lines) + "\n--- stderr:\n" + "\n".join(err_lines))
