"""The fast path of normalize() (copying runs of stable characters) agrees with the plain
cluster-by-cluster loop on every kind of text: kana, full-width forms, half-width kana with
voiced marks, combining marks, zero-width characters, emoji sequences."""

from __future__ import annotations

import random

from replyguard.text import normalize, normalize_reference

ALPHABET = (
    list("あいうえおかがきぎアイウカガ漢字日本語、。！？（）「」ー〜…")
    + list("ＡＢＣ０１２３４５％＠＃")  # full width
    + list("ｶｷｸﾊﾋﾌﾞﾟｰ｡｢｣")  # half-width kana and marks
    + ["\u3099", "\u309a", "\u0301", "\u0308", "e", "a", " ", "\n", "1"]  # combining marks, ASCII
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]  # zero width
    + ["😭", "👍", "\U0001F3FB", "\ufe0f", "👨", "❤", "①", "㍻", "ﬁ", "\u1100", "\u1161"]
)


def test_fast_path_matches_reference_on_random_texts():
    rng = random.Random(1234)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
        assert normalize(text) == normalize_reference(text), repr(text)


def test_fast_path_matches_reference_on_edge_cases():
    for text in ["", "ﾞ", "\u3099あ", "\u200bﾞ", "ｶﾞｷﾞ", "か\u3099", "a\u0301\u0308b", "\u200d\u0301",
                 "１２３ー４５６７", "😭\ufe0f\u200d👍", "テスト", "ascii only"]:
        assert normalize(text) == normalize_reference(text), repr(text)


def test_known_stable_ranges_hold_only_characters_nfkc_leaves_alone():
    import unicodedata

    from replyguard.text import KNOWN_STABLE_RANGES, ZERO_WIDTH, _joins_previous

    for a, b in KNOWN_STABLE_RANGES:
        for cp in range(a, b + 1):
            ch = chr(cp)
            assert unicodedata.normalize("NFKC", ch) == ch and ch not in ZERO_WIDTH and not _joins_previous(ch), hex(cp)
