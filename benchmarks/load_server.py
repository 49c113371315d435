"""Bounded load test of ``replyguard serve``: loopback only, a fixed request count, a time limit.

Starts the server in a subprocess on a free 127.0.0.1 port, sends ``--requests`` POST
/v1/check requests (distinct invented conversations from ``corpus.py``) over ``--concurrency``
keep-alive connections, and prints latency percentiles, errors, throughput and the server's
RSS (VmRSS of /proc/PID/status) before and after.

    python benchmarks/load_server.py                         # 10,000 requests, concurrency 32
    python benchmarks/load_server.py --rounds 3 --json       # three rounds on one server

The client is raw asyncio HTTP/1.1 (no client library), so on a small machine it takes as
little CPU from the server as possible. ``--server-cmd`` runs another server command (with
``{port}`` in it), e.g. a variant under test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from run import _mem_kb, _tree  # noqa: E402


def rss_kb(pid: int) -> int:
    """VmRSS of the server, summed over its worker processes (``serve --workers N``)."""
    return sum(_mem_kb(p)[0] for p in _tree(pid))


def cpu_s(pid: int) -> float:
    """CPU time (user + system, all threads) of the server and its workers, in seconds: less
    sensitive than latency to other load on the machine, so it shows what a feature costs."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def bodies(n: int, seed: int) -> list[bytes]:
    """``n`` distinct request bodies: invented conversations of the benchmark corpus."""
    return [json.dumps(case, ensure_ascii=False).encode() for case in generate(n, seed)]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str,
                   body: bytes) -> tuple[int, bytes]:
    writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (path.encode(), HOST.encode(), len(body), body))
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def load(port: int, payloads: list[bytes], concurrency: int, path: str,
               time_limit: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    next_index = 0

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def worker() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while next_index < len(payloads):
                body = payloads[next_index]
                next_index += 1
                t0 = time.perf_counter()
                try:
                    status, data = await _request(reader, writer, path, body)
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    error(type(exc).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    error(f"HTTP {status}")
                elif not data.startswith(b'{"') or b'"findings":' not in data:
                    error("unexpected body")
        finally:
            writer.close()

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    done, pending = await asyncio.wait(tasks, timeout=time_limit)
    for t in pending:
        t.cancel()
    for t in done:
        if t.exception() is not None:
            error(type(t.exception()).__name__)
    wall = time.perf_counter() - t0
    unanswered = len(payloads) - len(latencies)
    if unanswered:
        error("unanswered (time limit)" if pending else "unanswered")
    ms = [x * 1000 for x in latencies]
    return {
        "requests": len(payloads), "answered": len(latencies), "errors": sum(errors.values()),
        "error_kinds": errors, "wall_s": round(wall, 2), "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(pct(ms, 50), 2), "p90_ms": round(pct(ms, 90), 2), "p99_ms": round(pct(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
    }


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before it was ready")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become ready in time")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=1_000, help="requests before the measured rounds")
    ap.add_argument("--rounds", type=int, default=1, help="measured rounds on the same server")
    ap.add_argument("--time-limit", type=float, default=300, help="seconds per round before giving up")
    ap.add_argument("--fix", action="store_true", help="call /v1/check?fix=safe")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--config", help="config file passed to 'replyguard --config'")
    ap.add_argument("--workers", type=int, default=1, help="passed to 'replyguard serve --workers'")
    ap.add_argument("--audit-log", metavar="PATH", help="passed to 'replyguard serve --audit-log'")
    ap.add_argument("--server-cmd", help="server command instead of 'replyguard serve' ({port} is replaced)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    port = free_port()
    if args.server_cmd:
        cmd = shlex.split(args.server_cmd.replace("{port}", str(port)))
    else:
        cmd = [sys.executable, "-m", "replyguard", *(["--config", args.config] if args.config else []),
               "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers),
               *(["--audit-log", args.audit_log] if args.audit_log else [])]
    payloads = bodies(args.warmup + args.requests * args.rounds, args.seed)
    path = "/v1/check?fix=safe" if args.fix else "/v1/check"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    all_listening = threading.Event()

    def read_log() -> None:  # keep the pipe drained; `serve --workers N` says when all listen
        assert proc.stderr is not None
        for line in proc.stderr:
            if "workers listening on" in line:
                all_listening.set()

    threading.Thread(target=read_log, daemon=True).start()
    try:
        wait_ready(port, proc)
        if args.workers > 1 and not args.server_cmd and not all_listening.wait(timeout=60):
            raise SystemExit("not every worker was listening after 60 s")
        result: dict[str, Any] = {"cpus": os.cpu_count(), "concurrency": args.concurrency,
                                  "workers": args.workers,
                                  "path": path, "rss_start_mb": round(rss_kb(proc.pid) / 1024, 1)}
        if args.warmup:
            asyncio.run(load(port, payloads[:args.warmup], args.concurrency, path, args.time_limit))
        result["rss_after_warmup_mb"] = round(rss_kb(proc.pid) / 1024, 1)
        rounds = []
        for r in range(args.rounds):
            chunk = payloads[args.warmup + r * args.requests: args.warmup + (r + 1) * args.requests]
            cpu0 = cpu_s(proc.pid)
            stats = asyncio.run(load(port, chunk, args.concurrency, path, args.time_limit))
            stats["server_cpu_ms_per_request"] = round((cpu_s(proc.pid) - cpu0) * 1000 / max(1, len(chunk)), 3)
            stats["rss_after_mb"] = round(rss_kb(proc.pid) / 1024, 1)
            rounds.append(stats)
        result["rounds"] = rounds
        if args.audit_log and os.path.exists(args.audit_log):
            with open(args.audit_log, "rb") as fh:
                records = sum(1 for _ in fh)
            size = os.path.getsize(args.audit_log)
            result["audit_log"] = {"records": records, "bytes": size,
                                   "bytes_per_record": round(size / records, 1) if records else None}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"server RSS: start {result['rss_start_mb']} MB, after {args.warmup} warm-up requests "
              f"{result['rss_after_warmup_mb']} MB")
        for i, s in enumerate(result["rounds"], 1):
            print(f"round {i}: {s['answered']}/{s['requests']} answered, errors {s['errors']} "
                  f"{s['error_kinds'] or ''}, {s['throughput_rps']} req/s, p50 {s['p50_ms']} ms, "
                  f"p90 {s['p90_ms']} ms, p99 {s['p99_ms']} ms, max {s['max_ms']} ms, "
                  f"server CPU {s['server_cpu_ms_per_request']} ms/request, "
                  f"RSS after {s['rss_after_mb']} MB")
        if "audit_log" in result:
            print(f"audit log: {result['audit_log']}")
    return 1 if any(s["errors"] for s in result["rounds"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
