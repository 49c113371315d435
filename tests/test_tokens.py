"""Tokens read from MeCab's formatted output agree with fugashi's own named features, and
their offsets point at their surfaces: on everyday drafts and on the awkward cases (unknown
words, emoji, symbols MeCab quotes, whitespace, a text that spells "EOS")."""

from __future__ import annotations

import fugashi
import pytest

from replyguard.text import normalize
from replyguard.tokens import lemma_ctype, tokenize

TEXTS = [
    "写真をご覧になられましたか？",
    "はい、アプリの「注文履歴」から見れます。",
    "こちらの「モリノ ボタニカル」がおすすめのシャンプーになります。",
    "担当の携帯（090-1234-5678）までお電話ください。",
    "ありがとうございます😊✨ またのご来店お待ちしてます〜ｗｗ",
    '」,"カンマと引用符,"の記号',
    "ﾊﾝｶｸｶﾅと　全角スペース\tとタブ\n改行",
    "EOS",
    "EOS EOS\nEOS",
    "Wi-Fiが繋がらない…DM送りました！！",
    "1,000円からお預かりします",
    "",
    "   ",
]


def _expected(tagger: fugashi.Tagger, text: str) -> list[tuple[str, ...]]:
    out = []
    for w in tagger(text):
        f = w.feature
        lemma = f.lemma if getattr(f, "lemma", None) not in (None, "*") else w.surface
        orth_base = f.orthBase if getattr(f, "orthBase", None) not in (None, "*") else w.surface
        out.append((w.surface, lemma, f.pos1, f.pos2 or "*", f.cType or "*", f.cForm or "*", orth_base))
    return out


@pytest.mark.parametrize("original", TEXTS)
def test_tokens_match_fugashi_named_features(original: str) -> None:
    text = normalize(original).text
    tokens = tokenize(text)
    got = [(t.surface, t.lemma, t.pos1, t.pos2, t.ctype, t.cform, t.orth_base) for t in tokens]
    assert got == _expected(fugashi.Tagger(), text)
    for t in tokens:  # offsets point at the surface, in order
        assert text[t.start:t.end] == t.surface
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def test_repeated_texts_give_equal_tokens() -> None:
    # the per-line cache must not leak one text's offsets into another
    first = tokenize("見れます。見れます。")
    again = tokenize("見れます。見れます。")
    assert first == again
    assert first[0].start == 0 and first[len(first) // 2].start == 5


def test_lemma_conjugation_class_tells_ra_nuki_from_potential_verbs() -> None:
    assert lemma_ctype("見る").startswith("上一段")
    assert lemma_ctype("帰る").startswith("五段")


# Texts with sentences that end in 。!? between letters (cut and parsed alone), and with the
# cuts MeCab could read otherwise: symbols grouped with the ending ("?)", "!」"), spaces,
# masked runs, a text long enough to be parsed in pieces.
SENTENCE_TEXTS = [
    "こんにちは、ツバメ通信サポートです。ご迷惑をおかけしております。お手数ですが、DMでお知らせください。",
    "ご連絡ありがとうございます!確認いたします?よろしくお願いします。",
    "届きました。嬉しい!また買います?はい。",
    "(でき|使え)(ますか|る\\?|る?)。次の文です。",
    "本当?)すごい!」と言われました。ありがとう。",
    "確認します。 次に、設定を開いてください。\n改行のあとです。",
    "1.電源を切る。2.差し直す。3.再起動する。",
    "こちらへ□□□□□□。詳細は□□□□をご覧ください。以上です。",
    "見れます。" * 300,
]


@pytest.mark.parametrize("original", SENTENCE_TEXTS)
def test_sentence_parses_equal_a_whole_parse(original: str) -> None:
    from replyguard import tokens as T

    text = normalize(original).text
    whole = T._fields_of(T._lines(text, T.tagger().parse))
    T.clear_sentence_cache()
    fresh = tokenize(text)
    kept = tokenize(text)  # every sentence from the cache now
    assert [t[:7] for t in fresh] == [f[:7] for f in whole]
    assert kept == fresh
    for t in kept:
        assert text[t.start:t.end] == t.surface


def test_a_kept_sentence_is_not_parsed_again() -> None:
    from replyguard import tokens as T

    T.clear_sentence_cache()
    first = tokenize("ご迷惑をおかけしております。お手数ですが、ご確認ください。")
    assert ("", "ご迷惑をおかけしております。") in T._SENTENCES
    assert ("。", "お手数ですが、ご確認ください。") in T._SENTENCES
    # a new draft sharing the second sentence: only its first is parsed
    calls: list[str] = []
    parse = T.tagger().parse
    second = T._parsed("大変失礼しました。お手数ですが、ご確認ください。",
                       lambda s: calls.append(s) or parse(s))  # type: ignore[func-returns-value]
    assert calls == ["大変失礼しました。"]
    shared = T._SENTENCES[("。", "お手数ですが、ご確認ください。")]
    assert tuple(second[-len(shared):]) == shared
    assert [t[:8] for t in first[-len(shared):]] == list(shared)


def test_no_cut_next_to_a_symbol_or_space() -> None:
    from replyguard.tokens import _CUT

    assert [m.start() for m in _CUT.finditer("はい。次です!それで?了解")] == [3, 7, 11]
    assert not _CUT.search("本当?)すごい!」と。 次。\n次")
