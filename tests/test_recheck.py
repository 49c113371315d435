"""A check releases its draft's tokens when done; what was derived from them stays on the
shared Doc, so a re-check of an unchanged draft (what a pre-send hook does as the agent
pauses) gives the same report and needs no tokens."""

from __future__ import annotations

import pytest

import replyguard.doc as doc_module
from replyguard import Linter
from replyguard.doc import doc_for


def _case(draft: str) -> dict:
    return {"id": "c1", "channel": "x", "brand": {"name": "サンプル", "handles": ["sample_support"]},
            "post": {"author": "customer", "text": "アプリが使いにくい"},
            "draft": {"author": "sample_support", "text": draft}}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def test_a_recheck_gives_the_same_report_without_tokenising(linter, monkeypatch):
    # token rules of three shapes: a pattern (humble), a per-token test (ra-nuki) and a
    # token-sequence substitution (yoroshikatta)
    case = _case("詳しくは店舗スタッフにお伺いください。アプリから見れます。よろしかったでしょうか。")
    doc_for.cache_clear()
    first = linter.check(case).model_dump()
    assert {f["rule"].split("/")[1] for f in first["findings"]} >= {"ra-nuki", "humble-for-customer", "yoroshikatta"}
    calls: list[str] = []
    real = doc_module.tokenize
    monkeypatch.setattr(doc_module, "tokenize", lambda text, mark=None: calls.append(text) or real(text, mark))
    assert linter.check(case).model_dump() == first
    assert calls == []


def test_a_released_doc_tokenises_again_when_asked(linter):
    doc = doc_for("アプリから見れます。")
    first = doc.tokens
    doc.release_tokens()
    assert doc.tokens == first


def test_a_released_doc_makes_its_character_set_again_when_asked(linter):
    """The character set goes with the tokens (the collector need not walk it while the Doc is
    cached); asked again, it is the text's characters, and a check of the text is unchanged."""
    case = _case("アプリから見れます。よろしかったでしょうか。")
    doc_for.cache_clear()
    first = linter.check(case).model_dump()
    doc = doc_for(case["draft"]["text"])
    assert doc._grams is None  # released by the check
    assert doc.grams == set(doc.text)
    doc.release_tokens()
    doc.memo.clear()  # nothing kept: the check asks for the set again
    assert linter.check(case).model_dump() == first
