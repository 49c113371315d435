"""CI output formats (SARIF 2.1.0, GitHub workflow commands, JUnit XML) of ``check`` and
``lint-templates``, and ``--fix`` (safe fixes only) for single drafts and ``--cases``.

No SARIF JSON schema ships with any installed package, so the structure GitHub code scanning
reads is asserted with a hand-written subset of the SARIF 2.1.0 schema.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from replyguard.cli import main
from replyguard.formats.github import escape_data, escape_property, format_github
from replyguard.formats.junit import format_junit
from replyguard.formats.located import Located, RuleInfo, Run, Unit, relative_uri
from replyguard.formats.sarif import sarif_dict
from replyguard.models import Severity

ROOT = Path(__file__).resolve().parents[1]

_LEVEL = {"enum": ["none", "note", "warning", "error"]}
_POSITIVE = {"type": "integer", "minimum": 1}
_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "$schema", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "pattern": "sarif-schema-2\\.1\\.0\\.json$"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "version", "informationUri", "rules"],
                    "properties": {
                        "name": {"type": "string"},
                        "informationUri": {"type": "string", "format": "uri"},
                        "rules": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "shortDescription", "fullDescription", "defaultConfiguration"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": _TEXT, "fullDescription": _TEXT,
                                "defaultConfiguration": {"type": "object", "required": ["level"],
                                                         "properties": {"level": _LEVEL}},
                                "helpUri": {"type": "string"},
                            }}},
                    }}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "level", "message", "locations"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _TEXT,
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {"type": "string"}}},
                                    "region": {"type": "object", "required": ["startLine", "startColumn"],
                                               "properties": {"startLine": _POSITIVE,
                                                              "startColumn": _POSITIVE}},
                                }}}}},
                    }}},
            }}},
    },
}


def _check_sarif(doc: dict) -> None:
    jsonschema.validate(doc, SARIF_SUBSET)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


# -- formatters on a hand-made run ---------------------------------------------------------------
def _run() -> Run:
    f1 = Located("templates/too-long", Severity.error, "long: 300 characters, limit 280\nsecond line",
                 "templates/a.yaml", 12, category="template")
    f2 = Located("pack/rule", Severity.info, "50% done, a: b", "templates/a,b.yaml", 3, 5)
    return Run([Unit("long", "templates/a.yaml", 12, [f1]), Unit("ok", "templates/a.yaml", 20),
                Unit("note", "templates/a,b.yaml", 3, [f2])],
               {"templates/too-long": RuleInfo("templates/too-long", "Too long", "Too long in full",
                                               Severity.error, "https://example.com/too-long")},
               version="9.9")


def test_sarif_structure():
    doc = sarif_dict(_run())
    _check_sarif(doc)
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "replyguard" and driver["version"] == "9.9"
    rule = next(r for r in driver["rules"] if r["id"] == "templates/too-long")
    assert rule["helpUri"] == "https://example.com/too-long"
    assert rule["defaultConfiguration"]["level"] == "error"
    levels = [r["level"] for r in doc["runs"][0]["results"]]
    assert levels == ["error", "note"]
    loc = doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "templates/a%2Cb.yaml"},
                   "region": {"startLine": 3, "startColumn": 5}}


def test_github_escaping():
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a,b: c%") == "a%2Cb%3A c%25"
    lines = format_github(_run()).splitlines()
    assert lines == [
        "::error file=templates/a.yaml,line=12,title=templates/too-long::"
        "long: 300 characters, limit 280%0Asecond line",
        "::notice file=templates/a%2Cb.yaml,line=3,col=5,title=pack/rule::50%25 done, a: b",
    ]


def test_junit_one_testcase_per_unit_failures_at_threshold():
    root = ET.fromstring(format_junit(_run(), Severity.warning))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["long", "ok", "note"]
    assert [x.get("type") for x in cases[0].findall("failure")] == ["templates/too-long"]
    assert cases[1].find("failure") is None
    assert cases[2].find("failure") is None and "pack/rule" in cases[2].find("system-out").text
    assert root.get("tests") == "3" and root.get("failures") == "1"
    root = ET.fromstring(format_junit(_run(), Severity.info))
    assert root.get("failures") == "2"


def test_relative_uri(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t").mkdir()
    assert relative_uri(str(tmp_path / "t" / "x.yaml")) == "t/x.yaml"
    assert relative_uri("./t/../t/x.yaml") == "t/x.yaml"
    assert relative_uri("-") == "stdin"
    assert relative_uri("/elsewhere/x.yaml") == "/elsewhere/x.yaml"


# -- lint-templates through the CLI --------------------------------------------------------------
def test_lint_templates_sarif_on_examples(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["lint-templates", "examples/templates", "--format", "sarif"]) == 1
    doc = json.loads(capsys.readouterr().out)
    _check_sarif(doc)
    results = doc["runs"][0]["results"]
    places = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert ("templates/undefined-variable", "examples/templates/bad/bad-replies.yaml", 13) in places
    assert ("templates/too-long", "examples/templates/bad/bad-replies.yaml", 33) in places
    assert all(uri == "examples/templates/bad/bad-replies.yaml" for _, uri, _ in places)


def test_lint_templates_github_and_junit(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["lint-templates", "examples/templates", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    expected = ("::error file=examples/templates/bad/bad-replies.yaml,line=13,"
                "title=templates/undefined-variable::")
    assert any(line.startswith(expected) for line in out)
    assert main(["lint-templates", "examples/templates", "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert len(cases) == 8
    assert cases["restock-notice"].find("failure") is not None
    assert cases["thanks-praise"].find("failure") is None


# -- check: formats, locations in the cases file, --fix ------------------------------------------
PACK = """\
pack: fix-test
rules:
  - id: swap
    category: keigo_error
    severity: warning
    message: 「{match}」→「{replacement}」
    kind: substitution
    swaps:
      - {phrase: よろしかったでしょうか, replacement: よろしいでしょうか, safe: true}
      - {phrase: 了解しました, replacement: 承知しました, safe: false}
"""


@pytest.fixture
def config(tmp_path: Path) -> str:
    (tmp_path / "fix-test.yaml").write_text(PACK, encoding="utf-8")
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text(f'packs = ["{(tmp_path / "fix-test.yaml").as_posix()}"]\n', encoding="utf-8")
    return str(cfg)


DRAFT = "了解しました。こちらでよろしかったでしょうか。"
SAFE_ONLY = "了解しました。こちらでよろしいでしょうか。"


def _cases(tmp_path: Path) -> Path:
    lines = [
        {"id": "c1", "post": {"author": "u", "text": "これで合ってる？"},
         "draft": {"author": "brand", "text": DRAFT}},
        {"id": "c2", "post": {"author": "u", "text": "ありがとう"},
         "draft": {"author": "brand", "text": "どういたしまして。"}},
    ]
    f = tmp_path / "cases.jsonl"
    f.write_text(json.dumps(lines[0], ensure_ascii=False) + "\n\n" + json.dumps(lines[1], ensure_ascii=False)
                 + "\n", encoding="utf-8")
    return f


def test_fix_single_applies_only_safe_fixes(config: str, capsys):
    assert main(["--config", config, "check", "--post", "これで合ってる？", "--fix", DRAFT]) == 0
    assert capsys.readouterr().out.strip() == SAFE_ONLY


def test_fix_cases_outputs_fixed_text(config: str, tmp_path: Path, capsys):
    f = _cases(tmp_path)
    assert main(["--config", config, "check", "--cases", str(f), "--fix"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in records] == ["c1", "c2"]
    assert records[0]["fixed_text"] == SAFE_ONLY
    assert records[1]["fixed_text"] == "どういたしまして。"
    unsafe = [x["fix"] for x in records[0]["findings"] if not x["fix"]["safe"]]
    assert unsafe and unsafe[0]["replacement"] == "承知しました"  # reported, not applied
    assert main(["--config", config, "check", "--cases", str(f), "--fix", "--format", "json"]) == 0
    assert [r["fixed_text"] for r in json.loads(capsys.readouterr().out)] == [SAFE_ONLY, "どういたしまして。"]


def test_check_cases_sarif_points_at_case_lines(config: str, tmp_path: Path, capsys, monkeypatch):
    f = _cases(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--config", config, "check", "--cases", "cases.jsonl", "--format", "sarif",
                 "--fail-on", "warning"]) == 1
    doc = json.loads(capsys.readouterr().out)
    _check_sarif(doc)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"fix-test/swap"}
    places = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert places == {("cases.jsonl", 1)}
    assert f.exists()


def test_check_cases_junit_and_github(config: str, tmp_path: Path, capsys):
    f = _cases(tmp_path)
    with f.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    assert main(["--config", config, "check", "--cases", str(f), "--format", "junit"]) == 2
    root = ET.fromstring(capsys.readouterr().out)
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [("c1", "1"), ("c2", "3"), ("line 4", "4")]
    assert cases[0].find("failure") is None  # warnings are below the default --fail-on error
    assert cases[2].find("error") is not None and cases[2].find("failure") is None
    capsys.readouterr()
    assert main(["--config", config, "check", "--cases", str(f), "--format", "github"]) == 2
    out = capsys.readouterr().out
    assert ",line=1,title=fix-test/swap::" in out and ",line=4,title=replyguard/input-error::" in out


def test_check_single_sarif_column_is_the_span(config: str, capsys):
    assert main(["--config", config, "check", "--format", "sarif", "--post", "？", DRAFT]) == 0
    doc = json.loads(capsys.readouterr().out)
    _check_sarif(doc)
    columns = sorted(r["locations"][0]["physicalLocation"]["region"]["startColumn"]
                     for r in doc["runs"][0]["results"])
    assert columns == [1, DRAFT.index("よろしかった") + 1]




def test_every_registered_format_is_offered_by_both_commands_and_renders_a_run() -> None:
    from replyguard import formats
    from replyguard.cli import _parser

    run = Run([Unit("c1", "cases.jsonl", 3, [Located("p/r", Severity.warning, "msg", "cases.jsonl", 3)])])
    assert formats.names()[:6] == ["text", "json", "jsonl", "sarif", "github", "junit"]
    for name in formats.names():
        assert "p/r" in formats.render(name, run, Severity.warning), name
        for command in (["check", "--format", name, "x"], ["lint-templates", "--format", name, "t"]):
            assert _parser().parse_args(command).format == name
