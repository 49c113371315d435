"""Cues: the strings a text must hold for a word to occur in it, in any conjugation."""

import pytest

from replyguard.cues import CueFilter, word_cues
from replyguard.doc import Doc
from replyguard.lemma_match import LemmaMatcher
from replyguard.matcher import KeyIndex, compile_sequence
from replyguard.schema import TokenSpec


@pytest.mark.parametrize(("word", "forms"), [
    ("壊れる", ["壊れた", "こわれてる", "コワレタ", "壊れません"]),       # ichidan
    ("動く", ["動かない", "うごかない", "うごいた", "動きません", "うごけ"]),  # godan カ行
    ("怖い", ["怖かった", "こわくて", "コワイ", "こわすぎ"]),               # adjective
    ("来る", ["来ない", "こない", "きた", "きます", "くれば"]),            # カ行変格
    ("出る", ["出ない", "でない", "でました", "でれば"]),                  # one-kana ichidan stem
    ("死ぬ", ["死んだ", "しんだ", "しなない", "しにそう"]),                # godan ナ行, ん-onbin
    ("辛い", ["眠りづらい", "つらかった"]),                               # rendaku
])
def test_every_form_holds_a_cue(word, forms):
    cues = CueFilter(word_cues(word))
    for form in forms:
        assert not cues.absent(Doc(f"昨日は{form}。")), form


@pytest.mark.parametrize(("word", "text"), [
    ("動く", "ありがとうございます。"),   # うご in とうご is not 動く's stem plus its row
    ("死ぬ", "ご確認してください。"),     # して is not a form of 死ぬ (godan: 死んで)
    ("来る", "なくなる前に"),            # く+な is no form of 来る
])
def test_common_text_is_ruled_out(word, text):
    assert CueFilter(word_cues(word)).absent(Doc(text))


def test_a_text_without_cues_is_not_tokenised():
    m = LemmaMatcher(["壊れる", "怖い"], ["眠る"])
    quiet = Doc("ご連絡ありがとうございます。")
    assert m.spans(quiet) == ()
    assert quiet._tokens is None
    hit = Doc("怖くて眠れない")
    assert m.spans(hit) == ((0, 2), (3, 5))


def test_sequence_needs_its_written_form():
    seq = compile_sequence([TokenSpec(orth_base=["殴る"]), TokenSpec(lemma=["れる", "られる"])], KeyIndex())
    quiet = Doc("本日はありがとうございました。")
    assert seq.spans(quiet) == ()
    assert quiet._tokens is None
    assert seq.spans(Doc("店員に殴られた")) != ()


def test_empty_filter_rules_nothing_out():
    assert not CueFilter([]).absent(Doc("なんでも"))
