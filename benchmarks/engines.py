"""Pattern engines for the packs, compared in one run and one process: whole check and load time.

    .venv/bin/python benchmarks/engines.py --before f1b25e9 --cases ../shared/eval/dev.jsonl \\
        --cases ../shared/eval/dev-hard.jsonl --generated 1000 --reps 7 --verify

Each variant is the whole linter (built-in packs), imported side by side in this process under
its own package name, so all of them see the same machine at the same moment:

* ``re``: Python's ``re`` with the required-character prefilter and the literal-first rewriting,
  as of commit ``--before`` (exported with ``git archive``, with its own packs, which still use
  lookarounds, and its own code: not a same-packs comparison);
* ``re (this tree)``: this tree and its packs with the pattern engine swapped in-process to
  Python's ``re`` (:func:`_use_re`): every pattern compiled by ``re`` from its RE2 syntax with
  RE2's meaning (:func:`re_syntax`), matched on the ``str`` in characters, each matcher asking
  only its own patterns behind their required characters, "is there a match" answered first
  by the old ``literal_first`` split (``git show`` of it at ``LITERAL_FIRST``), results
  memoised on the Doc. This is the same-packs answer to "is RE2 slower than ``re``";
* ``RE2``: this tree;
* ``RE2 (REV)``: the code and packs of commit ``--baseline`` on RE2, for an A/B of a change to
  this tree's engine in the same blocks (the ratios to ``re (this tree)`` are then comparable);
* ``Hyperscan``: this tree with that scan made by one Hyperscan database of the same patterns
  (Hyperscan reports no groups, so spans and replacements stay on RE2); skipped when the
  ``hyperscan`` package is not installed;
* ``fugashi floor``: not a linter: fugashi alone tokenising every text of the block's cases,
  as the floor of ``benchmarks/run.py``, for the ratio to the floor.

``--verify`` first checks that ``re (this tree)`` is the same linter as ``RE2``: the report
JSON of every case, and every pattern both compiled (spans on each text as masked and as
written, the groups of every match, whether it matches) on every text of the cases.

The cases are checked in blocks of 25; each block is checked ``--reps`` times by every variant
in alternating order, with the Doc cache cleared before each, and the fastest CPU time of each
variant counts (on a shared machine the minimum is the least disturbed); the per-pass totals
are kept too (a pass may carry a full garbage collection, which lands on whichever variant runs
then: on dev one pass of RE2 was 1.8× in every run, and not with the collector off; the minima
leave it out). ``Linter()`` build is the median of ``--reps`` builds.
Then the hostile inputs of issue 14 on this tree: the 20,000-character draft ending in ``@``
and ``(a?){28}a{28}``, ``(.*a){20}`` on 20,000 characters.
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
sys.path.insert(0, str(HERE))

from run import case_texts, floor_round  # noqa: E402  (the floor of run.py, the same loop)

clock = time.process_time


def _package(src: Path, rules: Path, name: str, dest: Path, extra: dict[str, str] | None = None):
    """``src`` (a replyguard package directory) imported as ``name``, with ``rules`` inside it
    and the modules of ``extra`` (file name → source) added."""
    target = dest / name
    shutil.copytree(src, target)
    shutil.copytree(rules, target / "rules")
    for file, text in (extra or {}).items():
        (target / file).write_text(text, encoding="utf-8")
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


# -- Python's re on this tree ------------------------------------------------------------------
# RE2 syntax → re syntax with RE2's meaning. RE2's \d \s \w \b are ASCII; re's are Unicode.
_ASCII_CLASS = {"d": "0-9", "s": "\\t\\n\\f\\r ", "w": "0-9A-Za-z_"}
_PROPERTIES: dict[str, str] = {}


def _property(name: str) -> str:
    """The body of a character class with the code points RE2's ``\\p{name}`` matches (asked
    of RE2 itself over every code point, so both engines read the same Unicode tables).
    ``\\p{Nd}`` is re's ``\\d`` (the same category, which re tests faster than a list of
    ranges) plus the digits of Unicode versions newer than Python's tables."""
    body = _PROPERTIES.get(name)
    if body is None:
        import re

        import re2

        text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
        codes = {ord(text[m.start()]) for m in re2.finditer(rf"\p{{{name}}}", text)}
        head = ""
        if name == "Nd":
            decimal = {ord(text[m.start()]) for m in re.finditer(r"\d", text)}
            if decimal <= codes:
                head, codes = "\\d", codes - decimal
        runs: list[list[int]] = []
        for c in sorted(codes):
            if runs and runs[-1][1] == c - 1:
                runs[-1][1] = c
            else:
                runs.append([c, c])
        body = _PROPERTIES[name] = head + "".join(
            f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in runs)
    return body


def _class_to_re(cls: str) -> str:
    """A character class ``[…]`` of RE2 syntax in re syntax."""
    head = 2 if cls.startswith("[^") else 1
    out = [cls[:head]]
    i, n = head, len(cls) - 1
    while i < n:
        ch = cls[i]
        if ch == "[" and cls[i + 1:i + 2] == ":":
            raise NotImplementedError(f"POSIX class in {cls}")
        if ch != "\\":
            out.append("\\[" if ch == "[" else ch)
            i += 1
            continue
        e = cls[i + 1:i + 2]
        if cls[i + 1:i + 3] in ("p{", "x{"):
            k = cls.index("}", i)
            arg = cls[i + 3:k]
            out.append(_property(arg) if e == "p" else f"\\U{int(arg, 16):08x}")
            i = k + 1
            continue
        if e in _ASCII_CLASS:
            out.append(_ASCII_CLASS[e])
        elif e in "DSWPCQE" or e.isdigit():
            raise NotImplementedError(f"\\{e} inside {cls}")
        else:
            out.append(cls[i:i + 2])
        i += 2
    out.append("]")
    return "".join(out)


def re_syntax(source: str, syntax_items) -> str:
    """``source`` (RE2 syntax) as a pattern Python's ``re`` reads with the same meaning: ``\\d``
    ``\\s`` ``\\w`` ``\\b`` ASCII as in RE2, ``$`` the end of the text only (``\\Z``), ``\\p{…}``
    as the code points RE2 gives it, ``\\x{…}`` as ``\\U…``. A construct not handled here raises."""
    out: list[str] = []
    for i, end, kind, _ in syntax_items(source):
        item = source[i:end]
        if kind in ("class", "negated"):
            out.append(_class_to_re(item))
        elif kind == "escape":
            e = item[1:2]
            if item.startswith(("\\p{", "\\P{")):
                out.append(("[" if e == "p" else "[^") + _property(item[3:-1]) + "]")
            elif item.startswith("\\x{"):
                out.append(f"\\U{int(item[3:-1], 16):08x}")
            elif e in _ASCII_CLASS:
                out.append(f"[{_ASCII_CLASS[e]}]")
            elif e.lower() in _ASCII_CLASS:
                out.append(f"[^{_ASCII_CLASS[e.lower()]}]")
            elif e in "bB":
                out.append(f"(?a:\\{e})")
            elif e == "z":
                out.append("\\Z")
            elif e in "pPCQE":
                raise NotImplementedError(f"{item} in {source}")
            else:
                out.append(item)
        elif item == "$":
            out.append("\\Z")
        else:
            out.append(item)
    return "".join(out)


def _use_re(pkg) -> None:
    """Make ``pkg`` (this tree) run every pattern on Python's ``re``, as the code before RE2 did.

    Patterns are compiled by ``re`` from :func:`re_syntax` (case-insensitive where RE2's are)
    and matched on the ``str`` with character offsets (nothing is encoded to UTF-8); a hit
    group is read as RE2's code reads it (the first ``hit*`` group that took part, the next
    search from its end). Each matcher asks only its own patterns, each behind its required
    characters (``prefilter``); "is there a match" first runs the pattern split of the old
    ``literal_first`` module (the literal-led alternatives of all the matcher's patterns in
    one scan) and collects spans only when it says yes, as the matcher before RE2 did. Results
    stay memoised on the Doc. The RE2 pattern set is never built (its scan raises)."""
    import gc
    import re

    name = pkg.__name__
    regex = importlib.import_module(name + ".regex")
    matcher = importlib.import_module(name + ".matcher")
    syntax_items = importlib.import_module(name + ".set_source").syntax_items
    literal_first = importlib.import_module(name + ".literal_first")
    Regex, Match, HIT = regex.Regex, regex.Match, regex.HIT

    def init(self, source: str, ignorecase: bool = False, groups: bool = False) -> None:
        self.source = source
        self.ignorecase = ignorecase
        why = regex._unsupported(source)
        if why is not None:
            raise regex.PatternError(why, source)
        try:
            rx = re.compile(re_syntax(source, syntax_items), re.IGNORECASE if ignorecase else 0)
        except re.error as exc:
            raise regex.PatternError(f"invalid regular expression: {exc}", source) from None
        self._find = self._rx = rx
        self.hits = tuple(sorted(i for g, i in rx.groupindex.items() if HIT.fullmatch(g)))
        self.ngroups = rx.groups
        self.may_be_empty = rx.search("") is not None or "\\b" in source or bool(self.hits)
        self.relaxed = False
        self.set_source = source

    def raw(self, text: str):
        """Regex._raw on characters: (reported span, match) of every match, left to right."""
        search, hits, end = self._find.search, self.hits, len(text)
        pos = 0
        while pos <= end:
            m = search(text, pos)
            if m is None:
                return
            whole = found = m.span()
            for h in hits:
                at = m.span(h)
                if at[0] >= 0:
                    found = at
                    break
            yield found, m
            nxt = found[1]
            if nxt <= pos or whole[1] == whole[0] == pos:
                if pos >= end:
                    return
                nxt = pos + 1
            pos = nxt

    def spans(self, text: str, data: object = None) -> list:
        if not self.may_be_empty:  # no hit group, never empty: what finditer gives
            return [m.span() for m in self._find.finditer(text)]
        return [(a, b) for (a, b), _ in raw(self, text) if b > a]

    def matches(self, text: str, data: object = None):
        for (a, b), m in raw(self, text):
            if b > a:
                yield Match((a, b), (m.group(0), *m.groups()))

    def search(self, text: str) -> bool:
        return self._find.search(text) is not None

    Regex.__init__, Regex.spans, Regex.matches, Regex.search = init, spans, matches, search
    for obj in gc.get_objects():  # the built-in patterns compiled when the package was imported
        if type(obj) is Regex:
            init(obj, obj.source, obj.ignorecase)

    def never(*_a, **_k):
        raise AssertionError("the re variant must not use the RE2 pattern set")

    regex.PatternSet.scan = never
    matcher.Matcher._hits = never
    # Texts are given to the patterns as str: Doc.utf8 and the detectors' utf8() hand it over.
    importlib.import_module(name + ".doc").Doc.utf8 = property(lambda self: self.masked)
    for module in ("kinds.pii", "kinds.substitution"):
        importlib.import_module(f"{name}.{module}").utf8 = lambda text: text

    def build_exist_scans(self) -> list:
        """Matcher._build_exist_scans before RE2: (pattern, required characters, by spans)."""
        fast: dict[int, tuple[list[str], list]] = {}
        scans: list = []
        for rx, need in self._scans:
            if rx.may_be_empty:  # a hit group or \\b: answered by its spans, as RE2's code does
                scans.append((rx._find, need, rx))
                continue
            for part in literal_first.search_parts(rx._find.pattern, rx._find.flags):
                if part.fast:
                    sources, needs = fast.setdefault(part.flags, ([], []))
                    sources.append(part.source)
                    needs.append(need)
                elif part.source == rx._find.pattern:
                    scans.append((rx._find, need, None))
                else:
                    scans.append((re.compile(part.source, part.flags),
                                  pkg_prefilter.pattern_grams(part.source, part.flags), None))
        combined = [(re.compile("|".join(sources), flags), pkg_prefilter.union(needs), None)
                    for flags, (sources, needs) in fast.items()]
        self._exist_scans = combined + scans
        return self._exist_scans

    pkg_prefilter = importlib.import_module(name + ".prefilter")

    def regex_hit(self, doc) -> bool:
        if not self._scans:
            return False
        seen = doc.grams
        if self.grams is not None and self.grams.isdisjoint(seen):
            return False
        text = doc.masked
        for rx, need, by_spans in self._exist_scans or build_exist_scans(self):
            if need is not None and need.isdisjoint(seen):
                continue
            if by_spans is not None:
                if by_spans.spans(text):
                    return True
                continue
            m = rx.search(text)
            if m is not None and (m.end() > m.start() or any(x.end() > x.start() for x in rx.finditer(text))):
                return True
        return False

    def raw_spans(self, doc) -> list:
        spans: list = []
        if self._scans and self._regex_hit(doc):  # the existence scans say whether to collect at all
            text, seen = doc.masked, doc.grams
            for rx, need in self._scans:
                if need is None or not need.isdisjoint(seen):
                    spans.extend(rx.spans(text))
        for seq in self.sequences:
            spans.extend(seq.spans(doc))
        if self.lemmas is not None:
            spans.extend(self.lemmas.spans(doc))
        return spans

    matcher.Matcher._exist_scans = None
    matcher.Matcher._regex_hit = regex_hit
    matcher.Matcher._raw = raw_spans


RE_TREE = "re (this tree)"
FLOOR = "fugashi floor"
LITERAL_FIRST = "b5e51e9^"
"""The last commit with ``literal_first.py`` (removed with the move to RE2)."""


def _order(names: list[str], turn: int) -> list[str]:
    """The order of the variants on the ``turn``-th pass: reversed every other turn and rotated
    by one every second turn, so that over ``2 × len(names)`` turns each variant runs in each
    position equally often. With only forward and reversed orders, the middle one of three
    always ran in the middle, and two copies of one tree then differed by 6–10% (3–4% with
    this order)."""
    n = len(names)
    k = (turn // 2) % n
    rotated = names[k:] + names[:k]
    return rotated if turn % 2 == 0 else rotated[::-1]


def compare(before: str | None, files: dict[str, list[dict]], reps: int, floor: bool = True,
            verify: bool = False, baseline: str | None = None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="replyguard-engines-"))
    variants: dict = {}
    if before:
        tree = _export(before, work / "before")
        variants["re"] = _package(tree / "src" / "replyguard", tree / "rules", "replyguard_re", work)
    old = subprocess.run(["git", "-C", str(ROOT), "show", f"{LITERAL_FIRST}:src/replyguard/literal_first.py"],
                         check=True, capture_output=True).stdout.decode("utf-8")
    variants[RE_TREE] = _package(ROOT / "src" / "replyguard", ROOT / "rules", "replyguard_retree", work,
                                 {"literal_first.py": old})
    _use_re(variants[RE_TREE])
    variants["RE2"] = _package(ROOT / "src" / "replyguard", ROOT / "rules", "replyguard_re2", work)
    if baseline:
        tree = _export(baseline, work / "baseline")
        variants[f"RE2 ({baseline})"] = _package(tree / "src" / "replyguard", tree / "rules", "replyguard_base", work)
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

    def checker(k: str):
        def run(part: list[dict]) -> None:
            caches[k].cache_clear()
            for case in part:
                linters[k].check(case)
        return run

    runners = {k: checker(k) for k in variants}
    if floor:
        import fugashi

        tagger = fugashi.Tagger()
        runners[FLOOR] = lambda part: floor_round(tagger, part)
    out: dict = {"build_s": {k: statistics.median(v) for k, v in builds.items()}, "files": {}, "passes": {}}
    if verify:
        out["verify"] = verify_outputs(variants, linters, files)
    for cases in files.values():  # warm up every variant on every case
        for run in runners.values():
            run(cases)
    if hs_state is not None:
        out["hyperscan_refused_patterns"] = hs_state["refused"]
    for name, cases in files.items():
        total = dict.fromkeys(runners, 0.0)
        passes = {k: [0.0] * reps for k in runners}  # the whole file, repetition by repetition
        for b in range(0, len(cases), 25):
            part = cases[b:b + 25]
            best = dict.fromkeys(runners, float("inf"))
            for r in range(reps):
                for k in _order(list(runners), r + b // 25):
                    t0 = clock()
                    runners[k](part)
                    took = clock() - t0
                    best[k] = min(best[k], took)
                    passes[k][r] += took
            for k in runners:
                total[k] += best[k]
        out["files"][name] = {k: 1e6 * v / len(cases) for k, v in total.items()}
        out["passes"][name] = {k: [1e6 * v / len(cases) for v in row] for k, row in passes.items()}
    return out


def verify_outputs(variants: dict, linters: dict, files: dict[str, list[dict]]) -> dict:
    """RE2 against ``re (this tree)``: the reports (JSON) of every case, and every pattern the
    two linters compiled (spans on each text as masked and as written, groups of every match,
    whether it matches) on every text of the cases."""
    import gc

    out: dict = {"cases": 0, "reports_differ": [], "patterns": 0, "texts": 0, "patterns_differ": {}}
    for name, cases in files.items():
        for n, case in enumerate(cases):
            a, b = (linters[k].check(case).model_dump_json() for k in ("RE2", RE_TREE))
            out["cases"] += 1
            if a != b:
                out["reports_differ"].append(f"{name}:{n + 1}")
    rx_types = {k: importlib.import_module(variants[k].__name__ + ".regex").Regex for k in ("RE2", RE_TREE)}
    found: dict[str, dict] = {"RE2": {}, RE_TREE: {}}
    for obj in gc.get_objects():
        for k, t in rx_types.items():
            if type(obj) is t:
                key = (obj.source, obj.ignorecase)
                if obj._rx is not obj._find or key not in found[k]:  # one that reads groups, if any
                    found[k][key] = obj
    pairs = [(found["RE2"][key], found[RE_TREE][key]) for key in found["RE2"] if key in found[RE_TREE]]
    out["patterns"] = len(pairs)
    out["patterns_only_one_side"] = len(set(found["RE2"]) ^ set(found[RE_TREE]))
    Doc = importlib.import_module(variants["RE2"].__name__ + ".doc").Doc
    utf8 = importlib.import_module(variants["RE2"].__name__ + ".regex").utf8
    texts = {t for cases in files.values() for case in cases for t in case_texts(case)}
    out["texts"] = len(texts)
    for t in sorted(texts):
        doc = Doc(t)
        for s in {doc.masked, doc.text}:
            data = utf8(s)
            for x, y in pairs:
                mx = [(m.span, m.groups) for m in x.matches(s, data)]
                my = [(m.span, m.groups) for m in y.matches(s, s)]
                same = (x.spans(s, data) == y.spans(s, s) and x.search(data) == y.search(s) and len(mx) == len(my)
                        and all(a == b and g == h[:len(g)] for (a, g), (b, h) in zip(mx, my, strict=True)))
                if not same:
                    out["patterns_differ"].setdefault(x.source, []).append(s[:80])
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
    ap.add_argument("--baseline", help="commit whose code, on RE2, is also a variant (an A/B of this tree's engine)")
    ap.add_argument("--cases", action="append", default=[], help="a JSON Lines case file; repeatable")
    ap.add_argument("--generated", type=int, default=600, help="cases of the generated corpus (0: none)")
    ap.add_argument("--reps", type=int, default=5, help="checks of each block per variant (the fastest counts)")
    ap.add_argument("--no-floor", action="store_true", help="leave out fugashi alone (the floor of run.py)")
    ap.add_argument("--verify", action="store_true",
                    help="first compare RE2 and 're (this tree)': every report, every pattern on every text")
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
    results = compare(args.before, files, args.reps, floor=not args.no_floor, verify=args.verify,
                      baseline=args.baseline)
    if "verify" in results:
        v = results["verify"]
        print(f"RE2 vs {RE_TREE}: {v['cases']} reports, {len(v['reports_differ'])} differ "
              f"{v['reports_differ'][:10]}; {v['patterns']} patterns on {v['texts']} texts "
              f"({v['patterns_only_one_side']} compiled by one side only), {len(v['patterns_differ'])} differ")
        for source, where in v["patterns_differ"].items():
            print(f"  {source[:100]!r} on {len(where)} texts, e.g. {where[0]!r}")
    print(f"whole check, µs per case (CPU; fastest of {args.reps} per 25-case block, variants alternating;"
          f" ratio to {RE_TREE}" + ("" if args.no_floor else f", and to the {FLOOR}") + ")")
    for name, row in results["files"].items():
        print(f"  {name}")
        for k, v in row.items():
            floor_ratio = f"  {v / row[FLOOR]:.2f}× floor" if FLOOR in row else ""
            print(f"    {k:16} {v:6.0f}  {v / row[RE_TREE]:.2f}×{floor_ratio}")
        passes = results["passes"][name]
        for k in [k for k in row if k.startswith("RE2")]:
            ratios = [a / b for a, b in zip(passes[k], passes[RE_TREE], strict=True)]
            print(f"    {k} / {RE_TREE}, each of the {args.reps} passes over the file: "
                  + ", ".join(f"{x:.2f}" for x in ratios) + f" (median {statistics.median(ratios):.2f})")
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
