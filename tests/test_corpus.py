"""The benchmark corpus generator: seeded, deterministic, and its cases are valid conversations."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from replyguard import Conversation

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus.py"


def _corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus", _PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_same_seed_same_cases():
    corpus = _corpus()
    assert list(corpus.generate(60, seed=7)) == list(corpus.generate(60, seed=7))
    assert list(corpus.generate(60, seed=7)) != list(corpus.generate(60, seed=8))


def test_cases_validate_as_conversations():
    corpus = _corpus()
    cases = list(corpus.generate(200, seed=3))
    assert len({c["id"] for c in cases}) == 200
    for case in cases:
        conv = Conversation.model_validate(json.loads(json.dumps(case, ensure_ascii=False)))
        assert conv.draft.text and conv.post.text
        assert conv.draft.created_at is not None


def test_mix_has_threads_mentions_and_repeated_histories():
    cases = list(_corpus().generate(300, seed=1))
    assert any(c["thread"] for c in cases) and any(not c["thread"] for c in cases)
    assert any(m["author"] in c["brand"]["handles"] for c in cases for m in c["thread"])
    assert any("@" in m["text"] for c in cases for m in c["thread"])
    histories = [json.dumps(c["history"], ensure_ascii=False) for c in cases if c["history"]]
    assert len(set(histories)) < len(histories)  # regulars come back with the same history


def test_writes_jsonl(tmp_path):
    out = tmp_path / "cases.jsonl"
    _corpus().write_jsonl(str(out), 25, seed=2)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25 and all(json.loads(x)["id"].startswith("bench-") for x in lines)
