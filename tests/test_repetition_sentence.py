"""The repetition kind's sentence mode: one long apology sentence pasted again is a repeat."""

from replyguard import Config, Linter

# the rule's own behaviour, without the confidence model's second opinion
LINTER = Linter(Config(confidence=False))

BASE = {
    "id": "t",
    "channel": "x",
    "brand": {"name": "モリノ", "handles": ["morino_cs"]},
    "post": {"author": "u1", "text": "モリノバス、30分まったく進まない", "created_at": "2026-01-10T15:30:00+09:00"},
}
SENT = "この度は運行の遅れによりご迷惑をおかけし、大変申し訳ございません。"


def _check(thread_text: str, draft: str) -> list[str]:
    case = dict(BASE)
    case["thread"] = [{"author": "morino_cs", "text": thread_text, "created_at": "2026-01-10T15:36:00+09:00"}]
    case["draft"] = {"author": "morino_cs", "text": draft, "created_at": "2026-01-10T15:50:00+09:00"}
    return [f.rule for f in LINTER.check(case).findings]


def test_long_apology_sentence_repeated_is_reported_with_its_span() -> None:
    case = dict(BASE)
    case["thread"] = [{"author": "morino_cs", "text": SENT + "現在、迂回しております。",
                       "created_at": "2026-01-10T15:36:00+09:00"}]
    draft = "@u1 " + SENT + "到着は19時40分頃の見込みです。"
    case["draft"] = {"author": "morino_cs", "text": draft, "created_at": "2026-01-10T15:50:00+09:00"}
    found = [f for f in LINTER.check(case).findings if f.rule.endswith("/repeated-sentence")]
    assert len(found) == 1
    span = found[0].span
    assert span is not None and draft[span.start:span.end].strip() == SENT


def _repeats(thread_text: str, draft: str) -> bool:
    return any(r.endswith("/repeated-sentence") for r in _check(thread_text, draft))


def test_comma_and_width_differences_still_count() -> None:
    spaced = SENT.replace("、", "，")  # a full-width comma for 、
    assert _repeats(spaced + "迂回中です。", SENT + "19時40分頃の見込みです。")


def test_short_stock_apology_and_other_words_do_not_count() -> None:
    stock = "ご迷惑をおかけし申し訳ございません。"
    assert not _repeats(stock + "迂回中です。", stock + "19時40分頃の見込みです。")
    assert not _repeats(SENT + "迂回中です。", "お急ぎのところ申し訳ございません。19時40分頃の見込みです。")


def test_a_url_does_not_make_a_short_apology_long_enough() -> None:
    # the whole drafts differ enough that the whole-text repeat (which this rule yields to) stays quiet
    opening = "本日は一部区間で遅れが出ておりますが、まもなく平常どおりの運行に戻る見込みでございます。"
    short = "ご不便をおかけしますが最新情報はこちら：https://morino.example.jp/unko/latest/status"
    assert not _repeats(short, opening + short)
    long = short.replace("最新情報", "最新の運行情報")
    assert _repeats(long, opening + long)
