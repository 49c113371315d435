"""Regression corpus (issue 14): an endless input line. ``check --cases /dev/zero`` used to
fill memory, then (read in bounded pieces) to read for ever. Now a line over the limit is an
error record and reading goes on at the next newline, but skipping is bounded too: no newline
in MAX_LINE_BYTES + MAX_SKIP_BYTES ends the input with one error record naming the byte offset.

The inputs are sparse files, /dev/zero and pipes fed by a generator: nothing large is stored."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_regress_cli import PHONE_CASE, one_error_line, run

from replyguard import batch

CASE_LINE = (PHONE_CASE + "\n").encode()
ENDLESS = batch.MAX_LINE_BYTES + batch.MAX_SKIP_BYTES  # bytes read without a newline before giving up
GAVE_UP = "no newline in {:,} bytes from byte offset {:,} (a line holds at most {:,}); stopped reading the input there"


def gave_up(line: int, offset: int) -> str:
    return f"line {line}: " + GAVE_UP.format(ENDLESS, offset, batch.MAX_LINE_BYTES)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    return tmp_path


def sparse_endless(path: Path, head: bytes = CASE_LINE, size: int = 100 * 1024 * 1024) -> Path:
    """``head``, then zero bytes without a newline up to ``size`` (a hole: takes no disk space)."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def records(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]


# -- the reader --------------------------------------------------------------------------------
def test_overlong_line_is_skipped_and_reading_goes_on() -> None:
    stream = io.BytesIO(b"ok\n" + b"x" * 50 + b"\n" + b"fine\n")
    items = list(batch.bounded_lines(stream, limit=10, skip=100))
    assert items[0] == b"ok\n" and items[2] == b"fine\n"
    assert batch.line_error(items[1]) == "the line is longer than 10 bytes"


def test_skipping_is_bounded_and_names_the_byte_offset() -> None:
    stream = io.BytesIO(b"ok\n" + b"x" * 50 + b"\n" + b"y" * 1000 + b"\nnever read\n")
    items = list(batch.bounded_lines(stream, limit=10, skip=100))
    assert len(items) == 3 and items[0] == b"ok\n"
    assert batch.line_error(items[1]) == "the line is longer than 10 bytes"
    assert batch.line_error(items[2]) == GAVE_UP.format(110, 54, 10)
    assert stream.tell() == 54 + 110  # stopped where it gave up: the rest was not read


def test_an_input_that_never_ends_ends() -> None:
    class Endless:
        """/dev/zero as a stream: never at its end; records how much was asked for."""

        def __init__(self) -> None:
            self.read = 0
            self.largest = 0

        def readline(self, size: int) -> bytes:
            self.read += size
            self.largest = max(self.largest, size)
            return b"\0" * size

    stream = Endless()
    items = list(batch.bounded_lines(stream, limit=1000, skip=10 * batch._READ_BYTES + 5))  # type: ignore[arg-type]
    assert [batch.line_error(i) for i in items] == [GAVE_UP.format(1000 + 10 * batch._READ_BYTES + 5, 0, 1000)]
    assert stream.read == 1000 + 10 * batch._READ_BYTES + 5 and stream.largest <= batch._READ_BYTES


def test_a_text_stream_is_bounded_too() -> None:
    """The audit's CSV reader reads text (newline=""), where a line may end with a lone CR."""
    stream = io.StringIO("a,b\r" + "c" * 40 + "\nd\n", newline="")
    items = list(batch.bounded_lines(stream, limit=10, skip=5))
    assert items[0] == "a,b\r" and batch.line_error(items[1]) is not None and len(items) == 2


# -- check --cases -----------------------------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_gives_up_on_an_endless_file_and_keeps_the_records(project: Path, jobs: str) -> None:
    sparse_endless(project / "cases.jsonl", CASE_LINE * 2)
    proc = run("check", "--cases", "cases.jsonl", "--format", "jsonl", "--jobs", jobs, cwd=project)
    recs = records(proc.stdout)
    assert proc.returncode == 2 and [r["id"] for r in recs] == ["phone", "phone", None]
    assert recs[0]["findings"] and recs[1]["findings"]
    assert recs[2] == {"id": None, "line": 3, "error": gave_up(3, 2 * len(CASE_LINE)), "findings": []}
    assert proc.stderr.decode().splitlines() == [f"replyguard: cases.jsonl: {gave_up(3, 2 * len(CASE_LINE))}"]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
    [shown] = [b for b in re.findall(r"```json\n(.*?)```", docs, re.S) if "stopped reading" in b]
    assert json.loads(shown) == recs[2]  # docs/cases.md shows this very record


def test_check_json_output_is_written_whole(project: Path) -> None:
    """A format written at the end (json, sarif) still holds every case read before the end."""
    sparse_endless(project / "cases.jsonl")
    proc = run("check", "--cases", "cases.jsonl", "--format", "json", cwd=project)
    recs = json.loads(proc.stdout)
    assert proc.returncode == 2 and [r["id"] for r in recs] == ["phone", None]
    assert recs[1]["error"] == gave_up(2, len(CASE_LINE))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_check_cases_dev_zero_ends(project: Path) -> None:
    proc = run("check", "--cases", "/dev/zero", "--format", "jsonl", cwd=project)
    assert proc.returncode == 2 and records(proc.stdout) == [
        {"id": None, "line": 1, "error": gave_up(1, 0), "findings": []}]


def feed_endless(args: list[str], cwd: Path, head: bytes) -> tuple[int, bytes, bytes]:
    """Run replyguard with ``head`` then zeros for ever on stdin (a generator behind a pipe),
    until it stops reading; return its exit code, stdout and stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "replyguard", *args], cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    zeros = b"\0" * (1 << 20)
    try:
        proc.stdin.write(head)
        while True:  # ends when replyguard closes its end of the pipe (exits)
            proc.stdin.write(zeros)
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()  # a few lines: no pipe fills up
    proc.wait(timeout=120)
    assert b"Traceback" not in err, err.decode()
    return proc.returncode, out, err


def test_check_endless_stdin_ends(project: Path) -> None:
    code, out, err = feed_endless(["check", "--cases", "-", "--format", "jsonl"], project, CASE_LINE)
    recs = records(out)
    assert code == 2 and recs[0]["id"] == "phone" and recs[0]["findings"]
    assert recs[1]["error"] == gave_up(2, len(CASE_LINE)) and len(recs) == 2
    assert err.decode().splitlines() == [f"replyguard: -: {gave_up(2, len(CASE_LINE))}"]


# -- audit -------------------------------------------------------------------------------------
def audit_totals(out: bytes) -> dict:
    totals = json.loads(out)["totals"]
    return {k: totals[k] for k in ("replies", "checked", "input_errors")}


def test_audit_gives_up_on_the_endless_file_and_goes_on_with_the_others(project: Path) -> None:
    (project / "good.jsonl").write_bytes(CASE_LINE)
    sparse_endless(project / "endless.jsonl")
    proc = run("audit", "good.jsonl", "endless.jsonl", "good.jsonl", "--format", "json",
               "--findings", "rows.jsonl", cwd=project)
    assert proc.returncode == 2
    assert audit_totals(proc.stdout) == {"replies": 4, "checked": 3, "input_errors": 1}
    rows = records((project / "rows.jsonl").read_bytes())
    assert [(r["source"], r["line"]) for r in rows] == [
        ("good.jsonl", 1), ("endless.jsonl", 1), ("endless.jsonl", 2), ("good.jsonl", 1)]
    assert rows[2]["error"] == gave_up(2, len(CASE_LINE))
    assert proc.stderr.decode().splitlines() == [f"replyguard: endless.jsonl: {gave_up(2, len(CASE_LINE))}"]


def test_audit_overlong_line_is_an_error_row_and_the_file_goes_on(project: Path) -> None:
    (project / "cases.jsonl").write_bytes(CASE_LINE + b"x" * (batch.MAX_LINE_BYTES + 10) + b"\n" + CASE_LINE)
    proc = run("audit", "cases.jsonl", "--format", "json", cwd=project)
    assert proc.returncode == 2
    assert audit_totals(proc.stdout) == {"replies": 3, "checked": 2, "input_errors": 1}
    assert proc.stderr.decode().splitlines() == [
        f"replyguard: cases.jsonl: line 2: the line is longer than {batch.MAX_LINE_BYTES:,} bytes"]


def test_audit_endless_stdin_ends(project: Path) -> None:
    code, out, err = feed_endless(["audit", "-", "--format", "json"], project, CASE_LINE)
    assert code == 2 and audit_totals(out) == {"replies": 2, "checked": 1, "input_errors": 1}
    assert err.decode().splitlines() == [f"replyguard: -: {gave_up(2, len(CASE_LINE))}"]


def test_audit_non_utf8_jsonl_is_still_one_line_with_its_line(project: Path) -> None:
    (project / "cases.jsonl").write_bytes(CASE_LINE + "担当".encode("shift_jis") + b"\n")
    proc = run("audit", "cases.jsonl", cwd=project)
    assert proc.returncode == 2 and "cases.jsonl:2: not UTF-8 text" in one_error_line(proc)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_audit_csv_without_newlines_is_one_line(project: Path) -> None:
    proc = run("audit", "/dev/zero", "--input-format", "csv", cwd=project)
    assert proc.returncode == 2
    assert one_error_line(proc) == (f"replyguard: error: /dev/zero:1: malformed CSV: a line longer than "
                                    f"{batch.MAX_LINE_BYTES:,} characters")


# -- audit-log ---------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["endless", "nested"])
def test_audit_log_of_an_endless_or_deeply_nested_file_is_a_normal_result(project: Path, content: str) -> None:
    """audit-log read /dev/zero for ever and died on JSON nested 100,000 deep (RecursionError)."""
    if content == "endless":
        log = sparse_endless(project / "log.jsonl", b'{"type": "check", "decision": "sent"}\n')
    else:
        log = project / "log.jsonl"
        log.write_text('{"type": "check", "decision": "sent"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    proc = run("audit-log", str(log), "--format", "json", cwd=project)
    summary = json.loads(proc.stdout)
    assert proc.returncode == 0 and summary["checks"] == 1
    assert summary["bad_lines"] == [f"{log}:2"]


# -- progress: the count before a batch ----------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_progress_does_not_count_a_fifo_or_a_device(tmp_path: Path) -> None:
    """Counting a FIFO's lines for the progress bar used up its data before the batch ran."""
    fifo = tmp_path / "cases.fifo"
    os.mkfifo(fifo)
    code = ("from replyguard.progress import count_cases; import sys; "
            "print(count_cases(sys.argv[1]), count_cases('/dev/zero'), count_cases(sys.argv[2]))")
    (tmp_path / "two.jsonl").write_bytes(CASE_LINE * 2)
    proc = subprocess.run([sys.executable, "-c", code, str(fifo), str(tmp_path / "two.jsonl")],
                          capture_output=True, timeout=60)  # opening the FIFO would block
    assert proc.stdout.split() == [b"None", b"None", b"2"], proc.stderr
