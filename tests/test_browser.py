"""End to end: the demo agent page in a real headless Chromium against a real uvicorn server.

Uses Debian's Chromium (/usr/bin/chromium; CI installs the apt package) through Playwright,
never a downloaded browser. Set REPLYGUARD_CHROMIUM to use another binary. Without Chromium
these tests skip with the install step, so the README's test command passes on a fresh
machine; ``.ci/run`` sets REPLYGUARD_REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright import sync_api  # a hard import: the dev extra installs it
from server_support import DM_LINK, ServerThread, demo_linter

from replyguard.audit import AuditLog
from replyguard.server import create_app

CHROMIUM = os.environ.get("REPLYGUARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE_DRAFT = "ご不便をおかけしております。担当の携帯 090-1234-5678 までお電話ください。"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    log = AuditLog(folder / "audit.jsonl")
    with ServerThread(create_app(demo_linter(folder), audit_log=log)) as srv:
        srv.audit_path = folder / "audit.jsonl"
        yield srv
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = (f"browser tests need Chromium at {CHROMIUM}: install it with "
                   "'sudo apt-get install chromium' (or set REPLYGUARD_CHROMIUM to its path)")
        if os.environ.get("REPLYGUARD_REQUIRE_BROWSER") == "1":  # CI (.ci/run): never skip silently
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.goto(server.url + "/")
    pg.wait_for_selector("body[data-ready='1']")
    yield pg
    context.close()
    assert problems == []


def type_draft(page, text: str) -> None:
    page.fill("#draft", "")
    page.locator("#draft").press_sequentially(text[:3])  # real key events, then the rest at once
    page.fill("#draft", text)


def test_blocked_draft_then_suggestion_then_send(page):
    sync_api.expect(page.locator("#sample option")).to_have_count(5)
    type_draft(page, PHONE_DRAFT)
    page.click("#send")

    # the error blocks sending; the finding is listed and its span highlighted in the reply
    sync_api.expect(page.locator("#gate-block")).to_be_visible()
    finding = page.locator("#findings .finding.error")
    sync_api.expect(finding).to_have_count(1)
    sync_api.expect(finding).to_contain_text("公開の返信に電話番号")
    sync_api.expect(finding.locator(".excerpt q")).to_have_text("090-1234-5678")
    sync_api.expect(page.locator("#backdrop mark.error")).to_have_text("090-1234-5678")
    sync_api.expect(page.locator("#sent-log li")).to_have_count(0)

    # one click inserts the suggested template, which then passes the check and is sent
    finding.locator('.suggestion button[data-action="replace"]').click()
    draft = page.input_value("#draft")
    assert draft.startswith("mika_0412様") and DM_LINK in draft
    sync_api.expect(page.locator("#gate")).to_be_hidden()
    page.click("#send")
    sent = page.locator("#sent-log li")
    sync_api.expect(sent).to_have_count(1)
    sync_api.expect(sent).to_contain_text("DMでお知らせください")
    sync_api.expect(page.locator("#thread li").last).to_contain_text(DM_LINK)
    assert page.input_value("#draft") == ""


def test_send_anyway_requires_a_reason(page, server):
    type_draft(page, PHONE_DRAFT)
    page.click("#send")
    sync_api.expect(page.locator("#gate-block")).to_be_visible()
    page.click("#override-open")
    send_anyway = page.locator("#override-send")
    sync_api.expect(send_anyway).to_be_disabled()
    page.fill("#override-reason", "お客さまが公開を希望")
    sync_api.expect(send_anyway).to_be_enabled()
    send_anyway.click()
    sent = page.locator("#sent-log li")
    sync_api.expect(sent).to_have_count(1)
    sync_api.expect(sent.locator(".override-note")).to_contain_text("お客さまが公開を希望")
    sync_api.expect(sent.locator(".override-note")).to_contain_text("hooktest/phone-in-public")
    # the reason is recorded on the server, with the check it overrides
    records = [json.loads(x) for x in server.audit_path.read_text(encoding="utf-8").splitlines()]
    decision = [r for r in records if r["type"] == "decision"][-1]
    assert (decision["action"], decision["rules"], decision["reason"]) == (
        "overridden", ["hooktest/phone-in-public"], "お客さまが公開を希望")
    assert decision["check_id"] in {r["check_id"] for r in records if r["type"] == "check"}
    sync_api.expect(sent.locator(".override-note")).to_contain_text(decision["decision_id"][:8])


def test_warning_asks_for_confirmation_and_safe_fix(page):
    type_draft(page, "履歴はマイページから見れます。仕様です。")
    page.click("#send")
    sync_api.expect(page.locator("#gate-confirm")).to_be_visible()
    sync_api.expect(page.locator("#findings .finding.warning")).to_have_count(2)
    sync_api.expect(page.locator("#backdrop mark.warning")).to_have_count(2)

    page.click("#confirm-cancel")  # go back and apply the safe fix instead
    page.click("#apply-safe")
    sync_api.expect(page.locator("#draft")).to_have_value("履歴はマイページから見られます。仕様です。")
    sync_api.expect(page.locator("#findings .finding.warning")).to_have_count(1)
    page.click("#send")
    sync_api.expect(page.locator("#gate-confirm")).to_be_visible()
    page.click("#confirm-send")
    sync_api.expect(page.locator("#sent-log li")).to_have_count(1)


def test_highlight_offsets_survive_emoji(page):
    # span offsets are code points; the page converts them to UTF-16 indices
    type_draft(page, "🙇‍♀️🙇 お手数ですが 080-1111-2222 へ")
    page.click("#check")
    sync_api.expect(page.locator("#backdrop mark.error")).to_have_text("080-1111-2222")


def test_sample_switch_and_recommended_template(page):
    page.select_option("#sample", "demo-praise")
    sync_api.expect(page.locator("#post")).to_contain_text("エチオピア")
    sync_api.expect(page.locator("#recommended-box")).to_be_visible()
    page.locator('#recommended button[data-action="append"]').click()
    assert page.input_value("#draft").endswith("ソラノ珈琲一同励みになります。")
    sync_api.expect(page.locator("#findings .finding")).to_have_count(0)


def test_long_draft_grows_the_editor_and_keeps_the_mark_inside(page):
    long_draft = "ご連絡ありがとうございます。\n" * 12 + "担当の携帯 090-1234-5678 までお電話ください。"
    type_draft(page, long_draft)
    page.click("#check")
    mark = page.locator("#backdrop mark.error")
    sync_api.expect(mark).to_have_text("090-1234-5678")
    box, area = mark.bounding_box(), page.locator("#draft").bounding_box()
    assert box is not None and area is not None
    assert area["y"] < box["y"] and box["y"] + box["height"] <= area["y"] + area["height"]
    assert page.evaluate("document.getElementById('draft').scrollTop") == 0  # no inner scrolling
