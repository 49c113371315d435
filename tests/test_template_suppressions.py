"""lint-templates suppressions: inline '# replyguard: disable=RULE reason' comments on a template
entry and per-file-ignores in the config; what is suppressed is listed, unused ones reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server_support import demo_linter

from replyguard.errors import ConfigError
from replyguard.formats import render
from replyguard.models import Severity
from replyguard.template_lint import lint_template_paths

TEMPLATES = """\
templates:
  - id: spec-answer  # replyguard: disable=brush-off the sample post asks what the spec is
    intents: [praise]
    text: |
      {{ customer }}様 仕様です。
      # replyguard: disable=ranuki inside the text: not a comment
    samples:
      - post: 最高
  - id: spec-again
    # replyguard: disable=hooktest/ranuki stale
    # replyguard: disable=brush-off
    intents: [praise]
    text: "{{ customer }}様 仕様です。見れます。"
    samples:
      - post: うれしい
"""


def lint(tmp_path: Path, **config):
    folder = tmp_path / "repo" / "legacy"
    folder.mkdir(parents=True)
    (folder / "t.yaml").write_text(TEMPLATES, encoding="utf-8")
    linter = demo_linter(tmp_path, **config)
    linter.config.base_dir = tmp_path
    return lint_template_paths(linter, [str(tmp_path / "repo")], similarity_threshold=1.0)


def by_name(run):
    return {u.name: u for u in run.units}


def test_inline_disable_suppresses_and_lists(tmp_path: Path) -> None:
    units = by_name(lint(tmp_path))
    first = units["spec-answer"]
    assert "hooktest/brush-off" not in {f.rule for f in first.findings}
    [sup] = first.suppressed
    assert (sup.finding.rule, sup.reason, sup.source) == (
        "hooktest/brush-off", "the sample post asks what the spec is", "inline")
    # the comment-like line inside the block text is text, not a suppression
    assert not any(f.rule == "replyguard/unused-suppression" for f in first.findings)


def test_unused_and_reasonless_disables_are_reported(tmp_path: Path) -> None:
    second = by_name(lint(tmp_path))["spec-again"]
    unused = sorted((f.line, f.message) for f in second.findings if f.rule == "replyguard/unused-suppression")
    assert len(unused) == 1 and unused[0][0] == 11 and "gives no reason" in unused[0][1]
    # the reasonless disable is not applied; ranuki was really there, so that one is used
    assert "hooktest/brush-off" in {f.rule for f in second.findings}
    assert [s.finding.rule for s in second.suppressed] == ["hooktest/ranuki"]
    assert all(f.severity is Severity.warning for f in second.findings if f.rule.startswith("replyguard/"))


def test_per_file_ignores(tmp_path: Path) -> None:
    run = lint(tmp_path, per_file_ignores={"repo/legacy/*.yaml": ["hooktest/brush-off", "templates/too-long"]})
    units = by_name(run)
    assert "hooktest/brush-off" not in {f.rule for u in run.units for f in u.findings}
    assert {(s.source, s.reason) for s in units["spec-again"].suppressed} >= {
        ("config", "per-file-ignores 'repo/legacy/*.yaml'")}
    unused = [f for u in run.units for f in u.findings
              if f.rule == "replyguard/unused-suppression" and "per-file-ignores" in f.message]
    assert len(unused) == 1 and "templates/too-long suppressed nothing" in unused[0].message
    text = render("text", run)
    assert "suppressed (config: per-file-ignores 'repo/legacy/*.yaml'): hooktest/brush-off" in text
    data = json.loads(render("json", run))
    assert any(s["source"] == "config" for u in data["units"] for s in u["suppressed"])
    # a pattern that matches no linted file is not reported (pre-commit lints only changed files)
    quiet = lint(tmp_path / "q", per_file_ignores={"elsewhere/*.yaml": ["brush-off"]})
    assert not any("per-file-ignores" in f.message for u in quiet.units for f in u.findings)


def test_per_file_ignores_names_unknown_rules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"per-file-ignores: 'x\*': unknown rule 'nope'"):
        lint(tmp_path, per_file_ignores={"x*": ["nope"]})


def test_sarif_marks_suppressed_results(tmp_path: Path) -> None:
    run = lint(tmp_path, per_file_ignores={"repo/legacy/*.yaml": ["templates/near-duplicate"]})
    sarif = json.loads(render("sarif", run))
    results = sarif["runs"][0]["results"]
    rules = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    suppressed = [r for r in results if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("hooktest/brush-off", [{"kind": "inSource", "justification": "the sample post asks what the spec is"}]),
        ("hooktest/ranuki", [{"kind": "inSource", "justification": "stale"}])]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    assert not any("suppressions" in r for r in results if r["ruleId"] == "replyguard/unused-suppression")
