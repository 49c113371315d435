"""Rewrite a pattern, for *whether it matches*, into patterns ``re`` can scan quickly.

``re`` skips ahead to the positions where a match can begin only when it knows the first
character of every alternative: a pattern that is an alternation of alternatives that each
start with a caseless literal (``壊れ|故障|不具合``). One alternative that starts otherwise
(``(繋|つな)がらな``, ``(?<!最)高い``, or ``DMで`` under ``IGNORECASE``) makes it try every
alternative at every position of the text, about four times slower on pack patterns.

:func:`search_parts` splits a pattern into up to three patterns whose union matches where the
original matches:

* the alternatives that start with a caseless literal, after distributing leading groups
  (``(繋|つな)がらな`` → ``繋がらな|つながらな``);
* alternatives starting with a letter under ``IGNORECASE``, one per case form of the letter,
  the rest of the alternative kept case-insensitive (``DMで`` → ``D(?i:Mで)|d(?i:Mで)``);
* everything else, unchanged.

Only *existence* is preserved (not which match ``finditer`` reports first), and only when
no alternative can match the empty string: the engine uses the parts to answer "does this
text match", and the original pattern whenever it needs the matches themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .prefilter import caseless, sre_parse, variants


class Part(NamedTuple):
    """One pattern of a split: its source and flags, ready for ``re.compile``."""

    source: str
    flags: int
    fast: bool = False
    """Every alternative starts with a caseless literal, and together they are all of the
    original's alternatives that do: what any of their matches contains is already known
    from the original pattern, so a caller may reuse its prefilter instead of parsing this."""


_QUANTIFIERS = ("?", "*", "+", "{")
_MAX_ALTERNATIVES = 512


class _Unbalanced(ValueError):
    """A bracket or parenthesis without its pair: the pattern is left as written."""


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, depth after it)`` of every ``(``, ``)`` and ``|`` outside escapes
    and character classes; raises :class:`_Unbalanced` at a bracket without its pair."""
    depth, i, n = 0, 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(source, i)
            if i < 0:
                raise _Unbalanced
        elif ch in "()|":
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                raise _Unbalanced
            yield i, ch, depth
        i += 1
    if depth:
        raise _Unbalanced


def _alternatives(source: str) -> list[str] | None:
    """The top-level alternatives of ``source`` (None if it cannot be split safely)."""
    out: list[str] = []
    start = 0
    try:
        for i, ch, depth in _structure(source):
            if ch == "|" and depth == 0:
                out.append(source[start:i])
                start = i + 1
    except _Unbalanced:
        return None
    out.append(source[start:])
    return out


def _class_end(source: str, i: int) -> int:
    """Index of the ``]`` closing the character class opened at ``i`` (-1 if none)."""
    j = i + 1
    if j < len(source) and source[j] == "^":
        j += 1
    if j < len(source) and source[j] == "]":  # a leading ] is a literal
        j += 1
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source[j] == "]":
            return j
        j += 1
    return -1


def _group_end(source: str) -> int:
    """Index of the ``)`` closing the group that opens ``source`` (-1 if none)."""
    try:
        for i, ch, depth in _structure(source):
            if ch == ")" and depth == 0:
                return i
    except _Unbalanced:
        pass
    return -1


def _distribute(alt: str) -> list[str]:
    """``(a|b)rest`` → ``[arest, brest]``, recursively; the alternative itself otherwise."""
    if alt.startswith("(?:"):
        inner_start = 3
    elif alt.startswith("(") and not alt.startswith("(?"):
        inner_start = 1
    else:
        return [alt]
    end = _group_end(alt)
    rest = alt[end + 1:] if end > 0 else ""
    if end < 0 or rest.startswith(_QUANTIFIERS):
        return [alt]
    inner = _alternatives(alt[inner_start:end])
    if inner is None:
        return [alt]
    out: list[str] = []
    for sub in inner:
        out.extend(_distribute(sub + rest))
        if len(out) > _MAX_ALTERNATIVES:
            return [alt]
    return out


_SPECIAL = frozenset("\\()[]{}.*+?^$|")


def _plain_start(alt: str) -> str | None:
    """The first character of ``alt`` when it is visibly a literal, unquantified: the common
    case, decided without parsing (a parse per alternative would dominate load time)."""
    if alt and alt[0] not in _SPECIAL and (len(alt) == 1 or alt[1] not in "?*+{"):
        return alt[0]
    return None


def _first_literal(parsed) -> str | None:
    """The first character of a parsed alternative when it starts with a literal, else None."""
    if not parsed.data or parsed.data[0][0] is not sre_parse.LITERAL:
        return None
    return chr(parsed.data[0][1])


def search_parts(source: str, flags: int = 0) -> list[Part]:
    """Patterns that together match (non-empty) exactly where ``source`` does.

    Returns ``[Part(source, flags)]`` when the pattern is best scanned as it is, or cannot be
    split safely (back-references, named groups, inline global flags, an alternative that
    may match the empty string).
    """
    whole = [Part(source, flags)]
    if flags & re.VERBOSE or re.search(r"\\[0-9]|\(\?P|\(\?[aiLmsux]+\)|\(\?\(", source):
        return whole
    alternatives = _alternatives(source)
    if alternatives is None:
        return whole
    expanded: list[str] = []
    for alt in alternatives:
        expanded.extend(_distribute(alt))
        if len(expanded) > _MAX_ALTERNATIVES:
            return whole
    ignorecase = bool(flags & re.IGNORECASE)
    fast: list[str] = []
    cased: list[str] = []
    slow: list[str] = []
    for alt in expanded:
        first = _plain_start(alt)  # a literal first character: the alternative is never empty
        if first is None:
            try:
                parsed = sre_parse.parse(alt, flags)
            except re.error:
                return whole
            if parsed.getwidth()[0] == 0:
                return whole  # may match empty: existence would not carry over
            first = _first_literal(parsed)
        if first is not None and (not ignorecase or caseless(first)):
            fast.append(alt)
        elif first is not None and alt[0] == first and (forms := variants(first)) is not None:
            rest = f"(?i:{alt[1:]})" if len(alt) > 1 else ""
            cased.extend(re.escape(f) + rest for f in sorted(forms))
        else:
            slow.append(alt)
    if not fast and not cased:
        return whole
    parts: list[Part] = []
    if fast:
        parts.append(Part("|".join(fast), flags, fast=True))
    if cased:
        parts.append(Part("|".join(cased), flags & ~re.IGNORECASE))
    if slow:
        parts.append(Part("|".join(slow), flags))
    return parts
