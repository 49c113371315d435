"""Regression corpus (issue 14): hostile HTTP clients. Partial heads and bodies are cut off,
idle connections cannot lock out a request, a POST must be JSON (a text/plain POST is a CORS
simple request any web page can send), a check over its time budget answers 503 and the
worker keeps answering, and every error is JSON."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from server_support import demo_linter, free_socket

from replyguard.serve_guard import accept_backlog, connection_cap, guarded_protocol
from replyguard.server import create_app

CASE = {"post": {"author": "c", "text": "届かない"}, "draft": {"author": "b", "text": "仕様です。"}}


class Server:
    """The app under uvicorn with the guarded protocol (small limits, so tests stay short)."""

    def __init__(self, app, **guard):
        import uvicorn

        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, http=guarded_protocol(**guard))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.getheader("content-type"), res.read()
        finally:
            conn.close()

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)


@pytest.fixture(scope="module")
def linter(tmp_path_factory):
    return demo_linter(tmp_path_factory.mktemp("packs"))


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (reads until EOF or the socket's timeout)."""
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_partial_header_connection_is_closed_after_the_header_timeout(linter) -> None:
    with Server(create_app(linter), header_timeout=0.3) as srv:
        silent, partial = srv.connect(), srv.connect()
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
        assert closed_by_server(partial) and closed_by_server(silent)
        assert srv.request("GET", "/healthz")[0] == 200


def test_partial_head_after_a_keep_alive_request_is_closed_too(linter) -> None:
    with Server(create_app(linter), header_timeout=0.3) as srv:
        sock = srv.connect()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # the second request's head never ends
        assert closed_by_server(sock)


def test_idle_connections_over_the_cap_cannot_lock_out_a_request(linter) -> None:
    """600 idle connections made /healthz time out (with a low file limit); over the cap the
    oldest connection still waiting for its request head is closed."""
    with Server(create_app(linter), header_timeout=60, max_connections=20) as srv:
        idle = [srv.connect() for _ in range(60)]
        for s in idle[:30]:
            s.sendall(b"POST /v1/check HTTP/1.1\r\n")  # half a head
        status, _, body = srv.request("GET", "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        for s in idle[:30]:  # the oldest were closed to make room
            s.settimeout(5)
            assert closed_by_server(s)
        for s in idle:
            s.close()


def test_connection_cap_follows_the_file_limit(monkeypatch) -> None:
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda _: (256, 4096))
    assert accept_backlog() == 32 and connection_cap(1000) == 256 - 64 - 32
    monkeypatch.setattr(resource, "getrlimit", lambda _: (100_000, 100_000))
    assert accept_backlog() == 2048 and connection_cap(1000) == 1000


def test_slow_body_is_a_408_json_error(linter) -> None:
    with Server(create_app(linter, body_timeout_s=0.3)) as srv:
        sock = srv.connect()
        sock.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"post\":")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408") and b"application/json" in head
        assert "10" not in json.loads(body)["error"] or "within" in json.loads(body)["error"]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None])
def test_post_that_is_not_json_is_415(linter, ctype: str | None) -> None:
    from starlette.testclient import TestClient

    client = TestClient(create_app(linter, cors_origins=["*"]))
    headers = {"content-type": ctype} if ctype else {}
    res = client.post("/v1/check", content=json.dumps(CASE).encode(), headers=headers)
    assert res.status_code == 415 and res.headers["content-type"] == "application/json"
    assert res.json()["error"] == "Content-Type must be application/json"


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_json_post_is_accepted(linter, ctype: str) -> None:
    from starlette.testclient import TestClient

    res = TestClient(create_app(linter)).post("/v1/check", content=json.dumps(CASE).encode(),
                                              headers={"content-type": ctype})
    assert res.status_code == 200 and res.json()["findings"]


def test_check_over_its_time_budget_is_503_and_the_worker_keeps_answering(linter) -> None:
    with Server(create_app(linter, check_budget_s=0.0)) as srv:
        status, ctype, body = srv.request("POST", "/v1/check", json.dumps(CASE).encode(),
                                          {"Content-Type": "application/json"})
        assert status == 503 and ctype == "application/json"
        assert "time budget" in json.loads(body)["error"]
        assert srv.request("GET", "/healthz")[0] == 200
    with Server(create_app(linter)) as srv:  # the default budget is far above a check
        assert srv.request("POST", "/v1/check", json.dumps(CASE).encode(),
                           {"Content-Type": "application/json"})[0] == 200


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), [
    ("GET", "/nope", None, {}, 404),
    ("DELETE", "/v1/check", None, {}, 405),
    ("POST", "/v1/check", b"{", {"Content-Type": "application/json"}, 400),
    ("POST", "/v1/check", b"{}", {"Content-Type": "application/json"}, 422),
    ("POST", "/v1/check", b"x" * 300_000, {"Content-Type": "application/json"}, 413),
    ("POST", "/v1/check", b"{}", {"Content-Type": "text/plain"}, 415),
    ("GET", "/v1/rules/nope", None, {}, 404),
])
def test_every_error_is_json(linter, method: str, path: str, body: bytes | None, headers: dict,
                             status: int) -> None:
    from starlette.testclient import TestClient

    res = TestClient(create_app(linter)).request(method, path, content=body, headers=headers)
    assert res.status_code == status and res.headers["content-type"].startswith("application/json")
    assert isinstance(res.json()["error"], str)


def test_limits_are_documented() -> None:
    from replyguard import serve_guard

    doc = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text(encoding="utf-8")
    for figure in (f"{serve_guard.HEADER_TIMEOUT_S:g} s", f"{serve_guard.BODY_TIMEOUT_S:g} s",
                   f"{serve_guard.MAX_CONNECTIONS:,}", f"{serve_guard.CHECK_BUDGET_S:g} s"):
        assert figure in doc, figure
