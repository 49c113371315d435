"""``yields_to``: a generic rule steps back when a specific one names the same problem, so a
draft gets one finding per problem; a bad ``yields_to`` is a load error at its line."""

from __future__ import annotations

import pytest

from replyguard import Linter, PackError
from replyguard.packs import load_pack_file

PACK = """\
pack: t
rules:
  - id: generic
    category: off_topic_template
    severity: warning
    message: 定型文です
    kind: pattern
    match:
      phrases: [ご意見]
    yields_to: [specific]
  - id: specific
    category: copy_paste_apology
    severity: warning
    message: 前と同じ謝罪です
    kind: pattern
    match:
      phrases: [申し訳]
"""
L_YIELDS_ITEM = 10


def _linter(write_pack, text: str = PACK) -> Linter:
    return Linter(packs=[load_pack_file(write_pack(text))])


def _rules(report) -> list[str]:
    return sorted(f.rule for f in report.findings)


def test_the_generic_rule_reports_alone(write_pack) -> None:
    report = _linter(write_pack).check({"post": {"author": "u", "text": "どう？"},
                                        "draft": {"author": "b", "text": "ご意見ありがとうございます。"}})
    assert _rules(report) == ["t/generic"]


def test_the_specific_rule_pre_empts_it(write_pack) -> None:
    report = _linter(write_pack).check({"post": {"author": "u", "text": "どう？"},
                                        "draft": {"author": "b", "text": "申し訳ございません。ご意見は共有します。"}})
    assert _rules(report) == ["t/specific"]
    assert report.decision.value != "pass"


def test_an_ignored_finding_pre_empts_nothing(write_pack) -> None:
    report = _linter(write_pack).check(
        {"post": {"author": "u", "text": "どう？"},
         "draft": {"author": "b", "text": "申し訳ございません。ご意見は共有します。"},
         "ignore": [{"rule": "t/specific", "reason": "reviewed"}]})
    assert _rules(report) == ["t/generic"]


def test_a_disabled_specific_rule_pre_empts_nothing(write_pack) -> None:
    from replyguard.config import Config
    linter = Linter(packs=[load_pack_file(write_pack(PACK))], config=Config(disable=["t/specific"]))
    report = linter.check({"post": {"author": "u", "text": "どう？"},
                           "draft": {"author": "b", "text": "申し訳ございません。ご意見は共有します。"}})
    assert _rules(report) == ["t/generic"]


@pytest.mark.parametrize(("target", "why"), [("nowhere", "an unknown rule 'nowhere'"), ("generic", "itself")])
def test_a_bad_target_is_a_load_error_at_its_line(write_pack, target: str, why: str) -> None:
    path = write_pack(PACK.replace("yields_to: [specific]", f"yields_to: [{target}]"), "bad.yaml")
    with pytest.raises(PackError) as info:
        Linter(packs=[load_pack_file(path)])
    assert info.value.line == L_YIELDS_ITEM
    assert f"yields_to names {why}" in str(info.value)
    assert info.value.rule == "generic"


def test_the_shipped_stock_reply_rule_yields_to_a_repeated_reply() -> None:
    rule = next(r for r in Linter().rules if r.id == "ja-active-support/stock-reply-misses-post")
    assert "ja-active-support/repeated-reply" in rule.yields_to


def test_a_template_pack_rule_cannot_yield(tmp_path) -> None:
    from replyguard.template_lint import TemplateLinter
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: mine\nscope: templates\nrules:\n"
                    "  - {id: a, kind: template_entry, check: no_samples, category: brush_off,\n"
                    "     severity: info, message: m}\n"
                    "  - id: r\n    kind: template_entry\n    check: no_samples\n    category: brush_off\n"
                    "    severity: info\n    message: m\n    yields_to: [a]\n", encoding="utf-8")
    linter = Linter(packs=[load_pack_file(pack)])  # set aside: compiled by lint-templates
    with pytest.raises(PackError, match="yields_to works only in a pack with 'scope: check'") as info:
        TemplateLinter(linter)
    assert info.value.line == 12


def test_a_rule_of_a_pack_not_loaded_pre_empts_nothing(write_pack) -> None:
    linter = _linter(write_pack, PACK.replace("yields_to: [specific]", "yields_to: [specific, privacy/personal-data]"))
    assert linter.rules[0].yields_to == frozenset({"t/specific"})


def test_an_unknown_rule_of_a_loaded_pack_is_an_error(write_pack) -> None:
    path = write_pack(PACK.replace("yields_to: [specific]", "yields_to: [t/nowhere]"), "bad.yaml")
    with pytest.raises(PackError, match="yields_to names an unknown rule 't/nowhere'"):
        Linter(packs=[load_pack_file(path)])
