"""Regression corpus (issue 14): templates that loop, grow or recurse without bound. Each
render stops at its budget with a TemplateError naming the template; ``lint-templates`` reports
it as a finding with its file and line and still lints every other template."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from replyguard import Config, ConfigError, Linter, TemplateError
from replyguard.cli import main
from replyguard.suggestions import MAX_STEPS, MAX_VALUE, render

HOSTILE = {
    "nested-loops": "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}ok",
    "loops-over-text": "{% set s = 'x' * 9999 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "join-range": "{{ range(9999)|list|join('x' * 9999) }}",
    "join-method": "{{ ('x' * 9999).join(range(9999)|map('string')|list) }}",
    "chained-replace": "{{ 'aaaa'" + "|replace('a', 'aaaa')" * 15 + " }}",
    "replace-method": "{{ ('a' * 9999).replace('a', 'b' * 9999) }}",
    "doubling-concat": "{% set a = 'x' * 9999 %}" + "".join(
        "{% set a = a ~ a %}" for _ in range(20)) + "{{ a|length }}",
    "doubling-plus": "{% set a = 'x' * 9999 %}" + "".join(
        "{% set a = a + a %}" for _ in range(20)) + "{{ a|length }}",
    "wide-center": "{{ 'x'|center(99999 * 9999) }}",
    "wide-indent": "{{ ('x\\n' * 5000)|indent(9999 * 9) }}",
    "wide-percent": "{{ '%999999999s' % 'x' }}",
    "wide-format-filter": "{{ '%999999999s'|format('x') }}",
    "wide-str-format": "{{ '{:999999999}'.format('x') }}",
    "ljust-method": "{{ 'x'.ljust(99999 * 9999) }}",
    "huge-number": "{% set n = 9999 %}" + "{% set n = n * n %}" * 12 + "{{ n }}",
    "big-output": "{% for i in range(99999) %}xxxxxxxxxx{% endfor %}",
    "recursive-macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "fan-out-macro": "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
                     "{{ f(0) }}",
    "batch": "{{ range(10)|batch(99999 * 9999, 'x')|list }}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_template_stops_at_its_budget(name: str) -> None:
    with pytest.raises(TemplateError) as err:
        render(HOSTILE[name], name, {})
    assert f"template {name!r}" in str(err.value)


@pytest.mark.parametrize(("source", "expected"), [
    ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
    ("{{ ['a', 'b']|join('、') }}", "a、b"),
    ("{{ 'abc'|replace('b', 'x') }} {{ '%05.1f' % 3.14159 }} {{ '{:>4}'.format('x') }}", "axc 003.1    x"),
    ("{% macro f(n) %}{% if n %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321"),
    ("{{ 'ab' ~ 'cd' }} {{ 10 // 3 }} {{ 7 - 2 }} {{ 1 / 2 }}", "abcd 3 5 0.5"),
    ("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}done", "done"),
])
def test_ordinary_templates_render_as_before(source: str, expected: str) -> None:
    assert render(source, "ok", {}) == expected


def test_budget_is_per_rendering_not_per_process() -> None:
    source = "{% for i in range(15000) %}{% endfor %}ok"
    assert MAX_STEPS > 15_000
    for _ in range(3):
        assert render(source, "ok", {}) == "ok"


def test_a_template_mistake_is_a_template_error_not_a_crash() -> None:
    for source in ("{{ 1 / 0 }}", "{{ '%d' % 'x' }}", "{{ [1][5] }}"):
        with pytest.raises(TemplateError):
            render(source, "oops", {})


def test_lint_templates_reports_each_hostile_template_and_lints_the_others(tmp_path: Path, capsys,
                                                                          monkeypatch) -> None:
    """Used to abort the whole run with exit 2 (no file named, other results and SARIF lost)."""
    entries = []
    for name in ("nested-loops", "chained-replace", "recursive-macro", "join-range"):
        entries.append(f"  - id: {name}\n    intents: [question]\n    text: {json.dumps(HOSTILE[name])}\n"
                       "    samples:\n      - post: 使い方を教えてくれますか？\n")
    entries.append("  - id: fine\n    intents: [question]\n    text: 設定画面の右上から変更できます。\n"
                   "    samples:\n      - post: 使い方を教えてくれますか？\n")
    (tmp_path / "t.yaml").write_text("templates:\n" + "".join(entries), encoding="utf-8")
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["lint-templates", "t.yaml", "--format", "sarif"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    results = json.loads(out)["runs"][0]["results"]
    budget = [r for r in results if "over the rendering budget" in r["message"]["text"]]
    assert {r["message"]["text"].split(":", 1)[0] for r in budget} >= {
        "nested-loops", "chained-replace", "recursive-macro", "join-range"}
    for r in budget:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].endswith("t.yaml") and loc["region"]["startLine"] >= 1


def test_pack_template_over_budget_is_a_config_error_at_load(tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(textwrap.dedent(f"""\
        pack: p
        templates:
          - id: t
            text: {json.dumps(HOSTILE['nested-loops'])}
        rules:
          - id: r
            category: brush_off
            severity: warning
            message: m
            kind: pattern
            match: {{phrases: [仕様です]}}
            suggest: [t]
        """), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Linter(Config(packs=[str(pack)]))
    assert "over the rendering budget" in str(err.value) and "p.yaml" in str(err.value)


def test_limits_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    assert f"{MAX_VALUE:,} characters" in doc and f"{MAX_STEPS:,}\nloop iterations" in doc
