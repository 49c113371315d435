"""The ``when:`` language: precedence, short-circuiting, and errors that say where."""

from __future__ import annotations

import itertools

import pytest

from replyguard.expr import ExprError, parse


def _truth(source: str, names: list[str]) -> list[bool]:
    node = parse(source)
    out = []
    for values in itertools.product([False, True], repeat=len(names)):
        env = dict(zip(names, values, strict=True))
        out.append(node.evaluate(env.__getitem__))
    return out


@pytest.mark.parametrize(("source", "python"), [
    ("a or b and c", "a or (b and c)"),
    ("not a and b", "(not a) and b"),
    ("not (a or b) or c", "(not (a or b)) or c"),
    ("a and not not b", "a and b"),
    ("(a or b) and (c or not a)", "(a or b) and (c or not a)"),
])
def test_precedence_is_not_then_and_then_or(source: str, python: str):
    names = ["a", "b", "c"]
    expected = [bool(eval(python, {}, dict(zip(names, v, strict=True))))
                for v in itertools.product([False, True], repeat=3)]
    assert _truth(source, names) == expected


def test_facts_on_the_untaken_side_are_never_looked_up():
    asked: list[str] = []

    def look(name: str) -> bool:
        asked.append(name)
        return name == "post.complaint"

    assert parse("draft.dm_handoff and post.praise or post.complaint or rapport").evaluate(look) is True
    assert asked == ["draft.dm_handoff", "post.complaint"]


def test_names_that_start_like_keywords_are_fact_names():
    node = parse("notable or order and android")
    assert node.facts() == {"notable", "order", "android"}
    assert node.evaluate({"notable": False, "order": True, "android": True}.__getitem__) is True


def test_empty_condition_is_true():
    assert parse("  ").evaluate(lambda name: False) is True


@pytest.mark.parametrize(("source", "message"), [
    ("post.complaint and", "ends too early"),
    ("(a or b", "missing ')'"),
    ("a b", "unexpected 'b'"),
    ("a and ; b", "unexpected character ';' at position 6"),
])
def test_errors_say_what_and_where(source: str, message: str):
    with pytest.raises(ExprError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(source)


def _asking(facts: dict[str, bool], asked: list[str]):
    def look(name: str) -> bool:
        asked.append(name)
        return facts[name]
    return look


def test_compile_holding_agrees_with_each_condition_and_asks_the_same_facts() -> None:
    """compile_holding: the indices of the conditions that hold, each short-circuiting as its
    own compiled function does (the same facts asked, in the same order)."""
    from replyguard.expr import compile_holding
    sources = ["a and b", "a or not c", "not (a and (b or c))", "", "c", "(a or b) and not c and b"]
    nodes = [parse(s) for s in sources]
    holding = compile_holding(nodes)
    for values in itertools.product([False, True], repeat=3):
        facts = dict(zip("abc", values, strict=True))
        asked_all: list[str] = []
        got = holding(_asking(facts, asked_all))
        asked_each: list[str] = []
        look = _asking(facts, asked_each)
        want = [i for i, node in enumerate(nodes) if node.compiled()(look)]
        assert got == want
        assert asked_all == asked_each
