"""Matcher and kind options added for context: ``requires``, fact anchors, quoted text,
follow-up questions that re-open a colleague's answer, and the relevance kind's brand name."""

from __future__ import annotations

from conftest import conv, msg

from replyguard.models import Brand

REQUIRES = """
pack: t
rules:
  - id: r
    category: keigo_error
    severity: warning
    message: になります
    kind: pattern
    match:
      regex: [になります]
      requires:
        regex: [こちら]
"""


def test_requires_keeps_only_matches_in_a_sentence_with_the_cue(make_linter) -> None:
    linter = make_linter(REQUIRES)
    assert linter.check(conv("こちらが商品になります。")).findings
    assert not linter.check(conv("来月から料金が改定になります。")).findings
    # the cue in another sentence does not count
    assert not linter.check(conv("こちらをご覧ください。来月から改定になります。")).findings


ANCHOR = """
pack: t
facts:
  slang:
    match:
      regex: [マジ, ヤバ]
rules:
  - id: r
    category: overfamiliar
    severity: warning
    message: "slang: {match}"
    when: draft.slang
    kind: condition
    anchor: draft.slang
"""


def test_condition_anchor_names_a_draft_fact_and_points_at_its_match(make_linter) -> None:
    draft = "それはマジで困りますね。"
    [finding] = make_linter(ANCHOR).check(conv(draft)).findings
    assert draft[finding.span.start:finding.span.end] == "マジ"
    assert finding.message == "slang: マジ"


def test_anchor_must_be_a_draft_matching_fact(make_linter) -> None:
    import pytest

    from replyguard import PackError

    with pytest.raises(PackError, match="anchor"):
        make_linter(ANCHOR.replace("anchor: draft.slang", "anchor: post.slang"))


def test_patterns_ignore_the_customers_words_quoted_in_the_draft(make_linter) -> None:
    linter = make_linter(REQUIRES.replace("requires:\n        regex: [こちら]", "requires:\n        regex: ['.']"))
    assert linter.check(conv("こちらが商品になります。")).findings
    assert not linter.check(conv("「商品になります」と書かれていた件、確認いたしました。")).findings


ANSWERED = """
pack: t
rules:
  - id: r
    category: already_answered
    severity: error
    message: answered
    kind: already_answered
    followup:
      regex: ['[?？]']
"""


def test_a_follow_up_question_reopens_a_colleagues_answer(make_linter) -> None:
    linter = make_linter(ANSWERED)
    answer = msg("sample_official", "連携済みなら連携先でログインすると復旧できます。", minutes=2)
    closed = conv("引き継ぎコードは設定画面から発行できます。", "機種変したらデータ消えた", thread=[answer])
    assert linter.check(closed).findings
    reopened = conv("引き継ぎコードは設定画面から発行できます。", "機種変したらデータ消えた",
                    thread=[answer, msg("customer", "連携してないです…他に方法ありますか？", minutes=4)])
    assert not linter.check(reopened).findings


RELEVANCE = """
pack: t
rules:
  - id: r
    category: off_topic_template
    severity: warning
    message: off topic
    kind: relevance
    stock: [ありがとう, 御座る, 利用, 頂く]
"""


def test_the_brands_own_name_is_not_a_shared_topic(make_linter) -> None:
    linter = make_linter(RELEVANCE)
    c = conv("いつもモリノ食堂をご利用いただきありがとうございます。", "モリノ食堂の弁当、箸が入ってなかった")
    assert not linter.check(c).findings  # without the brand's name, モリノ/食堂 look shared
    named = c.model_copy(update={"brand": Brand(name="モリノ食堂", handles=("sample_support",))})
    assert linter.check(named).findings
