"""Every example of every shipped rule is a test: ``fail`` examples must produce a finding of
that rule, ``pass`` examples must produce none of it."""

from __future__ import annotations

from functools import cache

import pytest

from replyguard import Linter
from replyguard.packs import LoadedPack, builtin_rules_dir, load_pack_file
from replyguard.rule_examples import example_conversation
from replyguard.schema import Example


@cache
def _packs() -> tuple[LoadedPack, ...]:
    return tuple(load_pack_file(f) for f in sorted(builtin_rules_dir().glob("*.yaml")))


@cache
def _linter() -> Linter:
    return Linter(packs=list(_packs()))


def _cases() -> list:
    cases = []
    for pack in _packs():
        for rule in pack.spec.rules:
            rid = f"{pack.spec.pack}/{rule.id}"
            for outcome, examples in (("fail", rule.examples.fail), ("pass", rule.examples.pass_)):
                for i, ex in enumerate(examples):
                    cases.append(pytest.param(rid, outcome, ex, pack.spec.examples_brand,
                                              id=f"{rid}-{outcome}-{i}"))
    return cases


CASES = _cases()


def test_shipped_rules_have_examples() -> None:
    assert CASES, "no rule examples found in the built-in rules/ directory"


@pytest.mark.parametrize(("rule_id", "outcome", "example", "brand"), CASES)
def test_rule_example(rule_id: str, outcome: str, example: Example, brand: str) -> None:
    conv = example_conversation(example, id=f"{rule_id}-{outcome}", brand_name=brand)
    report = _linter().check(conv)
    mine = [f for f in report.findings if f.rule == rule_id]
    others = [f"{f.rule}: {f.message}" for f in report.findings if f.rule != rule_id]
    if outcome == "fail":
        assert mine, (f"{rule_id} should flag this draft but did not\n  post:  {conv.post.text}\n"
                      f"  draft: {conv.draft.text}\n  other findings: {others}")
    else:
        assert not mine, (f"{rule_id} should not flag this draft\n  draft: {conv.draft.text}\n"
                          f"  findings: {[f.message for f in mine]}")
