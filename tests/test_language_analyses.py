"""The language analyses behind the tone rules: register per sentence, words in dictionary form
with negation, and the emotional direction of emoji (issue 11)."""

from __future__ import annotations

import pytest

from replyguard.doc import Doc
from replyguard.emoji_tone import bright_emoji, tone
from replyguard.lemma_match import LemmaMatcher


def registers(text: str) -> list[tuple[str, bool]]:
    return [(r.register, r.question) for r in Doc(text).registers]


# -- register per sentence ------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("本日は21時まで営業しております。", [("polite", False)]),
    ("大丈夫ですよ。楽しんでくださいね！", [("polite", False), ("polite", False)]),
    ("ちゃんと書いてあるよ", [("casual", False)]),
    ("3回も間違えるほうが悪くない？", [("plain", True)]),
    ("それで何運ぶの？", [("plain", True)]),
    ("横のボタン押してみて", [("casual", False)]),
    ("いつも遊んでくれてありがとう！", [("casual", False)]),
    ("詳しくはこちら", [("fragment", False)]),
    ("対象は東町1〜3丁目だ。", [("plain", False)]),
    ("ハムちゃんがんばれ〜！！", [("casual", False)]),
    ("まずは説明書を見てみろ", [("casual", False)]),
    ("お気軽にお越しください。", [("polite", False)]),
])
def test_register_of_each_sentence(text: str, expected: list[tuple[str, bool]]) -> None:
    assert registers(text) == expected


@pytest.mark.parametrize("text", ["最初は迷われる方も多いので、どうぞお気になさらず。", "ご心配なさらず。"])
def test_an_honorific_set_courtesy_ends_politely(text: str) -> None:
    # mixed-endings reads Doc.endings: お気になさらず is no plain ending among です/ます
    assert [e[0] for e in Doc(text).endings] == ["polite"]
    assert [r.register for r in Doc(text).registers] == ["polite"]


@pytest.mark.parametrize("text", ["録画機能はついてない。", "もう知ってる。"])
def test_a_contracted_te_iru_ends_plainly(text: str) -> None:
    # ている contracted to てる is a plain predicate, so it mixes with です/ます
    assert [e[0] for e in Doc(text).endings] == ["plain"]


def test_an_imperative_of_nasaru_is_not_polite() -> None:
    assert [e[0] for e in Doc("すぐ確認しなさい。").endings] != ["polite"]
    assert [e[0] for e in Doc("寒いのにごめんなさい。").endings] != ["polite"]


def test_register_spans_point_at_the_ending() -> None:
    d = Doc("ありがとうございます。できるよ〜！")
    casual = next(r for r in d.registers if r.register == "casual")
    assert d.text[casual.start:casual.end].startswith("できる")


def test_register_ignores_quoted_customer_words() -> None:
    assert registers("「見れないんだけど」とのこと、失礼いたしました。") == [("polite", False)]


def test_register_ignores_parenthesised_examples() -> None:
    # the examples' plain forms are not the reply's own endings
    found = registers("どのあたりか教えていただけますか？（例：表示が遅い、ボタンがわかりにくい など）")
    assert found[0][0] == "polite" and not {"plain", "casual"} & {r for r, _ in found}
    assert registers("確認します(数分かかる)。") == [("polite", False)]


@pytest.mark.parametrize("text", [
    "次の手順をお試しください。①電源を抜き、10秒待ってから差し直す ②ランプが緑か確認する。",
    "次の手順をお試しください。\n・電源を抜く\n・差し直す",
    "次の手順をお試しください。\n1. 電源を抜く\n2. 差し直す",
])
def test_list_items_are_not_plain_sentences(text: str) -> None:
    # steps are written in plain form by convention (NFKC turns ① into 1: read in the original)
    assert {r for r, _ in registers(text)} <= {"polite", "fragment"}
    assert registers("10秒待つ。") == [("plain", False)]  # a number opening a sentence is no list marker


def test_register_with_full_width_and_half_width_kana() -> None:
    # ﾃﾞｷﾙﾖ is NFKC-folded to できるよ's katakana; ！ and ？ are folded too
    assert registers("ＯＫです！") == [("polite", False)]
    assert registers("それってﾏｼﾞ？")[0][1] is True


# -- words in dictionary form, negation aware -----------------------------------------
@pytest.mark.parametrize("text, words", [
    ("怖かった", ["怖かっ"]),
    ("怖くない", []),
    ("カバン盗られた", ["盗ら"]),
    ("本当につらい", ["つらい"]),
])
def test_lemmas_match_every_conjugation_but_not_the_negation(text: str, words: list[str]) -> None:
    m = LemmaMatcher(["怖い", "盗る", "つらい"], [])
    d = Doc(text)
    assert [d.text[a:b] for a, b in m.spans(d)] == words


@pytest.mark.parametrize("text, hit", [
    ("眠れそうにない", True), ("ミルクの水も足りない", True), ("十分足りる", False), ("よく眠れた", False),
])
def test_negated_lemmas_match_only_when_denied(text: str, hit: bool) -> None:
    m = LemmaMatcher([], ["眠る", "足りる"])
    assert bool(m.spans(Doc(text))) is hit


def test_lemma_spans_survive_released_tokens() -> None:
    m = LemmaMatcher(["怖い"], [])
    d = Doc("本当に怖かった")
    first = m.spans(d)
    d.release_tokens()
    assert m.spans(d) == first


# -- emoji ----------------------------------------------------------------------------
@pytest.mark.parametrize("emoji, expected", [
    ("🎉", "bright"), ("✨", "bright"), ("😊", "bright"), ("💪", "bright"), ("😂", "bright"),
    ("🙏", "somber"), ("😢", "somber"), ("💦", "somber"), ("💔", "somber"),
    ("✈️", "neutral"), ("🍗", "neutral"),
])
def test_emoji_tone_from_unicode_names(emoji: str, expected: str) -> None:
    assert tone(emoji) == expected


def test_a_somber_emoji_makes_the_tone_mixed_not_cheerful() -> None:
    assert bright_emoji(Doc("運転を再開しております🚃✨"))
    assert not bright_emoji(Doc("えっ大変でしたね😱💦 すぐ対応します🙏✨"))


def test_zwj_sequences_count_once() -> None:
    d = Doc("がんばりましょう👨‍👩‍👧✨")
    assert len(d.emoji) == 2


def test_content_terms_outside_ranges_are_left_out():
    from replyguard.analysis import Analyser

    analyser = Analyser()
    doc = analyser.doc("ランタンをお選びいただきありがとうございます。電池の向きをご確認ください。")
    everything = analyser.content_terms(doc, frozenset())
    first = doc.sentences[0]
    rest = analyser.content_terms(doc, frozenset(), [first])
    assert "ランタン" in everything and "ランタン" not in rest
    assert "電池" in rest
    assert analyser.content_terms(doc, frozenset()) == everything  # the cached full set is untouched


def test_honorific_te_wish_is_not_casual():
    from replyguard.doc import Doc

    assert [r.register for r in Doc("お帰りもどうぞお気をつけて。").registers] != ["casual"]
    assert [r.register for r in Doc("ちょっと待ってて").registers] == ["casual"]


def test_space_after_a_hashtag_is_not_a_sentence_break():
    from replyguard.doc import Doc

    d = Doc("リポストして、#新作 をつけて投稿してください。楽しみです")
    assert [d.text[a:b] for a, b in d.sentences] == ["リポストして、#新作 をつけて投稿してください。", "楽しみです"]
    plain = Doc("ありがとうございます 助かりました")
    assert len(plain.sentences) == 2  # a space after Japanese text still breaks


@pytest.mark.parametrize("text, expected", [
    ("詳しくは https://morino.example.jp/help/faq.html をご覧ください。次です。",
     ["詳しくは https://morino.example.jp/help/faq.html をご覧ください。", "次です。"]),
    ("容量は3.5GBです。次。", ["容量は3.5GBです。", "次。"]),
    ("Ver.2で直ります.ありがとう", ["Ver.2で直ります.", "ありがとう"]),
    ("reserve@morino.example.jp までご連絡ください。", ["reserve@morino.example.jp までご連絡ください。"]),
])
def test_a_dot_in_a_url_an_address_or_a_number_ends_no_sentence(text: str, expected: list[str]) -> None:
    from replyguard.doc import Doc

    d = Doc(text)
    assert [d.text[a:b] for a, b in d.sentences] == expected


def test_a_text_of_many_dotted_urls_is_one_sentence() -> None:
    # a hostile draft at the length limit: every dot is inside a URL (looked up by binary search)
    from replyguard.doc import Doc

    d = Doc(("https://a.b.c/ " * 1400)[:20000])
    assert len(d.urls) > 1000 and len(d.sentences) == 1


def test_a_masked_run_is_one_token_with_true_offsets():
    from replyguard.doc import Doc

    d = Doc("詳しくは https://example.com/a/b をご覧ください")
    masked = [t for t in d.tokens if t.surface.startswith("□")]
    assert len(masked) == 1 and d.masked[masked[0].start:masked[0].end] == masked[0].surface
    assert all(d.masked[t.start:t.end] == t.surface for t in d.tokens)


def test_a_long_run_of_one_class_stays_a_few_tokens():
    from replyguard.tokens import tokenize

    for text in ("a" * 20_000 + "@", "0" * 5_000, "テ" * 3_000 + "です"):
        toks = tokenize(text)
        assert "".join(t.surface for t in toks) == text and toks[-1].end == len(text)
        assert len(toks) <= len(text) // 20  # MeCab alone: about one token per character


def test_a_text_without_whitespace_splits_as_the_full_pattern_splits() -> None:
    """Sentences of a text without whitespace are found with a plain class of stops (the
    pattern's part about spaces cannot match there): the same matches as the full pattern."""
    from replyguard import doc as D

    texts = ["ありがとうございます。確認します！よろしく?!", "1.電源を切る。2.差し直す。", "「はい。」と言った。次。",
             "終わり。。。本当?", "", "。", "文のみ", "#新作。@abc。", "Wi-Fi.com.です。"]
    for text in texts:
        assert not D._SPACE.search(text)
        assert [m.span() for m in D._STOPS.finditer(text)] == [m.span() for m in D._SENTENCE_END.finditer(text)]


def test_emoji_are_found_when_first_asked() -> None:
    d = Doc("家族👨\u200d👩\u200d👧で来ました😊")
    assert d._emoji is None  # not looked for when the Doc is made
    assert len(d.emoji) == 2 and d.emoji_count() == 2
    assert d.emoji is d.emoji  # found once


def test_one_source_is_one_compiled_pattern() -> None:
    from replyguard.regex import compile_pattern

    a = compile_pattern("(です|ます)か", ignorecase=True)
    assert compile_pattern("(です|ます)か", ignorecase=True) is a
    assert compile_pattern("(です|ます)か") is not a  # other options, another pattern
    assert compile_pattern("(です|ます)か", ignorecase=True, groups=True) is not a


def test_bright_emoji_fact_is_kept_on_the_doc() -> None:
    from replyguard.facts import _BRIGHT, _bright

    for text, want in (("ありがとうございます✨", True), ("申し訳ございません😱✨", False), ("了解です", False)):
        d = Doc(text)
        assert _bright(d) is want is bool(bright_emoji(d))
        assert d.memo[_BRIGHT] is want


def test_a_docs_kept_analyses_are_tuples() -> None:
    # a cached Doc keeps these for its life: tuples of ints and strings the collector stops
    # tracking (lists stay tracked; fewer tracked objects per Doc, cheaper collections)
    d = Doc("「こんにちは」と(例)お伝えしました😊。また明日ね！")
    for kept in (d.sentences, d.endings, d.registers, d.quotes, d.asides, d.emoji):
        assert isinstance(kept, tuple) and kept
    assert [d.text[a:b] for a, b in d.quotes] == ["「こんにちは」"]
    assert [d.text[a:b] for a, b in d.asides] == ["「こんにちは」", "(例)"]
    assert Doc("ありがとうございます").quotes == () == Doc("ありがとうございます").asides
