"""A broken pack is one clear PackError that names the file, the line, the rule and the
problem: never a traceback from deep inside, never a rule that silently does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from replyguard import Linter, PackError
from replyguard.packs import load_pack_file
from replyguard.regex import PatternError, compile_pattern

# Line numbers of GOOD (1-based) are what the tests assert.
GOOD = """\
pack: t
lexicons:
  slang: [草, マジ]
facts:
  complaint:
    match:
      phrases: [最悪]
rules:
  - id: r1
    category: overfamiliar
    severity: warning
    message: くだけすぎ
    when: not post.complaint
    kind: pattern
    match:
      phrases: ['@slang']
"""
L_RULE, L_CATEGORY, L_SEVERITY, L_MESSAGE, L_WHEN, L_KIND, L_PHRASES = 9, 10, 11, 12, 13, 14, 16


def _load(write_pack, text: str) -> Linter:
    return Linter(packs=[load_pack_file(write_pack(text))])


def _error(write_pack, text: str, name: str = "broken.yaml") -> tuple[PackError, Path]:
    path = write_pack(text, name)
    with pytest.raises(PackError) as info:
        Linter(packs=[load_pack_file(path)])
    err = info.value
    # one clean error: no chained exception that would print as a second traceback
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    assert err.file == str(path)
    assert str(err).startswith(f"{path}:{err.line}: " if err.line else f"{path}: ")
    return err, path


def test_the_good_pack_loads(write_pack) -> None:
    linter = _load(write_pack, GOOD)
    assert [r.id for r in linter.rules] == ["t/r1"]
    assert linter.rules[0].line == L_RULE


def test_invalid_yaml(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("    message: くだけすぎ", "    message: くだけ: すぎ"))
    assert err.line == L_MESSAGE
    assert "invalid YAML" in err.reason


def test_invalid_yaml_unclosed_bracket(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("slang: [草, マジ]", "slang: [草, マジ"))
    assert "invalid YAML" in err.reason and err.line is not None


def test_unknown_check_kind(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("kind: pattern", "kind: patern"))
    assert err.rule == "r1" and err.line == L_RULE
    assert "unknown check kind 'patern'" in err.reason and "'pattern'" in err.reason


def test_missing_kind(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("    kind: pattern\n", ""))
    assert err.rule == "r1" and err.line == L_RULE and "missing 'kind'" in err.reason


def test_unknown_category(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("category: overfamiliar", "category: rude"))
    assert err.rule == "r1" and err.line == L_CATEGORY
    assert "unknown category 'rude'" in err.reason


def test_declared_category_is_accepted(write_pack) -> None:
    text = GOOD.replace("category: overfamiliar", "category: rude").replace(
        "facts:\n", "categories:\n  rude: a category of this pack\nfacts:\n")
    assert [r.category for r in _load(write_pack, text).rules] == ["rude"]


def test_missing_message(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("    message: くだけすぎ\n", ""))
    assert err.rule == "r1" and err.line == L_RULE
    assert err.reason == "missing required field 'message'"


def test_empty_message(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("message: くだけすぎ", "message: ''"))
    assert err.rule == "r1" and err.line == L_MESSAGE and err.reason.startswith("message:")


def test_bad_regex(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("phrases: ['@slang']", "regex: ['(草']"))
    assert err.rule == "r1" and err.line == L_PHRASES
    assert "bad regex '(草'" in err.reason and "invalid regular expression" in err.reason


@pytest.mark.parametrize(("pattern", "construct"), [
    ("(?<!最)高い", "negative lookbehind (?<!…)"),
    ("(?<=で)す", "lookbehind (?<=…)"),
    ("崩れ(?!な)", "negative lookahead (?!…)"),
    ("w(?=[^a-z])", "lookahead (?=…)"),
    ("(a)\\\\1", "backreference \\1"),
    ("(?P<x>a)(?P=x)", "backreference (?P=name)"),
    ("(?>ab)c", "atomic group"),
    ("a++", "possessive quantifier"),
    ("a\\\\Z", "\\Z is not supported"),
    ("a{,3}", "write {0,n}"),
])
def test_a_construct_the_engine_lacks_is_refused_at_load_by_name(write_pack, pattern: str, construct: str) -> None:
    text = GOOD.replace("phrases: ['@slang']", f'regex: ["ok", "{pattern}"]')
    err, _ = _error(write_pack, text)
    assert err.rule == "r1" and err.line == L_PHRASES
    assert (construct in err.reason and "not supported" in err.reason) or "write {0,n}" in err.reason


def test_a_refused_regex_in_a_fact_names_its_line(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("phrases: [最悪]", "regex: ['(?<!a)b']"))
    assert err.rule is None and err.line == 7 and "lookbehind" in err.reason


def test_a_construct_inside_a_character_class_is_only_characters() -> None:
    assert compile_pattern("[(?=]+").spans("a(?=b", b"a(?=b") == [(1, 4)]


# Patterns that hang a backtracking engine, and one the old safety heuristics refused: RE2
# runs them all in time linear in the text (benchmarks/engines.py has the figures).
LINEAR = ["(ab)+c", "a+b+", "[0-9]{3}-[0-9]{4}", "(?:お|ご)?注文番号[:：]?\\s*\\d+",
          "(?:^|[^0-9])(?P<hit>0[0-9]{9,10})(?:[^0-9]|$)", "(?:です|ます)+", "(?:\\.[a-z]{1,20})+",
          "(a+)+$", "(\\w*)*x", "(a|aa)+", "(a?){28}a{28}", "(.*a){20}"]


@pytest.mark.parametrize("pattern", LINEAR)
def test_patterns_that_backtrack_in_re_compile(pattern: str) -> None:
    assert compile_pattern(pattern).pattern == pattern


def test_former_redos_patterns_load_in_a_pack_and_match(write_pack) -> None:
    from conftest import conv

    text = GOOD.replace("phrases: ['@slang']", "regex: ['(a?){28}a{28}', '(.*a){20}', '(?:です|ます)+']")
    linter = _load(write_pack, text)
    assert linter.check(conv("ですます", "x")).findings
    assert linter.check(conv("a" * 20_000, "x")).findings  # finishes: the figures are in benchmarks/engines.py
    assert not linter.check(conv("a" * 19 + "b", "x")).findings


def test_pattern_error_carries_the_pattern() -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern("(?<!a)b")
    assert info.value.pattern == "(?<!a)b"


def test_unknown_fact_in_when(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("not post.complaint", "not post.complain"))
    assert err.rule == "r1" and err.line == L_WHEN and err.reason == "unknown fact 'post.complain'"


def test_unknown_scope_in_when(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("not post.complaint", "pots.complaint"))
    assert err.line == L_WHEN and "unknown scope 'pots'" in err.reason


def test_when_syntax_error(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("not post.complaint", "post.complaint and"))
    assert err.rule == "r1" and err.line == L_WHEN and "ends too early" in err.reason


def test_duplicate_rule_id(write_pack) -> None:
    text = GOOD + GOOD.split("rules:\n", 1)[1]
    err, _ = _error(write_pack, text)
    assert err.rule == "r1" and err.line == 17
    assert f"duplicate rule id 'r1' (first defined at line {L_RULE})" == err.reason


@pytest.mark.parametrize(("field", "value", "line", "expected"), [
    ("max_findings", "many", 15, "max_findings: Input should be a valid integer"),
    ("max_findings", "0", 15, "max_findings: Input should be greater than or equal to 1"),
])
def test_wrong_parameter_type(write_pack, field: str, value: str, line: int, expected: str) -> None:
    text = GOOD.replace("    kind: pattern\n", f"    kind: pattern\n    {field}: {value}\n")
    err, _ = _error(write_pack, text)
    assert err.rule == "r1" and err.line == line and err.reason.startswith(expected)


def test_wrong_type_of_a_list_parameter(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("phrases: ['@slang']", "phrases: 草"))
    assert err.rule == "r1" and err.line == L_PHRASES
    assert err.reason == "match.phrases: Input should be a valid list"


def test_bad_severity(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("severity: warning", "severity: fatal"))
    assert err.rule == "r1" and err.line == L_SEVERITY and "'info', 'warning' or 'error'" in err.reason


@pytest.mark.parametrize("text", ["", "# only a comment\n", "pack: t\n", "pack: t\nrules: []\n"])
def test_empty_pack(write_pack, text: str) -> None:
    err, _ = _error(write_pack, text)
    assert err.line == 1 and "empty" in err.reason


def test_pack_that_is_not_a_mapping(write_pack) -> None:
    err, _ = _error(write_pack, "- pack: t\n")
    assert err.line == 1 and "mapping" in err.reason


def test_unknown_top_level_key(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("rules:\n", "rulez: []\nrules:\n"))
    assert err.rule is None and err.line == 8 and err.reason == "unknown key 'rulez'"


def test_unknown_key_in_a_rule(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("    kind: pattern\n", "    kind: pattern\n    severty: info\n"))
    assert err.rule == "r1" and err.line == 15 and err.reason == "unknown key 'severty'"


def test_duplicate_yaml_key(write_pack) -> None:
    text = GOOD.replace("    message: くだけすぎ\n", "    message: くだけすぎ\n    message: 別\n")
    err, _ = _error(write_pack, text)
    assert err.line == L_MESSAGE + 1 and err.reason == "duplicate key 'message'"
    assert err.rule == "r1" and "rule 'r1': duplicate key 'message'" in str(err)


def test_unknown_lexicon_in_a_rule(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("'@slang'", "'@slangs'"))
    assert err.rule == "r1" and err.line == L_PHRASES and err.reason == "unknown lexicon @slangs"


def test_unknown_lexicon_in_a_fact(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("phrases: [最悪]", "phrases: ['@angry']"))
    assert err.line == 7 and err.reason == "unknown lexicon @angry"


def test_message_placeholder_not_provided_by_the_kind(write_pack) -> None:
    err, _ = _error(write_pack, GOOD.replace("message: くだけすぎ", "message: くだけすぎ（{mtch}）"))
    assert err.rule == "r1" and err.line == L_MESSAGE
    assert err.reason == "unknown field {mtch} in message; kind 'pattern' provides: {match}"


def test_builder_error_points_at_the_key(write_pack) -> None:
    text = GOOD.replace("    kind: pattern\n    match:\n      phrases: ['@slang']\n",
                        "    kind: register\n    mode: count\n")
    err, _ = _error(write_pack, text)
    assert err.rule == "r1" and err.line == L_KIND + 1 and err.reason == "mode 'count' needs 'markers'"


def test_unknown_template_in_suggest(write_pack) -> None:
    text = GOOD.replace("    kind: pattern\n", "    suggest: [dm-handoff]\n    kind: pattern\n")
    err, _ = _error(write_pack, text)
    assert err.rule == "r1" and err.line == 14 and "unknown template 'dm-handoff'" in err.reason


def test_fact_loop(write_pack) -> None:
    text = GOOD.replace("facts:\n", "facts:\n  a:\n    when: b\n  b:\n    when: a\n")
    err, _ = _error(write_pack, text)
    assert err.line in (6, 8) and "loop" in err.reason


def test_duplicate_rule_id_across_packs_and_first_error_wins(write_pack) -> None:
    a = load_pack_file(write_pack(GOOD, "a.yaml"))
    b = load_pack_file(write_pack(GOOD.replace("lexicons:\n  slang: [草, マジ]\n", "")
                                  .replace("facts:\n  complaint:\n    match:\n      phrases: [最悪]\n", "")
                                  .replace("    when: not post.complaint\n", ""), "b.yaml"))
    with pytest.raises(PackError) as info:
        Linter(packs=[a, b])
    assert info.value.file.endswith("b.yaml") and "duplicate rule id 'r1'" in info.value.reason
    assert f"first defined at {a.file}:{L_RULE}" in info.value.reason  # the other file, named


def test_unreadable_pack_file(tmp_path: Path) -> None:
    with pytest.raises(PackError) as info:
        load_pack_file(tmp_path / "missing.yaml")
    assert info.value.file.endswith("missing.yaml") and "cannot read pack" in info.value.reason


def test_duplicate_template_names_where_it_was_first_defined(write_pack) -> None:
    text = GOOD + "templates:\n  - id: t1\n    text: はい\n  - id: t1\n    text: いいえ\n"
    err, _ = _error(write_pack, text)
    first_line = GOOD.count("\n") + 2
    assert err.line == first_line + 2
    assert err.reason == f"template 't1' is defined twice (first at line {first_line})"


def test_an_anchor_list_names_its_bad_entry(write_pack) -> None:
    text = GOOD.replace("    kind: pattern\n    match:\n      phrases: ['@slang']\n",
                        "    kind: condition\n    anchor: [draft.complaint, draft.nope]\n")
    err, _ = _error(write_pack, text)
    assert "draft.nope" in err.reason and err.line == L_KIND + 1


def test_an_anchor_list_places_the_span_with_its_first_matching_fact(write_pack) -> None:
    text = GOOD.replace("    when: not post.complaint\n    kind: pattern\n    match:\n      phrases: ['@slang']\n",
                        "    when: draft.complaint\n    kind: condition\n    anchor: [draft.slang, draft.complaint]\n"
                        ).replace("facts:\n", "facts:\n  slang:\n    match:\n      phrases: ['@slang']\n")
    report = _load(write_pack, text).check({"post": {"author": "u", "text": "ひどい"},
                                            "draft": {"author": "b", "text": "ほんと最悪です"}})
    assert [(f.rule, f.span.start, f.span.end) for f in report.findings] == [("t/r1", 3, 5)]


def test_an_empty_placeholder_takes_its_brackets_with_it() -> None:
    from replyguard.linter import format_message

    assert format_message("販促をしています（{match}）", {"match": ""}) == "販促をしています"
    assert format_message("販促をしています（{match}）", {"match": "お得"}) == "販促をしています（お得）"
    assert format_message("「{match}」は{count}回", {"match": "", "count": 2}) == "は2回"


def test_relevance_defer_to_names_a_known_fact(write_pack) -> None:
    text = GOOD.replace("    kind: pattern\n    match:\n      phrases: ['@slang']\n",
                        "    kind: relevance\n    stock: []\n    defer_to: nope\n")
    err, _ = _error(write_pack, text)
    assert "nope" in err.reason and err.line == L_KIND + 2
