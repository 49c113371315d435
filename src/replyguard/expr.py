"""The tiny condition language of ``when:``: fact names joined by ``and``, ``or``, ``not``.

``post.complaint and not (draft.dm_handoff or rapport)`` reads like the guideline it
encodes, and it is data: it names facts, it cannot run code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z_][A-Za-z0-9_.]*))")


class ExprError(ValueError):
    """A ``when:`` expression that does not parse; the message says where."""


@dataclass(frozen=True)
class Node:
    op: str  # "fact", "and", "or", "not", "true"
    args: tuple[Node, ...] = ()
    name: str = ""

    def __getstate__(self) -> dict:
        return {"op": self.op, "args": self.args, "name": self.name}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def facts(self) -> set[str]:
        """Every fact name the expression refers to."""
        if self.op == "fact":
            return {self.name}
        out: set[str] = set()
        for a in self.args:
            out |= a.facts()
        return out

    def evaluate(self, lookup: Callable[[str], bool]) -> bool:
        """Evaluate with short-circuiting, so facts on the untaken side are never computed."""
        return self.compiled()(lookup)

    def compiled(self) -> Evaluator:
        """The condition as one function of ``lookup`` (what :meth:`evaluate` calls; a caller
        that evaluates it in a loop keeps the function instead of asking for it each time)."""
        try:
            return self._fn  # type: ignore[attr-defined,no-any-return]
        except AttributeError:  # compiled on first use: only the conditions evaluated, not every sub-node
            fn = _compile(self)
            object.__setattr__(self, "_fn", fn)
            return fn


Evaluator = Callable[[Callable[[str], bool]], bool]


def _source(node: Node) -> str:
    """Python source of ``node`` over ``look`` (fact names are identifiers with dots, quoted)."""
    if node.op == "fact":
        return f"look({node.name!r})"
    if node.op == "not":
        return f"(not {_source(node.args[0])})"
    if node.op in ("and", "or"):
        return "(" + f" {node.op} ".join(_source(a) for a in node.args) + ")"
    return "True"


def _compile(node: Node) -> Evaluator:
    """One Python function per condition (conditions run for every rule of every check):
    ``and``/``or``/``not`` short-circuit as Python's own, with no call per node."""
    code = compile(f"lambda look: bool({_source(node)})", "<when>", "eval")
    # The source holds only quoted fact names and and/or/not: no way to reach anything else.
    return eval(code, {"__builtins__": {}, "bool": bool})


def compile_holding(nodes: list[Node]) -> Callable[[Callable[[str], bool]], list[int]]:
    """One function for many conditions: the indices of those that hold, in order. A check asks
    every rule's condition (~50): one call for all of them instead of one per rule (what a
    call and the loop around it cost was ~a tenth of a check whose texts are analysed).
    Each condition short-circuits as its own :meth:`Node.compiled` function does."""
    lines = ["def holding(look):", "    out = []", "    add = out.append"]
    lines += [f"    if {_source(n)}: add({i})" for i, n in enumerate(nodes)]
    lines.append("    return out")
    namespace: dict[str, object] = {"__builtins__": {}}
    # As in _compile: the source holds only quoted fact names and and/or/not.
    exec(compile("\n".join(lines), "<when>", "exec"), namespace)
    return namespace["holding"]  # type: ignore[return-value]


TRUE = Node("true")


def parse(source: str) -> Node:
    """Parse a condition; raise :class:`ExprError` naming the offending position."""
    words: list[str] = []
    pos = 0
    text = source.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"unexpected character {text[pos:].strip()[:1]!r} at position {pos} in {source!r}")
        words.append(m.group(m.lastindex or 0))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not words:
        return TRUE
    node, rest = _parse_or(words, 0, source)
    if rest != len(words):
        raise ExprError(f"unexpected {words[rest]!r} in {source!r}")
    return node


def _parse_or(w: list[str], i: int, src: str) -> tuple[Node, int]:
    left, i = _parse_and(w, i, src)
    args = [left]
    while i < len(w) and w[i] == "or":
        right, i = _parse_and(w, i + 1, src)
        args.append(right)
    return (args[0] if len(args) == 1 else Node("or", tuple(args))), i


def _parse_and(w: list[str], i: int, src: str) -> tuple[Node, int]:
    left, i = _parse_not(w, i, src)
    args = [left]
    while i < len(w) and w[i] == "and":
        right, i = _parse_not(w, i + 1, src)
        args.append(right)
    return (args[0] if len(args) == 1 else Node("and", tuple(args))), i


def _parse_not(w: list[str], i: int, src: str) -> tuple[Node, int]:
    if i >= len(w):
        raise ExprError(f"expression ends too early: {src!r}")
    if w[i] == "not":
        inner, i = _parse_not(w, i + 1, src)
        return Node("not", (inner,)), i
    if w[i] == "(":
        inner, i = _parse_or(w, i + 1, src)
        if i >= len(w) or w[i] != ")":
            raise ExprError(f"missing ')' in {src!r}")
        return inner, i + 1
    if w[i] in ("and", "or", ")"):
        raise ExprError(f"unexpected {w[i]!r} in {src!r}")
    return Node("fact", name=w[i]), i + 1
