"""Regression corpus (issue 14, patterns): the patterns and drafts that hung or were refused
under Python's ``re`` with the old heuristics. Each loads and runs to its result with the RE2
engine, or is refused at load naming the construct. Times are in benchmarks/engines.py, not
asserted here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replyguard import Conversation, Linter, Message, PackError
from replyguard.packs import load_pack_file
from replyguard.regex import PatternError, compile_pattern, utf8

CASES = json.loads((Path(__file__).parent / "corpus" / "pattern_inputs.json").read_text(encoding="utf-8"))


def _text(spec: dict) -> str:
    return spec["repeat"] * spec["times"] + spec.get("suffix", "") * spec.get("times_suffix", 1)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['pattern']}" for i, c in enumerate(CASES)])
def test_pattern_regression(case: dict, tmp_path: Path) -> None:
    if "refused" in case:
        with pytest.raises(PatternError) as info:
            compile_pattern(case["pattern"], ignorecase=True)
        assert case["refused"] in str(info.value)
        pack = tmp_path / "house.yaml"
        pack.write_text(f"pack: house\nfacts:\n  odd:\n    match:\n      regex: [{json.dumps(case['pattern'])}]\n",
                        encoding="utf-8")
        with pytest.raises(PackError) as err:
            Linter(packs=[load_pack_file(pack)])
        assert err.value.line == 5 and case["refused"] in err.value.reason
        return
    rx = compile_pattern(case["pattern"], ignorecase=True)
    text = _text(case["text"])
    spans = rx.spans(text, utf8(text))
    if "spans" in case:
        assert spans == [tuple(s) for s in case["spans"]]
    else:
        assert len(spans) == case["count"]


def _draft(text: str) -> Conversation:
    return Conversation(channel="x", post=Message(author="customer", text="連絡先を教えてください"),
                        draft=Message(author="brand", text=text))


def test_a_long_draft_ending_in_an_at_sign_is_checked_and_has_no_address() -> None:
    """20,000 characters before an ``@``: 1.6 s under re's e-mail pattern; now linear."""
    report = Linter().check(_draft("a" * 19_999 + "@"))
    assert not [f for f in report.findings if f.category == "pii_public"]


def test_a_long_address_is_still_found() -> None:
    draft = "a" * 19_988 + "@example.com"
    report = Linter().check(_draft(draft))
    assert [(f.span.start, f.span.end) for f in report.findings if f.category == "pii_public"] == [(0, len(draft))]


@pytest.mark.parametrize("pattern", ["\\", "a\\", "[^", "(?P<hit>"])
def test_a_pattern_cut_short_is_a_pattern_error(pattern):
    """Found by the Hypothesis property: a trailing backslash once raised IndexError."""
    from replyguard.regex import PatternError, compile_pattern

    with pytest.raises(PatternError):
        compile_pattern(pattern)
