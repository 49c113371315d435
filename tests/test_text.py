"""Normalisation and the map back to original offsets; X's weighted length."""

from __future__ import annotations

import pytest

from replyguard.analysis import channel_length, x_length
from replyguard.doc import Doc, doc_for
from replyguard.text import normalize, x_weight


def _back(original: str, needle: str) -> str:
    """Find ``needle`` in the normalised text and return the original substring it maps to."""
    n = normalize(original)
    start = n.text.index(needle)
    a, b = n.to_original(start, start + len(needle))
    return original[a:b]


def test_full_width_digits_and_latin_fold_to_ascii() -> None:
    n = normalize("電話は０９０−１２３４まで、ＡＢＣ")
    assert "090" in n.text and "1234" in n.text and "ABC" in n.text
    assert _back("電話は０９０−１２３４まで", "090") == "０９０"
    assert _back("型番ＡＢＣ１２３です", "ABC123") == "ＡＢＣ１２３"


def test_ascii_text_is_identity() -> None:
    n = normalize("hello @sample_support")
    assert n.text == n.original
    assert n.to_original(6, 21) == (6, 21)


@pytest.mark.parametrize(("original", "expected"), [
    ("ｶﾞｷﾞ", "ガギ"),
    ("ﾊﾟﾝを買った", "パンを買った"),
    ("ｻｰﾋﾞｽ", "サービス"),
])
def test_half_width_kana_with_voiced_marks_compose(original: str, expected: str) -> None:
    assert normalize(original).text == expected


def test_half_width_voiced_kana_map_back_to_both_characters() -> None:
    original = "ｶﾞｷﾞです"
    n = normalize(original)
    assert n.text == "ガギです"
    assert n.to_original(0, 1) == (0, 2)  # ガ ← ｶﾞ
    assert n.to_original(1, 2) == (2, 4)  # ギ ← ｷﾞ
    assert original[slice(*n.to_original(0, 2))] == "ｶﾞｷﾞ"
    assert _back(original, "ギです") == "ｷﾞです"


@pytest.mark.parametrize("zw", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_zero_width_characters_inside_words_are_dropped(zw: str) -> None:
    original = f"ご注{zw}文番号"
    n = normalize(original)
    assert n.text == "ご注文番号"
    assert _back(original, "注文") == f"注{zw}文"
    assert _back(original, "番号") == "番号"


def test_combining_marks_compose_and_map_to_the_cluster() -> None:
    original = "cafe\u0301で"  # e + COMBINING ACUTE ACCENT
    n = normalize(original)
    assert n.text == "caféで"
    assert _back(original, "é") == "e\u0301"
    assert _back(original, "で") == "で"
    # combining voiced sound mark (U+3099) after か
    assert normalize("か\u3099ぎ").text == "がぎ"
    assert _back("か\u3099ぎ", "が") == "か\u3099"


@pytest.mark.parametrize("emoji", ["👨\u200d👩\u200d👧", "🙇\u200d♀️", "👍🏽", "🙇🏻\u200d♂️", "❤️"])
def test_emoji_sequences_map_back_whole(emoji: str) -> None:
    original = f"ありがとう{emoji}です"
    n = normalize(original)
    a = n.text.index("ありがとう") + len("ありがとう")
    b = n.text.index("です")
    assert n.to_original(a, b) == (5, 5 + len(emoji))
    assert _back(original, "です") == "です"


@pytest.mark.parametrize(("text", "count"), [
    ("家族で来ました👨\u200d👩\u200d👧", 1),
    ("すみません🙇\u200d♀️", 1),
    ("いいね👍🏽👍🏻", 2),
    ("最高😀😀😀", 3),
    ("絵文字なし", 0),
])
def test_emoji_count_treats_a_zwj_sequence_as_one(text: str, count: int) -> None:
    assert Doc(text).emoji_count() == count


@pytest.mark.parametrize("original", [
    "ｶﾞｷﾞ０９０\u200bー１２３４👨\u200d👩\u200d👧cafe\u0301 ﾊﾟﾝ",
    "お問い合わせ番号：ＡＢ－２０２６\u200d１１０１です🙇\u200d♀️",
    "\ufeff先頭にBOM、末尾にZWSP\u200b",
])
def test_every_normalised_span_maps_back_to_an_original_substring(original: str) -> None:
    """For every single character and every range of the normalised text, the mapped range
    is a valid range of the original, and normalising that substring gives back the text
    (modulo characters that normalise to more than one, which map to their whole source)."""
    n = normalize(original)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i in range(len(n.text)):
        for j in range(i + 1, len(n.text) + 1):
            a, b = n.to_original(i, j)
            assert 0 <= a < b <= len(original)
            assert normalize(original[a:b]).text == n.text[i:j]


def test_to_original_clamps_and_handles_empty() -> None:
    assert normalize("").to_original(0, 3) == (0, 0)
    n = normalize("ｶﾞｷﾞ")
    assert n.to_original(-5, 99) == (0, 4)
    assert n.to_original(1, 1) == (2, 2)


def test_finding_span_in_a_full_width_draft_points_into_the_original() -> None:
    """End to end through the engine: the span of a PII finding is the customer-typed text."""
    from replyguard import Conversation, Linter
    from replyguard.packs import builtin_rules_dir, load_pack_file

    linter = Linter(packs=[load_pack_file(builtin_rules_dir() / "privacy.yaml")])
    draft = "担当の携帯\u200b（０９０−１２３４−５６７８）までお電話ください。"
    report = linter.check(Conversation.simple(draft, "商品が届かない"))
    spans = [f.span for f in report.findings if f.rule == "privacy/personal-data"]
    assert spans and spans[0] is not None
    assert draft[spans[0].start:spans[0].end] == "０９０−１２３４−５６７８"


# -- X's weighted length ----------------------------------------------------------------

def test_x_weights() -> None:
    assert x_weight("a") == 1
    assert x_weight(" ") == 1
    assert x_weight("あ") == 2
    assert x_weight("漢") == 2
    assert x_weight("😀") == 2


@pytest.mark.parametrize(("text", "length"), [
    ("あ" * 140, 280),
    ("あ" * 141, 282),
    ("a" * 280, 280),
    ("詳しくはこちら https://example.com/" + "x" * 80, 7 * 2 + 1 + 23),
    ("@sample_support @customer_1 ありがとうございます", 20),
    ("@sample_support ありがとう http://t.co/abc", 10 + 1 + 23),
    ("いいね👍🏽", 8),
    ("", 0),
])
def test_x_length(text: str, length: int) -> None:
    assert x_length(doc_for(text)) == length


def test_x_length_280_is_the_limit() -> None:
    assert x_length(doc_for("ア" * 140)) <= 280 < x_length(doc_for("ア" * 141))


def test_only_leading_handles_are_free() -> None:
    assert x_length(doc_for("@sample_support こんにちは")) == 10
    assert x_length(doc_for("こんにちは @sample_support")) == 10 + 1 + len("@sample_support")


def test_half_width_kana_counts_as_written() -> None:
    # ｶﾞ is two code points on X (both outside the light ranges): weight 4, not 2.
    assert x_length(doc_for("ｶﾞ")) == 4


def test_x_length_counts_a_zwj_sequence_as_one_emoji() -> None:
    assert x_length(doc_for("👨\u200d👩\u200d👧")) == 2


def test_other_channels_count_characters() -> None:
    doc = doc_for("あ" * 10 + "😀")
    assert channel_length(doc, "instagram") == 11
    assert channel_length(doc, "line") == 12  # UTF-16 code units: the emoji is a surrogate pair
