"""The HTTP pre-send hook, in-process: endpoints, errors (always JSON 4xx), limits, CORS."""

from __future__ import annotations

import json
import re
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # newer Starlette suggests httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from server_support import DM_LINK, demo_linter

from replyguard import Conversation, Report
from replyguard.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PHONE_DRAFT = "ご不便をおかけしております。担当の携帯（090-1234-5678）までお電話ください。"


def case(draft: str = PHONE_DRAFT, post: str = "注文した豆がまだ届かない", **extra) -> dict:
    return {
        "id": "srv-1",
        "channel": "x",
        "brand": {"name": "ソラノ珈琲", "handles": ["sorano_support", "sorano_coffee"]},
        "post": {"id": "p1", "author": "mika_0412", "text": post, "created_at": "2026-11-20T10:00:00+09:00"},
        "thread": [{"author": "kenta_brew", "text": "うちも遅れてます",
                    "created_at": "2026-11-20T10:03:00+09:00"}],
        "history": [],
        "draft": {"author": "sorano_support", "text": draft, "created_at": "2026-11-20T10:10:00+09:00"},
        **extra,
    }


@pytest.fixture
def linter(tmp_path):
    return demo_linter(tmp_path, privacy=True)


@pytest.fixture
def client(linter):
    with TestClient(create_app(linter)) as c:
        yield c


# -- /v1/check -----------------------------------------------------------------------------

def test_check_returns_the_jsonl_record(client, linter):
    res = client.post("/v1/check", json=case(expected=["pii_public"], note="ignored"))
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/json")
    body = res.json()
    # the same object as `replyguard check --format jsonl` for this case, plus the check's id
    assert re.fullmatch(r"[0-9a-f]{32}", body.pop("check_id"))
    assert body == linter.check(Conversation.model_validate(case())).model_dump(mode="json")
    assert set(body) == {"id", "findings", "suggestions", "decision", "suppressed"}
    assert body["id"] == "srv-1"
    rules = {f["rule"] for f in body["findings"]}
    assert {"privacy/personal-data", "hooktest/phone-in-public"} <= rules
    f = next(f for f in body["findings"] if f["rule"] == "privacy/personal-data")
    assert set(f) == {"rule", "category", "severity", "message", "span", "suggestions", "fix", "action"}
    assert f["action"] == "block" and body["decision"] == "block"
    assert f["category"] == "pii_public" and f["severity"] == "error"
    assert PHONE_DRAFT[f["span"]["start"]:f["span"]["end"]] == "090-1234-5678"
    hook = next(f for f in body["findings"] if f["rule"] == "hooktest/phone-in-public")
    assert hook["suggestions"][0]["template"] == "hooktest/dm-handoff"
    text = hook["suggestions"][0]["text"]
    assert text.startswith("mika_0412様") and DM_LINK in text
    Report.model_validate(body)


def test_check_clean_draft_and_recommended_templates(client):
    res = client.post("/v1/check", json=case("ありがとうございます！これからもよろしくお願いいたします。",
                                             post="新しい豆、最高でした"))
    assert res.status_code == 200
    body = res.json()
    assert body["findings"] == []
    assert [s["template"] for s in body["suggestions"]] == ["hooktest/thanks"]
    assert "ソラノ珈琲" in body["suggestions"][0]["text"]


def test_check_fix_safe_returns_fixed_text(client):
    draft = "マイページから履歴が見れます。仕様です。"
    res = client.post("/v1/check?fix=safe", json=case(draft))
    assert res.status_code == 200
    body = res.json()
    assert body["fixed_text"] == "マイページから履歴が見られます。仕様です。"
    fix = next(f for f in body["findings"] if f["rule"] == "hooktest/ranuki")["fix"]
    assert fix == {"span": {"start": 10, "end": 14}, "replacement": "見られます", "safe": True}
    assert "fixed_text" not in client.post("/v1/check", json=case(draft)).json()


def test_default_answer_is_the_jsonl_record_of_the_draft_with_check_id_first(client, linter, monkeypatch):
    """One path for every answer: the default one is what the registry's jsonl format writes
    for the draft (check --format jsonl's record), check_id first; ?fix=safe adds fixed_text
    last, as check --fix's jsonl record. Only the whitespace of the encoding may differ."""
    from replyguard import formats
    from replyguard.formats.located import draft_run

    draft = "マイページから履歴が見れます。仕様です。"
    conv = Conversation.model_validate(case(draft))
    report = linter.check(conv)
    record = json.loads(formats.render("jsonl", draft_run(linter, draft, report)))
    fixed = json.loads(formats.render("jsonl", draft_run(linter, draft, report, fix=True)))
    assert list(fixed)[-1] == "fixed_text" and list(fixed)[:-1] == list(record)

    rendered: list[str] = []
    render = formats.render
    monkeypatch.setattr(formats, "render", lambda name, run, *a: rendered.append(name) or render(name, run, *a))
    for query, expected in (("", record), ("?fix=safe", fixed)):
        res = client.post(f"/v1/check{query}", json=case(draft))
        assert res.status_code == 200 and res.headers["content-type"] == "application/json"
        body = res.json()
        assert next(iter(body)) == "check_id" and re.fullmatch(r"[0-9a-f]{32}", body.pop("check_id"))
        assert body == expected and list(body) == list(expected)
        # the same record as ?format=jsonl, which carries the check id in a header instead
        assert json.loads(client.post("/v1/check?format=jsonl", json=case(draft)).text) == record
    assert rendered == ["jsonl"] * 4


def test_check_fix_unknown_value_is_400(client):
    res = client.post("/v1/check?fix=everything", json=case())
    assert res.status_code == 400
    assert res.json()["error"].startswith("fix:")


def test_check_minimal_conversation(client):
    res = client.post("/v1/check", json={"post": {"author": "a", "text": "届かない"},
                                         "draft": {"author": "b", "text": "090-1234-5678 へどうぞ"}})
    assert res.status_code == 200
    assert res.json()["id"] == ""
    assert res.json()["findings"]


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"{not json", b'{"post": ', b"\xff\xfe\x00", b"   "])
def test_invalid_json_is_400(client, raw):
    res = client.post("/v1/check", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 400
    body = res.json()
    assert set(body) == {"error", "detail"}
    assert "JSON" in body["error"] or "empty" in body["error"]


def test_wrong_types_are_422_naming_the_field(client):
    bad = case()
    bad["draft"]["text"] = 42
    bad["thread"][0]["created_at"] = "yesterday"
    res = client.post("/v1/check", json=bad)
    assert res.status_code == 422
    body = res.json()
    assert body["error"].startswith("thread.0.created_at:") and "(and 1 more)" in body["error"]
    fields = {d["field"] for d in body["detail"]}
    assert fields == {"draft.text", "thread.0.created_at"}


def test_missing_field_and_bad_channel_are_422(client):
    res = client.post("/v1/check", json={"post": {"author": "a", "text": "x"}})
    assert res.status_code == 422
    assert res.json()["detail"] == [{"field": "draft", "message": "Field required", "type": "missing"}]
    res = client.post("/v1/check", json=case(channel="tiktok"))
    assert res.status_code == 422 and res.json()["error"].startswith("channel:")


def test_non_object_body_is_422(client):
    res = client.post("/v1/check", json=[case()])
    assert res.status_code == 422
    assert res.json()["detail"][0]["field"] == "body"


def test_body_over_the_limit_is_413(linter):
    with TestClient(create_app(linter, max_body_bytes=2048)) as c:
        ok = c.post("/v1/check", json=case())
        assert ok.status_code == 200
        res = c.post("/v1/check", json=case(draft="あ" * 1000))
        assert res.status_code == 413
        assert res.json()["detail"]["limit_bytes"] == 2048

        def chunks():  # no Content-Length: the limit is enforced while streaming
            for _ in range(10):
                yield b" " * 512

        res = c.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
        assert res.status_code == 413


def test_text_over_max_text_chars_is_413(tmp_path):
    linter = demo_linter(tmp_path, max_text_chars=100)
    with TestClient(create_app(linter)) as c:
        res = c.post("/v1/check", json=case(draft="ご連絡ありがとうございます。" * 10))
        assert res.status_code == 413
        body = res.json()
        assert body["error"].startswith("draft.text:") and "max_text_chars" in body["error"]
        assert body["detail"] == {"field": "draft.text", "chars": 140, "max_text_chars": 100}
        bad = case()
        bad["thread"][0]["text"] = "x" * 101
        res = c.post("/v1/check", json=bad)
        assert res.status_code == 413 and res.json()["detail"]["field"] == "thread.0.text"


def test_unknown_path_and_method_are_json(client):
    res = client.get("/v1/nothing")
    assert res.status_code == 404 and res.json()["error"] == "not found"
    res = client.get("/v1/check")
    assert res.status_code == 405 and res.json()["error"] == "method not allowed"


# -- rules, health, openapi ---------------------------------------------------------------

def test_rules_list(client, linter):
    res = client.get("/v1/rules")
    assert res.status_code == 200
    body = res.json()
    ids = [r["id"] for r in body["rules"]]
    assert ids == [r.id for r in linter.rules]
    assert "privacy/personal-data" in ids
    rule = body["rules"][ids.index("hooktest/phone-in-public")]
    assert {"category", "severity", "message", "description", "when", "kind", "examples"} <= set(rule)
    assert rule["kind"] == "pii" and rule["when"] == "public" and rule["suggest"] == ["hooktest/dm-handoff"]
    assert rule["examples"]["fail"][0]["draft"] == "090-1234-5678 までお電話ください。"
    assert {t["id"] for t in body["templates"]} == {"hooktest/dm-handoff", "hooktest/thanks"}
    assert {p["id"] for p in body["packs"]} == {"privacy", "hooktest"}


def test_one_rule_by_full_and_short_id(client):
    res = client.get("/v1/rules/privacy/personal-data")
    assert res.status_code == 200
    body = res.json()
    assert body["id"] == "privacy/personal-data"
    assert body["category"] == "pii_public" and body["severity"] == "error" and body["kind"] == "pii"
    assert body["description"] and body["examples"]["fail"] and body["examples"]["pass"]
    assert client.get("/v1/rules/brush-off").json()["id"] == "hooktest/brush-off"


def test_unknown_rule_is_404(client):
    res = client.get("/v1/rules/privacy/no-such-rule")
    assert res.status_code == 404
    assert "privacy/no-such-rule" in res.json()["error"]


def test_severity_override_and_disabled_rules_are_reflected(tmp_path):
    linter = demo_linter(tmp_path, severity={"brush-off": "error"}, disable=["ranuki"])
    with TestClient(create_app(linter)) as c:
        assert c.get("/v1/rules/hooktest/brush-off").json()["severity"] == "error"
        assert c.get("/v1/rules/hooktest/ranuki").status_code == 404


def test_healthz(client, linter):
    res = client.get("/healthz")
    assert res.status_code == 200
    assert res.json()["status"] == "ok" and res.json()["rules"] == len(linter.rules)


def test_openapi_describes_endpoints_and_schemas(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/check", "/v1/rules", "/v1/rules/{rule_id}", "/healthz"} <= set(doc["paths"])
    check = doc["paths"]["/v1/check"]["post"]
    assert check["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Conversation"}
    assert {"200", "400", "413", "422"} <= set(check["responses"])
    schemas = doc["components"]["schemas"]
    assert {"Conversation", "Message", "Report", "Finding", "Error", "RuleInfo"} <= set(schemas)
    assert set(schemas["Conversation"]["required"]) == {"post", "draft"}
    refs = set(re.findall(r'"#/components/schemas/([A-Za-z]+)"', json.dumps(doc)))
    assert refs and refs <= set(schemas)


def test_demo_page_and_static_files(client):
    res = client.get("/")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert 'src="static/app.js"' in res.text
    for name in ("app.js", "style.css", "samples.json"):
        assert client.get(f"/static/{name}").status_code == 200
    samples = client.get("/static/samples.json").json()
    for s in samples["samples"]:  # every sample conversation is valid input
        conv = {"channel": s["channel"], "brand": samples["brand"], "post": s["post"],
                "thread": s["thread"], "history": s["history"],
                "draft": {"author": samples["agent"], "text": s["draft"]}}
        assert client.post("/v1/check", json=conv).status_code == 200


# -- CORS ---------------------------------------------------------------------------------

def test_cors_is_off_by_default(client):
    res = client.post("/v1/check", json=case(), headers={"Origin": "https://agent.example.com"})
    assert res.status_code == 200
    assert "access-control-allow-origin" not in res.headers
    pre = client.options("/v1/check", headers={"Origin": "https://agent.example.com",
                                                "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_allows_configured_origins_only(linter):
    app = create_app(linter, cors_origins=["https://agent.example.com"])
    with TestClient(app) as c:
        pre = c.options("/v1/check", headers={"Origin": "https://agent.example.com",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://agent.example.com"
        assert "POST" in pre.headers["access-control-allow-methods"]
        res = c.post("/v1/check", json=case(), headers={"Origin": "https://agent.example.com"})
        assert res.headers["access-control-allow-origin"] == "https://agent.example.com"
        other = c.post("/v1/check", json=case(), headers={"Origin": "https://evil.example.net"})
        assert "access-control-allow-origin" not in other.headers


def test_post_errors_carry_cors_headers_and_stay_json(linter):
    """POST /v1/check and /v1/decisions are answered ahead of the router: their errors are
    still the JSON errors, with the CORS headers a browser needs to read them."""
    origin = {"Origin": "https://agent.example.com"}
    app = create_app(linter, cors_origins=["https://agent.example.com"])
    with TestClient(app) as c:
        for path, body, status in (("/v1/check", {"post": {"author": "a", "text": "t"}}, 422),
                                   ("/v1/check?fix=all", case(), 400),
                                   ("/v1/decisions", {"action": "sent", "agent": "a"}, 422)):
            res = c.post(path, json=body, headers=origin)
            assert res.status_code == status and res.headers["content-type"] == "application/json"
            assert res.headers["access-control-allow-origin"] == "https://agent.example.com"
            assert set(res.json()) == {"error", "detail"}
        assert c.get("/v1/check", headers=origin).json()["error"] == "method not allowed"


def test_an_unexpected_error_in_a_check_is_a_json_500(linter, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(linter, "check", broken)
    with TestClient(create_app(linter), raise_server_exceptions=False) as c:
        res = c.post("/v1/check", json=case())
    assert res.status_code == 500 and res.json() == {"error": "internal error", "detail": None}


# -- CLI ----------------------------------------------------------------------------------

def test_cli_serve_help_and_lazy_import():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "replyguard", "serve", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for flag in ("--host", "--port", "--max-body-bytes", "--cors-origin", "--workers"):
        assert flag in out.stdout
    probe = "import sys, replyguard.cli; print('starlette' in sys.modules, 'uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"]


def test_worker_app_is_built_from_the_options_the_supervisor_passes(tmp_path):
    # `serve --workers N`: each worker process builds its linter from the config path
    from replyguard.server import app_from_options

    cfg = tmp_path / "replyguard.toml"
    cfg.write_text('packs = ["privacy"]\ndisable = ["order-number"]\n', encoding="utf-8")
    app = app_from_options({"config": str(cfg), "max_body_bytes": 1000,
                            "cors_origins": ["https://agent.example.com"]})
    with TestClient(app) as c:
        rules = [r["id"] for r in c.get("/v1/rules").json()["rules"]]
        assert "privacy/personal-data" in rules and "privacy/order-number" not in rules
        assert c.post("/v1/check", json=case(draft="あ" * 400)).status_code == 413
        res = c.post("/v1/check", json=case(), headers={"Origin": "https://agent.example.com"})
        assert res.status_code == 200
        assert res.headers["access-control-allow-origin"] == "https://agent.example.com"


def test_cli_serve_port_in_use_is_exit_2():
    import subprocess
    import sys

    from server_support import free_socket

    sock = free_socket()
    sock.listen()
    try:
        out = subprocess.run([sys.executable, "-m", "replyguard", "serve", "--port", str(sock.getsockname()[1])],
                             capture_output=True, text=True, timeout=120)
    finally:
        sock.close()
    assert out.returncode == 2
    assert "address already in use" in out.stderr


def test_load_script_runs_against_a_real_server(capsys):
    """benchmarks/load_server.py starts `replyguard serve`, sends its requests and reports."""
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    spec = importlib.util.spec_from_file_location("load_server", bench / "load_server.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    code = mod.main(["--requests", "60", "--concurrency", "4", "--warmup", "10", "--time-limit", "60", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    (only,) = result["rounds"]
    assert only["answered"] == 60 and only["errors"] == 0
    assert only["p99_ms"] >= only["p50_ms"] > 0
    assert result["rss_start_mb"] > 0 and only["rss_after_mb"] > 0
