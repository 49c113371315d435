"""replyguard benchmarks: every figure measured in the same run, against the same texts.

    .venv/bin/python benchmarks/run.py                    # quick: 5,000 cases, 20,000-case batch
    .venv/bin/python benchmarks/run.py --big 50000        # the figures of docs/performance.md
    .venv/bin/python benchmarks/run.py --big 0 --cold-runs 0 --mix ../shared/eval/dev.jsonl

Measures

* the floor: fugashi + unidic-lite alone tokenising every text of every case (post, thread,
  history, draft), reading each token's lemma and POS the way a user would;
* warm ``Linter.check`` per case (built-in packs, case given as the parsed JSON dict):
  p50/p99 latency, cases/s, and the ratio to the floor;
* ``Linter.check`` again with the garbage collector tuned as the batch CLI and the server
  tune it (``gc_tuning.tune_gc``: the linter frozen out of the collector's sight, rarer young
  collections): cases/s and the ratio to the floor;
* the batch CLI ``replyguard check --cases big.jsonl --format jsonl`` at ``--jobs 1`` and
  ``--jobs 2``: wall time, cases/s, peak RSS;
* cold start: one ``replyguard check`` of one draft as a new process (median of several runs).

A round is one pass through ``check`` with each GC setting; in each pass the floor
alternates with the check in blocks of 50 cases (the machine may be shared, so both see the
same load). The reported ratios are the medians of the per-pass ratios. The Doc cache is
cleared before each pass, so repeated texts are only shared within a pass, as within one
batch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

REPLYGUARD = str(Path(sys.executable).with_name("replyguard"))


# -- helpers ---------------------------------------------------------------------------------
def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(),
            "python": platform.python_version(), "platform": platform.platform()}


def case_texts(case: dict) -> list[str]:
    return [case["post"]["text"], *(m["text"] for m in case.get("thread", [])),
            *(m["text"] for m in case.get("history", [])), case["draft"]["text"]]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


# -- in-process measurements -----------------------------------------------------------------
def floor_round(tagger, cases: list[dict]) -> float:
    """Seconds to tokenise every text of every case with a plain fugashi loop."""
    t0 = time.perf_counter()
    sink = 0
    for case in cases:
        for text in case_texts(case):
            for word in tagger(text):
                f = word.feature
                sink += len(f.lemma or "") + len(f.pos1)
    return time.perf_counter() - t0


def check_round(linter, cases: list[dict]) -> tuple[float, list[float]]:
    """Seconds for all cases, and each case's latency."""
    lat: list[float] = []
    clock = time.perf_counter
    t0 = clock()
    for case in cases:
        a = clock()
        linter.check(case)
        lat.append(clock() - a)
    return clock() - t0, lat


def in_process(cases: list[dict], warmup: list[dict], rounds: int, block: int = 50) -> dict:
    import gc

    import fugashi

    from replyguard import Linter
    from replyguard.batch import tune_gc  # (re-exported from gc_tuning)
    from replyguard.doc import doc_for
    from replyguard.tokens import clear_sentence_cache

    tagger = fugashi.Tagger()
    t0 = time.perf_counter()
    linter = Linter()
    build = time.perf_counter() - t0
    floor_round(tagger, warmup)
    for case in warmup:
        linter.check(case)

    apis = ("check", "tuned")
    floors: list[float] = []
    times: dict[str, list[float]] = {api: [] for api in apis}
    ratios: dict[str, list[float]] = {api: [] for api in apis}
    lats: list[float] = []
    block_ratios: list[float] = []
    default_gc = gc.get_threshold()
    for r in range(rounds):
        # Each round is one pass over the cases through ``check``, and one through ``check``
        # with the garbage collector tuned as the batch CLI and the server tune it (linter
        # frozen out of the collector's sight, rarer young collections). In
        # each pass the floor alternates with the API block by block (the machine may be
        # shared, so both see the same load). The Doc cache is cleared before each pass, so
        # repeated texts are only shared within a pass, as within one batch.
        for api in apis if r % 2 == 0 else apis[::-1]:
            doc_for.cache_clear()
            clear_sentence_cache()
            if api == "tuned":
                tune_gc()
            f_total = x_total = 0.0
            for b in range(0, len(cases), block):
                part = cases[b:b + block]
                floor_first = (b // block + r) % 2 == 0
                f = floor_round(tagger, part) if floor_first else 0.0
                x, lat = check_round(linter, part)
                if not floor_first:
                    f = floor_round(tagger, part)
                if api == "check":
                    lats.extend(lat)
                    block_ratios.append(x / f)
                f_total += f
                x_total += x
            if api == "tuned":
                gc.unfreeze()
                gc.set_threshold(*default_gc)
            floors.append(f_total)
            times[api].append(x_total)
            ratios[api].append(x_total / f_total)
    n = len(cases)
    f_med = statistics.median(floors)
    c_med, t_med = (statistics.median(times[api]) for api in apis)
    return {
        "cases": n, "rounds": rounds, "rules": len(linter.rules), "linter_build_s": build,
        "texts_per_case": sum(len(case_texts(c)) for c in cases) / n,
        "floor_s": f_med, "floor_cases_per_s": n / f_med, "floor_us_per_case": 1e6 * f_med / n,
        "check_s": c_med, "check_cases_per_s": n / c_med,
        "check_p50_us": 1e6 * pct(lats, 50), "check_p99_us": 1e6 * pct(lats, 99),
        "check_mean_us": 1e6 * c_med / n,
        "ratio_to_floor": statistics.median(ratios["check"]), "ratios": ratios["check"],
        "block_ratio_median": statistics.median(block_ratios),
        "tuned_s": t_med, "tuned_cases_per_s": n / t_med, "tuned_mean_us": 1e6 * t_med / n,
        "tuned_ratio_to_floor": statistics.median(ratios["tuned"]), "tuned_ratios": ratios["tuned"],
    }


# -- subprocess measurements -----------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(x) for x in fh.read().split())
        except OSError:
            continue
    return out


def _mem_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KB; PSS splits shared pages (the mmapped dictionary)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_measured(argv: list[str], stdout=subprocess.DEVNULL) -> dict:
    """Wall time, exit code, peak RSS of the largest process (GNU time's %M: wait4 of a small
    parent, so the benchmark's own memory is not counted) and peak summed RSS/PSS of the tree."""
    peak = {"rss": 0, "pss": 0, "procs": 0}
    done = threading.Event()
    maxrss_file = tempfile.NamedTemporaryFile("r", suffix=".txt", delete=False)  # noqa: SIM115
    cmd = [TIME, "-f", "%M", "-o", maxrss_file.name, *argv] if TIME else argv
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)

    def sample() -> None:
        while not done.is_set():
            pids = _tree(proc.pid)[1 if TIME else 0:]
            mem = [_mem_kb(p) for p in pids]
            peak["rss"] = max(peak["rss"], sum(m[0] for m in mem))
            peak["pss"] = max(peak["pss"], sum(m[1] for m in mem))
            peak["procs"] = max(peak["procs"], len(pids))
            done.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    code = proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    try:
        maxrss = int(maxrss_file.read().strip().splitlines()[-1]) if TIME else 0
    except (ValueError, IndexError):
        maxrss = 0
    maxrss_file.close()
    os.unlink(maxrss_file.name)
    return {"wall_s": wall, "exit": code, "maxrss_mb": maxrss / 1024, "tree_rss_mb": peak["rss"] / 1024,
            "tree_pss_mb": peak["pss"] / 1024, "procs": peak["procs"]}


def batch(path: str, n: int, jobs: int) -> dict:
    out = tempfile.NamedTemporaryFile("w+b", suffix=".jsonl", delete=False)  # noqa: SIM115
    try:
        r = run_measured([REPLYGUARD, "check", "--cases", path, "--format", "jsonl", "--jobs", str(jobs)],
                         stdout=out)
        out.close()
        with open(out.name, "rb") as fh:
            lines = sum(1 for _ in fh)
    finally:
        os.unlink(out.name)
    r.update(jobs=jobs, cases=n, output_lines=lines, cases_per_s=n / r["wall_s"])
    return r


def cold_start(runs: int) -> dict:
    argv = [REPLYGUARD, "check", "--post", "アプリが使いにくい",
            "ご意見ありがとうございます。どのあたりが使いにくかったか教えていただけますか？"]
    times = [run_measured(argv)["wall_s"] for _ in range(runs)]
    py = [run_measured([sys.executable, "-c", "pass"])["wall_s"] for _ in range(runs)]
    return {"runs": runs, "median_s": statistics.median(times), "min_s": min(times),
            "python_startup_s": statistics.median(py)}


# -- main ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=5000, help="cases for the floor and warm check")
    ap.add_argument("--big", type=int, default=20000, help="cases for the batch CLI runs (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3, help="alternating floor/check rounds")
    ap.add_argument("--batch-rounds", type=int, default=1, help="alternating --jobs 1 / --jobs 2 runs")
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--workdir", help="where the corpus files go (default: a temporary directory)")
    ap.add_argument("--mix", action="append", default=[], metavar="FILE",
                    help="also measure floor and check on the cases of this JSON Lines file "
                         "(e.g. ../shared/eval/dev.jsonl: fewer, shorter texts per case); repeatable")
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    args = ap.parse_args(argv)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="replyguard-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "seed": args.seed}
    m = results["machine"]
    print(f"machine: {m['nproc']} CPU(s), {m['cpu']}, Python {m['python']}")

    cases = list(corpus.generate(args.cases, args.seed))
    warmup = list(corpus.generate(300, args.seed + 1000))
    cases = json.loads(json.dumps(cases))  # exactly what a JSONL reader would hand over
    r = results["warm"] = in_process(cases, warmup, args.rounds)
    print(f"\n{r['cases']:,} cases, {r['texts_per_case']:.1f} texts/case, {r['rules']} rules, "
          f"median of {r['rounds']} alternating rounds")
    print(f"  floor (fugashi alone)  {r['floor_cases_per_s']:8,.0f} cases/s  "
          f"{r['floor_us_per_case']:7.0f} µs/case")
    print(f"  warm Linter.check      {r['check_cases_per_s']:8,.0f} cases/s  "
          f"{r['check_mean_us']:7.0f} µs/case "
          f"(p50 {r['check_p50_us']:.0f} µs, p99 {r['check_p99_us']:.0f} µs)")
    print(f"  ratio check/floor      {r['ratio_to_floor']:8.2f}×   (rounds: "
          + ", ".join(f"{x:.2f}" for x in r["ratios"]) + f"; median of 50-case blocks "
          f"{r['block_ratio_median']:.2f})")
    print(f"  Linter.check, GC tuned {r['tuned_cases_per_s']:8,.0f} cases/s  {r['tuned_mean_us']:7.0f} µs/case "
          f"(as the batch CLI and the server run it: gc_tuning.tune_gc)")
    print(f"  ratio tuned/floor      {r['tuned_ratio_to_floor']:8.2f}×   (rounds: "
          + ", ".join(f"{x:.2f}" for x in r["tuned_ratios"]) + ")")
    print(f"  Linter() build         {r['linter_build_s']:8.3f} s")

    for path in args.mix:
        with open(path, encoding="utf-8") as fh:
            mix = [json.loads(line) for line in fh if line.strip()]
        r = results.setdefault("mix", {})[path] = in_process(mix, warmup, max(args.rounds, 9))
        print(f"\n{path}: {r['cases']:,} cases, {r['texts_per_case']:.1f} texts/case, "
              f"median of {r['rounds']} alternating rounds")
        print(f"  floor {r['floor_cases_per_s']:,.0f} cases/s, check {r['check_cases_per_s']:,.0f} cases/s "
              f"({r['check_mean_us']:.0f} µs/case), ratio {r['ratio_to_floor']:.2f}×; check, GC tuned "
              f"{r['tuned_cases_per_s']:,.0f} cases/s "
              f"({r['tuned_mean_us']:.0f} µs/case), ratio {r['tuned_ratio_to_floor']:.2f}×")

    if args.big:
        big = workdir / f"big-{args.big}-{args.seed}.jsonl"
        if not big.exists():
            corpus.write_jsonl(str(big), args.big, args.seed + 1)
        runs: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(args.batch_rounds):
            for jobs in (1, 2):
                runs[jobs].append(batch(str(big), args.big, jobs))
        results["batch"] = {}
        print(f"\nbatch CLI, {args.big:,} cases, --format jsonl"
              + (f", best of {args.batch_rounds}" if args.batch_rounds > 1 else ""))
        for jobs, rs in runs.items():
            best = min(rs, key=lambda x: x["wall_s"])
            best["rss_tree_peak_mb"] = max(x["tree_rss_mb"] for x in rs)
            best["pss_tree_peak_mb"] = max(x["tree_pss_mb"] for x in rs)
            results["batch"][f"jobs{jobs}"] = best
            print(f"  --jobs {jobs}  {best['wall_s']:7.2f} s  {best['cases_per_s']:8,.0f} cases/s  "
                  f"exit {best['exit']}  lines {best['output_lines']:,}\n"
                  f"             peak RSS {best['maxrss_mb']:.0f} MB (largest process); all {best['procs']} "
                  f"processes (sampled): RSS {best['rss_tree_peak_mb']:.0f} MB, "
                  f"PSS {best['pss_tree_peak_mb']:.0f} MB")
        speedup = results["batch"]["jobs1"]["wall_s"] / results["batch"]["jobs2"]["wall_s"]
        results["batch"]["speedup_jobs2"] = speedup
        print(f"  --jobs 2 speed-up      {speedup:.2f}×")

    if args.cold_runs:
        c = results["cold"] = cold_start(args.cold_runs)
        print(f"\ncold start (one draft, new process): median {c['median_s']:.3f} s, min {c['min_s']:.3f} s "
              f"(python -c pass: {c['python_startup_s']:.3f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
