"""``/healthz`` latency while hostile clients hold connections open (issue 14).

Starts the server in a child process with a low file limit (``--nofile``, default 256), opens
``--idle`` connections that send half a request head and then nothing, and times ``/healthz``
on fresh connections twice: while the flood of idle connections is being opened, and after it.
Runs uvicorn's plain h11 protocol and the server as ``replyguard serve`` runs it
(:func:`replyguard.serve_guard.run_server`, the collector tuned) in the same run, ``--runs``
times, alternating::

    python benchmarks/idle_connections.py --idle 600 --runs 5

Besides the probe times it reports what made them slow before: how often the server ran out
of file descriptors (asyncio then stops accepting for one second) and the slowest connect of
the flood (a full accept queue drops SYNs; the client retries after one second).
``--load N`` runs N busy processes meanwhile, as on a shared machine.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import tempfile
import threading
import time

PROBE_GAP_S = 0.01


def _serve(port: int, guarded: bool, nofile: int, ready: multiprocessing.Event, log: str) -> None:
    import resource

    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 2)  # asyncio's "out of system resource" tracebacks, counted by the parent
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    from replyguard import Config, Linter
    from replyguard.gc_tuning import SERVER, tune_gc
    from replyguard.serve_guard import run_server
    from replyguard.server import create_app

    app = create_app(Linter(Config(packs=["privacy"])))
    ready.set()
    if guarded:  # as replyguard serve runs it
        tune_gc(SERVER)
        run_server(app, host="127.0.0.1", port=port, log_level="critical")
    else:
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=port, log_level="critical", http="h11", backlog=2048)


def _burn(stop: multiprocessing.Event) -> None:
    while not stop.is_set():
        pass


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


def _summary(times: list[float | None], timeout: float) -> str:
    ok = sorted(t * 1000 for t in times if t is not None)
    if not ok:
        return f"0/{len(times)} answered ({timeout:g} s timeout)"
    return (f"{len(ok)}/{len(times)} answered, median {statistics.median(ok):.1f} ms, max {ok[-1]:.1f} ms, "
            f"{sum(t > 100 for t in ok)} over 100 ms")


def run(guarded: bool, idle: int, nofile: int, probes: int, timeout: float) -> str:
    port = _free_port()
    ready = multiprocessing.Event()
    with tempfile.NamedTemporaryFile(prefix="idle-server-", suffix=".log", delete=False) as f:
        log = f.name
    proc = multiprocessing.Process(target=_serve, args=(port, guarded, nofile, ready, log), daemon=True)
    proc.start()
    ready.wait(60)
    while _healthz(port, 1.0) is None:
        time.sleep(0.1)
    held: list[socket.socket] = []
    connects: list[float] = []

    def flood() -> None:
        for _ in range(idle):
            t0 = time.perf_counter()
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")
            except OSError:
                break
            connects.append(time.perf_counter() - t0)
            held.append(s)

    opener = threading.Thread(target=flood)
    opener.start()
    during: list[float | None] = []
    while opener.is_alive():
        during.append(_healthz(port, timeout))
        time.sleep(PROBE_GAP_S)
    opener.join()
    time.sleep(0.5)
    after = [_healthz(port, timeout) for _ in range(probes)]
    for s in held:
        s.close()
    proc.kill()  # at once: an asyncio server out of descriptors logs a traceback per retry while it stops
    proc.join()
    with open(log, errors="replace") as f:
        emfile = sum(line.count("out of system resource") for line in f)
    os.unlink(log)
    name = "guarded" if guarded else "plain h11"
    slowest = max(connects) * 1000 if connects else float("nan")
    return (f"{name:9} {len(held)}/{idle} idle opened (slowest connect {slowest:.0f} ms), nofile {nofile}, "
            f"out-of-fd pauses {emfile}\n"
            f"          during the flood: {_summary(during, timeout)}\n"
            f"          after it:         {_summary(after, timeout)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--idle", type=int, default=600)
    p.add_argument("--nofile", type=int, default=256)
    p.add_argument("--probes", type=int, default=20)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--only", choices=["plain", "guarded"], help="run one server only")
    p.add_argument("--load", type=int, default=0, metavar="N", help="busy processes meanwhile")
    args = p.parse_args()
    stop = multiprocessing.Event()
    burners = [multiprocessing.Process(target=_burn, args=(stop,), daemon=True) for _ in range(args.load)]
    for b in burners:
        b.start()
    try:
        for i in range(args.runs):
            for guarded in (False, True):
                if args.only and args.only != ("guarded" if guarded else "plain"):
                    continue
                print(f"run {i + 1}: " + run(guarded, args.idle, args.nofile, args.probes, args.timeout), flush=True)
    finally:
        stop.set()
        for b in burners:
            b.join()


if __name__ == "__main__":
    main()
