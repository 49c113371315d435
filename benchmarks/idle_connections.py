"""``/healthz`` latency while hostile clients hold connections open (issue 14).

Starts the server in a child process with a low file limit (``--nofile``, default 256), opens
``--idle`` connections that send half a request head and then nothing, and times ``/healthz``
on fresh connections. Runs uvicorn's plain h11 protocol and replyguard's guarded one
(:mod:`replyguard.serve_guard`) in the same run::

    python benchmarks/idle_connections.py --idle 600
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import socket
import statistics
import time


def _serve(port: int, guarded: bool, nofile: int, ready: multiprocessing.Event) -> None:
    import resource

    import uvicorn

    from replyguard import Config, Linter
    from replyguard.serve_guard import accept_backlog, guarded_protocol
    from replyguard.server import create_app

    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    app = create_app(Linter(Config(packs=["privacy"])))
    http_impl = guarded_protocol() if guarded else "h11"
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", http=http_impl,
                            backlog=accept_backlog() if guarded else 2048)
    server = uvicorn.Server(config)
    ready.set()
    server.run()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz(port: int, timeout: float) -> float | None:
    t0 = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return None
    return (time.perf_counter() - t0) if ok else None


def run(guarded: bool, idle: int, nofile: int, probes: int, timeout: float) -> str:
    port = _free_port()
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=_serve, args=(port, guarded, nofile, ready), daemon=True)
    proc.start()
    ready.wait(60)
    while _healthz(port, 1.0) is None:
        time.sleep(0.1)
    held = []
    for _ in range(idle):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            held.append(s)
        except OSError:
            break
    time.sleep(0.5)
    times = [_healthz(port, timeout) for _ in range(probes)]
    for s in held:
        s.close()
    proc.terminate()
    proc.join()
    ok = sorted(t * 1000 for t in times if t is not None)
    name = "guarded" if guarded else "plain h11"
    if not ok:
        return f"{name:10} {idle} idle, nofile {nofile}: all {probes} /healthz probes failed ({timeout:g} s timeout)"
    return (f"{name:10} {idle} idle, nofile {nofile}: {len(ok)}/{probes} answered, "
            f"median {statistics.median(ok):.1f} ms, max {ok[-1]:.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--idle", type=int, default=600)
    p.add_argument("--nofile", type=int, default=256)
    p.add_argument("--probes", type=int, default=20)
    p.add_argument("--timeout", type=float, default=3.0)
    args = p.parse_args()
    for guarded in (False, True):
        print(run(guarded, args.idle, args.nofile, args.probes, args.timeout), flush=True)


if __name__ == "__main__":
    main()
