"""Pattern engines for the packs, compared in one run and one process: whole check and load time.

    .venv/bin/python benchmarks/engines.py --before f1b25e9 \\
        --cases ../shared/eval/dev.jsonl --cases ../shared/eval/dev-hard.jsonl --generated 600

Each variant is the whole linter (built-in packs), imported side by side in this process under
its own package name, so all of them see the same machine at the same moment:

* ``re``: Python's ``re`` with the required-character prefilter and the literal-first rewriting,
  as of commit ``--before`` (exported with ``git archive``, with its own packs, which still use
  lookarounds);
* ``RE2``: this tree (one RE2 set scan per text answers which patterns match, for every matcher);
* ``Hyperscan``: this tree with that scan made by one Hyperscan database of the same patterns
  (Hyperscan reports no groups, so spans and replacements stay on RE2).

The cases are checked in blocks of 25; each block is checked ``--reps`` times by every variant
in alternating order, with the Doc cache cleared before each, and the fastest CPU time of each
variant counts (on a shared machine the minimum is the least disturbed). ``Linter()`` build is
the median of ``--reps`` builds. Then the hostile inputs of issue 14 on this tree: the
20,000-character draft ending in ``@`` and ``(a?){28}a{28}``, ``(.*a){20}`` on 20,000 characters.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
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
clock = time.process_time


def _package(src: Path, rules: Path, name: str, dest: Path):
    """``src`` (a replyguard package directory) imported as ``name``, with ``rules`` inside it."""
    target = dest / name
    shutil.copytree(src, target)
    shutil.copytree(rules, target / "rules")
    sys.path.insert(0, str(dest))
    return importlib.import_module(name)


def _export(rev: str, dest: Path) -> Path:
    """``git archive`` of ``src`` and ``rules`` at ``rev`` into ``dest``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src", "rules"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _use_hyperscan(pkg) -> int:
    """Make ``pkg``'s pattern set scan with one Hyperscan database; returns how many patterns
    Hyperscan could not compile (those would need RE2)."""
    import hyperscan

    regex = importlib.import_module(pkg.__name__ + ".regex")
    flags = (hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP
             | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY)
    state: dict = {"built": -1, "refused": 0}

    def build(self) -> None:
        ok = []
        for i, p in enumerate(self.patterns):
            db = hyperscan.Database()
            try:
                db.compile(expressions=[p.source.encode()], ids=[i], elements=1, flags=[flags])
                ok.append(i)
            except hyperscan.error:
                state["refused"] += 1
        db = hyperscan.Database()
        db.compile(expressions=[self.patterns[i].source.encode() for i in ok], ids=ok, elements=len(ok),
                   flags=[flags] * len(ok))
        state.update(db=db, scratch=hyperscan.Scratch(db), built=len(self.patterns))

    def scan(self, data: bytes):
        if state["built"] != len(self.patterns):
            build(self)
        found: set[int] = set()
        state["db"].scan(data, match_event_handler=lambda i, *_: found.add(i), scratch=state["scratch"])
        return frozenset(found)

    regex.PatternSet.scan = scan
    return state  # type: ignore[return-value]


def compare(before: str | None, files: dict[str, list[dict]], reps: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="replyguard-engines-"))
    variants: dict = {}
    if before:
        tree = _export(before, work / "before")
        variants["re"] = _package(tree / "src" / "replyguard", tree / "rules", "replyguard_re", work)
    variants["RE2"] = _package(ROOT / "src" / "replyguard", ROOT / "rules", "replyguard_re2", work)
    hs_state = None
    try:
        import hyperscan  # noqa: F401

        variants["Hyperscan"] = _package(ROOT / "src" / "replyguard", ROOT / "rules", "replyguard_hs", work)
        hs_state = _use_hyperscan(variants["Hyperscan"])
    except ImportError:
        print("hyperscan is not installed: that variant is skipped (pip install hyperscan)")
    builds: dict[str, list[float]] = {k: [] for k in variants}
    linters = {}
    for _ in range(reps):
        for k, pkg in variants.items():
            t0 = clock()
            linters[k] = pkg.Linter()
            builds[k].append(clock() - t0)
    caches = {k: importlib.import_module(pkg.__name__ + ".doc").doc_for for k, pkg in variants.items()}
    for cases in files.values():  # warm up every variant on every case
        for case in cases:
            for lin in linters.values():
                lin.check(case)
    out: dict = {"build_s": {k: statistics.median(v) for k, v in builds.items()}, "files": {}}
    if hs_state is not None:
        out["hyperscan_refused_patterns"] = hs_state["refused"]
    for name, cases in files.items():
        total = dict.fromkeys(variants, 0.0)
        for b in range(0, len(cases), 25):
            part = cases[b:b + 25]
            best = dict.fromkeys(variants, float("inf"))
            for r in range(reps):
                for k in (list(variants) if r % 2 == 0 else list(variants)[::-1]):
                    caches[k].cache_clear()
                    t0 = clock()
                    for case in part:
                        linters[k].check(case)
                    best[k] = min(best[k], clock() - t0)
            for k in variants:
                total[k] += best[k]
        out["files"][name] = {k: 1e6 * v / len(cases) for k, v in total.items()}
    return out


def _hostile() -> dict:
    """Issue 14's inputs on this tree, timed once each (CPU seconds)."""
    sys.path.insert(0, str(ROOT / "src"))
    from replyguard import Linter
    from replyguard.regex import Regex, utf8

    linter = Linter()
    post = {"author": "c", "text": "連絡先を教えて"}
    linter.check({"post": post, "draft": {"author": "b", "text": "お問い合わせありがとうございます。"}})
    out: dict = {}
    draft = "a" * 19_999 + "@"
    t0 = clock()
    linter.check({"post": post, "draft": {"author": "b", "text": draft}})
    out["check of a 20,000-character draft ending in @ (first)"] = clock() - t0
    t0 = clock()
    linter.check({"post": post, "draft": {"author": "b", "text": "b" + draft[1:]}})
    out["check of another such draft"] = clock() - t0
    for pattern in ["(a?){28}a{28}", "(.*a){20}", "(?:です|ます)+"]:
        t0 = clock()
        rx = Regex(pattern, ignorecase=True)
        load = clock() - t0
        text = "a" * 20_000 if "a" in pattern else "です" * 10_000
        t0 = clock()
        spans = rx.spans(text, utf8(text))
        out[f"{pattern}: compile; all matches in 20,000 characters ({len(spans)} found)"] = (load, clock() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="commit whose code is the 're' variant (skipped when not given)")
    ap.add_argument("--cases", action="append", default=[], help="a JSON Lines case file; repeatable")
    ap.add_argument("--generated", type=int, default=600, help="cases of the generated corpus (0: none)")
    ap.add_argument("--reps", type=int, default=5, help="checks of each block per variant (the fastest counts)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    files: dict[str, list[dict]] = {}
    for path in args.cases:
        text = Path(path).read_text(encoding="utf-8")
        files[Path(path).name] = [json.loads(line) for line in text.splitlines() if line.strip()]
    if args.generated:
        sys.path.insert(0, str(HERE))
        import corpus

        files[f"generated ({args.generated})"] = json.loads(json.dumps(list(corpus.generate(args.generated, 1))))
    results = compare(args.before, files, args.reps)
    print(f"whole check, µs per case (CPU; fastest of {args.reps} per 25-case block, variants alternating)")
    names = list(results["build_s"])
    base = names[0]
    for name, row in results["files"].items():
        print(f"  {name:24} " + "   ".join(f"{k} {v:5.0f} ({v / row[base]:.2f}×)" for k, v in row.items()))
    print("Linter() build, ms: " + ", ".join(f"{k} {1000 * v:.0f}" for k, v in results["build_s"].items()))
    if "hyperscan_refused_patterns" in results:
        print(f"patterns Hyperscan could not compile: {results['hyperscan_refused_patterns']}")
    results["hostile"] = _hostile()
    print("hostile inputs (this tree, CPU seconds):")
    for k, val in results["hostile"].items():
        shown = ", ".join(f"{x:.4f}" for x in val) if isinstance(val, tuple) else f"{val:.4f}"
        print(f"  {k}: {shown}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
