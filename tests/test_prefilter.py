"""The required-character prefilter never rules out a real match of the pattern engine (RE2),
and the one-scan existence test of a matcher agrees with ``find``: with the shipped packs, on
generated, example and random texts."""

from __future__ import annotations

import random
import re
import sys

import pytest

from replyguard import Linter
from replyguard.doc import Doc
from replyguard.matcher import Matcher, quote
from replyguard.prefilter import caseless, literal_grams, literal_needs, pattern_grams, variants, whole_text_width
from replyguard.regex import Regex, utf8


def test_alternatives_each_contribute_a_character() -> None:
    grams = pattern_grams("壊れ|故障|(繋|つな)がらな", re.IGNORECASE)
    assert grams == frozenset("壊故が")  # が: every match of the third alternative has it
    for word in ("壊れ", "故障", "繋がらな", "つながらな"):
        assert not grams.isdisjoint(word), word


def test_a_part_that_requires_nothing_known_disables_the_filter() -> None:
    assert pattern_grams(r"\d+", re.IGNORECASE) is None  # any Unicode digit
    assert pattern_grams("[ぁ-ん]+", re.IGNORECASE) is None  # ranges are not expanded
    assert pattern_grams("故障|", re.IGNORECASE) is None  # the empty branch requires nothing
    assert pattern_grams("(故障)?です", re.IGNORECASE) is not None  # です is still required
    assert pattern_grams("(故障)?", re.IGNORECASE) is None


def test_context_and_cased_letters_are_not_required() -> None:
    grams = pattern_grams("(?:^|[^最])(?P<hit>高い)", re.IGNORECASE)
    assert grams is not None and "最" not in grams
    assert literal_grams("DMで") == frozenset({"で"})  # a caseless character over a letter


def test_letters_require_every_case_form() -> None:
    assert pattern_grams("[wｗ]+$", re.IGNORECASE) == frozenset("wWｗＷ")
    assert literal_grams("LINE") == frozenset("lL")
    assert variants("k") == frozenset("kK\u212a")  # the Kelvin sign matches k


def test_kanji_is_preferred_over_kana() -> None:
    assert literal_grams("お問い合わせ") == frozenset({"問"})


def _shipped_matchers(linter: Linter) -> list[Matcher]:
    found: list[Matcher] = []

    def walk(m: Matcher | None) -> None:
        if m is not None and all(m is not x for x in found):
            found.append(m)
            walk(m.unless)
            walk(m.requires)

    for fact in linter.packset.facts.matched.values():
        walk(fact.matcher)
    for rule in linter.rules:
        for value in vars(rule.checker).values():
            if isinstance(value, Matcher):
                walk(value)
    return found


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


@pytest.fixture(scope="module")
def every_character() -> str:
    return "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)


def _matched_caseless(ch: str, every_character: str) -> set[str]:
    """Every character the pattern engine matches ``ch`` with, case-insensitively."""
    rx = Regex(quote(ch), ignorecase=True)
    return {every_character[a:b] for a, b in rx.spans(every_character, utf8(every_character))}


def test_letter_variants_cover_what_the_engine_matches(every_character) -> None:
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for ch in letters + "".join(chr(ord(c) + 0xFEE0) for c in letters):
        matched = _matched_caseless(ch, every_character)
        assert ch in matched and matched <= variants(ch), ch  # a superset keeps the filter sound


def test_every_required_character_of_the_shipped_packs_matches_only_its_variants(linter, every_character) -> None:
    chars = sorted({c for m in _shipped_matchers(linter) for c in (m.grams or ())})
    assert len(chars) > 50
    for ch in chars:
        found = _matched_caseless(ch, every_character)
        assert found <= variants(ch), ch
        if caseless(ch):
            assert found == {ch}, ch


def _texts(linter: Linter) -> list[str]:
    """Example drafts and posts of every rule, plus shuffled mixtures of their pieces."""
    texts: list[str] = []
    for rule in linter.rules:
        for ex in (*rule.spec.examples.fail, *rule.spec.examples.pass_):
            post = ex.post if isinstance(ex.post, str) else ex.post.text
            texts.extend(t for t in (ex.draft, post, *(m.text for m in ex.thread)) if t)
    rng = random.Random(7)
    pieces = [t[i:i + rng.randint(1, 6)] for t in texts for i in range(0, len(t), 3)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(1500)]
    return texts


def test_prefilter_and_existence_test_agree_with_a_full_scan(linter) -> None:
    matchers = _shipped_matchers(linter)
    texts = _texts(linter)
    checked = 0
    for text in texts:
        doc = Doc(text)
        for m in matchers:
            for rx, need in m._scans:  # every pattern scanned in full, no filter asked
                if need is not None and rx.spans(doc.masked, doc.utf8):
                    assert not need.isdisjoint(doc.grams), (text, rx.pattern)
            expected = bool(m.find(doc))
            assert m.at_least(doc) == expected, text
            checked += expected
    assert checked > 500  # the texts do exercise the matchers


def test_literal_needs_keep_every_part_in_full() -> None:
    needs = literal_needs("(ご報告|ご指摘)[^。]{0,12}ありがとうございま(す|した)")
    assert needs is not None and ("ありがとうございま",) in needs and ("す", "した") in needs
    assert ("報告", "指摘") in needs  # sre's parser takes the common ご out of the alternatives
    assert literal_needs("(お名前|ご?住所)") is None  # an optional part: no alternative is a literal
    assert literal_needs("LINE") is None  # cased letters match other case forms
    assert literal_needs("DM(で|に)") == (("で", "に"),)
    assert literal_needs("(?:です)+か") == (("です",), ("か",))  # a repeat taken at least once
    assert literal_needs("(?:です)*か") == (("か",),)
    assert literal_needs(r"\Qです\E") is None  # a construct only RE2 reads: no test


def test_only_a_pattern_anchored_at_both_ends_bounds_the_length() -> None:
    assert whole_text_width("^[^\\n]{1,40}$") == (1, 40)
    assert whole_text_width("^a|b$") is None  # either end alone
    assert whole_text_width("^はい$|^いいえ$") is None
    assert whole_text_width("(?m)^a$") is None  # a line, not the text
    assert whole_text_width("[^\\n]{1,40}$") is None
    rx = Regex("^[^\\n]{1,40}$", ignorecase=True)
    assert rx.may_match("短い") and not rx.may_match("長" * 41) and not rx.may_match("")


def test_atoms_only_re2_reads_keep_the_literal_parts_around_them() -> None:
    assert literal_needs("((?:ご[\\p{Han}]{2}|お[\\p{Han}][\\p{Hiragana}]?))される") == (("される",),)
    assert literal_needs("[\\x{1F300}-\\x{1FAFF}]笑") == (("笑",),)
    assert literal_needs("\\pLです") == (("です",),)  # the property's letter is no literal
    assert literal_needs("\\\\p{Han}") == (("\\",), ("{",), ("}",))  # an escaped backslash, then text


def test_may_match_never_rules_out_a_match(linter) -> None:
    """A relaxed pattern's own search, and a substitution's, is skipped when
    :meth:`Regex.may_match` says no: on the example texts and their mixtures, it never says no
    to a text a shipped pattern matches (every pattern of the matchers and swaps is tried)."""
    from replyguard.kinds.substitution import SubstitutionChecker

    patterns = {rx.source: rx for m in _shipped_matchers(linter) for rx, _ in m._scans}
    for rule in linter.rules:
        if isinstance(rule.checker, SubstitutionChecker):
            patterns.update((s.regex.source, s.regex) for s in rule.checker.swaps if s.regex is not None)
    assert sum(rx.relaxed for rx in patterns.values()) > 30
    ruled_out = 0
    for text in _texts(linter):
        doc = Doc(text)
        for rx in patterns.values():
            if not rx.may_match(doc.masked):
                ruled_out += 1
                assert not rx.search(doc.utf8), (text, rx.pattern)
            if not rx.may_match(doc.text):
                assert not rx.search(utf8(doc.text)), (text, rx.pattern)
    assert ruled_out > 10000


def test_the_set_gate_rules_out_only_what_cannot_match(linter) -> None:
    """Substitutions and cue filters read a gate set's scan of the doc (made at the first
    question, once per doc, whether or not the matchers' set has scanned it): a pattern it rules
    out has no match in the text the set scanned (the masked text for cue filters, the text as
    written for substitutions); the cue filters' required characters too."""
    from replyguard.cues import CueFilter
    from replyguard.kinds.substitution import SubstitutionChecker
    from replyguard.regex import SetGate

    gated: list[tuple[SetGate, Regex]] = []
    swaps: list[tuple[SetGate, Regex]] = []  # gated on the text as written, not the masked one
    cues: list[CueFilter] = []
    for rule in linter.rules:
        if isinstance(rule.checker, SubstitutionChecker):
            swaps += [(s.gate, s.regex) for s in rule.checker.swaps if s.gate is not None and s.regex is not None]
    for m in _shipped_matchers(linter):
        cues += [seq.cues for seq in m.sequences if seq.cues is not None]
        if m.lemmas is not None:
            cues.append(m.lemmas.cues)
    gated += [(c._gate, c._re) for c in cues if c._gate is not None and c._re is not None]
    assert len(gated) > 4 and len(swaps) > 12 and any(c._need is not None for c in cues)
    ruled_out = 0
    for i, text in enumerate(_texts(linter)):
        doc = Doc(text)
        if i % 2:
            for m in _shipped_matchers(linter):
                m.at_least(doc)  # the matchers' own set scans the doc first: the gates do not read it
        written = utf8(doc.text)
        for group, data in ((gated, doc.utf8), (swaps, written)):
            for gate, rx in group:
                if gate.ruled_out(doc.memo, data):
                    ruled_out += 1
                    assert not rx.search(data), (text, rx.pattern)
        for c in cues:
            assert c.absent(doc) == (c._re is not None and not c._re.search(doc.utf8)), text
    assert ruled_out > 1000
    from replyguard.regex import gate_set, pattern_set

    assert gate_set() is not pattern_set()  # the gates' patterns are not in the matchers' set


def test_a_cue_with_the_mask_character_is_searched() -> None:
    from replyguard.cues import CueFilter
    from replyguard.doc import MASK

    doc = Doc("詳しくは https://example.com/faq をご覧ください")
    assert MASK in doc.masked and MASK not in doc.text
    assert not CueFilter([MASK]).absent(doc)
    assert CueFilter(["壊れ"]).absent(doc) and not CueFilter(["ご覧"]).absent(doc)


def test_required_characters_are_kept_without_the_parse_tree() -> None:
    """What is kept per pattern is its answer, not sre's parse tree: trees kept for the life of
    the process were objects every full garbage collection walks."""
    import gc

    def subpatterns() -> int:
        return sum(type(o).__name__ == "SubPattern" for o in gc.get_objects())

    gc.collect()
    before = subpatterns()
    first = pattern_grams("(?:保存|冷凍)(?:期間|方法)|賞味期限切れ", re.IGNORECASE)
    gc.collect()
    assert subpatterns() <= before
    assert pattern_grams("(?:保存|冷凍)(?:期間|方法)|賞味期限切れ", re.IGNORECASE) is first  # kept
