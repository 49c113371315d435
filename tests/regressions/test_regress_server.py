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
from server_support import ServerThread, demo_linter, free_socket

from replyguard.serve_guard import accept_burst, connection_cap, guarded_protocol
from replyguard.server import create_app

CASE = {"post": {"author": "c", "text": "届かない"}, "draft": {"author": "b", "text": "仕様です。"}}


class Server(ServerThread):
    """The app under uvicorn with the guarded protocol (small limits, so tests stay short)."""

    def __init__(self, app, **guard):
        super().__init__(app, http=guarded_protocol(**guard))

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
    assert accept_burst() == 16 and connection_cap(1000) == 256 - 64 - 4 * 16
    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 4096))
    assert accept_burst() == 64 and connection_cap(1000) == 1024 - 64 - 4 * 64
    monkeypatch.setattr(resource, "getrlimit", lambda _: (100_000, 100_000))
    assert accept_burst() == 128 and connection_cap(1000) == 1000


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


# -- malformed HTTP: JSON like every other error ---------------------------------------------
def _raw_answer(srv: Server, data: bytes) -> tuple[bytes, bytes]:
    sock = srv.connect()
    sock.sendall(data)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000,  # an unfinished head over h11's 16 KiB
])
def test_malformed_http_is_a_400_json_error(linter, data: bytes) -> None:
    """uvicorn answered these in plain text ("Invalid HTTP request received.")."""
    with Server(create_app(linter)) as srv:
        head, body = _raw_answer(srv, data)
        assert head.startswith(b"HTTP/1.1 400 ") and b"content-type: application/json" in head.lower()
        assert json.loads(body) == {"error": "malformed HTTP request", "detail": None}
        assert srv.request("GET", "/healthz")[0] == 200


# -- accepting: a wide kernel queue, small bursts, never out of descriptors -------------------
def _tcp_max_backlog(sock: socket.socket) -> int:
    """A listening socket's accept-queue size, from Linux's TCP_INFO (tcpi_sacked)."""
    import struct

    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, 28)[0]


@pytest.mark.skipif(not Path("/proc/sys/net/core/somaxconn").exists(), reason="Linux TCP_INFO")
def test_the_kernel_queue_is_wide_while_accept_bursts_stay_small(linter) -> None:
    """asyncio listens with its accept burst; a queue that small overflowed under a flood of
    idle connections and the kernel dropped SYNs: /healthz then waited a second to connect."""
    from replyguard import serve_guard

    sock = free_socket()
    sock.listen(5)
    server = serve_guard.guarded_server(create_app(linter), log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
        assert _tcp_max_backlog(sock) == min(serve_guard.LISTEN_BACKLOG, somaxconn)
        assert server.config.backlog == serve_guard.accept_burst() < serve_guard.LISTEN_BACKLOG
        conn = http.client.HTTPConnection("127.0.0.1", sock.getsockname()[1], timeout=30)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_flood_of_idle_connections_never_runs_out_of_descriptors(tmp_path: Path) -> None:
    """With a low file limit the cap left room for one accept burst, but three are open before
    the first one's idle victims are closed: asyncio ran out of descriptors and stopped
    accepting for a second (the log said "socket.accept() out of system resource")."""
    import subprocess
    import sys

    script = tmp_path / "server.py"
    script.write_text(LOW_LIMIT_SERVER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())

        def healthz() -> int:
            for _ in range(600):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", "/healthz")
                    return conn.getresponse().status
                except ConnectionRefusedError:
                    time.sleep(0.05)
            raise AssertionError("the server did not start")

        assert healthz() == 200
        held: list[socket.socket] = []

        def flood() -> None:  # 400 in all: more than the server's 256 descriptors, less than a
            for _ in range(100):  # test runner's usual limit of 1024
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
                held.append(s)

        for _ in range(3):
            threads = [threading.Thread(target=flood) for _ in range(4)]  # the accept queue fills faster
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert healthz() == 200
            for s in held:
                s.close()
            held.clear()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert b"out of system resource" not in err and b"Too many open files" not in err, err.decode()[-2000:]


LOW_LIMIT_SERVER = """
import resource, socket
resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
from replyguard import Config, Linter
from replyguard.serve_guard import run_server
from replyguard.server import create_app

app = create_app(Linter(Config(packs=["privacy"])))
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
run_server(app, sockets=[sock], log_level="warning")
"""
