"""``Linter.check_many`` and ``prefetch``: batch throughput without changing any report."""

from __future__ import annotations

import json

import pytest

import replyguard.doc as doc_module
from replyguard import Config, Conversation, InputError, Linter
from replyguard.batch import run_batch
from replyguard.doc import doc_for

DRAFTS = [
    "ご意見ありがとうございます。どのあたりが使いにくかったか教えていただけますか？",
    "仕様です。ご理解ください。",
    "詳しくは店舗スタッフにお伺いください。",
    "はい、アプリの注文履歴から見れます。",
    "担当の携帯（090-1234-5678）までお電話ください。",
]


def _case(i: int) -> dict:
    return {"id": f"c{i}", "channel": "x", "brand": {"name": "サンプル", "handles": ["sample_support"]},
            "post": {"author": "customer", "text": f"アプリが使いにくい{i}"},
            "draft": {"author": "sample_support", "text": f"{DRAFTS[i % len(DRAFTS)]}（{i}）"}}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def test_check_many_gives_the_reports_of_check_in_order(linter):
    cases: list[dict | Conversation] = [_case(i) for i in range(11)]
    cases[4] = Conversation.model_validate(cases[4])  # dicts and models may be mixed
    expected = [linter.check(c).model_dump() for c in cases]
    doc_for.cache_clear()
    got = [r.model_dump() for r in linter.check_many(cases, window=3)]
    assert got == expected
    assert [r["id"] for r in got] == [f"c{i}" for i in range(11)]
    assert any(r["findings"] for r in got)


def test_check_after_prefetch_does_not_tokenise_the_draft_again(linter, monkeypatch):
    conv = Conversation.model_validate(_case(100))
    doc_for.cache_clear()
    linter.prefetch([conv])
    calls: list[str] = []
    real = doc_module.tokenize
    monkeypatch.setattr(doc_module, "tokenize", lambda text: calls.append(text) or real(text))
    linter.check(conv)
    assert conv.draft.text not in calls


def test_check_many_raises_at_the_case_check_refuses():
    small = Linter(Config(max_text_chars=50))
    cases = [_case(0), _case(1)]
    cases[1]["draft"]["text"] = "長い" * 30
    reports = small.check_many(cases)
    assert next(reports).id == "c0"
    with pytest.raises(InputError, match="max_text_chars"):
        next(reports)


def test_batch_chunks_keep_order_line_numbers_and_errors(linter):
    lines = [json.dumps(_case(i), ensure_ascii=False) for i in range(7)]
    lines.insert(2, "{not json")
    lines.insert(5, "")
    results = list(run_batch(linter, lines, chunksize=3))
    assert [r.line for r in results] == [1, 2, 3, 4, 5, 7, 8, 9]
    assert results[2].error is not None and results[2].error.startswith("line 3: invalid JSON")
    assert [r.id for r in results if r.report] == [f"c{i}" for i in range(7)]
    one_by_one = [linter.check(_case(i)).model_dump() for i in range(7)]
    assert [r.report.model_dump() for r in results if r.report] == one_by_one


def test_prefetch_leaves_malformed_cases_to_check(linter):
    from pydantic import ValidationError

    cases = [_case(0), {"id": "no-draft", "post": {"author": "a", "text": "x"}},
             {"draft": "not an object"}, {"draft": {"text": 42}}, "not a dict"]
    linter.prefetch(cases)  # nothing to tokenise in the malformed ones, and no error
    reports = linter.check_many(cases)
    assert next(reports).id == "c0"
    with pytest.raises(ValidationError):
        next(reports)


def test_checking_the_same_draft_again_gives_the_same_report_without_tokenising(linter, monkeypatch):
    # A check releases its draft's tokens when done; what was derived from them stays, so
    # the pre-send hook's re-check of an unchanged draft neither differs nor re-analyses it.
    case = _case(3)  # 見れます: a ら抜き token rule fires
    case["draft"]["text"] = "詳しくは店舗スタッフにお伺いください。アプリから見れます。よろしかったでしょうか。"
    doc_for.cache_clear()
    first = linter.check(case).model_dump()
    assert {f["rule"].split("/")[1] for f in first["findings"]} >= {"ra-nuki", "humble-for-customer", "yoroshikatta"}
    calls: list[str] = []
    real = doc_module.tokenize
    monkeypatch.setattr(doc_module, "tokenize", lambda text: calls.append(text) or real(text))
    assert linter.check(case).model_dump() == first
    assert calls == []
