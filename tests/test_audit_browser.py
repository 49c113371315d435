"""The audit page in a real headless Chromium: opened from a file (offline), its charts are
drawn, and every number it shows equals the aggregates of ``audit --format json``.

Same set-up as test_browser.py: Debian's Chromium (/usr/bin/chromium, or REPLYGUARD_CHROMIUM)
through Playwright, never a downloaded browser; skipped without it, except in CI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright import sync_api  # a hard import: the dev extra installs it
from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

from replyguard.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = [ROOT / "examples" / "cases.jsonl", ROOT / "eval" / "holdout.jsonl"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit")
    html = out / "report.html"
    code = main(["audit", *map(str, CASES), "--html", str(html), "--format", "json", "--worst", "8"])
    assert code == 0
    return html


@pytest.fixture(scope="module")
def aggregates(report):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["audit", *map(str, CASES), "--format", "json", "--worst", "8"]) == 0
    return json.loads(buf.getvalue())


@pytest.fixture(scope="module")
def page(report):
    if not Path(CHROMIUM).exists():  # as in test_browser.py: a skip here, a failure in CI
        message = (f"browser tests need Chromium at {CHROMIUM}: install it with "
                   "'sudo apt-get install chromium' (or set REPLYGUARD_CHROMIUM to its path)")
        if os.environ.get("REPLYGUARD_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else route.abort())  # offline: anything but the file itself would fail
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.goto(report.as_uri())
        yield pg
        assert requests == [report.as_uri()]
        context.close()
        browser.close()


def tables(page) -> dict[str, dict[str, dict[str, str]]]:
    """Every table the page shows: name → row key → column → the cell's text."""
    return page.evaluate("""() => {
        const out = {};
        for (const t of document.querySelectorAll('table[data-table]')) {
            const rows = {};
            for (const tr of t.querySelectorAll('tbody tr')) {
                const cells = {};
                for (const td of tr.querySelectorAll('td')) cells[td.dataset.col] = td.textContent.trim();
                rows[tr.dataset.key] = cells;
            }
            out[t.dataset.table] = rows;
        }
        return out;
    }""")


def num(text: str) -> int:
    return int(text.replace(",", ""))


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def test_charts_are_drawn(page):
    charts = page.locator("section.chart")
    assert charts.count() >= 8
    for i in range(charts.count()):
        svg = charts.nth(i).locator(".svg svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        assert svg.locator("path, rect, use").count() > 5  # bars, lines, axes: something was drawn
    # each chart has its table, shown on demand
    first = charts.nth(0)
    sync_api.expect(first.locator("table")).to_be_hidden()
    first.locator("summary").click()
    sync_api.expect(first.locator("table")).to_be_visible()


def test_numbers_shown_equal_the_aggregates(page, aggregates):
    t = aggregates["totals"]
    for metric in ("replies", "input_errors", "with_error", "with_warning", "clean"):
        shown = page.locator(f'#totals [data-metric="{metric}"] .v').text_content()
        assert num(shown) == t[metric], metric
    assert t["replies"] == 139

    shown = tables(page)
    assert {k: num(v["findings"]) for k, v in shown["categories"].items()} == \
           {c["category"]: c["findings"] for c in aggregates["categories"]}
    assert {k: (num(v["findings"]), num(v["replies"]), v["share"], v["severity"])
            for k, v in shown["rules"].items()} == \
           {r["rule"]: (r["findings"], r["replies"], pct(r["share"]), r["severity"]) for r in aggregates["rules"]}
    tr = aggregates["trend"]
    assert list(shown["trend"]) == tr["periods"]
    assert [num(v["replies"]) for v in shown["trend"].values()] == tr["replies"]
    assert [num(v["with_error"]) for v in shown["trend"].values()] == tr["with_error"]
    for rule, counts in tr["rules"].items():
        assert [num(shown["rule-trend"][rule][p]) for p in tr["periods"]] == counts
    for axis in ("agent", "channel"):
        assert {k: (num(v["replies"]), num(v["with_error"]), v["error_rate"]) for k, v in shown[f"{axis}s"].items()} \
            == {g[axis]: (g["replies"], g["with_error"], pct(g["error_rate"])) for g in aggregates[f"{axis}s"]}
    assert [num(v["replies"]) for v in shown["response"].values()] == \
           [b["replies"] for b in aggregates["response_time"]["histogram"]]


def test_decision_mix_shown_equals_the_aggregates(page, aggregates):
    """The decision chart is drawn and its table, and the per-agent one, show the json's numbers."""
    svg = page.locator("#chart-decisions .svg svg")
    assert svg.bounding_box()["height"] > 100 and svg.locator("path, rect, use").count() > 5
    shown = tables(page)
    mix = aggregates["totals"]["decisions"]
    assert list(shown["decisions"]) == ["block", "approve", "warn", "allow"]
    assert {d: (num(v["replies"]), v["share"]) for d, v in shown["decisions"].items()} == \
           {d: (m["replies"], pct(m["share"])) for d, m in mix.items()}
    assert sum(m["replies"] for m in mix.values()) == aggregates["totals"]["checked"]
    assert mix["block"]["replies"] and mix["warn"]["replies"] and mix["allow"]["replies"]

    def cell(text: str) -> tuple[int, str]:  # "12 (34.5%)"
        count, share = text.split(" ", 1)
        return num(count), share.strip("()")

    assert {agent: {d: cell(v[d]) for d in mix} for agent, v in shown["agent-decisions"].items()} == \
           {g["agent"]: {d: (m["replies"], pct(m["share"])) for d, m in g["decisions"].items()}
            for g in aggregates["agents"]}
    assert page.locator("#worst .decision").all_text_contents() == [w["decision"] for w in aggregates["worst"]]


def test_worst_replies_highlight_findings_and_link_rule_explanations(page, aggregates):
    cases = page.locator("#worst article.case")
    assert cases.count() == len(aggregates["worst"]) == 8
    for i, w in enumerate(aggregates["worst"]):
        case = cases.nth(i)
        assert case.get_attribute("data-line") == str(w["line"])
        spans = [w["draft"][f["start"]:f["end"]] for f in w["findings"] if f["start"] is not None]
        marked = "".join(case.locator(".draft mark").all_text_contents())
        for text in spans:
            assert text in marked
    link = cases.nth(0).locator("ul.findings a").first
    rule = link.text_content()
    link.click()
    target = page.locator(f'article.rule[id="rule-{rule}"]')
    sync_api.expect(target).to_be_visible()
    assert page.evaluate("location.hash") == f"#rule-{rule}"
    assert target.locator("div").first.text_content() == aggregates["rule_explanations"][rule]["message"]
