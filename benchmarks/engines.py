"""Pattern engines for the packs, compared in one run: whole-check speed and load time.

    .venv/bin/python benchmarks/engines.py --before 087e34e \\
        --cases ../shared/eval/dev.jsonl --cases ../shared/eval/dev-hard.jsonl --generated 2000

Variants, each in its own process, run in alternating rounds (the machine may be shared, so
every variant sees the same load); times are CPU times of the process (``process_time``: on
a shared machine wall time mostly measures the neighbours), and each process also times
fugashi alone on the same texts (the floor), so ratios to the floor compare across rounds:

* ``re``: Python's ``re`` with the required-character prefilter and the literal-first
  rewriting, as of commit ``--before`` (exported with ``git archive``; its own packs, which
  still use lookarounds);
* ``re2``: this tree (RE2, one ``RE2::Set`` scan per matcher for "is there any match");
* ``hyperscan``: this tree, with each matcher's "is there any match" answered by a Hyperscan
  database of its patterns, one scan per text (Hyperscan reports no groups and no starts
  without extra cost, so spans and replacements stay on RE2).

Per variant: ``Linter()`` build (load and compile the packs; median of the rounds) and the
warm ``Linter.check`` per case on each case file (median of the rounds). Then the hostile
inputs of issue 14 on this tree: the 20,000-character draft ending in ``@`` and the patterns
``(a?){28}a{28}`` and ``(.*a){20}`` on 20,000 characters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(variant: str, files: list[str], rounds: int) -> dict:
    """Runs in the variant's process: build the linter, then time the check on every file."""
    import fugashi

    if variant == "hyperscan":
        _use_hyperscan()
    from replyguard import Linter
    from replyguard.doc import doc_for

    t0 = time.process_time()
    linter = Linter()
    build = time.process_time() - t0
    tagger = fugashi.Tagger()
    out: dict = {"build_s": build, "files": {}}
    for path in files:
        cases = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        for case in cases[:50]:  # warm up
            linter.check(case)
        checks, floors = [], []
        for _ in range(rounds):
            doc_for.cache_clear()
            t0 = time.process_time()
            for case in cases:
                linter.check(case)
            checks.append(time.process_time() - t0)
            t0 = time.process_time()
            for case in cases:
                for text in [case["post"]["text"], *(m["text"] for m in case.get("thread", [])),
                             *(m["text"] for m in case.get("history", [])), case["draft"]["text"]]:
                    for word in tagger(text):
                        _ = word.feature.lemma
            floors.append(time.process_time() - t0)
        n = len(cases)
        out["files"][path] = {"cases": n, "check_us": 1e6 * statistics.median(checks) / n,
                              "floor_us": 1e6 * statistics.median(floors) / n,
                              "ratio": statistics.median(c / f for c, f in zip(checks, floors, strict=True))}
    if variant == "hyperscan":
        from replyguard import matcher

        out["hyperscan_refused_matchers"] = matcher.AnySet.refused  # type: ignore[attr-defined]
    return out


def _use_hyperscan() -> None:
    """Answer each matcher's "is there any match" with one Hyperscan database scan per text."""
    import hyperscan

    from replyguard import matcher as m

    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_SINGLEMATCH

    class _Stop(Exception):
        pass

    def on_match(*_args) -> bool:
        return True  # stop at the first match

    class HsSet:
        def __init__(self, patterns) -> None:
            self.db = hyperscan.Database()
            exprs = [p.source.encode() for p in patterns]
            self.fallback = None
            try:
                self.db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                                flags=[flags] * len(exprs))
                self.scratch = hyperscan.Scratch(self.db)
            except hyperscan.error:  # a pattern Hyperscan cannot compile: RE2 for this matcher
                HsSet.refused += 1
                self.fallback = m.AnySet(patterns)

        def any(self, text: str, data: bytes) -> bool:
            if self.fallback is not None:
                return self.fallback.any(text, data)
            try:
                self.db.scan(data, match_event_handler=on_match, scratch=self.scratch)
            except hyperscan.ScanTerminated:
                return True
            return False

    HsSet.refused = 0
    m.AnySet = HsSet  # type: ignore[misc,assignment]


def _export(rev: str, dest: Path) -> Path:
    """``git archive`` of ``src`` and ``rules`` at ``rev`` into ``dest``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src", "rules"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def _hostile() -> dict:
    """Issue 14's inputs on this tree, timed once each (seconds)."""
    from replyguard import Linter
    from replyguard.regex import Regex, utf8

    linter = Linter()
    out: dict = {}
    draft = "a" * 19_999 + "@"
    t0 = time.process_time()
    linter.check({"post": {"author": "c", "text": "連絡先を教えて"}, "draft": {"author": "b", "text": draft}})
    out["check 20,000 chars ending in @ (first check, tokens included)"] = time.process_time() - t0
    t0 = time.process_time()
    linter.check({"post": {"author": "c", "text": "連絡先を教えて"}, "draft": {"author": "b", "text": "b" + draft[1:]}})
    out["check 20,000 chars ending in @ (another such draft)"] = time.process_time() - t0
    for pattern in ["(a?){28}a{28}", "(.*a){20}", "(?:です|ます)+"]:
        t0 = time.process_time()
        rx = Regex(pattern, ignorecase=True)
        load = time.process_time() - t0
        text = "a" * 20_000 if "a" in pattern else "です" * 10_000
        t0 = time.process_time()
        spans = rx.spans(text, utf8(text))
        out[f"{pattern}: compile, all matches in 20,000 chars ({len(spans)} found)"] = (load, time.process_time() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="commit whose code is the 're' variant (skipped when not given)")
    ap.add_argument("--cases", action="append", default=[], help="a JSON Lines case file; repeatable")
    ap.add_argument("--generated", type=int, default=2000, help="cases of the generated corpus (0: none)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of all variants")
    ap.add_argument("--inner", type=int, default=3, help="passes over each file per process")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        variant, files = json.loads(args.child)
        print(json.dumps(_child(variant, files, args.inner)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="replyguard-engines-"))
    files = list(args.cases)
    if args.generated:
        sys.path.insert(0, str(HERE))
        import corpus

        gen = work / f"generated-{args.generated}.jsonl"
        corpus.write_jsonl(str(gen), args.generated, 1)
        files.append(str(gen))
    variants: dict[str, str | None] = {}
    if args.before:
        variants["re"] = str(_export(args.before, work / "before"))
    variants["re2"] = None
    try:
        import hyperscan  # noqa: F401

        variants["hyperscan"] = None
    except ImportError:
        print("hyperscan is not installed: that variant is skipped (pip install hyperscan)")

    runs: dict[str, list[dict]] = {v: [] for v in variants}
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(variants)[::-1]
        for v in order:
            env = dict(os.environ)
            if variants[v]:
                env["PYTHONPATH"] = variants[v]  # type: ignore[assignment]
            proc = subprocess.run([sys.executable, __file__, "--child", json.dumps([v, files]),
                                   "--inner", str(args.inner)], env=env, capture_output=True, text=True, check=True)
            runs[v].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    results: dict = {"variants": {}}
    print(f"{args.rounds} alternating rounds, each file checked {args.inner}× per process; medians")
    for v, rs in runs.items():
        build = statistics.median(x["build_s"] for x in rs)
        row = {"build_s": build, "files": {}}
        refused = rs[-1].get("hyperscan_refused_matchers")
        print(f"\n{v}: Linter() build {1000 * build:.0f} ms"
              + (f" (matchers Hyperscan could not compile, left to RE2: {refused})" if refused is not None else ""))
        for path in files:
            check = statistics.median(x["files"][path]["check_us"] for x in rs)
            ratio = statistics.median(x["files"][path]["ratio"] for x in rs)
            row["files"][path] = {"check_us": check, "ratio_to_floor": ratio}
            print(f"  {Path(path).name:28} check {check:7.0f} µs/case   ratio to fugashi alone {ratio:.2f}×")
        results["variants"][v] = row
    results["hostile"] = _hostile()
    print("\nhostile inputs (this tree, seconds):")
    for k, val in results["hostile"].items():
        shown = ", ".join(f"{x:.4f}" for x in val) if isinstance(val, tuple) else f"{val:.4f}"
        print(f"  {k}: {shown}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
