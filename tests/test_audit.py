"""POST /v1/decisions and the audit log: reasons required for overriding block/approve,
what a log line holds, rotation, the summary command, and durability under SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from server_support import demo_linter, free_socket

from replyguard.audit import AuditLog, draft_hash, summarise
from replyguard.cli import main
from replyguard.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PHONE = "ご不便をおかけしております。090-1234-5678 までお電話ください。"
BRUSH = "仕様です。"


def case(draft: str = PHONE, **extra) -> dict:
    return {"id": "a-1", "post": {"author": "mika", "text": "届かない"},
            "draft": {"author": "agent_7", "text": draft}, **extra}


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def logged(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    with TestClient(create_app(demo_linter(tmp_path), audit_log=log)) as c:
        yield c, tmp_path / "audit.jsonl"
    log.close()


def test_check_is_logged_with_hash_and_ids_not_text(logged) -> None:
    client, path = logged
    res = client.post("/v1/check", json=case(ignore=[{"rule": "brush-off", "reason": "unused here"}]))
    body = res.json()
    assert res.status_code == 200 and body["decision"] == "block"
    [rec] = lines(path)
    assert rec["type"] == "check" and rec["check_id"] == body["check_id"] and rec["case_id"] == "a-1"
    assert rec["draft_sha256"] == draft_hash(PHONE) and rec["decision"] == "block"
    assert {"rule": "hooktest/phone-in-public", "severity": "error", "action": "block"} in rec["findings"]
    assert "text" not in rec and "090-1234-5678" not in path.read_text(encoding="utf-8")
    health = client.get("/healthz").json()["audit_log"]
    assert health["records"] == 1 and health["batches"] == 1 and health["mean_write_ms"] >= 0


def test_override_of_a_block_needs_a_reason(logged) -> None:
    client, path = logged
    checked = client.post("/v1/check", json=case()).json()
    res = client.post("/v1/decisions", json={"action": "overridden", "agent": "agent_7",
                                              "rules": ["phone-in-public"], "check_id": checked["check_id"]})
    assert res.status_code == 422
    assert res.json()["detail"] == [{"field": "reason", "message": res.json()["error"].split(": ", 1)[1]}]
    assert "hooktest/phone-in-public" in res.json()["error"]
    res = client.post("/v1/decisions", json={"action": "overridden", "agent": "agent_7", "reason": "   ",
                                              "rules": ["phone-in-public"], "check_id": checked["check_id"]})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "reason"
    ok = client.post("/v1/decisions", json={"action": "overridden", "agent": "agent_7",
                                             "rules": ["hooktest/phone-in-public"], "check_id": checked["check_id"],
                                             "reason": "the customer asked for the shop's public number"})
    assert ok.status_code == 200 and ok.json()["logged"] is True
    rec = lines(path)[-1]
    assert rec["type"] == "decision" and rec["decision_id"] == ok.json()["decision_id"]
    assert (rec["agent"], rec["rules"], rec["reason"]) == (
        "agent_7", ["hooktest/phone-in-public"], "the customer asked for the shop's public number")
    assert rec["check_id"] == checked["check_id"] and rec["draft_sha256"] == draft_hash(PHONE)
    assert rec["overridden"] == {"hooktest/phone-in-public": "block"}


def test_sending_a_blocked_draft_is_an_override(logged) -> None:
    client, path = logged
    res = client.post("/v1/decisions", json={"action": "sent", "agent": "agent_7", "conversation": case()})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "rules"
    # a warning needs no reason; the conversation is checked (and logged) with the decision
    ok = client.post("/v1/decisions", json={"action": "sent", "agent": "agent_7", "conversation": case(BRUSH)})
    assert ok.status_code == 200
    check, decision = lines(path)[-2:]
    assert check["type"] == "check" and decision["check_id"] == check["check_id"] == ok.json()["check_id"]
    assert decision["action"] == "sent" and decision["reason"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "sent", "agent": "a"}, "conversation"),
    ({"action": "sent", "agent": "a", "check_id": "x", "conversation": case()}, "conversation"),
    ({"action": "overridden", "agent": "a", "check_id": "x"}, "rules"),
    ({"action": "overridden", "agent": "a", "check_id": "x", "rules": ["nope"], "reason": "r"}, "rules.0"),
    ({"action": "posted", "agent": "a", "check_id": "x"}, "action"),
    ({"action": "sent", "agent": "", "check_id": "x"}, "agent"),
    ({"action": "sent", "agent": "a", "conversation": {"post": {"author": "a", "text": "t"}}}, "conversation.draft"),
])
def test_bad_decisions_name_the_field(logged, body, field) -> None:
    client, path = logged
    res = client.post("/v1/decisions", json=body)
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["field"] == field
    assert not path.read_text(encoding="utf-8")


def test_log_text_only_when_asked(tmp_path) -> None:
    log = AuditLog(tmp_path / "t.jsonl", text=True)
    with TestClient(create_app(demo_linter(tmp_path), audit_log=log)) as client:
        client.post("/v1/check", json=case())
    log.close()
    assert lines(tmp_path / "t.jsonl")[0]["text"] == {"post": "届かない", "draft": PHONE}


def test_decisions_without_a_log_are_validated_but_not_logged(tmp_path) -> None:
    with TestClient(create_app(demo_linter(tmp_path))) as client:
        res = client.post("/v1/decisions", json={"action": "discarded", "agent": "a", "conversation": case()})
        assert res.status_code == 200 and res.json()["logged"] is False


def test_rotation_keeps_every_record(tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    log = AuditLog(path, max_bytes=2_000, backups=3)
    for i in range(100):
        log.write({"type": "decision", "n": i, "agent": "a", "action": "sent", "pad": "x" * 60})
    log.close()
    files = [path, *(Path(f"{path}.{i}") for i in (1, 2, 3))]
    assert all(f.exists() for f in files) and not Path(f"{path}.4").exists()
    assert all(f.stat().st_size < 2_200 for f in files)
    seen = sorted(r["n"] for f in files for r in lines(f))
    assert seen == list(range(100 - len(seen), 100))  # the oldest rotated away, nothing torn or missing


def test_appends_of_one_loop_pass_share_one_durable_write(tmp_path) -> None:
    """Concurrent requests' records go to disk together (group commit), and each append
    returns only once its own line is in the file."""
    path = tmp_path / "g.jsonl"
    log = AuditLog(path)

    async def one(i: int) -> None:
        await log.append({"type": "decision", "n": i, "agent": "a", "action": "sent"})
        assert i in {r["n"] for r in lines(path)}  # acknowledged: on disk

    async def run() -> None:
        await asyncio.gather(*(one(i) for i in range(50)))

    asyncio.run(run())
    log.close()
    assert sorted(r["n"] for r in lines(path)) == list(range(50))
    assert (log.records, log.batches) == (50, 1)


def test_an_append_after_close_fails_instead_of_waiting(tmp_path) -> None:
    log = AuditLog(tmp_path / "c.jsonl")
    log.close()
    with pytest.raises(OSError, match="closed"):
        asyncio.run(log.append({"type": "decision", "agent": "a"}))


def test_a_torn_tail_is_ended_before_appending(tmp_path) -> None:
    path = tmp_path / "torn.jsonl"
    path.write_bytes(b'{"type":"check"}\n{"type":"deci')
    log = AuditLog(path)
    log.write({"type": "decision", "agent": "a"})
    log.close()
    s = summarise([path])
    assert s.lines == 3 and s.bad_lines == [f"{path}:2"] and sum(s.actions.values()) == 1


def test_audit_log_command_summarises(tmp_path, capsys) -> None:
    path = tmp_path / "s.jsonl"
    log = AuditLog(path)
    log.write({"type": "check", "ts": "2026-11-30T01:00:00.000Z", "decision": "block",
               "findings": [{"rule": "privacy/personal-data", "action": "block"}]})
    for agent, reason in (("agent_7", "public shop number"), ("agent_7", "public shop number"), ("sato", "typo")):
        log.write({"type": "decision", "ts": "2026-11-30T01:00:01.000Z", "action": "overridden", "agent": agent,
                   "rules": ["privacy/personal-data"], "reason": reason})
    log.close()
    assert main(["audit-log", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 check(s), 3 decision(s)" in out and "privacy/personal-data" in out
    assert "overrides per agent: agent_7 2, sato 1" in out and "2  agent_7: public shop number" in out
    assert main(["audit-log", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overrides_by_rule"] == {"privacy/personal-data": 3}
    assert main(["audit-log", str(tmp_path / "missing.jsonl")]) == 2


# -- durability: SIGKILL under load -------------------------------------------------------
async def _post(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (path.encode(), len(body), body))
        data = await reader.read()
    finally:
        writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), payload


def test_sigkill_under_load_loses_no_acknowledged_record(tmp_path) -> None:
    """2,000 requests (checks and overrides) over 16 connections; the server is SIGKILLed
    after 1,000 answers. Every line of the log parses and every acknowledged id is in it."""
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    log = tmp_path / "audit.jsonl"
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "replyguard", "serve", "--port", str(port),
                             "--audit-log", str(log)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    acked_checks: set[str] = set()
    acked_decisions: set[str] = set()

    async def run() -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = await _post(port, "/v1/check", json.dumps(case(BRUSH)).encode())
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            await asyncio.sleep(0.1)
        queue = list(range(2_000))
        killed = False

        async def client() -> None:
            nonlocal killed
            while queue:
                i = queue.pop()
                conv = case(PHONE if i % 3 else BRUSH, id=f"k-{i}")
                if i % 2:
                    path, body = "/v1/decisions", {"action": "overridden", "agent": f"agent_{i % 5}",
                                                   "rules": ["privacy/personal-data"], "conversation": conv,
                                                   "reason": f"reason {i}"}
                else:
                    path, body = "/v1/check", conv
                try:
                    status, payload = await _post(port, path, json.dumps(body).encode())
                    # an answer cut off by the kill (a 200 head, a partial body) acknowledged nothing
                    ans = json.loads(payload) if status == 200 else None
                except (OSError, ValueError, IndexError):
                    continue
                if ans is None:
                    continue
                (acked_decisions.add(ans["decision_id"]) if "decision_id" in ans else acked_checks.add(ans["check_id"]))
                if not killed and len(acked_checks) + len(acked_decisions) >= 1_000:
                    killed = True
                    os.kill(proc.pid, signal.SIGKILL)

        await asyncio.gather(*(client() for _ in range(16)))

    try:
        asyncio.run(run())
    finally:
        proc.kill()
        proc.wait()
    assert len(acked_checks) + len(acked_decisions) >= 1_000
    records = [json.loads(line) for line in log.read_bytes().split(b"\n") if line]  # every line parses
    logged_checks = {r["check_id"] for r in records if r["type"] == "check"}
    logged_decisions = {r["decision_id"]: r for r in records if r["type"] == "decision"}
    assert acked_checks <= logged_checks
    assert acked_decisions <= set(logged_decisions)
    assert all(r["reason"].startswith("reason ") and r["agent"].startswith("agent_")
               for r in logged_decisions.values())


def test_openapi_describes_decisions_and_the_answers_match_it(logged) -> None:
    import jsonschema

    client, _ = logged
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/v1/decisions"]["post"]
    assert {"200", "422", "503"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["DecisionRequest"]["required"] == ["action", "agent"]
    assert "ignore" in schemas["Conversation"]["properties"]

    def validate(instance: dict, name: str) -> None:
        jsonschema.validate(instance, {"$ref": f"#/components/schemas/{name}", "components": doc["components"]})

    checked = client.post("/v1/check?fix=safe", json=case(ignore=[{"rule": "brush-off", "reason": "r"}])).json()
    validate(checked, "CheckResult")
    body = {"action": "overridden", "agent": "a", "rules": ["phone-in-public"], "reason": "r",
            "check_id": checked["check_id"]}
    validate(body, "DecisionRequest")
    validate(client.post("/v1/decisions", json=body).json(), "DecisionRecorded")
