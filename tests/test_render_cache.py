"""A check renders each suggested template once, and a linter keeps the texts by the values of
the variables the template uses: the same customer gets the same text, another customer their
own, and nothing leaks between linters or between variables a template does not read."""

from __future__ import annotations

from conftest import conv

from replyguard import Config

PACK = """
pack: t
templates:
  - id: hello
    text: "{{ customer }}さん、DMはこちら: {{ dm_link }}"
  - id: plain
    text: "ご連絡ください"
rules:
  - id: r
    category: move_to_dm
    severity: warning
    message: m
    kind: condition
    when: draft.present
    suggest: [hello, plain]
"""


def _texts(linter, author: str) -> list[str]:
    c = conv("返信です", "投稿です")
    c = c.model_copy(update={"post": c.post.model_copy(update={"author": author})})
    return [s.text for f in linter.check(c).findings for s in f.suggestions]


def test_rendered_texts_follow_the_variables_they_use(make_linter) -> None:
    a = make_linter(PACK, Config(variables={"dm_link": "https://a.example/dm"}))
    b = make_linter(PACK, Config(variables={"dm_link": "https://b.example/dm"}))
    assert _texts(a, "taro") == ["taroさん、DMはこちら: https://a.example/dm", "ご連絡ください"]
    assert _texts(a, "hanako") == ["hanakoさん、DMはこちら: https://a.example/dm", "ご連絡ください"]
    assert _texts(a, "taro") == ["taroさん、DMはこちら: https://a.example/dm", "ご連絡ください"]  # kept
    assert _texts(b, "taro") == ["taroさん、DMはこちら: https://b.example/dm", "ご連絡ください"]  # its own
    # kept once per customer and link, whatever else differs (the post's text is not read)
    assert len(a._renders) == 3 and ("t/plain",) in a._renders


FOR_PACK = """
pack: f
templates:
  - id: to-questions
    text: "ご質問ありがとうございます"
    for: post.question_mark and not draft.question_mark
  - id: always
    text: "いつもありがとうございます"
    for: draft.present
  - id: never-suggested
    text: "規定文"
rules:
  - id: r
    category: move_to_dm
    severity: warning
    message: m
    kind: condition
    when: draft.url
"""


def test_templates_are_suggested_by_their_for_conditions_kept_compiled(make_linter) -> None:
    """A linter keeps each template's ``for:`` condition compiled (asked every check)."""
    linter = make_linter(FOR_PACK)
    asked = linter.check(conv("ご確認ください", "これは使えますか？"))
    assert [s.template for s in asked.suggestions] == ["f/to-questions", "f/always"]
    plain = linter.check(conv("ご確認ください", "届きました"))
    assert [s.template for s in plain.suggestions] == ["f/always"]

