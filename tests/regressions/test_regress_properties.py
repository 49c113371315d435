"""Properties of a check over generated conversations (issue 14 item 7), with the built-in packs:
arbitrary Unicode (no surrogates) mixed with what real replies hold and what breaks offset
bookkeeping — combining marks, ZWJ emoji, full-width digits, half-width kana, zero-width
characters, URLs, e-mail-like strings, phone numbers — from empty to 20,000 characters.

* no exception escapes a check (a too-long text is an :class:`InputError`, nothing else);
* every span lies inside the draft, on the boundaries of what the normaliser maps back, and
  the normalised characters under it are characters of the normalised draft;
* applying the safe fixes changes only what the fixes cover: every other character stays.

The time bound of a check is measured by ``benchmarks/check_bound.py``, not asserted here.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replyguard import Config, Linter, apply_fixes
from replyguard.errors import InputError
from replyguard.models import Brand, Conversation, Message
from replyguard.text import normalize

MAX_CHARS = 20_000

FRAGMENTS = [
    "０９０−１２３４−５６７８", "090-1234-5678", "0120-000-151", "〒100-0001", "ｶﾞｯｶﾘ", "ﾊﾟﾝ", "ｱｲｳｴｵ",
    "e\u0301", "か\u3099", "ｶ\uff9e", "👩\u200d👩\u200d👧", "👍🏽", "🇯🇵", "\u200b", "\ufeff", "\u00ad",
    "https://example.com/help?q=%E3%81%82", "http://a.b/c", "tanaka.k@example.co.jp", "a@b", "@", "@@x.y",
    "@midori_support", "ご覧になられましたか？", "仕様です。", "見れます", "申し訳ございません",
    "ご注文番号 MD-2026-0042",
    "ＤＭにてお知らせください", "草www", "！？", "。", "\n", " ", "\t", "4111 1111 1111 1111",
]

_any_char = st.characters(exclude_categories=("Cs",))  # every code point but surrogates
_piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(_any_char, max_size=12),
    st.text(st.sampled_from("０１２３４５６７８９ｱｶｻﾀﾅﾊﾏﾔﾗﾜﾝﾞﾟ\u0300\u0301\u3099\u200d@.-ー〜"), max_size=12),
)


@st.composite
def texts(draw: st.DrawFn, max_chars: int = MAX_CHARS) -> str:
    """A text of 0..max_chars characters: generated pieces, sometimes repeated to full length."""
    text = "".join(draw(st.lists(_piece, min_size=1, max_size=30)))
    size = min(max_chars, draw(st.one_of(st.integers(0, 400), st.sampled_from([2_000, 10_000, MAX_CHARS]))))
    if text and len(text) < size:  # long texts: the same mix repeated up to the size drawn
        text *= size // len(text) + 1
    return text[:size]


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    brand = Brand(name=draw(st.sampled_from(["", "ミドリ電機"])), handles=("midori_support",),
                  contacts=tuple(draw(st.lists(st.sampled_from(["@midori.example.jp", "0120-000-151"]),
                                               max_size=2))))
    thread = tuple(Message(author=draw(st.sampled_from(["customer", "midori_support", "other"])),
                           text=draw(texts(2_000))) for _ in range(draw(st.integers(0, 2))))
    return Conversation(
        channel=draw(st.sampled_from(["x", "instagram", "line", "other"])), brand=brand,
        post=Message(author="customer", text=draw(texts(2_000))), thread=thread,
        draft=Message(author="midori_support", text=draw(texts())))


@lru_cache(maxsize=1)
def linter() -> Linter:
    return Linter(Config())


# derandomize: CI explores the same generated cases every run (a red CI blocks every landing);
# set derandomize=False locally to explore further.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(conversations())
def test_no_exception_escapes_and_spans_stay_on_the_draft(conv: Conversation) -> None:
    report = linter().check(conv)
    draft = conv.draft.text
    norm = normalize(draft)
    starts, ends = {*norm.starts, len(draft)}, {*norm.ends, 0}
    for f in report.findings:
        if f.span is None:
            continue
        s, e = f.span.start, f.span.end
        assert 0 <= s <= e <= len(draft), (f.rule, s, e, len(draft))
        if s == e:
            continue
        assert s in starts and e in ends, (f.rule, s, e, draft[max(0, s - 3):e + 3])
        assert normalize(draft[s:e]).text in norm.text, (f.rule, draft[s:e])


@SETTINGS
@given(conversations())
def test_safe_fixes_keep_every_other_character(conv: Conversation) -> None:
    report = linter().check(conv)
    draft = conv.draft.text
    fixed = apply_fixes(draft, report)
    fixes = sorted({(f.fix.span.start, f.fix.span.end, f.fix.replacement)
                    for f in report.findings if f.fix is not None and f.fix.safe}, reverse=True)
    expected, last = draft, len(draft) + 1
    for s, e, replacement in fixes:
        if e > last:  # overlapping fixes: only the first (from the end) applies
            continue
        expected, last = expected[:s] + replacement + expected[e:], s
    assert fixed == expected


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(st.integers(MAX_CHARS + 1, MAX_CHARS + 50), st.sampled_from(["draft", "post"]))
def test_a_text_over_the_limit_is_an_input_error(n: int, where: str) -> None:
    long = "あ" * n
    conv = Conversation.simple(long if where == "draft" else "ok", long if where == "post" else "")
    try:
        linter().check(conv)
    except InputError as exc:
        assert "max_text_chars" in str(exc)
    else:
        raise AssertionError("a text over max_text_chars was checked")
