"""The pattern set scans gapped patterns only up to their gap; a hit there is confirmed."""

import re

import pytest
import yaml

from replyguard.doc import Doc
from replyguard.matcher import KeyIndex, Matcher
from replyguard.packs import builtin_rules_dir
from replyguard.regex import compile_pattern
from replyguard.schema import MatcherSpec


@pytest.mark.parametrize(("source", "scanned"), [
    ("公式(さん)?[^。]{0,6}(いらな|不要)", "(?:公式(さん)?)"),
    ("絶対[^。]*直", "(?:絶対)"),
    ("A|B.{0,8}C", "(?:A)|(?:B)"),
    ("a.+b", "(?:a)"),
])
def test_a_top_level_gap_cuts_what_the_set_scans(source, scanned):
    rx = compile_pattern(source)
    assert rx.relaxed and rx.set_source == scanned


@pytest.mark.parametrize("source", [
    "(リプ|返信)(は|も)?いらな",       # no gap
    "[^。]{0,3}いらな",               # a gap first: nothing to scan for
    "(a[^。]{0,5}b)|c",               # a gap inside a group is left alone
    "[A-Z0-9][A-Z0-9-]{4,}",          # a repeated class that is not negated is no gap
    "a[^。]?b",                       # at most one character
    r"x\[^。]{0,3}",                  # an escaped bracket is a literal
])
def test_patterns_without_a_usable_gap_are_scanned_whole(source):
    rx = compile_pattern(source)
    assert not rx.relaxed and rx.set_source == source


@pytest.mark.parametrize(("source", "scanned"), [
    ("^[^\\n]{1,40}$", "(?:[^\\n])"),  # the draft is one short line
    ("[^。]{1,3}いらな", "(?:[^。])"),
    ("^.+$", "(?:.)"),
])
def test_a_gap_with_nothing_before_it_is_scanned_as_its_character(source, scanned):
    # the character the gap must take once is a necessary condition; scanned whole, the repeat
    # made the set count characters along every text
    rx = compile_pattern(source)
    assert rx.relaxed and rx.set_source == scanned


def test_a_candidate_from_the_gap_character_is_confirmed():
    m = Matcher(MatcherSpec(regex=["^[^\n]{1,5}$"]), {}, KeyIndex())
    assert m.at_least(Doc("短い返信"))
    assert not m.at_least(Doc("これは長すぎる返信です"))
    assert not m.at_least(Doc("短い\n返信"))
    assert not m.at_least(Doc(""))


def test_a_candidate_from_the_gap_cut_is_confirmed():
    m = Matcher(MatcherSpec(regex=["公式[^。]{0,6}(いらない|不要)"]), {}, KeyIndex())
    assert not m.at_least(Doc("公式さんいつもありがとう。返信不要です"))  # 公式 and 不要 in two sentences
    assert m.at_least(Doc("公式さんの返信は不要です"))
    assert m.find(Doc("公式さんいつもありがとう。")) == []


@pytest.mark.parametrize(("source", "scanned"), [
    ("(?:^|[^で])(?P<hit>(が|も|は)ございます)(?:[^が]|$)", "(?:(?P<hit>(が|も|は)ございます))"),
    ("^(はい|いいえ)[、,]", "(?:(はい|いいえ)[、,])"),
    ("(?P<hit>ため|ので)(?:$|[^、]|ご(?:$|[^理]))", "(?:(?P<hit>ため|ので))"),
    ("「(?:[^お」][^」]{0,29}|お[^」]{0,28})」", "(?:「)"),
])
def test_context_around_a_hit_is_not_scanned(source, scanned):
    rx = compile_pattern(source)
    assert rx.relaxed and rx.set_source == scanned


def test_an_optional_hit_group_is_not_a_necessary_condition():
    assert compile_pattern("a(?P<hit>b)?c").set_source != "(?:(?P<hit>b))"


def test_a_relaxation_that_leaves_no_pattern_is_not_used() -> None:
    # ^{28} (an anchor repeated: RE2 takes it) relaxed to (?:{28}) by dropping the anchor, which
    # no set takes: joining the set shared by every matcher, it broke the scan of all of them
    # at check time, for every linter of the process (found by test_pattern_properties)
    from replyguard.regex import Regex, pattern_set

    for source in ("^{28}", "^*", "^{28}a"):
        rx = Regex(source)
        assert not rx.relaxed and rx.set_source == source
    shared = pattern_set()
    shared.add(Regex("^{28}a"))
    assert shared.scan(b"abc") is not None


# A pack pattern whose scanned part repeats a broad character class many times makes every
# text's scan count along it (draft.terse, ``^[^\n]{1,40}$``, scanned whole, made every check
# ~1.5x slower before gaps with nothing before them were relaxed). The shipped packs keep
# every such repeat short; a new one longer than this should be given a literal to scan for.
_LONG_BROAD_REPEAT = 10


def _shipped_regexes(node):
    """Every ``regex:`` string of a pack file, wherever a matcher stands."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "regex":
                yield from ([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)])
            else:
                yield from _shipped_regexes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _shipped_regexes(item)


def test_no_shipped_pattern_makes_the_scan_count_along_a_long_broad_repeat():
    broad = re.compile(r"(\[\^[^\]]*\]|(?<!\\)\.)(\*|\+|\{\d*,(\d*)\})")
    offenders = []
    for path in sorted(builtin_rules_dir().glob("*.yaml")):
        pack = yaml.safe_load(path.read_text(encoding="utf-8"))
        if pack.get("scope") == "templates":  # template packs run in lint-templates, not in a check's scan
            continue
        for source in _shipped_regexes(pack):
            for m in broad.finditer(compile_pattern(source).set_source):
                upper = m.group(3)
                if m.group(2) in ("*", "+") or not upper or int(upper) > _LONG_BROAD_REPEAT:
                    offenders.append(f"{path.name}: {source}")
    assert not offenders, f"patterns scanned along a long repeat of a broad class: {offenders}"


@pytest.mark.parametrize(("source", "entries"), [
    ("お問い合わせ|お申し込み", ["お問い合わせ", "お申し込み"]),
    ("(?:A)|(?:B)|(?:(?P<hit>[wｗ]+))", ["A", "B", "[wｗ]+"]),
    ("(変更|振替)(を)?完了", ["変更(を)?完了", "振替(を)?完了"]),
    ("(?:((終了|削除)(され|なさっ)|外され)(た|ていた))", [
        "終了(され|なさっ)(た|ていた)", "削除(され|なさっ)(た|ていた)", "外され(た|ていた)"]),
    ("(a{2|b)}", ["(?:a{2)}", "(?:b)}"]),   # a literal { must not become a repeat
    ("(a|b)3", ["(?:a)3", "(?:b)3"]),
])
def test_a_set_scans_each_alternative_of_a_pattern(source, entries):
    from replyguard.set_source import set_entries

    assert sorted(set_entries(source)) == sorted(entries)


@pytest.mark.parametrize("source", [
    "(?i)a|b",        # an inline flag reaches past its alternative
    "a||b",           # an empty alternative matches everywhere
    "(a|b)*c",        # a repeated group
    "(a)(b|c)",       # nothing to spread
    r"\Qa|b\E|c",
])
def test_patterns_that_cannot_be_split_are_scanned_whole(source):
    from replyguard.set_source import set_entries

    assert set_entries(source) == [source]


_SPLIT_SOURCES = [
    "お問い合わせ|お申し込み|ご連絡", "(変更|振替|返金)(を)?(完了させ|完了いたし)ました",
    "(?:(かな|っけ|の)[…。]*)", "(?:マジ)|(?:やば(い|っ))|(?:っす(?:ね|よ|[！!。〜~\\s]|$))",
    "(てて|てね|(?:^|[^し])たね|だよ)[！!〜~]*(\\s|$)", "[0-9]{4}-[0-9]{4}", "(?:(明日|本日|[0-9０-９]+日))",
    "(a{2|b)}", "x||y", "(?i)Ab|c", "^(はい|いいえ)[、,]", "ABC|(?:de|(f|g)h)i",
]
_SPLIT_TEXTS = [
    "", "お問い合わせください", "返金を完了いたしました", "変更完了させました", "そうなのかな…", "マジっす!",
    "やばっ", "それでてて", "したね", "来たね ", "1234-5678", "明日", "３日", "a{2}", "b}", "aa}", "xyz",
    "aB", "C", "はい、", "いいえ。", "abc", "dei", "fhi", "ghi", "hi", "だよ!\n",
]


def test_a_set_answers_as_each_pattern_searched_alone():
    # the set scans the alternatives of each pattern; what it says matches is what each
    # pattern's own search finds, and its failure (the sentinel missing) is still reported
    from re2 import _re2

    from replyguard.regex import PatternSet, Regex

    pset = PatternSet()
    index = {source: pset.add(Regex(source)) for source in _SPLIT_SOURCES}
    assert len(set(index.values())) == len(_SPLIT_SOURCES)
    for text in _SPLIT_TEXTS:
        data = text.encode()
        alone = set()
        for i in index.values():
            opts = _re2.RE2.Options()
            opts.case_sensitive = False
            probe = _re2.Set(_re2.RE2.Anchor.UNANCHORED, opts)
            probe.Add(pset.patterns[i].set_source.encode())
            probe.Compile()
            if probe.Match(data):
                alone.add(i)
        assert pset.scan(data) - {-1} == alone, text  # -1: the sentinel
    # fails closed: a scan without the sentinel (out of memory on that text) and a set that did
    # not fit its budget both answer None, and the caller asks each pattern alone
    pset._sentinel = -2
    assert pset.scan(b"abc") is None
    small = PatternSet()
    small._MEMORY = 1 << 10
    for source in _SPLIT_SOURCES:
        small.add(Regex(source))
    assert small.scan(b"abc") is None
