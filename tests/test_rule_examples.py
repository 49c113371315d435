"""Every example of every shipped rule is a test: ``fail`` examples must produce a finding of
that rule, ``pass`` examples must produce none of it."""

from __future__ import annotations

from functools import cache

import pytest

from replyguard import Config, Linter
from replyguard.packs import LoadedPack, builtin_rules_dir, load_pack_file
from replyguard.rule_examples import example_conversation, template_example_file
from replyguard.schema import Example, TemplateExample
from replyguard.template_lint import TemplateLinter
from replyguard.template_repo import load_template_file


@cache
def _packs() -> tuple[LoadedPack, ...]:
    return tuple(load_pack_file(f) for f in sorted(builtin_rules_dir().glob("*.yaml")))


@cache
def _linter() -> Linter:
    # the examples document each rule's own reading; the confidence model is tested on its own
    # (tests/test_confidence.py)
    return Linter(Config(confidence=False), packs=list(_packs()))


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


@cache
def _template_linter() -> TemplateLinter:
    return TemplateLinter(_linter())


def _template_rule_example(rule_id: str, outcome: str, example: TemplateExample, brand: str,
                               tmp_path) -> None:
    """A template example is the last entry of a repository file (after its ``earlier``
    entries), linted as ``lint-templates`` does with every shipped pack."""
    f = tmp_path / "example.yaml"
    f.write_text(template_example_file(example, brand_name=brand), encoding="utf-8")
    templates = load_template_file(f)
    run = _template_linter().run(templates)
    findings = run.units[-1].findings
    mine = [f for f in findings if f.rule == rule_id]
    if outcome == "fail":
        assert mine, f"{rule_id} should flag this template but did not\n  {example.text}\n  other findings: " \
                     f"{[(f.rule, f.message) for f in findings]}"
    else:
        assert not mine, f"{rule_id} should not flag this template\n  {example.text}\n  {[f.message for f in mine]}"


@pytest.mark.parametrize(("rule_id", "outcome", "example", "brand"), CASES)
def test_rule_example(rule_id: str, outcome: str, example: Example | TemplateExample, brand: str,
                      tmp_path) -> None:
    if isinstance(example, TemplateExample):
        _template_rule_example(rule_id, outcome, example, brand, tmp_path)
        return
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
