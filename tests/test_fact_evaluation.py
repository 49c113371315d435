"""How a check evaluates facts: cheapest operands first, each fact once per check, and
nothing kept from one check for the next but what depends on a text alone (the values must
be those of the pack's own order)."""

from __future__ import annotations

import itertools
import random

import pytest
from conftest import conv

from replyguard import Linter
from replyguard.context import Context
from replyguard.doc import doc_for
from replyguard.expr import parse
from replyguard.models import Brand

# A draft fact read from the pattern scan, a post fact that needs the post's tokens (a lemma
# list), and a rule that names the post fact first.
PACK = """
pack: t
facts:
  handoff:
    description: a DM hand-off
    match:
      regex: ['DMで']
  broken:
    description: something broke, by lemma (needs the text's tokens)
    match:
      lemmas: [壊れる]
  derived_post:
    description: a derived fact over the post fact
    when: post.broken or post.question_mark
rules:
  - id: r
    category: move_to_dm
    severity: warning
    message: DM
    kind: condition
    when: post.broken and draft.handoff
"""


@pytest.fixture
def lint(make_linter) -> Linter:
    return make_linter(PACK)


def test_the_draft_fact_is_asked_before_the_post_fact_that_needs_tokens(lint: Linter) -> None:
    facts = lint.packset.facts
    assert facts.cost("draft.handoff") < facts.cost("post.broken")
    assert facts.cost("public") < facts.cost("post.question_mark") < facts.cost("post.broken")
    assert facts.cost("derived_post") == facts.cost("post.broken")  # the dearest fact it names
    asked: list[str] = []

    def look(name: str) -> bool:
        asked.append(name)
        return False

    assert facts.cheap_first(parse("post.broken and draft.handoff")).evaluate(look) is False
    assert asked == ["draft.handoff"]


def test_a_fact_put_later_is_still_asked_when_the_value_needs_it(lint: Linter) -> None:
    post = "買ったばかりのイヤホンが壊れました"
    doc_for.cache_clear()
    report = lint.check(conv("DMでご連絡ください。", post))
    assert [f.rule for f in report.findings] == ["t/r"]
    # the draft decided: the post was never tokenised for its fact
    doc_for.cache_clear()
    assert lint.check(conv("ご連絡ありがとうございます。", post)).findings == []
    # no match was made of the post: its memo holds only its kept answers, and none
    assert doc_for(post)._tokens is None and not any(doc_for(post).memo.values())


def test_reordered_conditions_have_the_packs_truth_tables() -> None:
    linter = Linter()  # the shipped packs
    facts = linter.packset.facts
    rng = random.Random(11)
    nodes = [(r.id, parse(r.when_source), r.when) for r in linter.packset.rules]
    nodes += [(name, node, facts.cheap_first(node)) for name, node in facts.derived.items()]
    assert any(ordered != original for _, original, ordered in nodes)  # some were reordered
    for rid, original, ordered in nodes:
        names = sorted(original.facts())
        assert ordered.facts() == original.facts(), rid
        assignments = itertools.product([False, True], repeat=len(names)) if len(names) <= 10 else \
            (tuple(rng.random() < 0.5 for _ in names) for _ in range(1024))
        for values in assignments:
            env = dict(zip(names, values, strict=True))
            assert ordered.evaluate(env.__getitem__) == original.evaluate(env.__getitem__), (rid, env)


def test_each_fact_is_computed_once_per_check_and_not_kept_for_the_next(lint: Linter) -> None:
    calls: list[str] = []
    facts = lint.packset.facts
    real = facts.function("draft.broken")  # a lemma list: not answered by the set scan beforehand
    facts.compiled["draft.broken"] = lambda ctx: calls.append("draft.broken") or real(ctx)
    try:
        c = conv("壊れてしまいましたか。", "壊れました")
        ctx = Context(c, facts, lint.settings, lint.analyser)
        assert ctx.fact("draft.broken") and ctx.fact("draft.broken")
        assert calls == ["draft.broken"]
        other = Context(conv("ご連絡ありがとうございます。", "壊れました"), facts, lint.settings, lint.analyser)
        assert other.fact("draft.broken") is False  # its own cache: nothing leaks from the first check
        assert calls == ["draft.broken", "draft.broken"]
        ctx.close()
        assert ctx.fact("draft.broken") is True  # what was computed stays readable
        with pytest.raises(RuntimeError, match="over"):
            ctx.fact("post.broken")  # a closed context computes nothing new
    finally:
        del facts.compiled["draft.broken"]


def test_a_text_checked_again_starts_with_what_depends_on_it_alone(lint: Linter) -> None:
    calls: list[str] = []
    facts = lint.packset.facts
    for name in ("draft.broken", "post.question_mark", "post.mentions_brand"):
        real = facts.function(name)
        facts.compiled[name] = lambda ctx, name=name, real=real: calls.append(name) or real(ctx)
    doc_for.cache_clear()
    try:
        first = Context(conv("壊れてしまいましたか。", "@shop 壊れました？"), facts, lint.settings, lint.analyser)
        assert first.fact("draft.broken") and first.fact("post.question_mark")
        assert first.fact("post.mentions_brand") is False  # conftest's brand is not @shop
        first.close()
        shop = conv("壊れてしまいましたか。", "@shop 壊れました？").model_copy(
            update={"brand": Brand(name="ショップ", handles=("shop",))})
        again = Context(shop, facts, lint.settings, lint.analyser)
        assert again.fact("draft.broken") and again.fact("post.question_mark")
        # a fact that reads the brand too is asked again, and answers for this brand
        assert again.fact("post.mentions_brand") is True
        assert calls == ["draft.broken", "post.question_mark", "post.mentions_brand", "post.mentions_brand"]
        other = Context(conv("壊れてしまいましたか。", "壊れました"), facts, lint.settings, lint.analyser)
        assert other.fact("post.question_mark") is False  # another post: asked of it
        assert calls[-1] == "post.question_mark"
    finally:
        for name in ("draft.broken", "post.question_mark", "post.mentions_brand"):
            del facts.compiled[name]


def test_exists_test_agrees_with_at_least(lint: Linter) -> None:
    for name in ("handoff", "broken"):
        matcher = lint.packset.facts.matched[name].matcher
        for text in ("DMでご連絡ください。", "壊れた", "壊れていません", "", "DMで壊れた"):
            doc = doc_for(text)
            for n in (1, 2):
                assert matcher.exists_test(n)(doc) == matcher.at_least(doc, n), (name, text, n)


def test_at_least_with_unless_agrees_with_find(make_linter) -> None:
    lint = make_linter("""
    pack: t
    facts:
      tried:
        description: a suggestion to try something, not an invitation
        match:
          regex: ['お試しください']
          lemmas: [試す]
          unless:
            regex: ['機会']
    rules:
      - id: r
        category: move_to_dm
        severity: warning
        message: m
        kind: condition
        when: draft.tried
    """)
    matcher = lint.packset.facts.matched["tried"].matcher
    texts = ["再起動をお試しください。", "またの機会にお試しください。", "機会があれば。再起動をお試しください。",
             "機会があれば。", "", "試してみてください"]
    for text in texts:
        doc_for.cache_clear()
        expected = len(matcher.find(doc_for(text), limit=1)) >= 1
        doc_for.cache_clear()
        assert matcher.at_least(doc_for(text)) == expected, text
        assert matcher.exists_test()(doc_for(text)) == expected, text
        assert bool(lint.check(conv(text, "x")).findings) == expected, text


def test_facts_asked_of_the_customers_texts_have_a_pattern_set_of_their_own(make_linter) -> None:
    from replyguard.regex import pattern_set

    lint = make_linter("""
    pack: t
    facts:
      drafty:
        description: asked of drafts
        match: {regex: ['DMで']}
      posty:
        description: asked of posts and histories
        match: {regex: ['壊れ']}
      both:
        description: asked of both
        match: {regex: ['ありがと']}
      anchored:
        description: asked of posts, and named by a rule as its anchor (read in the draft)
        match: {regex: ['ご連絡']}
    rules:
      - id: r
        category: move_to_dm
        severity: warning
        message: m
        kind: condition
        when: (post.posty or history.posty) and draft.drafty and (draft.both or post.both) and post.anchored
        anchor: draft.anchored
    """)
    facts = lint.packset.facts
    main, customer = pattern_set("main"), pattern_set("customer")
    assert main is not customer
    assert facts.matched["drafty"].matcher._patterns is main and facts.matched["drafty"].customer is None
    assert facts.matched["posty"].matcher._patterns is customer and facts.matched["posty"].customer is None
    assert facts.matched["both"].matcher._patterns is main
    assert facts.matched["both"].customer is not None and facts.matched["both"].customer._patterns is customer
    assert facts.matched["anchored"].matcher._patterns is main  # the anchor reads the draft
    assert facts.matched["anchored"].customer is not None
    found = lint.check(conv("DMでご連絡ください。ありがとうございます", "イヤホンが壊れました。ご連絡を")).findings
    assert [f.rule for f in found] == ["t/r"]
    assert lint.check(conv("DMでご連絡ください。", "イヤホンが壊れました。ご連絡を")).findings == []


def test_present_of_earlier_messages_agrees_with_their_docs(lint: Linter) -> None:
    """``thread.present`` and the like read a message itself when a visible character shows it
    has text; otherwise the Doc's normalised text decides (zero-width characters are dropped,
    an ideographic space is blank)."""
    from replyguard.models import Message

    texts = ["", " ", "\u3000", "\u200b", "\u200b\ufeff \n", "a", " はい ", "\u3000ｱ", "①", "😊", "\u0301",
             "\u00ad\u3000", "ｶﾞ", "x\u200b", "\u2028"]
    for text in texts:
        thread = (Message(author="customer", text=text), Message(author="sample_support", text=text))
        c = conv("はい", "いいえ", thread=thread, history=thread)
        ctx = Context(c, lint.packset.facts, lint.settings, lint.analyser)
        expected = bool(doc_for(text).text.strip())
        for scope in ("thread", "thread_brand", "history", "history_brand"):
            assert ctx.fact(f"{scope}.present") is expected, (scope, text)
        ctx.close()
