"""Matcher and kind options added for context: ``requires``, fact anchors, quoted text,
follow-up questions that re-open a colleague's answer, and the relevance kind's brand name."""

from __future__ import annotations

import pytest
from conftest import conv, msg

from replyguard.doc import Doc
from replyguard.errors import PackError
from replyguard.matcher import KeyIndex, Matcher
from replyguard.models import Brand
from replyguard.schema import MatcherSpec

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



HASHTAGS = """
pack: t
lexicons:
  no_reply: [返信不要, リプ不要]
facts:
  no_reply_tag:
    match:
      hashtags: ['@no_reply']
  no_reply_word:
    match:
      regex: [返信不要]
rules:
  - id: tag
    category: unwanted_contact
    severity: warning
    message: tag
    kind: condition
    when: post.no_reply_tag
  - id: word
    category: unwanted_contact
    severity: warning
    message: word
    kind: condition
    when: post.no_reply_word
"""


def _rules_on_post(linter, post: str) -> list[str]:
    return sorted(f.rule for f in linter.check(conv("承知いたしました。", post)).findings)


def test_hashtags_read_the_tags_the_regexes_cannot_see(make_linter) -> None:
    linter = make_linter(HASHTAGS)
    # a tag's word is masked for every other test: only the hashtags matcher reads it
    assert _rules_on_post(linter, "ラメ落ちすごい #正直レビュー #返信不要") == ["t/tag"]
    # full-width ＃, a word inside a longer tag, either lexicon word
    assert _rules_on_post(linter, "ラメ落ちすごい ＃企業リプ不要です") == ["t/tag"]
    # the word written out of a tag is the regex's, not the tag matcher's
    assert _rules_on_post(linter, "ラメ落ちすごい。返信不要です") == ["t/word"]
    assert _rules_on_post(linter, "ラメ落ちすごい #正直レビュー") == []


def test_a_hashtag_match_spans_the_whole_tag() -> None:
    matcher = Matcher(MatcherSpec(hashtags=["返信不要"]), {}, KeyIndex())
    doc = Doc("ラメ落ち😢 ＃返信不要 #コスメ")
    assert [doc.text[a:b] for a, b in matcher.find(doc)] == ["#返信不要"]
    assert matcher.at_least(doc) and not matcher.at_least(Doc("返信不要です"))


def test_an_unknown_lexicon_in_hashtags_is_a_pack_error(make_linter) -> None:
    with pytest.raises(PackError, match="unknown lexicon @nope"):
        make_linter(HASHTAGS.replace("'@no_reply'", "'@nope'"))
