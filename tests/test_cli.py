"""The ``replyguard`` command, run as a subprocess: exit codes, input paths, batch error
records, the rules/explain/schema commands, and no tracebacks on user errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from replyguard.packs import builtin_rules_dir

PHONE = "担当の携帯 090-1234-5678 までお電話ください。"
FINE = "ご不便をおかけしております。DMにて詳しい状況をお知らせいただけますか。"


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "replyguard", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """The same command in-process (``main(argv)``), for the many variants where starting a
    Python per call would only cost time. Returns (exit code, stdout, stderr)."""
    from replyguard.cli import main

    def call(*args: str, cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory whose replyguard.toml loads only the privacy pack (stable rule set)."""
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    return tmp_path


def _case(cid: str, draft: str, post: str = "注文した商品がまだ届かない") -> str:
    return json.dumps({
        "id": cid, "channel": "x",
        "brand": {"name": "テスト", "handles": ["test_support"]},
        "post": {"author": "customer", "text": post, "created_at": "2026-01-01T10:00:00+09:00"},
        "draft": {"author": "test_support", "text": draft, "created_at": "2026-01-01T10:10:00+09:00"},
        "expected": [], "note": "ignored by the checker",
    }, ensure_ascii=False)


# -- exit codes -------------------------------------------------------------------------

def test_exit_0_when_clean(project: Path) -> None:
    proc = run("check", "--post", "まだ届かない", FINE, cwd=project)
    assert proc.returncode == 0
    assert "no findings" in proc.stdout


def test_exit_1_on_an_error_finding(project: Path) -> None:
    proc = run("check", "--post", "まだ届かない", PHONE, cwd=project)
    assert proc.returncode == 1
    assert "privacy/personal-data" in proc.stdout and "[pii_public]" in proc.stdout
    assert "»090-1234-5678«" in proc.stdout


def test_fail_on_threshold(cli, project: Path) -> None:
    (project / "replyguard.toml").write_text(
        'packs = ["privacy"]\n[severity]\n"personal-data" = "warning"\n', encoding="utf-8")
    assert cli("check", PHONE, cwd=project)[0] == 0  # default --fail-on error
    assert cli("check", "--fail-on", "warning", PHONE, cwd=project)[0] == 1
    assert cli("check", "--fail-on", "info", PHONE, cwd=project)[0] == 1
    (project / "replyguard.toml").write_text(
        'packs = ["privacy"]\nfail_on = "warning"\n[severity]\n"personal-data" = "warning"\n',
        encoding="utf-8")
    assert cli("check", PHONE, cwd=project)[0] == 1  # fail_on from the config
    assert cli("check", "--fail-on", "error", PHONE, cwd=project)[0] == 0  # the flag wins


def test_exit_2_on_usage_errors(cli, project: Path) -> None:
    proc = run(cwd=project)
    assert proc.returncode == 2 and "usage:" in proc.stdout
    code, _, err = cli("check", "--channel", "tiktok", "x", cwd=project)
    assert code == 2 and "invalid choice" in err


def test_exit_2_on_a_bad_config(cli, project: Path) -> None:
    (project / "replyguard.toml").write_text('packs = ["privacy"]\nresponse_minutes = "soon"\n',
                                             encoding="utf-8")
    code, _, err = cli("check", FINE, cwd=project)
    assert code == 2
    assert err.startswith("replyguard: error: ") and "response_minutes" in err
    code, _, err = cli("--config", "missing.toml", "rules", cwd=project)
    assert code == 2 and "config file not found" in err


def test_exit_2_on_a_broken_pack(project: Path) -> None:
    (project / "bad.yaml").write_text("pack: bad\nrules:\n  - id: r\n    kind: patern\n", encoding="utf-8")
    (project / "replyguard.toml").write_text('packs = ["bad.yaml"]\n', encoding="utf-8")
    proc = run("check", FINE, cwd=project)
    assert proc.returncode == 2
    assert "bad.yaml:3: rule 'r': unknown check kind 'patern'" in proc.stderr


# -- the draft: argument or stdin -------------------------------------------------------

def test_draft_from_stdin(project: Path) -> None:
    proc = run("check", "--post", "まだ届かない", cwd=project, stdin=PHONE + "\n")
    assert proc.returncode == 1 and "privacy/personal-data" in proc.stdout


def test_empty_stdin_is_a_usage_error(cli, project: Path) -> None:
    code, _, err = cli("check", cwd=project, stdin="")
    assert code == 2 and "no draft given" in err


def test_single_draft_jsonl_output(cli, project: Path) -> None:
    code, out, _ = cli("check", "--format", "jsonl", PHONE, cwd=project)
    assert code == 1
    record = json.loads(out)
    (finding,) = record["findings"]
    assert finding["rule"] == "privacy/personal-data" and finding["category"] == "pii_public"
    assert PHONE[finding["span"]["start"]:finding["span"]["end"]] == "090-1234-5678"


def test_channel_flag_changes_the_result(cli, project: Path) -> None:
    assert cli("check", "--channel", "line", PHONE, cwd=project)[0] == 0  # LINE is 1:1


# -- batches ----------------------------------------------------------------------------

def test_batch_with_malformed_lines(project: Path) -> None:
    lines = [
        _case("ok-1", FINE),
        _case("pii-1", PHONE),
        "",  # blank lines are skipped but counted for line numbers
        '{"id": "broken", "post": {"author": "c", "text": "x"}, "draft": ',
        json.dumps({"id": "no-draft", "post": {"author": "c", "text": "x"}}),
        _case("ok-2", FINE),
    ]
    cases = project / "cases.jsonl"
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("check", "--cases", str(cases), "--format", "jsonl", cwd=project)
    assert proc.returncode == 2
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 5  # one per non-blank input line, in order
    assert [r["id"] for r in records] == ["ok-1", "pii-1", None, "no-draft", "ok-2"]
    assert records[0]["findings"] == [] and records[4]["findings"] == []
    assert [f["rule"] for f in records[1]["findings"]] == ["privacy/personal-data"]
    assert records[2]["line"] == 4 and records[2]["error"].startswith("line 4: invalid JSON")
    assert records[3]["line"] == 5 and records[3]["error"].startswith("line 5: draft")
    assert "line 4" in proc.stderr and "line 5" in proc.stderr


def test_batch_exit_codes_and_text_summary(cli, project: Path) -> None:
    cases = project / "cases.jsonl"
    cases.write_text(_case("a", FINE) + "\n" + _case("b", FINE) + "\n", encoding="utf-8")
    code, out, _ = cli("check", "--cases", str(cases), cwd=project)
    assert code == 0 and "2 case(s) checked: no findings" in out
    cases.write_text(_case("a", FINE) + "\n" + _case("b", PHONE) + "\n", encoding="utf-8")
    code, out, _ = cli("check", "--cases", str(cases), cwd=project)
    assert code == 1 and "2 case(s) checked: 1 error" in out


def test_batch_text_output_names_the_bad_line(cli, project: Path) -> None:
    cases = project / "cases.jsonl"
    cases.write_text(_case("a", FINE) + "\n{not json\n", encoding="utf-8")
    code, out, err = cli("check", "--cases", str(cases), cwd=project)
    assert code == 2
    assert "error: line 2: invalid JSON" in out and "line 2: invalid JSON" in err
    assert "2 case(s) checked: no findings; 1 input error(s)" in out


def test_batch_from_stdin_and_json_format(cli, project: Path) -> None:
    code, out, _ = cli("check", "--cases", "-", "--format", "json", cwd=project,
                       stdin=_case("a", PHONE) + "\n" + _case("b", FINE) + "\n")
    assert code == 1
    data = json.loads(out)
    assert [r["id"] for r in data] == ["a", "b"] and len(data[0]["findings"]) == 1


def test_missing_cases_file(project: Path) -> None:
    proc = run("check", "--cases", "does-not-exist.jsonl", cwd=project)
    assert proc.returncode == 2
    assert "does-not-exist.jsonl" in proc.stderr and proc.stdout == ""


def test_shipped_example_cases_run(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples" / "cases.jsonl"
    if not examples.is_file():
        pytest.skip("examples/cases.jsonl is not in this checkout")
    proc = run("check", "--cases", str(examples), "--format", "jsonl", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    lines = examples.read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in lines if line.strip()]
    assert [r["id"] for r in records] == [c["id"] for c in expected]
    assert all("error" not in r for r in records)


# -- rules / explain / schema -----------------------------------------------------------

def test_rules_lists_every_loaded_rule(cli, project: Path) -> None:
    code, out, _ = cli("rules", cwd=project)
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert ids == ["privacy/personal-data", "privacy/order-number", "privacy/ask-personal-data-publicly"]


def test_rules_with_the_builtin_packs(cli, tmp_path: Path) -> None:
    code, out, _ = cli("rules", cwd=tmp_path)
    assert code == 0
    # the rules check runs: every shipped pack but those of scope templates (lint-templates only)
    packs = {p.stem for p in builtin_rules_dir().glob("*.yaml") if "\nscope: templates" not in p.read_text("utf-8")}
    assert packs and "templates" not in packs
    assert {line.split("/", 1)[0] for line in out.splitlines() if line.strip()} == packs


def test_explain_a_rule(cli, project: Path) -> None:
    proc = run("explain", "privacy/personal-data", cwd=project)
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("privacy/personal-data  [pii_public]  severity: error  kind: pii")
    assert "privacy.yaml:" in out and "when: public" in out
    assert "fails:" in out and "passes:" in out
    # short ids work too
    code, out, _ = cli("explain", "order-number", cwd=project)
    assert code == 0 and out.startswith("privacy/order-number")


def test_explain_says_which_rules_pre_empt_a_rule(cli, tmp_path: Path) -> None:
    # a user who misses a finding learns why: a more specific rule named the same problem
    code, out, _ = cli("explain", "stock-reply-misses-post", cwd=tmp_path)  # the shipped packs
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("yields to"))
    assert "ja-active-support/repeated-reply" in line
    code, out, _ = cli("explain", "privacy/personal-data", cwd=tmp_path)
    assert code == 0 and "yields to" not in out


def test_explain_a_template_rule(cli, tmp_path: Path) -> None:
    code, out, _ = cli("explain", "templates/apology-deflection", cwd=tmp_path)  # the shipped packs
    assert code == 0 and out.startswith("templates/apology-deflection  [copy_paste_apology]")
    assert "(lint-templates)" in out and "templates.yaml:" in out and "fails:" in out


def test_explain_unknown_rule(project: Path) -> None:
    proc = run("explain", "privacy/no-such-rule", cwd=project)
    assert proc.returncode == 2
    assert "unknown rule 'privacy/no-such-rule'" in proc.stderr and proc.stdout == ""


def test_schema_is_valid_json_schema_and_shipped_packs_validate(tmp_path: Path) -> None:
    proc = run("schema", cwd=tmp_path)
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    packs = sorted(builtin_rules_dir().glob("*.yaml"))
    assert packs
    for pack in packs:
        errors = [f"{list(e.path)}: {e.message}" for e in
                  validator.iter_errors(yaml.safe_load(pack.read_text(encoding="utf-8")))]
        assert errors == [], f"{pack.name}: {errors[:3]}"
    # and it rejects what the loader rejects
    assert list(validator.iter_errors({"pack": "t", "rules": [{"id": "r", "kind": "nope"}]}))
    assert list(validator.iter_errors({"pack": "t", "rulez": []}))


# -- help -------------------------------------------------------------------------------

def test_help_mentions_exit_codes(cli, tmp_path: Path) -> None:
    proc = run("--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "exit codes" in proc.stdout
    assert "0 = " in proc.stdout and "1 = " in proc.stdout and "2 = " in proc.stdout
    code, out, _ = cli("check", "--help", cwd=tmp_path)
    assert code == 0 and "exit codes" in out and "2 = usage, configuration, pack or input error" in out


def test_version(cli, tmp_path: Path) -> None:
    import replyguard

    code, out, _ = cli("--version", cwd=tmp_path)
    assert code == 0 and out.strip() == f"replyguard {replyguard.__version__}"
