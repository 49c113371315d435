"""Regression corpus (issue 14): hostile or broken inputs, configs and outputs of the command
line. Each test is one reproduction from the issue; each must end in a one-line error with
exit 2, an error record, or a normal result — never a traceback, never a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replyguard import batch
from replyguard.cli import main

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PHONE_CASE = json.dumps({
    "id": "phone", "channel": "x", "brand": {"name": "テスト", "handles": ["test_support"]},
    "post": {"author": "customer", "text": "注文した商品がまだ届かない"},
    "draft": {"author": "test_support", "text": "担当の携帯 090-1234-5678 までお電話ください。"},
}, ensure_ascii=False)


def run(*args: str, cwd: Path, stdin: bytes | None = None, stdout: int | None = subprocess.PIPE,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run([sys.executable, "-m", "replyguard", *args], cwd=cwd, input=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


def one_error_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("replyguard: error: "), lines
    return lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    return tmp_path


# -- bad batch lines: an error record each, the batch goes on -----------------------------
def _records(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]


def test_shift_jis_line_is_an_error_record_and_the_rest_is_checked(project: Path) -> None:
    data = (PHONE_CASE + "\n").encode() + (CORPUS / "shift_jis_case.jsonl").read_bytes() \
        + (PHONE_CASE + "\n").encode()
    (project / "cases.jsonl").write_bytes(data)
    proc = run("check", "--cases", "cases.jsonl", "--format", "jsonl", cwd=project)
    recs = _records(proc.stdout)
    assert proc.returncode == 2 and len(recs) == 3
    assert recs[0]["id"] == "phone" and recs[0]["findings"] and recs[2]["findings"]
    assert recs[1]["line"] == 2 and "not UTF-8" in recs[1]["error"]


def test_latin1_and_invalid_utf8_on_stdin(project: Path) -> None:
    data = b'{"id": "caf\xe9"}\n' + (PHONE_CASE + "\n").encode()
    proc = run("check", "--cases", "-", "--format", "jsonl", cwd=project, stdin=data)
    recs = _records(proc.stdout)
    assert proc.returncode == 2 and [r.get("line") for r in recs] == [1, None]
    assert "line 1: not UTF-8 text (byte 0xe9" in recs[0]["error"]


def test_json_nested_100000_deep_is_an_error_record(project: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    stdin = (deep + "\n" + PHONE_CASE + "\n").encode()
    for jobs in ("1", "2"):
        proc = run("check", "--cases", "-", "--format", "jsonl", "--jobs", jobs, cwd=project, stdin=stdin)
        recs = _records(proc.stdout)
        assert proc.returncode == 2 and len(recs) == 2, jobs
        assert recs[0]["error"] == "line 1: invalid JSON: nested too deeply" and recs[1]["findings"]


def test_nested_object_inside_a_case_is_an_error_record(project: Path) -> None:
    case = json.loads(PHONE_CASE)
    case["post"]["text"] = json.loads("[" * 900 + "]" * 900)
    proc = run("check", "--cases", "-", "--format", "jsonl", cwd=project,
               stdin=(json.dumps(case) + "\n").encode())
    assert proc.returncode == 2 and "line 1: post.text" in _records(proc.stdout)[0]["error"]


def test_endless_line_is_read_in_bounded_pieces(project: Path) -> None:
    """/dev/zero used to fill memory (MemoryError). A line past the limit is an error record
    as soon as the limit is passed; the rest of it is skipped, then the batch goes on."""
    stdin = b"\0" * (batch.MAX_LINE_BYTES + 3 * 65536 + 17) + b"\n" + (PHONE_CASE + "\n").encode()
    proc = run("check", "--cases", "-", "--format", "jsonl", cwd=project, stdin=stdin)
    recs = _records(proc.stdout)
    assert proc.returncode == 2 and len(recs) == 2
    assert recs[0]["error"] == f"line 1: the line is longer than {batch.MAX_LINE_BYTES:,} bytes"
    assert recs[1]["id"] == "phone" and recs[1]["findings"]


def test_bounded_lines_never_holds_more_than_the_limit() -> None:
    class Endless:
        """A stream like /dev/zero that ends after ``n`` reads, recording each read's size."""

        def __init__(self, n: int):
            self.n, self.sizes = n, []

        def readline(self, size: int) -> bytes:
            self.sizes.append(size)
            self.n -= 1
            return b"\0" * size if self.n > 0 else b""

    stream = Endless(1000)
    items = list(batch.bounded_lines(stream, limit=100))  # type: ignore[arg-type]
    assert [batch.line_error(i) for i in items] == ["the line is longer than 100 bytes"]
    assert max(stream.sizes) <= batch._READ_BYTES and stream.n < 0  # read to the end, in pieces


def test_utf8_bom_of_a_windows_export_is_accepted(project: Path) -> None:
    proc = run("check", "--cases", "-", "--format", "jsonl", cwd=project,
               stdin=b"\xef\xbb\xbf" + (PHONE_CASE + "\n").encode())
    assert proc.returncode == 1 and _records(proc.stdout)[0]["id"] == "phone"


def test_invalid_utf8_draft_on_stdin_is_one_line(project: Path) -> None:
    proc = run("check", cwd=project, stdin="担当の携帯".encode("shift_jis"))
    assert proc.returncode == 2 and "stdin: not UTF-8 text" in one_error_line(proc)


# -- output errors: exit 2 with one line unless all output was written ---------------------
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_full_disk_is_exit_2_with_one_line(project: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = run("check", "--cases", str(CORPUS / "findings.jsonl"), cwd=project, stdout=full.fileno())
    assert proc.returncode == 2
    assert "No space left on device" in one_error_line(proc)


def test_closed_pipe_is_exit_2_not_0(project: Path) -> None:
    """``| head -1`` closed the pipe before the findings were all written: not exit 0."""
    (project / "many.jsonl").write_bytes((PHONE_CASE + "\n").encode() * 3000)  # more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "replyguard", "check", "--cases", "many.jsonl",
                             "--format", "jsonl"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith(b'{"id": "phone"')
    proc.stdout.close()  # what head -1 does
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=120) == 2
    assert "Traceback" not in err and err.strip().splitlines() == [
        "replyguard: error: the output was closed before everything was written (broken pipe)"]


def test_all_output_written_keeps_the_findings_exit_code(project: Path) -> None:
    proc = run("check", "--cases", str(CORPUS / "findings.jsonl"), "--format", "jsonl", cwd=project)
    assert proc.returncode == 1 and proc.stderr == b""


# -- --jobs and --port ---------------------------------------------------------------------
def test_jobs_10000_is_capped_by_cpus_and_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 10000`` forked ~1,500 processes; now at most one per usable CPU and per chunk."""
    import multiprocessing

    started: list[int] = []
    real_pool = multiprocessing.Pool

    def pool(processes: int, **kw):  # type: ignore[no-untyped-def]
        started.append(processes)
        return real_pool(processes, **kw)

    monkeypatch.setattr(multiprocessing, "Pool", pool)
    monkeypatch.setattr(batch, "usable_cpus", lambda: 3)
    from replyguard import Config

    config = Config(packs=["privacy"])
    results = list(batch.run_batch_parallel(config, [PHONE_CASE] * 5, 10_000, chunksize=2))
    assert [r.line for r in results] == [1, 2, 3, 4, 5] and started == [3]
    results = list(batch.run_batch_parallel(config, [PHONE_CASE] * 3, 10_000, chunksize=128))
    assert len(results) == 3 and started == [3, 1]
    assert list(batch.run_batch_parallel(config, [], 10_000)) == [] and started == [3, 1]


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]])
@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_port_out_of_range_is_one_line(project: Path, port: str, extra: list[str]) -> None:
    proc = run("serve", "--port", port, *extra, cwd=project, timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc) == f"replyguard: error: --port must be between 1 and 65535 (got {port})"


# -- fail closed: configs ------------------------------------------------------------------
def test_invalid_pyproject_is_an_error_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replyguard\ndisable = ["x"]\n', encoding="utf-8")
    proc = run("check", "仕様です。", cwd=tmp_path)
    assert proc.returncode == 2
    assert "pyproject.toml: invalid TOML" in one_error_line(proc)


def test_invalid_pyproject_in_a_parent_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replyguard]\npacks = [\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    proc = run("check", "仕様です。", cwd=sub)
    assert proc.returncode == 2 and str(tmp_path / "pyproject.toml") in one_error_line(proc)


@pytest.mark.parametrize("name", ["replyguard.toml", "pyproject.toml"])
def test_non_utf8_config_is_one_line(tmp_path: Path, name: str) -> None:
    table = "" if name == "replyguard.toml" else "[tool.replyguard]\n"
    (tmp_path / name).write_bytes(table.encode() + 'disable = ["仕様"]\n'.encode("shift_jis"))
    proc = run("check", "仕様です。", cwd=tmp_path)
    assert proc.returncode == 2 and f"{name}: not UTF-8 text" in one_error_line(proc)
    proc = run("--config", name, "check", "仕様です。", cwd=tmp_path)
    assert proc.returncode == 2 and f"{name}: not UTF-8 text" in one_error_line(proc)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_config_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text('packs = ["privacy"]\n', encoding="utf-8")
    cfg.chmod(0)
    try:
        proc = run("check", "仕様です。", cwd=tmp_path)
    finally:
        cfg.chmod(0o644)
    assert proc.returncode == 2 and "replyguard.toml: cannot read" in one_error_line(proc)


@pytest.mark.parametrize(("toml", "says"), [
    ("packs = []\n", "the configuration loads no rules (packs = [])"),
    ('packs = ["empty"]\n', "pack folder 'empty' has no .yaml or .yml file"),
    ('packs = ["facts-only.yaml"]\n', "the configuration loads no rules"),
])
def test_config_that_loads_no_rules_is_an_error(tmp_path: Path, toml: str, says: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "facts-only.yaml").write_text(
        "pack: f\nversion: 1\nfacts:\n  greeting:\n    match: {phrases: [こんにちは]}\n", encoding="utf-8")
    (tmp_path / "replyguard.toml").write_text(toml, encoding="utf-8")
    proc = run("check", "担当の携帯 090-1234-5678 までお電話ください。", cwd=tmp_path)
    assert proc.returncode == 2 and says in one_error_line(proc)


def test_config_that_disables_every_rule_is_an_error(tmp_path: Path) -> None:
    from replyguard import Linter

    rules = [r.id for r in Linter(__import__("replyguard").Config(packs=["privacy"])).rules]
    (tmp_path / "replyguard.toml").write_text(f"packs = ['privacy']\ndisable = {json.dumps(rules)}\n",
                                              encoding="utf-8")
    proc = run("check", "仕様です。", cwd=tmp_path)
    assert proc.returncode == 2 and "loads no rules" in one_error_line(proc)


# -- check --fix --format sarif ------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
def test_fix_with_a_ci_format_is_refused_not_printed_as_text(project: Path, capsys, monkeypatch, fmt: str) -> None:
    monkeypatch.chdir(project)
    for args in (["check", "--fix", "--format", fmt, "090-1234-5678"],
                 ["check", "--fix", "--format", fmt, "--cases", str(CORPUS / "findings.jsonl")]):
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.strip().splitlines() == [
            f"replyguard: error: --fix prints the fixed draft (or JSON records with --cases); "
            f"it cannot be combined with --format {fmt}"]
