"""literal_first.search_parts: split patterns match (non-empty) exactly where the original does."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from replyguard import Linter
from replyguard.literal_first import search_parts
from replyguard.matcher import Matcher
from replyguard.text import normalize

ROOT = Path(__file__).resolve().parents[1]
IC = re.IGNORECASE


def _hit(parts: list[tuple], text: str) -> bool:
    return any(m.end() > m.start() for src, fl, *_ in parts for m in re.finditer(src, text, fl))


def test_leading_groups_are_distributed_and_letters_split_by_case():
    parts = search_parts("(良|よ)すぎ|最高|DMで|(?<!最)高い", IC)
    assert parts[0] == ("良すぎ|よすぎ|最高", IC, True)  # every alternative starts with a caseless literal
    assert parts[1] == ("D(?i:Mで)|d(?i:Mで)", IC & 0, False)
    assert parts[2] == ("(?<!最)高い", IC, False)


@pytest.mark.parametrize("source", [
    r"(a)\1|b", "(?P<x>a)|b", "(?i)ab|c", "x?|y", "(?:ab)*|c", "", "(a|b",
])
def test_patterns_that_cannot_be_split_safely_stay_whole(source: str):
    assert search_parts(source, IC) == [(source, IC, False)]


def test_a_quantified_leading_group_is_not_distributed():
    assert search_parts("(ab|cd)?e|f", 0) == [("f", 0, True), ("(ab|cd)?e", 0, False)]


def _texts() -> list[str]:
    texts: list[str] = []
    for name in ("examples/cases.jsonl", "eval/holdout.jsonl"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                texts += [case["post"]["text"], case["draft"]["text"],
                          *(m["text"] for m in case.get("thread", []) + case.get("history", []))]
    return [normalize(t).text for t in texts]


def _fragments(pattern: str) -> list[str]:
    """Literal pieces of a pattern, to build texts that nearly match it."""
    return [p for p in re.split(r"[\\()\[\]|?*+{}.^$!<=:]+", pattern) if p]


def test_shipped_patterns_keep_their_matches():
    builtin_linter = Linter()
    matchers: list[Matcher] = []
    seen: set[int] = set()

    def collect(obj: object, depth: int = 0) -> None:
        if depth > 4 or id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Matcher):
            matchers.append(obj)
        values = (obj.__dict__.values() if hasattr(obj, "__dict__") else obj.values() if isinstance(obj, dict)
                  else obj if isinstance(obj, (list, tuple)) else [])
        for v in values:
            collect(v, depth + 1)

    collect(builtin_linter.packset.facts.matched)
    for rule in builtin_linter.rules:
        collect(rule.checker)
    rng = random.Random(7)
    texts = _texts()
    checked = split = 0
    for m in matchers:
        for rx, _ in m._scans:
            parts = search_parts(rx.pattern, rx.flags)
            split += len(parts) > 1
            frags = _fragments(rx.pattern) or ["a"]
            probes = texts + ["".join(rng.choice(frags) for _ in range(3)).swapcase() for _ in range(40)] \
                + [rng.choice(texts)[:10] + rng.choice(frags) for _ in range(40)]
            for t in probes:
                assert _hit(parts, t) == _hit([(rx.pattern, rx.flags)], t), (rx.pattern, t)
                checked += 1
    assert split >= 10 and checked > 10_000  # the shipped packs do exercise the splitting


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    atoms = ["a", "b", "A", "き", "く", "D", "m", "[ab]", ".", r"\d", "(?<!a)b", "(?<=き)く", "x?y"]
    def seq() -> str:
        out = ""
        for _ in range(rng.randint(1, 3)):
            if depth < 2 and rng.random() < 0.3:
                out += "(" + ("?:" if rng.random() < 0.5 else "") + _random_pattern(rng, depth + 1) + ")"
                out += rng.choice(["", "", "", "?", "+"])
            else:
                out += rng.choice(atoms)
        return out
    return "|".join(seq() for _ in range(rng.randint(1, 4)))


def test_random_patterns_keep_their_matches():
    rng = random.Random(11)
    alphabet = "abABきくDdMm1 x"
    for _ in range(600):
        source = _random_pattern(rng)
        flags = rng.choice([0, IC])
        parts = search_parts(source, flags)
        for _ in range(30):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
            assert _hit(parts, text) == _hit([(source, flags)], text), (source, flags, text, parts)
