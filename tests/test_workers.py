"""``serve --workers N``: every worker answers on one port, connections keep TCP_NODELAY, the
supervisor stops cleanly and never keeps serving with a dead worker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

from server_support import free_socket

from replyguard.workers import listening_socket

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")

CASE = {"id": "w1", "post": {"author": "c", "text": "注文した豆がまだ届かない"},
        "draft": {"author": "b", "text": "担当の携帯（090-1234-5678）までお電話ください。"}}


def test_accepted_connections_get_tcp_nodelay() -> None:
    """uvicorn's own --workers socket has proto 0, so asyncio leaves Nagle on (~40 ms per
    keep-alive request); ours is an IPPROTO_TCP socket, so every connection gets NODELAY."""
    sock = listening_socket("127.0.0.1", 0, reuse_port=True)
    assert sock.proto == socket.IPPROTO_TCP
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            conn = transport.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def probe() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.02)
        writer.close()
        server.close()

    asyncio.run(probe())
    assert seen and seen[0] != 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out.extend(int(x) for x in fh.read().split())
    return out


def _post(port: int, body: dict) -> tuple[int, dict]:
    data = json.dumps(body, ensure_ascii=False).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(data), data))
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, _, payload = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


@pytest.fixture
def two_workers():
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "replyguard", "serve", "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent)
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # the supervisor says when every worker listens
        if "2 workers listening on" in line or time.monotonic() > deadline:
            break
    yield proc, port
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads worker pids from /proc")
def test_two_workers_answer_and_stop_on_sigterm(two_workers) -> None:
    proc, port = two_workers
    assert proc.poll() is None
    assert len(_children(proc.pid)) >= 2  # the workers (and multiprocessing's resource tracker)
    for _ in range(6):  # new connections each time: the kernel spreads them over the workers
        status, report = _post(port, CASE)
        assert status == 200
        assert [f["rule"] for f in report["findings"]].count("privacy/personal-data") == 1
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads worker pids from /proc")
def test_a_dead_worker_stops_the_whole_server(two_workers) -> None:
    proc, port = two_workers
    workers = [p for p in _children(proc.pid) if "resource_tracker" not in Path(f"/proc/{p}/cmdline").read_text()]
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(timeout=30) == 2
    assert proc.stderr is not None
    assert "stopped unexpectedly" in proc.stderr.read()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_port_in_use_is_exit_2_before_any_worker_starts() -> None:
    sock = free_socket()
    sock.listen()
    try:
        out = subprocess.run([sys.executable, "-m", "replyguard", "serve", "--port", str(sock.getsockname()[1]),
                              "--workers", "2"], capture_output=True, text=True, timeout=120)
    finally:
        sock.close()
    assert out.returncode == 2
    assert "address already in use" in out.stderr.lower()
    assert "Traceback" not in out.stderr
