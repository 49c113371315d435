"""The audit over a generated corpus on every engine, in one run: local ``--jobs 1``, local
``--jobs 2``, Dask (a LocalCluster of 2 single-threaded worker processes) and Spark
(``local[2]``). For each: wall time, cases/s, the driver's peak memory and each worker's.

    .venv/bin/python benchmarks/audit.py --cases 100000            # all four, once
    .venv/bin/python benchmarks/audit.py --cases 20000 --rounds 2 --modes jobs1,dask

Every mode runs in a fresh process (so peak memory is its own) through the same code path as
``replyguard audit`` (read the file, check, tally, summarize); the modes alternate when
``--rounds`` > 1, so a machine shared with other work loads them alike. The aggregates of
every mode must be equal, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("jobs1", "jobs2", "dask", "spark")


def _mb(kb: float) -> float:
    return round(kb / 1024, 1)


def _vm_hwm(pid: int) -> float | None:
    """Peak resident memory of a process in MB (VmHWM), if it is still there to ask."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return _mb(int(line.split()[1]))
    except OSError:
        return None
    return None


def _worker_peak() -> float:
    return _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a process and of the children it waited for (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _spark_worker_peaks(frames):  # runs in Spark's Python workers
    import pandas as pd

    for _ in frames:
        pass
    yield pd.DataFrame({"pid": [os.getpid()], "mb": [_worker_peak()], "cpu": [_cpu()]})


def one(mode: str, path: str) -> dict:
    """Run one mode in this process and describe it."""
    from replyguard.audit_report.aggregate import summarize
    from replyguard.audit_report.engines import Options, run_dask, run_local, run_spark
    from replyguard.audit_report.sources import read_cases
    from replyguard.config import Config

    config = Config()
    opts = Options()
    workers: list[float] = []
    extra: dict = {}
    start = time.perf_counter()
    cpu_start = _cpu()
    if mode in ("jobs1", "jobs2"):
        tally = run_local(read_cases([path]), config, jobs=1 if mode == "jobs1" else 2, opts=opts)
        if mode == "jobs2":
            workers = [_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)]  # the larger worker
        extra["cpu_s"] = round(_cpu() - cpu_start + _cpu(resource.RUSAGE_CHILDREN), 1)
    elif mode == "dask":
        from replyguard.audit_report.engines import dask_client

        t0 = time.perf_counter()
        client = dask_client(None, 2)
        extra["startup_s"] = round(time.perf_counter() - t0, 1)  # reported apart from the run
        start = time.perf_counter()
        try:
            cpu0 = _cpu() + sum(client.run(_cpu).values())
            tally = run_dask(read_cases([path]), config, opts=opts, client=client)
            workers = sorted(client.run(_worker_peak).values())
            extra["cpu_s"] = round(_cpu() + sum(client.run(_cpu).values()) - cpu0, 1)
        finally:
            cluster = client.cluster
            client.close()
            cluster.close()
    else:
        from replyguard.audit_report.engines import spark_session

        t0 = time.perf_counter()
        spark = spark_session("local[2]")
        extra["startup_s"] = round(time.perf_counter() - t0, 1)
        start = time.perf_counter()
        try:
            tally = run_spark(read_cases([path]), config, opts=opts, session=spark)
            elapsed = time.perf_counter() - start
            peaks = spark.range(0, 2, 1, 2).mapInPandas(_spark_worker_peaks, "pid long, mb double, cpu double")
            peaks = {r["pid"]: r for r in peaks.collect()}
            workers = sorted(r["mb"] for r in peaks.values())
            jvm = spark.sparkContext._gateway.proc  # the local JVM (driver and executors in one)
            extra["jvm_peak_mb"] = _vm_hwm(jvm.pid) if jvm is not None else None
            # the driver, the JVM, and the Python workers that ran the last tasks (reused ones)
            extra["cpu_s"] = round(_cpu() + (_proc_cpu(jvm.pid) if jvm is not None else 0)
                                   + sum(r["cpu"] for r in peaks.values()), 1)
        finally:
            spark.stop()
        agg = summarize(tally)
        return {"mode": mode, "cases": agg["totals"]["replies"], "seconds": round(elapsed, 2),
                "cases_per_s": round(agg["totals"]["replies"] / elapsed), "driver_peak_mb": _worker_peak(),
                "worker_peak_mb": workers, **extra, "aggregates": agg}
    elapsed = time.perf_counter() - start
    agg = summarize(tally)
    return {"mode": mode, "cases": agg["totals"]["replies"], "seconds": round(elapsed, 2),
            "cases_per_s": round(agg["totals"]["replies"] / elapsed), "driver_peak_mb": _worker_peak(),
            "worker_peak_mb": workers, **extra, "aggregates": agg}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--one", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.file), ensure_ascii=False))
        return 0
    modes = [m for m in args.modes.split(",") if m]
    sys.path.insert(0, str(HERE))
    from corpus import write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.jsonl")
        write_jsonl(path, args.cases, args.seed)
        results: dict[str, list[dict]] = {m: [] for m in modes}
        reference = None
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        for r in range(args.rounds):
            for mode in modes:
                proc = subprocess.run([sys.executable, __file__, "--one", mode, "--file", path],
                                      capture_output=True, text=True, env=env)
                if proc.returncode != 0:
                    print(proc.stderr[-3000:], file=sys.stderr)
                    return 1
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                agg = res.pop("aggregates")
                if reference is None:
                    reference = agg
                elif agg != reference:
                    print(f"{mode}: aggregates differ from the first mode's", file=sys.stderr)
                    return 1
                results[mode].append(res)
                print(f"round {r + 1} {mode:6} {res['cases']:,} cases  {res['seconds']:7.2f} s  "
                      f"{res['cases_per_s']:6,} cases/s  driver {res['driver_peak_mb']} MB  "
                      f"workers {res['worker_peak_mb']} MB"
                      + (f"  (start-up {res['startup_s']} s)" if res.get("startup_s") else "")
                      + (f"  JVM {res['jvm_peak_mb']} MB" if res.get("jvm_peak_mb") else "")
                      + (f"  CPU {res['cpu_s']} s = {res['cases'] / res['cpu_s']:,.0f} cases/CPU-s"
                         if res.get("cpu_s") else ""), flush=True)
        if "jobs1" in results:
            base = max(r["cases_per_s"] for r in results["jobs1"])
            for mode in modes:
                best = max(r["cases_per_s"] for r in results[mode])
                print(f"{mode:6} best {best:6,} cases/s  {best / base:4.2f}× jobs1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
