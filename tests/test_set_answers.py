"""The facts a text's set scan answers before a check asks them (set_answers.SetAnswers) are
those the facts' own tests give, on every draft and post of a labelled set and on texts made
to hit, miss and half-hit the shipped packs' patterns."""

from __future__ import annotations

import json

from eval_data import dev_set

from replyguard import Linter
from replyguard.doc import Doc
from replyguard.facts import FactTable


def _asked_one_by_one(facts: FactTable, text: str, scope: str) -> dict[str, bool]:
    doc = Doc(text)  # a Doc of its own: nothing kept from other checks
    out = {}
    for name, mf in facts.matched.items():
        matcher = mf.customer if scope == "post" and mf.customer is not None else mf.matcher
        out[f"{scope}.{name}"] = matcher.at_least(doc, mf.min)
    return out


def test_scan_answers_are_the_facts_own() -> None:
    facts = Linter().packset.facts
    texts = ["", "。", "DMにてご連絡ください。", "申し訳ございません。確認いたします！", "壊れた😭 最悪",
             "ご不便をおかけして申し訳ございません。詳細をDMでお送りください。"]
    with open(dev_set(), encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            texts += [case["draft"]["text"], case["post"]["text"]]
    answered = 0
    for text in texts:
        for scope in ("draft", "post"):
            known = facts.known_answers(Doc(text), scope)
            expected = _asked_one_by_one(facts, text, scope)
            assert {k: expected[k] for k in known} == known, (scope, text)
            answered += len(known)
    assert answered > len(texts) * 2 * 20  # most facts are answered so (34 and 33 of 60 per scope)


def test_kept_answers_share_one_memo_key_per_scope() -> None:
    # one key per table and scope for every Doc (a key made per Doc would be one more object the
    # collector tracks for as long as the Doc is cached); each scope keeps its own answers
    facts = Linter().packset.facts
    first, second = Doc("確認いたします。"), Doc("申し訳ございません。")
    facts.known_answers(first, "draft"), facts.known_answers(first, "post")
    facts.known_answers(second, "draft")
    keys = [[k for k in d.memo if isinstance(k, tuple) and k[0] is facts] for d in (first, second)]
    assert len(keys[0]) == 2 and len(keys[1]) == 1
    assert keys[1][0] in keys[0] and any(keys[1][0] is k for k in keys[0])
    assert facts.known_answers(second, "draft") is second.memo[keys[1][0]]
