"""``serve --workers N``: N server processes on one port, each with its own listening socket.

Why not uvicorn's own ``workers=``: its supervisor binds one socket with ``proto`` 0, so
accepted connections never get ``TCP_NODELAY`` and every keep-alive request after the first
waits ~40 ms for the client's delayed ACK (uvicorn issue #3149; measured here: 2 workers
answered 700 requests/s against 1,100 for one). And with one shared socket the first worker
to wake accepts most of the connections. Here every worker binds its own ``SO_REUSEPORT``
TCP socket (``IPPROTO_TCP``, so asyncio sets ``TCP_NODELAY``) and the kernel spreads the
connections over the workers.

The supervisor checks the port before starting anything (a port in use is a clean error),
reports once every worker is listening, stops them all on SIGINT/SIGTERM, and stops the rest
if one dies: it never keeps serving silently with fewer workers than asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from typing import Any

BACKLOG = 2048
READY_TIMEOUT_S = 120.0


class WorkersError(RuntimeError):
    """The workers could not start (port in use, platform, a worker failed)."""


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A bound, listening TCP socket whose accepted connections get TCP_NODELAY."""
    family, kind, _proto, _name, addr = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, socket.IPPROTO_TCP)  # proto 6: asyncio then sets NODELAY
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(addr)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _worker(options: dict[str, Any], ready: Any) -> None:
    """One worker process: build the app, bind its own socket, serve until terminated."""
    from .gc_tuning import SERVER, tune_gc
    from .serve_guard import run_server
    from .server import app_from_options

    app = app_from_options(options)
    sock = listening_socket(options["host"], options["port"], reuse_port=True)
    tune_gc(SERVER)
    ready.put(os.getpid())
    run_server(app, sockets=[sock], log_level=options["log_level"], access_log=False, server_header=False,
               proxy_headers=True)


def run_workers(workers: int, options: dict[str, Any]) -> int:
    """Run ``workers`` server processes until interrupted; the exit code of the supervisor."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise WorkersError("--workers N needs SO_REUSEPORT (Linux, macOS, BSD); on this platform "
                           "run one process per port behind a reverse proxy")
    host, port = options["host"], options["port"]
    try:  # fail early and clearly if anything else holds the port
        listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise WorkersError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    ctx = multiprocessing.get_context("spawn")  # a clean interpreter per worker, on every platform
    ready = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(options, ready), name=f"replyguard-worker-{i + 1}")
             for i in range(workers)]
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes the requests in flight

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for p in procs:
            p.start()
        started = 0
        deadline = time.monotonic() + READY_TIMEOUT_S
        while started < workers and not stopping and time.monotonic() < deadline \
                and all(p.is_alive() for p in procs):
            try:
                ready.get(timeout=0.2)
            except queue.Empty:
                continue
            started += 1
        if started == workers:
            print(f"replyguard serve: {workers} workers listening on http://{host}:{port}",
                  file=sys.stderr, flush=True)
        # Wait until any worker ends; then stop the others (never serve with fewer).
        while not stopping and all(p.is_alive() for p in procs):
            wait([p.sentinel for p in procs])
        failed = not stopping
        stop(signal.SIGTERM, None)
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
        if failed:
            codes = ", ".join(f"{p.name}: {p.exitcode}" for p in procs)
            print(f"replyguard serve: a worker stopped unexpectedly ({codes}); stopped all",
                  file=sys.stderr, flush=True)
            return 1
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
