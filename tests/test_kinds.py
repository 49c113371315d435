"""Each check kind on small inline packs: what it flags, what it lets through, and (for the
contextual kinds) that the same draft passes in one context and fails in another."""

from __future__ import annotations

import textwrap

import pytest
from conftest import conv, msg

from replyguard import Config, apply_fixes
from replyguard.doc import doc_for
from replyguard.kinds.pii import luhn_ok, my_number_ok


def _rule(body: str, *, extra: str = "") -> str:
    """A pack with one rule ``t/r``; ``body`` is the rule's YAML after ``id``."""
    lines = textwrap.dedent(body).strip().splitlines()
    return f"pack: t\n{extra}rules:\n  - id: r\n" + "".join(f"    {line}\n" for line in lines)


def _hits(linter, c) -> list:
    return [f for f in linter.check(c).findings if f.rule == "t/r"]


# -- pattern ----------------------------------------------------------------------------

PATTERN = _rule("""
category: overfamiliar
severity: warning
message: "くだけすぎ: {match}"
kind: pattern
max_findings: 2
match:
  phrases: ["@slang", "ｗｗ"]
  regex: ['(?:^|[^a-zA-Z])(?P<hit>w{2,})$']
  unless:
    phrases: [引用]
""", extra="lexicons:\n  slang: [マジ, 草]\n")


def test_pattern_flags_each_match_with_its_span(make_linter) -> None:
    lint = make_linter(PATTERN)
    draft = "それはマジで草です"
    hits = _hits(lint, conv(draft, "x"))
    assert [draft[f.span.start:f.span.end] for f in hits] == ["マジ", "草"]
    assert hits[0].message == "くだけすぎ: マジ"
    assert hits[0].severity.value == "warning" and hits[0].category == "overfamiliar"


def test_pattern_phrases_are_normalised_like_the_text(make_linter) -> None:
    lint = make_linter(PATTERN)
    draft = "了解ww"  # the pack wrote full-width ｗｗ, the draft has ASCII
    hits = _hits(lint, conv(draft, "x"))
    assert hits and draft[hits[0].span.start:hits[0].span.end] == "ww"


def test_pattern_max_findings_and_unless(make_linter) -> None:
    lint = make_linter(PATTERN)
    assert len(_hits(lint, conv("マジ。マジ。マジ。", "x"))) == 2
    assert _hits(lint, conv("「マジ」はお客様の引用です。", "x")) == []
    assert _hits(lint, conv("丁寧なお返事です。", "x")) == []


# -- substitution -----------------------------------------------------------------------

SUBSTITUTION = _rule("""
category: keigo_error
severity: warning
message: "{match} → {replacement}"
kind: substitution
swaps:
  - {phrase: おっしゃられた, replacement: おっしゃった, safe: true}
  - {regex: '(見|来)れる', replacement: '\\1られる'}
  - tokens: [{surface: 拝見}, {lemma: 為る}]
    replacement: ご覧
unless:
  phrases: [と書かれて]
""")


def test_substitution_gives_a_fix_with_message_fields(make_linter) -> None:
    lint = make_linter(SUBSTITUTION)
    draft = "先ほどおっしゃられた件ですが、明日から見れるようになります。"
    hits = _hits(lint, conv(draft, "x"))
    assert [f.message for f in hits] == ["おっしゃられた → おっしゃった", "見れる → 見られる"]
    first, second = hits
    assert first.fix is not None and first.fix.safe and first.fix.replacement == "おっしゃった"
    assert draft[first.fix.span.start:first.fix.span.end] == "おっしゃられた"
    assert second.fix is not None and not second.fix.safe  # not declared safe: unsafe (the default)
    report = lint.check(conv(draft, "x"))
    assert apply_fixes(draft, report) == "先ほどおっしゃった件ですが、明日から見れるようになります。"
    assert apply_fixes(draft, report, unsafe=True) == (
        "先ほどおっしゃった件ですが、明日から見られるようになります。")


def test_substitution_token_swap_and_unless(make_linter) -> None:
    lint = make_linter(SUBSTITUTION)
    hits = _hits(lint, conv("画面を拝見してください。", "x"))
    assert len(hits) == 1 and hits[0].fix.replacement == "ご覧"
    assert _hits(lint, conv("「おっしゃられた」と書かれていました。", "x")) == []
    assert _hits(lint, conv("先ほどおっしゃった件です。", "x")) == []


def test_substitution_on_normalised_text(make_linter) -> None:
    lint = make_linter(SUBSTITUTION)
    draft = "画面をﾊｲｹﾝしてください"
    # half-width katakana normalises to full-width, not to the kanji of the token swap: no match
    assert _hits(lint, conv(draft, "x")) == []
    draft = "おっしゃられた\u200b件"
    hits = _hits(lint, conv(draft, "x"))
    assert len(hits) == 1 and draft[hits[0].span.start:hits[0].span.end] == "おっしゃられた"


# -- pii --------------------------------------------------------------------------------

PII = _rule("""
category: pii_public
severity: error
message: "個人情報（{kind}）: {match}"
when: public
kind: pii
detect: [phone, email, postal_code, card, my_number]
allow: ['^(0120|0800|0570)']
""")


def test_luhn_and_my_number_check_digits() -> None:
    assert luhn_ok("4111111111111111")
    assert luhn_ok("4242424242424242")
    assert not luhn_ok("4111111111111112")
    # 12345678901 → weights 2..7,2..6 from the right give 212; 212 % 11 = 3; check digit 11-3 = 8
    assert my_number_ok("123456789018")
    assert not my_number_ok("123456789012")
    assert not my_number_ok("12345678901")


@pytest.mark.parametrize(("draft", "kind", "matched"), [
    ("担当の携帯 090-1234-5678 までどうぞ", "電話番号", "090-1234-5678"),
    ("担当の携帯（０９０－１２３４－５６７８）までどうぞ", "電話番号", "０９０－１２３４－５６７８"),
    ("店舗 03-1234-5678 へお電話ください", "電話番号", "03-1234-5678"),
    ("担当 tanaka.k@example.co.jp まで", "メールアドレス", "tanaka.k@example.co.jp"),
    ("〒100-0001 へお送りください", "郵便番号", "〒100-0001"),
    ("カード 4111 1111 1111 1111 で決済済みです", "カード番号", "4111 1111 1111 1111"),
    ("番号 123456789018 を確認しました", "個人番号", "123456789018"),
])
def test_pii_detects(make_linter, draft: str, kind: str, matched: str) -> None:
    hits = _hits(make_linter(PII), conv(draft, "x"))
    assert len(hits) == 1
    assert hits[0].message == f"個人情報（{kind}）: " + matched.translate(
        str.maketrans("０１２３４５６７８９－", "0123456789-"))
    assert draft[hits[0].span.start:hits[0].span.end] == matched


@pytest.mark.parametrize("draft", [
    "カード 4111 1111 1111 1112 で決済済みです",  # fails the Luhn check
    "番号 123456789012 を確認しました",  # wrong My Number check digit
    "フリーダイヤル 0800-123-4567 までどうぞ",  # allowed: toll-free
    "ナビダイヤル 0570-12-3456 までどうぞ",  # allowed: navi dial
    "品番 SF-220 は公式ストアでどうぞ",
    "詳しくは https://example.com/help/090-1234-5678 をご覧ください",  # inside a URL
])
def test_pii_lets_through(make_linter, draft: str) -> None:
    assert _hits(make_linter(PII), conv(draft, "x")) == []


ADDRESS = PII.replace("detect: [phone, email, postal_code, card, my_number]", "detect: [address]")


@pytest.mark.parametrize(("draft", "matched"), [
    ("返品は東京都千代田区千代田1-1 宛にお送りください", "東京都千代田区千代田1-1"),
    ("ご登録の神奈川県横浜市港北区日吉本町3丁目のご住所へお送りします", "神奈川県横浜市港北区日吉本町3丁目"),
    ("ご登録の神奈川県横浜市港北区日吉本町３丁目のご住所へお送りします", "神奈川県横浜市港北区日吉本町３丁目"),
])
def test_pii_address_down_to_the_block_or_with_prefecture_to_the_chome(make_linter, draft: str, matched: str) -> None:
    hits = _hits(make_linter(ADDRESS), conv(draft, "x"))
    assert [draft[h.span.start:h.span.end] for h in hits] == [matched]


@pytest.mark.parametrize("draft", [
    "港北区日吉本町3丁目の交差点付近で工事をしております",  # no prefecture, no block: an area, not a home
    "神奈川県横浜市で開催します",  # no town, no number
])
def test_pii_address_needs_more_than_an_area(make_linter, draft: str) -> None:
    assert _hits(make_linter(ADDRESS), conv(draft, "x")) == []


def test_pii_toll_free_is_flagged_without_allow(make_linter) -> None:
    lint = make_linter(PII.replace("allow: ['^(0120|0800|0570)']", ""))
    assert len(_hits(lint, conv("フリーダイヤル 0800-123-4567 までどうぞ", "x"))) == 1


def test_pii_is_contextual_through_when(make_linter) -> None:
    lint = make_linter(PII)
    draft = "担当の携帯 090-1234-5678 までどうぞ"
    assert _hits(lint, conv(draft, "x", channel="x"))
    assert _hits(lint, conv(draft, "x", channel="line")) == []  # LINE is not public


def test_pii_order_number_needs_a_regex(make_linter) -> None:
    from replyguard import PackError

    lint = make_linter(_rule("""
    category: pii_public
    severity: error
    message: "注文番号: {match}"
    kind: pii
    detect: [order_number]
    order_number: ['[A-Z]{2}-\\d{8}-\\d{4}']
    """))
    hits = _hits(lint, conv("ご注文 AB-20261101-1234 は発送済みです", "x"))
    assert [f.message for f in hits] == ["注文番号: AB-20261101-1234"]
    with pytest.raises(PackError, match="order_number"):
        make_linter(_rule("""
        category: pii_public
        severity: error
        message: m
        kind: pii
        detect: [order_number]
        """))


# -- length -----------------------------------------------------------------------------

LENGTH = _rule("""
category: too_long
severity: warning
message: "{length}/{limit} ({channel})"
kind: length
limits: {facebook: 20}
""")


def test_length_per_channel(make_linter) -> None:
    lint = make_linter(LENGTH)
    assert _hits(lint, conv("あ" * 140, "x")) == []
    hits = _hits(lint, conv("あ" * 141, "x"))
    assert [f.message for f in hits] == ["282/280 (x)"] and hits[0].span is None
    # the same draft is fine on Instagram (2,200 characters) ...
    assert _hits(lint, conv("あ" * 141, "x", channel="instagram")) == []
    # ... and a pack may set its own limit per channel
    assert _hits(lint, conv("あ" * 20, "x", channel="facebook")) == []
    assert [f.message for f in _hits(lint, conv("あ" * 21, "x", channel="facebook"))] == ["21/20 (facebook)"]


def test_length_counts_urls_as_23_on_x(make_linter) -> None:
    lint = make_linter(LENGTH)
    draft = "あ" * 128 + " https://example.com/" + "a" * 200  # 256 + 1 + 23 = 280
    assert _hits(lint, conv(draft, "x")) == []
    assert _hits(lint, conv("あ" + draft, "x"))


# -- timing -----------------------------------------------------------------------------

TIMING = _rule("""
category: slow_response
severity: info
message: "{minutes}分後 (目標 {target}分)"
kind: timing
""")


def test_timing_default_is_60_minutes(make_linter) -> None:
    lint = make_linter(TIMING)
    draft = "ご不便をおかけしております。"
    assert _hits(lint, conv(draft, "x", minutes=60)) == []
    hits = _hits(lint, conv(draft, "x", minutes=61))
    assert [f.message for f in hits] == ["61分後 (目標 60分)"]
    assert _hits(lint, conv(draft, "x", minutes=None)) == []  # no send time: nothing to check


def test_timing_response_minutes_from_config(make_linter) -> None:
    lint = make_linter(TIMING, Config(response_minutes=120))
    assert _hits(lint, conv("了解です", "x", minutes=90)) == []
    assert [f.message for f in _hits(lint, conv("了解です", "x", minutes=121))] == ["121分後 (目標 120分)"]


def test_timing_max_minutes_in_the_rule_wins(make_linter) -> None:
    lint = make_linter(TIMING + "    max_minutes: 30\n", Config(response_minutes=120))
    assert _hits(lint, conv("了解です", "x", minutes=30)) == []
    assert _hits(lint, conv("了解です", "x", minutes=31))


def test_timing_first_response_counts_the_accounts_own_reply(make_linter) -> None:
    lint = make_linter(TIMING + "    first_response: true\n")
    draft = "お待たせいたしました。12時に復旧しました。"
    holding = [msg("sample_support", "確認いたします。", minutes=10)]
    # the draft's own account replied in time: the draft is the promised update
    assert _hits(lint, conv(draft, "x", thread=holding, minutes=150)) == []
    # another account's answer does not make this account's late reply timely
    other = [msg("sample_official", "12時に復旧予定です。", minutes=10)]
    assert _hits(lint, conv(draft, "x", thread=other, minutes=150))
    assert _hits(lint, conv(draft, "x", minutes=150))


# -- already_answered -------------------------------------------------------------------

ANSWERED = _rule("""
category: already_answered
severity: warning
message: "{author} が回答済み"
kind: already_answered
holding:
  phrases: [確認いたします, 確認します]
""")

POST = "新しいイヤホンの充電ケースが充電されない"
DRAFT = "充電ケースの端子をご確認いただけますでしょうか。"


def test_a_draft_that_adds_to_the_answer_is_no_duplicate(make_linter) -> None:
    lint = make_linter(ANSWERED + "    addition:\n      regex: ['^補足']\n")
    answered = [msg("sample_official", "充電ケースの端子の汚れをご確認ください。")]
    assert _hits(lint, conv("補足いたします。ケースのリセットは背面のボタン長押しです。", POST, thread=answered)) == []
    assert _hits(lint, conv(DRAFT, POST, thread=answered))


def test_already_answered_by_a_colleague(make_linter) -> None:
    lint = make_linter(ANSWERED)
    assert _hits(lint, conv(DRAFT, POST)) == []
    answered = [msg("sample_official", "充電ケースの端子の汚れをご確認ください。")]
    hits = _hits(lint, conv(DRAFT, POST, thread=answered))
    assert [f.message for f in hits] == ["sample_official が回答済み"]
    # handles are matched case-insensitively and with or without @
    answered_at = [msg("@Sample_Official", "充電ケースの端子の汚れをご確認ください。")]
    assert _hits(lint, conv(DRAFT, POST, thread=answered_at))


def test_already_answered_ignores_holding_replies(make_linter) -> None:
    lint = make_linter(ANSWERED)
    holding = [msg("sample_official", "ご不便をおかけしております。確認いたします。")]
    assert _hits(lint, conv(DRAFT, POST, thread=holding)) == []


def test_already_answered_ignores_replies_to_other_messages_and_later_ones(make_linter) -> None:
    lint = make_linter(ANSWERED)
    other = [msg("sample_official", "端子の汚れをご確認ください。", in_reply_to="c9")]
    assert _hits(lint, conv(DRAFT, POST, thread=other)) == []
    to_post = [msg("sample_official", "端子の汚れをご確認ください。", in_reply_to="p1")]
    assert _hits(lint, conv(DRAFT, POST, thread=to_post))
    later = [msg("sample_official", "端子の汚れをご確認ください。", minutes=20)]
    assert _hits(lint, conv(DRAFT, POST, thread=later)) == []
    customer = [msg("someone_else", "端子の汚れをご確認ください。")]
    assert _hits(lint, conv(DRAFT, POST, thread=customer)) == []


def test_a_draft_sharing_no_word_with_the_answer_answers_something_else(make_linter) -> None:
    lint = make_linter(ANSWERED + "    min_shared_terms: 1\n")
    post = "次のメンテっていつ？あと引き継ぎコードって再発行できる？"
    answered = [msg("sample_official", "次回メンテナンスは6月3日15時からの予定です。")]
    other_half = "引き継ぎコードは設定画面のデータ連携からいつでも再発行できます。"
    assert _hits(lint, conv(other_half, post, thread=answered)) == []
    # the same answer again, in other words, is still a duplicate
    again = "次回のメンテナンスは6月3日の15時開始予定です。"
    assert _hits(lint, conv(again, post, thread=answered))
    # without the option every non-holding colleague's answer counts
    assert _hits(make_linter(ANSWERED), conv(other_half, post, thread=answered))


# -- unanswered_mention -----------------------------------------------------------------

MENTION_BODY = """
category: unanswered_mention
severity: warning
message: "{author} の質問が未回答: {question}"
kind: unanswered_mention
question:
  regex: ['[?？]']
"""
MENTION = _rule(MENTION_BODY)

QUESTION = "@sample_support ちなみに保証期間は何年ですか？"


def test_unanswered_mention(make_linter) -> None:
    lint = make_linter(MENTION)
    thread = [msg("someone", QUESTION, id="q1")]
    hits = _hits(lint, conv(DRAFT, POST, thread=thread))
    assert [f.message for f in hits] == [f"someone の質問が未回答: {QUESTION}"]
    # the post's author does not need to @mention the brand
    own = [msg("customer", "ちなみに保証期間は何年ですか？", id="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=own))
    # a third party's question not addressed to the brand is not the brand's to answer
    chatter = [msg("someone", "ちなみに保証期間は何年ですか？", id="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=chatter)) == []
    # nor is the post's author asking a friend
    to_friend = [msg("customer", "@tomo_k ちなみに保証期間は何年だっけ？", id="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=to_friend)) == []


def test_mention_reply_must_answer_with_answer_facts(make_linter) -> None:
    facts = "facts:\n  answer:\n    description: an answer\n    match:\n      regex: ['^はい', '年です']\n"
    lint = make_linter(_rule(MENTION_BODY + "answer_facts: [answer]\n", extra=facts))
    thread = [msg("someone", QUESTION, id="q1")]
    # sent as the reply, a closing thank-you still leaves the question open
    assert _hits(lint, conv("ご質問ありがとうございました！", POST, thread=thread, in_reply_to="q1"))
    assert _hits(lint, conv("はい、ご購入から1年です。", POST, thread=thread, in_reply_to="q1")) == []
    # a colleague's reply to it (even a holding one) is a response the draft need not repeat
    held = [*thread, msg("sample_official", "確認いたします。", minutes=3, in_reply_to="q1")]
    assert _hits(lint, conv("ご質問ありがとうございました！", POST, thread=held)) == []


def test_a_follow_up_naming_nothing_is_answered_by_an_answer(make_linter) -> None:
    facts = "facts:\n  answer:\n    description: an answer\n    match:\n      regex: ['[0-9]+時間']\n"
    lint = make_linter(_rule(MENTION_BODY + "answer_facts: [answer]\n", extra=facts))
    # 「で、どうなんですか？」 adds no word to the post: it asks about the post itself
    thread = [msg("someone", "@sample_support で、どうなんですか？", id="q1")]
    assert _hits(lint, conv("雪の影響で2時間ほど遅れております。", POST, thread=thread)) == []
    assert _hits(lint, conv("ご連絡ありがとうございます。", POST, thread=thread))


def test_answer_facts_must_be_facts_with_a_match(make_linter) -> None:
    from replyguard.errors import ReplyguardError

    derived = "facts:\n  answered:\n    description: derived\n    when: public\n"
    with pytest.raises(ReplyguardError, match="answer_facts names 'answered', which is not a fact with a match"):
        make_linter(_rule(MENTION_BODY + "answer_facts: [answered]\n", extra=derived))


def test_mention_stock_words_do_not_answer(make_linter) -> None:
    thread = [msg("someone", "@sample_support パンフレットは頂けますか？", id="q1")]
    closing = "ご来店頂きありがとうございました。"
    # without a stock list, the polite 頂く the closing shares with the question counts as an answer
    assert _hits(make_linter(MENTION), conv(closing, POST, thread=thread)) == []
    with_stock = make_linter(_rule(MENTION_BODY + "stock: [頂く, 有難う, 御座る, 来店]\n"))
    assert _hits(with_stock, conv(closing, POST, thread=thread))
    assert _hits(with_stock, conv("パンフレットは店頭でお渡ししております。", POST, thread=thread)) == []


def test_mention_answered_in_draft_reply_or_thread(make_linter) -> None:
    lint = make_linter(MENTION)
    thread = [msg("someone", QUESTION, id="q1")]
    # the draft itself answers it
    assert _hits(lint, conv(DRAFT + "保証期間は1年間です。", POST, thread=thread)) == []
    # the draft is a reply to the question
    assert _hits(lint, conv(DRAFT, POST, thread=thread, in_reply_to="q1")) == []
    # a colleague replied to the question
    replied = [*thread, msg("sample_official", "お調べします", minutes=3, in_reply_to="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=replied)) == []
    # a colleague's later message covers it
    covered = [*thread, msg("sample_official", "保証期間は1年です。", minutes=3, in_reply_to="x")]
    assert _hits(lint, conv(DRAFT, POST, thread=covered)) == []


def test_mention_needs_a_question_before_the_draft(make_linter) -> None:
    lint = make_linter(MENTION)
    later = [msg("someone", QUESTION, minutes=30, id="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=later)) == []
    statement = [msg("someone", "@sample_support 保証期間を教えて", id="q1")]
    assert _hits(lint, conv(DRAFT, POST, thread=statement)) == []


# -- relevance --------------------------------------------------------------------------

RELEVANCE = _rule("""
category: off_topic_template
severity: info
message: 投稿の内容に触れていません
kind: relevance
stock: ["@stock"]
""", extra="lexicons:\n  stock: [お問い合わせ, 問い合わせ, ありがとう, 有難う, 御座る, 致す, 為る, 頂く]\n")


def test_relevance_is_contextual(make_linter) -> None:
    lint = make_linter(RELEVANCE)
    stock = "お問い合わせありがとうございます。"
    hits = _hits(lint, conv(stock, POST))
    assert len(hits) == 1 and hits[0].span is None
    assert _hits(lint, conv("充電ケースの端子をご確認ください。", POST)) == []
    # a post with too few content words gives nothing to compare
    assert _hits(lint, conv(stock, "ありがとう")) == []


def test_relevance_shares_compound_parts(make_linter) -> None:
    lint = make_linter(RELEVANCE)
    # 充電器 in the draft meets 充電ケース in the post through the kanji bigram 充電
    assert _hits(lint, conv("充電器の差し込みをご確認ください。", POST)) == []


def test_relevance_brand_name_is_no_shared_word_even_when_it_splits(make_linter) -> None:
    lint = make_linter(RELEVANCE)
    # the name is analysed one way alone (ポケ + マップ) and another in running text (ポケマップ): no
    # word spelled inside it counts as shared
    brand = "ポケマップ"
    post = f"{brand}の経路検索、駅名を入れても結果が出てこない"
    stock = f"{brand}へのお問い合わせありがとうございます。"
    c = conv(stock, post)
    c = c.model_copy(update={"brand": c.brand.model_copy(update={"name": brand})})
    assert len(_hits(lint, c)) == 1
    engaged = c.model_copy(update={"draft": c.draft.model_copy(update={"text": "経路検索の不具合を確認いたします。"})})
    assert _hits(lint, engaged) == []


def test_relevance_ceremony_facts_do_not_engage(make_linter) -> None:
    facts = ("facts:\n  ceremony:\n    description: thanks for choosing us\n    match:\n"
             "      regex: ['(お選び|ご利用)いただき[^。]{0,6}ありがと']\n")
    lint = make_linter(_rule("""
category: off_topic_template
severity: info
message: 投稿の内容に触れていません
kind: relevance
stock: ["@stock"]
ceremony_facts: [ceremony]
""", extra="lexicons:\n  stock: [ありがとう, 有難う, 御座る, 頂く, 選ぶ, 利用]\n" + facts))
    # the product is named only while thanking for choosing it: no engagement
    assert len(_hits(lint, conv("充電ケースをお選びいただきありがとうございます。", POST))) == 1
    assert _hits(lint, conv("充電ケースの端子をご確認ください。", POST)) == []


FOCUS = _rule("""
category: off_topic_template
severity: info
message: 聞かれたことに触れていません
kind: relevance
focus: question
stock: ["@stock"]
light: ["@light"]
min_post_terms: 1
""", extra="lexicons:\n  stock: [ありがとう, 有難う, 御座る, 頂く, 利用]\n  light: [やる, 遣る, 今年, 何時]\n")


def test_relevance_focus_compares_what_is_asked_not_the_topic(make_linter) -> None:
    lint = make_linter(FOCUS)
    post = "ペイタマの残高って有効期限ある？しばらく使ってない"
    # the product (残高) is only the topic: talking about it does not answer
    assert len(_hits(lint, conv("残高は全国のコンビニでお支払いに使えます。", post))) == 1
    assert _hits(lint, conv("残高の有効期限は最後のご利用から2年です。", post)) == []


def test_relevance_focus_topic_is_asked_when_only_light_words_follow(make_linter) -> None:
    lint = make_linter(FOCUS)
    # after the topic only やる and 今年: the sale itself is what is asked about
    post = "冬のセールって今年もやりますか？"
    assert _hits(lint, conv("年末セールは12月20日からです。", post)) == []
    assert len(_hits(lint, conv("新作のコートが入荷しました。", post))) == 1


def test_relevance_focus_judges_only_posts_that_ask(make_linter) -> None:
    lint = make_linter(FOCUS)
    assert _hits(lint, conv("新作のコートが入荷しました。", "冬のセール、今年も楽しみ！")) == []
    # a polite question without a question mark still asks (the ending is read, not only ？)
    assert len(_hits(lint, conv("新作のコートが入荷しました。", "朝食は何時からですか"))) == 1


@pytest.mark.parametrize("post", ["", "？", "😀？", "\u200b？\u200b", "って？", "は、？", "あ" * 3000 + "ですか？"])
def test_relevance_focus_odd_posts_ask_nothing_to_compare(make_linter, post: str) -> None:
    # punctuation only, zero-width characters, a topic marker with nothing after it, a very long
    # question with no content word: nothing to compare, no finding, no error
    lint = make_linter(FOCUS)
    assert _hits(lint, conv("新作のコートが入荷しました。", post)) == []


def test_relevance_focus_reads_half_width_kana(make_linter) -> None:
    lint = make_linter(FOCUS)
    # ｾｰﾙ is normalised to セール before it is compared
    assert _hits(lint, conv("年末セールは12月20日からです。", "ｾｰﾙって今年もやりますか？")) == []
    assert len(_hits(lint, conv("新作のコートが入荷しました。", "ｾｰﾙって今年もやりますか？"))) == 1


def test_relevance_ceremony_facts_must_be_matched_facts(make_linter) -> None:
    from replyguard.errors import ReplyguardError

    text = _rule("""
category: off_topic_template
severity: info
message: m
kind: relevance
stock: []
ceremony_facts: [nosuch]
""")
    with pytest.raises(ReplyguardError, match="ceremony_facts names 'nosuch'"):
        make_linter(text)


# -- repetition -------------------------------------------------------------------------

REPETITION = _rule("""
category: copy_paste_apology
severity: warning
message: "前と同じ文面です（類似度 {similarity}）"
kind: repetition
""")

APOLOGY = "この度はご不便をおかけし、大変申し訳ございません。詳細をDMにてお伺いできますでしょうか。"


def test_repetition_against_brand_history_and_thread(make_linter) -> None:
    lint = make_linter(REPETITION)
    assert _hits(lint, conv(APOLOGY, POST)) == []
    before = [msg("sample_support", APOLOGY, minutes=-1440)]
    hits = _hits(lint, conv(APOLOGY, POST, history=before))
    assert [f.message for f in hits] == ["前と同じ文面です（類似度 1.0）"]
    in_thread = [msg("sample_official", APOLOGY, in_reply_to="c1")]
    assert _hits(lint, conv(APOLOGY, POST, thread=in_thread))
    # the customer's own messages are not the brand repeating itself
    quoted = [msg("customer", APOLOGY, minutes=-1440)]
    assert _hits(lint, conv(APOLOGY, POST, history=quoted)) == []
    # a different text is fine
    other = [msg("sample_support", "新商品のご案内です。来週から店頭に並びます。", minutes=-1440)]
    assert _hits(lint, conv(APOLOGY, POST, history=other)) == []


def test_repetition_scopes_and_threshold(make_linter) -> None:
    lint = make_linter(REPETITION + "    against: [history_brand]\n    threshold: 0.95\n")
    in_thread = [msg("sample_official", APOLOGY, in_reply_to="c1")]
    assert _hits(lint, conv(APOLOGY, POST, thread=in_thread)) == []
    similar = APOLOGY.replace("この度は", "先日は")
    assert _hits(lint, conv(similar, POST, history=[msg("sample_support", APOLOGY, minutes=-60)])) == []


# -- register ---------------------------------------------------------------------------

MIXED = _rule("""
category: mixed_register
severity: info
message: "です・ます調と常体が混在: {match}"
kind: register
mode: mixed
""")


def test_register_mixed(make_linter) -> None:
    lint = make_linter(MIXED)
    draft = "ご連絡ありがとうございます。確認したけど問題ないよ。"
    hits = _hits(lint, conv(draft, "x"))
    assert len(hits) == 1 and draft[hits[0].span.start:hits[0].span.end] == "ない"
    assert _hits(lint, conv("それは仕様だ。確認いたします。", "x"))
    assert _hits(lint, conv("ご連絡ありがとうございます。確認いたします。", "x")) == []
    assert _hits(lint, conv("それは仕様だ。確認する。", "x")) == []  # consistently plain


def test_register_mixed_ignores_quoted_text(make_linter) -> None:
    lint = make_linter(MIXED)
    draft = "お客様から「それは仕様だ」とのご指摘をいただきました。確認いたします。"
    assert _hits(lint, conv(draft, "x")) == []


COUNT = _rule("""
category: too_formal
severity: info
message: "硬すぎる定型句 {count} 個"
kind: register
mode: count
min: 2
when: not post.complaint
markers:
  phrases: [誠に, 何卒, 大変恐縮]
""", extra="facts:\n  complaint:\n    match: {phrases: [最悪, 壊れ]}\n")


def test_register_count_with_context(make_linter) -> None:
    lint = make_linter(COUNT)
    draft = "誠にありがとうございます。何卒よろしくお願いいたします。"
    hits = _hits(lint, conv(draft, "新作かわいい！"))
    assert [f.message for f in hits] == ["硬すぎる定型句 2 個"]
    assert draft[hits[0].span.start:hits[0].span.end] == draft[:draft.index("何卒") + 2]
    assert _hits(lint, conv("誠にありがとうございます。", "新作かわいい！")) == []  # below min
    # the same draft answering a complaint is fine
    assert _hits(lint, conv(draft, "届いたら壊れてた。最悪")) == []


# -- condition --------------------------------------------------------------------------

CONDITION = _rule("""
category: brush_off
severity: warning
message: "突き放し: {match}"
kind: condition
when: post.complaint and draft.shiyou
anchor:
  phrases: [仕様です]
""", extra="facts:\n  complaint:\n    match: {phrases: [最悪, 壊れ]}\n  shiyou:\n"
          "    match: {phrases: [仕様, 規約]}\n")


def test_condition_with_anchor(make_linter) -> None:
    lint = make_linter(CONDITION)
    draft = "恐れ入りますが、それは仕様です。"
    hits = _hits(lint, conv(draft, "すぐ壊れた。最悪"))
    assert len(hits) == 1 and hits[0].message == "突き放し: 仕様です"
    assert draft[hits[0].span.start:hits[0].span.end] == "仕様です"
    # the same draft to a non-complaint does not fire
    assert _hits(lint, conv(draft, "この機能はどう動くの？")) == []


def test_condition_without_anchor_match_is_a_whole_draft_finding(make_linter) -> None:
    lint = make_linter(CONDITION)
    hits = _hits(lint, conv("規約ですのでご理解ください。", "すぐ壊れた。最悪"))
    assert len(hits) == 1 and hits[0].span is None and hits[0].message == "突き放し: "


def test_derived_facts_in_when(make_linter) -> None:
    text = CONDITION.replace("when: post.complaint and draft.shiyou", "when: brushing")
    text = text.replace("facts:\n", "facts:\n"
                        "  brushing:\n    when: post.complaint and not (draft.url or rapport)\n"
                        "  rapport:\n    when: history.present\n", 1)
    lint = make_linter(text)
    assert _hits(lint, conv("それは仕様です。", "すぐ壊れた。最悪"))
    assert _hits(lint, conv("それは仕様です。 https://example.com/faq", "すぐ壊れた。最悪")) == []
    assert _hits(lint, conv("それは仕様です。", "すぐ壊れた。最悪",
                            history=[msg("customer", "いつも使ってます", minutes=-9000)])) == []


def test_a_pii_detector_with_a_digit_minimum_finds_nothing_in_fewer_digits() -> None:
    """The phone, postal, card and My Number detectors are not searched in a text with fewer
    decimal digits than their shortest match holds: the minimums are tight and never rule out
    a match (random texts of digits, dashes, spaces and Japanese)."""
    import random

    from replyguard.kinds.pii import _DETECTORS, _Needs
    from replyguard.regex import utf8

    counted = {name: find for name, (_, find) in _DETECTORS.items() if isinstance(find, _Needs) and find.digits}
    assert set(counted) == {"phone", "postal_code", "card", "my_number"}
    shortest = {"phone": "TEL 03-1-1234 まで", "postal_code": "〒100-0001 東京都", "card": "4111 1111 1111 1111",
                "my_number": "123456789018"}
    for name, text in shortest.items():
        assert list(counted[name].finder(text, utf8(text))), name
    rng = random.Random(3)
    pieces = ["0", "1", "5", "9", "０", "٣", "-", "ー", " ", "+81", "〒", "番", "TEL", "東京都", "です。"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        digits = sum(ch.isdecimal() for ch in text)
        for name, find in counted.items():
            if digits < find.digits:
                assert not list(find.finder(text, utf8(text))), (name, text)


def test_substitution_hits_kept_on_the_doc_as_a_tuple(make_linter) -> None:
    lint = make_linter(SUBSTITUTION)
    found = _hits(lint, conv("先ほどおっしゃられた件です。", "x"))
    kept = [v for v in doc_for("先ほどおっしゃられた件です。").memo.values() if isinstance(v, tuple) and v
            and type(v[0]).__name__ == "Hit"]
    assert len(found) == 1 and len(kept) == 1  # kept as a tuple, and the check reads it as it was
    assert lint.check(conv("ありがとうございます。", "x")).findings == []


def test_a_checked_drafts_doc_keeps_no_list() -> None:
    # what a check keeps on a draft's Doc (substitution hits, what the PII detectors find, the
    # sentences and registers) is kept in tuples: a kept list is tracked by the collector for as
    # long as the Doc is cached
    from replyguard import Linter
    draft = "おっしゃられた件、090-1234-5678までお電話ください。確認します！"
    report = Linter().check(conv(draft, "電話番号を教えてください"))
    assert report.findings
    doc = doc_for(draft)
    assert not [v for v in doc.memo.values() if isinstance(v, list)]
    assert not [s for s in type(doc).__slots__ if isinstance(getattr(doc, s), list)]
