"""Generated pack patterns (Hypothesis): a pack with any pattern either loads or is one
PackError; a loaded pattern never raises while matching, and every span it reports lies
inside the text. Where Python's ``re`` reads a pattern the same way, RE2 finds the same
matches. (Speed is not asserted here: benchmarks/engines.py measures it.)"""

from __future__ import annotations

import itertools
import json
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from replyguard import Linter, PackError
from replyguard.packs import load_pack_file
from replyguard.regex import PatternError, Regex, compile_pattern, utf8

# Pieces of patterns: literals (kana, kanji, Latin, full-width, emoji), classes, escapes, groups,
# repeats (bounded and not, nested), anchors, and the constructs RE2 refuses.
LITERALS = ["a", "w", "ｗ", "草", "です", "ます", "高い", "最", "@", ".", "-", "0", "😂", "ｶ", "Ａ", " "]
ATOMS = [*(re.escape(x) for x in LITERALS), "[wｗ]", "[^。]", "[a-z]", "[0-9]", "\\d", "\\s", "\\w", ".",
         "[ぁ-ん]", "\\p{Han}", "\\x{1F600}", "[^」]", "^", "$", "\\b"]
REFUSED = ["(?<!最)", "(?<=a)", "(?!な)", "(?=x)", "\\1", "(?P=x)", "(?>a)", "a++", "\\Z", "{,3}"]
QUANTIFIERS = ["", "", "?", "*", "+", "{2}", "{0,3}", "{1,20}", "*?", "+?", "{28}"]


atom = st.sampled_from(ATOMS)
group = st.recursive(
    atom,
    lambda inner: st.one_of(
        st.tuples(st.lists(inner, min_size=1, max_size=4), st.sampled_from(["(", "(?:", "(?P<hit>"]))
        .map(lambda t: t[1] + "|".join(t[0]) + ")"),
        st.tuples(inner, st.sampled_from(QUANTIFIERS)).map("".join),
        st.lists(inner, min_size=2, max_size=4).map("".join),
    ),
    max_leaves=12,
)
patterns = st.one_of(
    group,
    st.tuples(group, st.sampled_from(REFUSED), group).map("".join),  # one refused construct inside
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),  # anything at all
)
texts = st.lists(st.sampled_from([*LITERALS, "。", "」", "な", "\n", "1", "b", "x", "ー", "é", "\u200d"]),
                 max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(patterns)
def test_compiling_any_pattern_raises_nothing_but_pattern_error(pattern: str) -> None:
    try:
        compile_pattern(pattern, ignorecase=True)
    except PatternError as exc:
        assert str(exc) and exc.pattern == pattern


@settings(max_examples=300, deadline=None)
@given(patterns, st.lists(texts, min_size=1, max_size=4))
def test_a_loaded_pattern_matches_without_error_and_spans_stay_in_the_text(pattern: str, samples: list[str]) -> None:
    try:
        rx = compile_pattern(pattern, ignorecase=True)
        groups = compile_pattern(pattern, groups=True)
    except PatternError:
        return
    for text in samples:
        data = utf8(text)
        spans = rx.spans(text, data)
        assert all(0 <= a < b <= len(text) for a, b in spans), (pattern, text, spans)
        assert spans == sorted(spans) and all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
        for m in groups.matches(text, data):
            a, b = m.span
            assert 0 <= a < b <= len(text)
            assert m.expand("\\g<0>") == text[a:b] or groups.hits, (pattern, text)
        # spans() finds matches without reading groups (no generator); matches() reads them:
        # the reported spans are the same.
        with_groups = compile_pattern(pattern, ignorecase=True, groups=True)
        assert spans == [m.span for m in with_groups.matches(text, data)], (pattern, text)


# Patterns in the syntax both engines read alike: literals, simple classes, groups, alternation,
# greedy and lazy repeats (no \d \s \w \b: ASCII in RE2, Unicode in re; no empty matches).
SHARED_ATOMS = ["a", "b", "w", "ab", "草", "です", "ます", "[ab]", "[^a]", "[wｗ]", "."]
shared = st.recursive(
    st.sampled_from(SHARED_ATOMS),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: "(?:" + "|".join(xs) + ")"),
        # a repeat of something that may match empty ((?:.??)*) is where the two engines differ
        # on purpose (an empty iteration ends Python's loop, not RE2's): not shared syntax
        st.tuples(inner, st.sampled_from(["?", "*", "+", "{1,3}", "+?", "??"]))
        .filter(lambda t: t[1] in ("?", "??") or not Regex(t[0]).may_be_empty)
        .map(lambda t: f"(?:{t[0]}){t[1]}"),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=8,
)
shared_texts = st.text(alphabet=st.sampled_from(["a", "b", "w", "ｗ", "草", "で", "す", "ま", "\n", "x"]), max_size=30)


@settings(max_examples=400, deadline=None)
@given(shared, shared_texts)
def test_re2_finds_what_re_finds_where_both_read_the_pattern_alike(pattern: str, text: str) -> None:
    rx = Regex(pattern)
    assume(not rx.may_be_empty)  # after an empty match the two engines step on differently
    expected = [m.span() for m in re.finditer(pattern, text)]
    assert rx.spans(text, utf8(text)) == expected, (pattern, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patterns)
def test_a_pack_with_any_pattern_loads_or_is_one_pack_error(write_pack, pattern: str) -> None:
    pack = f"""\
pack: p
facts:
  odd:
    match:
      regex: [{json.dumps(pattern)}]
rules:
  - id: r
    category: overfamiliar
    severity: warning
    message: "{{match}}"
    kind: pattern
    match:
      regex: [{json.dumps(pattern)}]
  - id: s
    category: overfamiliar
    severity: warning
    message: "{{match}}"
    kind: substitution
    swaps:
      - regex: {json.dumps(pattern)}
        replacement: "x"
        safe: true
"""
    try:
        linter = Linter(packs=[load_pack_file(write_pack(pack))])
    except PackError as exc:
        assert exc.file and exc.line  # where it is: one line for the user
        return
    from conftest import conv

    for draft in ["aaaa@", "草ですます wｗ 最高い", "ｶﾞ０１２"]:
        report = linter.check(conv(draft, "x"))
        for f in report.findings:
            assert f.span is None or 0 <= f.span.start <= f.span.end <= len(draft)
