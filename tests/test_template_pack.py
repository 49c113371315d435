"""The template checks are the rules of a ``scope: templates`` pack (rules/templates.yaml):
they run in ``lint-templates`` only, never on drafts; they reuse the draft packs' lexicons
through ``@pack/name``; the config can disable them or change their severity; a project can
bring its own template pack."""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path

import pytest

from replyguard import Config, Conversation, Linter, PackError
from replyguard.packs import builtin_rules_dir, load_pack_file
from replyguard.template_lint import TemplateLinter, lint_template_paths

ROOT = Path(__file__).resolve().parents[1]

SORRY_FORM = "ご不便をおかけし申し訳ございません。お手数ですが、お問い合わせフォームよりご連絡ください。"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@cache
def _shipped() -> tuple:
    return tuple(load_pack_file(f) for f in sorted(builtin_rules_dir().glob("*.yaml")))


def _conv(post: str, draft: str) -> Conversation:
    return Conversation.simple(draft, post)


def _drafts() -> list[Conversation]:
    cases = [Conversation.model_validate(json.loads(line))
             for line in (ROOT / "examples" / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    # and drafts the template rules would flag, were they run on drafts
    return [*cases, _conv("食洗機で洗えますか？", SORRY_FORM), _conv("壊れた", "ごめんなさい。ご相談ください。")]


# -- check is not affected ---------------------------------------------------------------------------
def test_the_template_pack_is_set_aside_by_check() -> None:
    linter = Linter(Config())  # builtin: every shipped pack, rules/templates.yaml included
    assert [p.spec.pack for p in linter.packset.template_packs] == ["templates"]
    assert "templates" not in [p.spec.pack for p in linter.packset.packs]
    assert not [r for r in linter.rules if r.pack == "templates"]
    assert linter.rule("templates/too-long") is None


def test_check_reports_the_same_with_and_without_the_template_pack() -> None:
    drafts = [p for p in _shipped() if p.spec.scope == "check"]
    with_templates, without = Linter(packs=list(_shipped())), Linter(packs=drafts)
    for case in _drafts():
        a, b = with_templates.check(case), without.check(case)
        assert a.model_dump() == b.model_dump()
        assert not any(f.rule.startswith("templates/") for f in a.findings)


def test_a_projects_template_pack_runs_in_lint_templates_only(tmp_path: Path) -> None:
    _write(tmp_path / "tpl-rules.yaml", """\
        pack: house-templates
        scope: templates
        rules:
          - id: no-sorry
            kind: pattern
            category: copy_paste_apology
            severity: warning
            message: 謝罪で始めないでください（{match}）
            match: {phrases: ['@ja-active-support/apology']}
            examples:
              fail: [{text: "申し訳ございません。"}]
              pass: [{text: "ありがとうございます。"}]
        """)
    config = Config(packs=["ja-active-support", "tpl-rules.yaml"], base_dir=tmp_path)
    linter = Linter(config)
    report = linter.check(_conv("壊れた", "申し訳ございません。交換いたします。"))
    assert not any(f.rule.startswith("house-templates/") for f in report.findings)
    repo = _write(tmp_path / "t" / "t.yaml", """\
        templates:
          - id: sorry
            intents: [complaint]
            text: "@{{ customer }} 申し訳ございません。交換品をお送りします。"
            samples:
              - post: 届いたら壊れてた
        """)
    run = lint_template_paths(linter, [str(repo)])
    rules = {f.rule for f in run.findings()}
    assert "house-templates/no-sorry" in rules
    # the project's template pack replaces the shipped one
    assert not any(r.startswith("templates/") for r in rules)


# -- the config reaches the template rules -------------------------------------------------------------
def test_config_disables_and_reweights_template_rules(tmp_path: Path) -> None:
    repo = _write(tmp_path / "t.yaml", """\
        templates:
          - id: a
            intents: [praise]
            text: "@{{ customer }} ありがとうございます！"
          - id: b
            intents: [praise]
            text: "@{{ customer }} ありがとうございます！！"
        """)
    base = lint_template_paths(Linter(Config()), [str(repo)])
    assert {(f.rule, f.severity.value) for f in base.findings()} == {
        ("templates/no-samples", "warning"), ("templates/near-duplicate", "warning")}
    linter = Linter(Config(disable=["templates/no-samples"], severity={"near-duplicate": "error"}))
    run = lint_template_paths(linter, [str(repo)])
    assert {(f.rule, f.severity.value) for f in run.findings()} == {("templates/near-duplicate", "error")}
    assert run.rules["templates/near-duplicate"].short == "Near-duplicate template"


def test_similarity_option_overrides_the_rules_threshold(tmp_path: Path) -> None:
    repo = _write(tmp_path / "t.yaml", """\
        templates:
          - id: a
            intents: [praise]
            text: "@{{ customer }} イヤホンを気に入っていただけて嬉しいです！"
          - id: b
            intents: [praise]
            text: "@{{ customer }} ケースを気に入っていただけて光栄です！"
        """)
    linter = Linter(Config())
    assert not [f for f in lint_template_paths(linter, [str(repo)]).findings() if f.rule.endswith("duplicate")]
    loose = lint_template_paths(linter, [str(repo)], similarity_threshold=0.3)
    assert [f.rule for f in loose.findings() if f.rule.endswith("duplicate")] == ["templates/near-duplicate"]


# -- lexicons of another pack --------------------------------------------------------------------------
_SORRY_PACK = """\
        pack: mine
        rules:
          - id: sorry
            kind: pattern
            category: copy_paste_apology
            severity: info
            message: 謝罪（{match}）
            match: {phrases: ['@ja-active-support/apology']}
        """


def test_a_pack_uses_a_shipped_packs_lexicon_without_loading_its_rules(tmp_path: Path) -> None:
    pack = _write(tmp_path / "p.yaml", _SORRY_PACK)
    linter = Linter(packs=[load_pack_file(pack)])
    assert [r.id for r in linter.rules] == ["mine/sorry"]  # no rule of ja-active-support runs
    assert [f.message for f in linter.check(_conv("壊れた", "ごめんなさい、すぐ確認します")).findings] \
        == ["謝罪（ごめんなさい）"]


def test_a_loaded_packs_lexicon_wins_over_the_shipped_one(tmp_path: Path) -> None:
    own = _write(tmp_path / "own.yaml", """\
        pack: ja-active-support
        lexicons: {apology: [陳謝]}
        """)
    user = _write(tmp_path / "p.yaml", _SORRY_PACK)
    linter = Linter(packs=[load_pack_file(own), load_pack_file(user)])
    assert [f.message for f in linter.check(_conv("x", "陳謝いたします。ごめんなさい")).findings] \
        == ["謝罪（陳謝）"]


@pytest.mark.parametrize("ref", ["@nosuch/apology", "@ja-active-support/nosuch", "@../apology"])
def test_an_unknown_pack_lexicon_is_an_error_with_its_line(tmp_path: Path, ref: str) -> None:
    pack = _write(tmp_path / "p.yaml", f"""\
        pack: mine
        rules:
          - id: sorry
            kind: pattern
            category: copy_paste_apology
            severity: info
            message: 謝罪
            match:
              phrases: ['{ref}']
        """)
    with pytest.raises(PackError) as exc:
        Linter(packs=[load_pack_file(pack)])
    assert f"unknown lexicon {ref}" in str(exc.value) and ":9:" in str(exc.value)


# -- what only a template pack may use -------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "line", "needle"), [
    ("kind: condition\n    when: intent.question", 5, "works only in a pack with 'scope: templates'"),
    ("kind: condition\n    when: not reported.form_deflection", 5, "works only in a pack with 'scope: templates'"),
    ("kind: template_entry\n    check: no_samples", 4, "kind 'template_entry' works only in a pack with "
                                                       "'scope: templates'"),
    ("kind: pattern\n    match: {phrases: [x]}\n    examples:\n      fail: [{text: x}]", 7,
     "a rule example of a pack with scope 'check' is a draft"),
])
def test_template_things_in_a_draft_pack_are_errors(tmp_path: Path, rule: str, line: int, needle: str) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: mine\nrules:\n  - id: r\n    " + rule
                    + "\n    category: template_problem\n    severity: info\n    message: m\n"
                    "categories: {template_problem: x}\n", encoding="utf-8")
    with pytest.raises(PackError) as exc:
        Linter(packs=[load_pack_file(pack)])
    assert needle in str(exc.value) and f":{line}:" in str(exc.value), str(exc.value)


def test_a_template_pack_needs_template_examples_and_known_categories(tmp_path: Path) -> None:
    for body, needle in (
        ("    examples:\n      fail: [{post: x, draft: y}]\n", "scope 'templates' is a template"),
        ("    when: reported.no_such_category\n", "unknown category 'no_such_category'"),
    ):
        pack = tmp_path / "p.yaml"
        pack.write_text("pack: mine\nscope: templates\nrules:\n  - id: r\n    kind: template_entry\n"
                        "    check: no_samples\n    category: brush_off\n    severity: info\n    message: m\n"
                        + body, encoding="utf-8")
        linter = Linter(packs=[load_pack_file(pack)])  # set aside: compiled by lint-templates
        with pytest.raises(PackError, match=needle):
            TemplateLinter(linter)


# -- safety and suppressions do not depend on the rules ------------------------------------------------
UNSAFE = """\
templates:
  - id: evil  # replyguard: disable=templates/unsafe reviewed: the sandbox refuses it anyway
    intents: [question]
    text: "@{{ customer }} {{ ''.__class__.__mro__ }} 申し訳ございません、うざいです"
    samples:
      - post: 使えますか？
"""


def test_an_unsafe_template_is_never_rendered_even_with_its_rule_off(tmp_path: Path) -> None:
    rude = _write(tmp_path / "rude.yaml", """\
        pack: rude
        facts:
          question: {match: {phrases: [？]}}
        rules:
          - id: no-rude
            kind: pattern
            category: overfamiliar
            severity: error
            message: 失礼（{match}）
            match: {phrases: [うざい]}
        """)
    repo = _write(tmp_path / "t" / "t.yaml", UNSAFE.replace("  # replyguard: disable=templates/unsafe", "  # was"))
    packs = [load_pack_file(rude), load_pack_file(builtin_rules_dir() / "templates.yaml")]
    on = lint_template_paths(Linter(Config(), packs=packs), [str(repo)])
    assert {f.rule for f in on.findings()} == {"templates/unsafe"}
    off = lint_template_paths(Linter(Config(disable=["templates/unsafe"]), packs=packs), [str(repo)])
    # nothing: the rule is off, and the sample was not rendered, so rude/no-rude never saw it
    assert off.findings() == []
    safe = repo.read_text(encoding="utf-8").replace("{{ ''.__class__.__mro__ }} ", "")
    repo.write_text(safe, encoding="utf-8")
    rendered = lint_template_paths(Linter(Config(disable=["templates/unsafe"]), packs=packs), [str(repo)])
    assert [f.rule for f in rendered.findings()] == ["rude/no-rude"]


def test_inline_disable_of_a_template_rule(tmp_path: Path) -> None:
    repo = _write(tmp_path / "t.yaml", UNSAFE)
    run = lint_template_paths(Linter(Config()), [str(repo)])
    [unit] = run.units
    assert unit.findings == []
    assert {(s.finding.rule, s.source) for s in unit.suppressed} == {("templates/unsafe", "inline")}
    assert all(s.reason.startswith("reviewed") for s in unit.suppressed)
