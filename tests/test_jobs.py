"""``check --cases --jobs N``: the same output, error records and exit code as ``--jobs 1``."""

from __future__ import annotations

import json

from replyguard.cli import main


def _case(i: int, draft: str, post: str = "アプリが使いにくい") -> str:
    return json.dumps({
        "id": f"c{i}", "channel": "x", "brand": {"name": "サンプル", "handles": ["sample_support"]},
        "post": {"author": "customer", "text": post, "created_at": "2026-01-01T10:00:00+09:00"},
        "draft": {"author": "sample_support", "text": draft, "created_at": "2026-01-01T10:10:00+09:00"},
    }, ensure_ascii=False)


DRAFTS = [
    "ご意見ありがとうございます。どのあたりが使いにくかったか教えていただけますか？",
    "担当の携帯（090-1234-5678）までお電話ください。",
    "仕様です。ご理解ください。",
    "詳しくは担当 tanaka.k@example.co.jp までメールください。",
]


def _run(capsys, path, jobs: int) -> tuple[int, str, str]:
    code = main(["check", "--cases", str(path), "--format", "jsonl", "--jobs", str(jobs)])
    out, err = capsys.readouterr()
    return code, out, err


def test_jobs_2_output_identical_to_jobs_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no project config
    lines = [_case(i, DRAFTS[i % len(DRAFTS)]) for i in range(150)]
    lines.insert(40, "{not json")
    lines.insert(90, json.dumps({"id": "broken", "post": {"author": "a", "text": "x"}}))
    lines.insert(100, "")  # blank lines are skipped but keep their line numbers
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    one = _run(capsys, path, 1)
    two = _run(capsys, path, 2)
    assert two == one
    code, out, err = one
    assert code == 2  # input errors win over findings
    records = [json.loads(x) for x in out.splitlines()]
    assert len(records) == 152
    assert [r["id"] for r in records if "error" in r] == [None, "broken"]
    assert "line 41: invalid JSON" in err and "line 91: draft" in err


def test_jobs_exit_code_on_findings(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(_case(i, DRAFTS[1]) for i in range(20)) + "\n", encoding="utf-8")
    one, two = _run(capsys, path, 1), _run(capsys, path, 3)
    assert one == two and one[0] == 1


def test_jobs_must_be_positive(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cases.jsonl"
    path.write_text(_case(0, DRAFTS[0]) + "\n", encoding="utf-8")
    assert main(["check", "--cases", str(path), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_jobs_2_other_formats_identical(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = [_case(i, DRAFTS[i % len(DRAFTS)]) for i in range(40)]
    lines.insert(7, "[1, 2]")
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for extra in (["--format", "text"], ["--format", "json"], ["--format", "jsonl", "--fix"]):
        outs = []
        for jobs in ("1", "2"):
            code = main(["check", "--cases", str(path), *extra, "--jobs", jobs])
            outs.append((code, *capsys.readouterr()))
        assert outs[0] == outs[1], extra
