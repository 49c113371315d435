"""``replyguard mcp`` end to end: the official SDK's client launches the server over stdio and
calls its tools, as an agent would."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

# .ci/run installs the [mcp] extra and sets REPLYGUARD_REQUIRE_MCP: there this test never skips
if importlib.util.find_spec("mcp") is None and not os.environ.get("REPLYGUARD_REQUIRE_MCP"):
    pytest.skip("the [mcp] extra is not installed", allow_module_level=True)

from mcp import Client, StdioServerParameters
from server_support import DEMO_PACK, DM_LINK

PHONE = "ご不便をおかけしております。担当の携帯 090-1234-5678 までお電話ください。"


def conversation(draft: str, **extra) -> dict:
    return {"channel": "x", "brand": {"name": "ソラノ珈琲", "handles": ["sorano_support"]},
            "post": {"author": "mika_0412", "text": "注文した豆がまだ届かない"},
            "thread": [{"author": "kenta", "text": "うちも遅れてます"}],
            "draft": {"author": "sorano_support", "text": draft}, **extra}


@pytest.fixture
def params(tmp_path: Path) -> StdioServerParameters:
    (tmp_path / "hooktest.yaml").write_text(DEMO_PACK, encoding="utf-8")
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text(f'packs = ["hooktest.yaml"]\n[variables]\ndm_link = "{DM_LINK}"\n', encoding="utf-8")
    return StdioServerParameters(command=sys.executable, args=["-m", "replyguard", "--config", str(cfg), "mcp"],
                                 cwd=str(tmp_path))


def run(params: StdioServerParameters, steps):
    async def go():
        async with Client(params, read_timeout_seconds=60) as client:
            return await steps(client)
    return asyncio.run(go())


def test_tools_are_listed_with_descriptions_for_a_model(params) -> None:
    async def steps(client):
        return (await client.list_tools()).tools
    tools = {t.name: t for t in run(params, steps)}
    assert set(tools) == {"check_reply", "fix_reply", "explain_rule"}
    check = tools["check_reply"]
    assert "never send" in check.description.lower() and "thread" in check.description
    assert check.input_schema["required"] == ["conversation"]
    assert "post and draft are required" in check.input_schema["properties"]["conversation"]["description"]


def test_check_fix_explain_and_rules_resource(params) -> None:
    async def steps(client):
        blocked = await client.call_tool("check_reply", {"conversation": conversation(PHONE)})
        fixed = await client.call_tool("fix_reply", {"conversation": conversation("履歴はマイページから見れます。")})
        explained = await client.call_tool("explain_rule", {"rule_id": "phone-in-public"})
        rules = await client.read_resource("replyguard://rules")
        return blocked, fixed, explained, rules

    blocked, fixed, explained, rules = run(params, steps)
    assert not blocked.is_error
    report = blocked.structured_content
    assert report == json.loads(blocked.content[0].text)
    assert report["decision"] == "block" and report["next_step"].startswith("block: do not send")
    [f] = [f for f in report["findings"] if f["rule"] == "hooktest/phone-in-public"]
    assert f["action"] == "block" and f["excerpt"] == "090-1234-5678"
    assert PHONE[f["span"]["start"]:f["span"]["end"]] == "090-1234-5678"
    assert f["suggested_templates"][0]["template"] == "hooktest/dm-handoff"
    assert DM_LINK in f["suggested_templates"][0]["text"]

    out = fixed.structured_content
    assert out["fixed_text"] == "履歴はマイページから見られます。"
    assert out["applied"] == [{"rule": "hooktest/ranuki", "excerpt": "見れます", "replacement": "見られます"}]
    assert out["decision"] == "allow" and out["findings"] == []

    assert explained.structured_content["id"] == "hooktest/phone-in-public"
    assert explained.structured_content["action"] == "block"
    listed = json.loads(rules.contents[0].text)
    assert {r["id"] for r in listed["rules"]} == {"hooktest/phone-in-public", "hooktest/brush-off", "hooktest/ranuki"}


def test_malformed_input_is_a_tool_error_naming_the_field(params) -> None:
    async def steps(client):
        no_draft = await client.call_tool("check_reply", {"conversation": {"post": {"author": "a", "text": "x"}}})
        no_text = {**conversation(PHONE), "draft": {"author": "b"}}
        bad_text = await client.call_tool("check_reply", {"conversation": no_text})
        bad_ignore = await client.call_tool("check_reply", {"conversation": conversation(
            PHONE, ignore=[{"rule": "nope", "reason": "r"}])})
        unknown = await client.call_tool("explain_rule", {"rule_id": "nope"})
        still_alive = await client.call_tool("check_reply", {"conversation": conversation("ありがとうございます。")})
        return no_draft, bad_text, bad_ignore, unknown, still_alive

    no_draft, bad_text, bad_ignore, unknown, still_alive = run(params, steps)
    assert no_draft.is_error and "conversation.draft: Field required" in no_draft.content[0].text
    assert bad_text.is_error and "conversation.draft.text: Field required" in bad_text.content[0].text
    assert bad_ignore.is_error and "ignore.0.rule: unknown rule 'nope'" in bad_ignore.content[0].text
    assert unknown.is_error and "rule_id: unknown rule 'nope'" in unknown.content[0].text
    assert not still_alive.is_error and still_alive.structured_content["decision"] == "allow"
