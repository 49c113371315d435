"""``replyguard audit``: its numbers are those of ``check --cases``, whatever the input format,
the number of processes or the way the cases were split; user mistakes are one line, exit 2."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from eval_data import dev_set

from replyguard.audit_report.aggregate import summarize, tally
from replyguard.audit_report.rows import CaseRow, check_case
from replyguard.audit_report.table import check_table, rows_to_table, table_rows, worker_linter
from replyguard.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "cases.jsonl"


def need(module: str):
    """The optional dependency, or a skip outside CI (CI installs every extra: a failure there)."""
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "audit", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_audit_html_numbers_match_check_jsonl(tmp_path, capsys):
    need("matplotlib")
    html_path = tmp_path / "out.html"
    code, _, err = run(capsys, "audit", str(EXAMPLES), "--html", str(html_path))
    assert code == 0, err
    page = html_path.read_text(encoding="utf-8")
    assert page.count("<svg") >= 6
    # self-contained: no script, stylesheet or image fetched from anywhere
    assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\((?!#)", page)

    agg = audit_json(capsys, str(EXAMPLES))
    code, out, _ = run(capsys, "check", "--cases", str(EXAMPLES), "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    cases = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in records] == [c["id"] for c in cases]

    sevs = [{f["severity"] for f in r["findings"]} for r in records]
    t = agg["totals"]
    assert t["replies"] == t["checked"] == len(records) == 11
    assert t["with_error"] == sum("error" in s for s in sevs)
    assert t["with_warning"] == sum("warning" in s for s in sevs)
    assert t["clean"] == sum(not r["findings"] for r in records)
    assert t["findings"] == {s: sum(f["severity"] == s for r in records for f in r["findings"])
                             for s in ("error", "warning", "info")}
    rules = Counter(f["rule"] for r in records for f in r["findings"])
    assert {r["rule"]: r["findings"] for r in agg["rules"]} == rules
    categories = Counter(f["category"] for r in records for f in r["findings"])
    assert {c["category"]: c["findings"] for c in agg["categories"]} == categories

    for axis, key in (("agents", lambda c: c["draft"]["author"]), ("channels", lambda c: c.get("channel", "x"))):
        want: dict[str, list[int]] = {}
        for c, s in zip(cases, sevs, strict=True):
            w = want.setdefault(key(c), [0, 0])
            w[0] += 1
            w[1] += "error" in s
        field = axis[:-1]
        assert {g[field]: [g["replies"], g["with_error"]] for g in agg[axis]} == want

    minutes = [(datetime.fromisoformat(c["draft"]["created_at"]) - datetime.fromisoformat(c["post"]["created_at"]))
               .total_seconds() / 60 for c in cases]
    rt = agg["response_time"]
    assert rt["measured"] == len(minutes)
    assert rt["within_target"] == sum(m <= 60 for m in minutes)
    assert sum(b["replies"] for b in rt["histogram"]) == len(minutes)
    assert rt["max"] == int(max(minutes))

    by_id = {r["id"]: r for r in records}
    for w in agg["worst"]:
        assert [(f["rule"], f["start"]) for f in w["findings"]] == \
               [(f["rule"], f["span"]["start"] if f["span"] else None) for f in by_id[w["id"]]["findings"]]
    assert agg["worst"][0]["badness"] >= agg["worst"][-1]["badness"]
    assert len(agg["worst"]) == sum(bool(r["findings"]) for r in records)
    assert set(agg["rule_explanations"]) == set(rules)


def test_findings_file_equals_check_jsonl(tmp_path, capsys):
    out_path = tmp_path / "findings.jsonl"
    code, _, err = run(capsys, "audit", str(EXAMPLES), "--findings", str(out_path), "--format", "json")
    assert code == 0, err
    _, out, _ = run(capsys, "check", "--cases", str(EXAMPLES), "--format", "jsonl")
    keys = ("rule", "category", "severity", "message", "span")
    want = [[{k: f[k] for k in keys} for f in json.loads(line)["findings"]] for line in out.splitlines()]
    got = [json.loads(line)["findings"] for line in out_path.read_text(encoding="utf-8").splitlines()]
    assert got == want


def test_jobs_2_gives_the_same_aggregates(capsys):
    one = audit_json(capsys, str(EXAMPLES), "--jobs", "1")
    two = audit_json(capsys, str(EXAMPLES), "--jobs", "2")
    assert one == two


def _rows() -> list[CaseRow]:
    linter = worker_linter(None)
    lines = [raw for raw in EXAMPLES.read_text(encoding="utf-8").splitlines() if raw.strip()]
    return [check_case(linter, "examples", i, raw) for i, raw in enumerate(lines * 3, start=1)]


def test_tallies_merge_to_the_same_aggregates_however_split():
    rows = _rows()
    whole = summarize(tally(rows, worst_n=5))
    for cut in (1, 7, 16, 30):
        merged = tally(rows[cut:], worst_n=5).merge(tally(rows[:cut], worst_n=5))
        assert summarize(merged) == whole
    # on ties of badness the earlier case is the worse one
    worst = whole["worst"]
    assert [(w["badness"], w["line"]) for w in worst] == sorted(((w["badness"], w["line"]) for w in worst),
                                                               key=lambda x: (-x[0], x[1]))


def test_findings_table_round_trips_through_arrow_and_pandas():
    need("pyarrow")
    need("pandas")
    rows = _rows()[:11]
    for like in ("arrow", "pandas"):
        assert list(table_rows(rows_to_table(rows, like))) == rows


def test_check_table_on_arrow_and_pandas():
    pa = need("pyarrow")
    pd = need("pandas")
    lines = [raw for raw in EXAMPLES.read_text(encoding="utf-8").splitlines() if raw.strip()]
    data = {"source": ["examples"] * len(lines), "line": list(range(1, len(lines) + 1)), "case": lines}
    from_arrow = check_table(pa.table(data))
    from_pandas = check_table(pd.DataFrame(data))
    assert isinstance(from_arrow, pa.Table) and isinstance(from_pandas, pd.DataFrame)
    assert list(table_rows(from_arrow)) == list(table_rows(from_pandas)) == _rows()[:11]
    # flat columns, no JSON: the same conversation checks the same
    flat = pd.DataFrame({"post.text": ["注文した靴がまだ届かない"],
                         "draft.text": ["担当の携帯 090-1234-5678 までお電話ください。"]})
    [row] = list(table_rows(check_table(flat)))
    assert "privacy/personal-data" in {f[0] for f in row.findings} and row.line == 1


def _csv_export(path: Path) -> None:
    cases = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ticket", "channel", "brand", "handles", "customer", "message", "posted", "agent", "reply",
                    "sent", "thread_json", "history_json"])
        for c in cases:
            w.writerow([c["id"], c["channel"], c["brand"].get("name", ""), ",".join(c["brand"]["handles"]),
                        c["post"]["author"], c["post"]["text"], c["post"].get("created_at", ""),
                        c["draft"]["author"], c["draft"]["text"], c["draft"].get("created_at", ""),
                        json.dumps(c.get("thread", []), ensure_ascii=False),
                        json.dumps(c.get("history", []), ensure_ascii=False)])


MAPPING = ["--map", "id=ticket", "--map", "brand.name=brand", "--map", "brand.handles=handles",
           "--map", "post.author=customer", "--map", "post.text=message", "--map", "post.created_at=posted",
           "--map", "draft.author=agent", "--map", "draft.text=reply", "--map", "draft.created_at=sent",
           "--map", "thread=thread_json", "--map", "history=history_json"]


def _without_sources(agg: dict) -> dict:
    agg = {**agg, "sources": []}
    agg["worst"] = [{**w, "source": "", "line": 0} for w in agg["worst"]]
    return agg


def test_csv_and_parquet_exports_with_a_column_mapping(tmp_path, capsys):
    csv_path = tmp_path / "export.csv"
    _csv_export(csv_path)
    want = _without_sources(audit_json(capsys, str(EXAMPLES)))
    assert _without_sources(audit_json(capsys, str(csv_path), *MAPPING)) == want

    pa = need("pyarrow")
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq_path = tmp_path / "export.parquet"
    pq.write_table(pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={"ticket": pa.string(), "posted": pa.string(), "sent": pa.string()})), pq_path)
    assert _without_sources(audit_json(capsys, str(pq_path), *MAPPING)) == want


@pytest.mark.parametrize("argv, message", [
    (["--map", "draft.txt=reply"], "unknown field 'draft.txt'"),
    (["--map", "draft.text"], "expected FIELD=COLUMN"),
    (["--map", "draft.text=nope"], "no column 'nope' (mapped to draft.text)"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--scheduler", "tcp://x:8786"], "--scheduler needs --engine dask"),
])
def test_user_mistakes_are_one_line_exit_2(tmp_path, capsys, argv, message):
    csv_path = tmp_path / "export.csv"
    _csv_export(csv_path)
    code, _, err = run(capsys, "audit", str(csv_path), *MAPPING[:-6], *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("replyguard: error: ") and message in err


def test_missing_file_and_unmapped_required_column(tmp_path, capsys):
    code, _, err = run(capsys, "audit", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "nope.jsonl: No such file or directory" in err
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "audit", str(path))
    assert code == 2 and err.count("\n") == 1 and "no column for post.text, draft.text" in err


def test_a_malformed_case_is_reported_with_its_line_and_counted(tmp_path, capsys):
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join([lines[0], '{"id": "broken", "post": ', lines[1]]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "audit", str(path), "--format", "json")
    assert code == 2
    assert f"{path}: line 2: invalid JSON" in err
    agg = json.loads(out)
    assert agg["totals"]["replies"] == 3 and agg["totals"]["input_errors"] == 1 and agg["totals"]["checked"] == 2


def test_statistics_and_markdown(capsys):
    code, out, _ = run(capsys, "audit", str(EXAMPLES), "--statistics")
    assert code == 0
    first = out.splitlines()[0].split()
    assert first[0] == "1" and first[1].count("/") == 1 and first[2] in ("error", "warning", "info")
    code, checked, _ = run(capsys, "check", "--cases", str(EXAMPLES), "--format", "jsonl")
    records = [json.loads(line) for line in checked.splitlines()]
    rules = {f["rule"] for r in records for f in r["findings"]}
    rule_lines, mix_lines = out.rstrip("\n").split("\n\n")
    assert len(rule_lines.splitlines()) == len(rules)  # one line per rule that fired
    # then the decision mix: replies per decision, strictest first, as check --cases decided
    decisions = Counter(r["decision"] for r in records)
    assert mix_lines.splitlines()[0] == f"decisions of the {len(records)} replies checked:"
    assert [line.split() for line in mix_lines.splitlines()[1:]] == \
           [[str(decisions[d]), d, f"{100 * decisions[d] / len(records):.1f}%"]
            for d in ("block", "approve", "warn", "allow")]
    assert decisions["block"] and decisions["warn"] and decisions["allow"]  # the example mixes them
    code, out, _ = run(capsys, "audit", str(EXAMPLES))
    assert f"decisions:      block {decisions['block']} (" in out
    code, out, _ = run(capsys, "audit", str(EXAMPLES), "--format", "markdown")
    assert code == 0 and out.startswith("# Reply audit") and "| privacy/personal-data | error | pii_public | 1 |" in out
    assert "## Decisions" in out
    for d in ("block", "approve", "warn", "allow"):
        assert f"| {d} | {decisions[d]} | {100 * decisions[d] / len(records):.1f}% |" in out


# a policy that blocks a warning rule, asks approval for a category, lets another rule through
POLICY = """\
[policy]
info = "warn"

[policy.categories]
mixed_register = "approve"

[policy.rules]
"late-reply" = "block"
"ja-active-support/asks-for-review" = "allow"
"""


@pytest.mark.parametrize("policy", [None, POLICY], ids=["default-policy", "configured-policy"])
def test_decision_mix_equals_check_jsonl(tmp_path, capsys, policy):
    """Totals, per agent and per worst reply: the decisions are those check --cases reports."""
    path = dev_set()
    config: list[str] = []
    if policy is not None:
        (tmp_path / "replyguard.toml").write_text(policy, encoding="utf-8")
        config = ["--config", str(tmp_path / "replyguard.toml")]
    code, out, err = run(capsys, *config, "check", "--cases", str(path), "--format", "jsonl")
    assert code in (0, 1), err
    records = [json.loads(line) for line in out.splitlines()]
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in records] == [c["id"] for c in cases]
    code, out, err = run(capsys, *config, "audit", str(path), "--format", "json")
    assert code == 0, err
    agg = json.loads(out)

    decisions = ("block", "approve", "warn", "allow")
    want = Counter(r["decision"] for r in records)
    mix = agg["totals"]["decisions"]
    assert list(mix) == list(decisions)
    assert {d: m["replies"] for d, m in mix.items()} == {d: want[d] for d in decisions}
    assert {d: m["share"] for d, m in mix.items()} == {d: round(want[d] / len(records), 4) for d in decisions}
    assert sum(m["replies"] for m in mix.values()) == agg["totals"]["checked"] == len(records)

    per_agent: dict[str, Counter] = {}
    for c, r in zip(cases, records, strict=True):
        per_agent.setdefault(c["draft"].get("author") or "(unknown)", Counter())[r["decision"]] += 1
    assert {g["agent"]: {d: m["replies"] for d, m in g["decisions"].items() if m["replies"]} for g in agg["agents"]} \
        == {a: dict(n) for a, n in per_agent.items()}
    by_id = {r["id"]: r["decision"] for r in records}
    assert agg["worst"] and all(w["decision"] == by_id[w["id"]] for w in agg["worst"])

    if policy is None:
        assert agg["policy"] == {"error": "block", "warning": "warn", "info": "allow", "rules": {}, "categories": {}}
        assert want["approve"] == 0
    else:  # the policy took effect: approvals exist, every late reply blocks
        assert agg["policy"]["rules"]["late-reply"] == "block"
        assert want["approve"] > 0
        late = [r for r in records if any(f["rule"] == "ja-active-support/late-reply" for f in r["findings"])]
        assert late and all(r["decision"] == "block" for r in late)


def test_trend_goes_monthly_on_long_spans(tmp_path):
    base = _rows()[:11]
    rows = [CaseRow(r.source, i, r.id, r.channel, r.agent, f"2026-{1 + i % 12:02d}-15T10:00:00+09:00",
                    f"2026-{1 + i % 12:02d}-15T10:30:00+09:00", 30.0, None, r.draft, r.findings)
            for i, r in enumerate(base * 3)]
    agg = summarize(tally(rows))
    assert agg["trend"]["period"] == "month"
    assert agg["trend"]["periods"][0] == "2026-01" and agg["trend"]["periods"][-1] == "2026-12"
    assert sum(agg["trend"]["replies"]) == 33
    short = summarize(tally(base))
    assert short["trend"]["period"] == "week" and short["trend"]["periods"] == ["2026-03-02", "2026-03-09"]
