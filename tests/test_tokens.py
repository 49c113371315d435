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
