"""What the pattern set scans for a pattern: the pattern, or a necessary condition of it.

One RE2 set scan per text says which patterns may match (see :class:`replyguard.regex.PatternSet`).
Some constructs make the set's automaton build new states for most new texts: a *gap* that
keeps a partial match pending to the end of the sentence (``A[^。]{0,30}B``, ``.*``), context
around a hit group (``(?:^|[^で])``, ``(?:[^が]|$)``), deep bounded repeats. For such a pattern
the set scans a part every match contains — each alternative up to its first gap, its hit
group, or its literal start — and a hit there is confirmed by the pattern's own search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_QUANT = re.compile(r"\*|\+|\{(\d+),(\d*)\}")
_DEEP_COUNTER = re.compile(r"\{\d*,\d{2,}\}")
_LITERAL_HEAD = re.compile(r"[^\\^$.|?*+()\[\]{}]+(?![?*+{])")
# Context at the start or the end of an alternative: (?:^|[^で]), a bare ^, (?:[^が]|$), a bare $.
_CONTEXT_HEAD = re.compile(r"\A(?:\^|\(\?:\^\|\[\^[^\]\\]*\]\))")
# An inline flag ((?s), (?i:…)) would change what the gap's atom matches on its own.
_FLAGS = re.compile(r"\(\?[imsU-]")
_CONTEXT_TAIL = re.compile(r"(?:\$|\(\?:\[\^[^\]\\]*\]\|\$\))\Z")


def syntax_items(text: str) -> Iterator[tuple[int, int, str, int]]:
    """The syntax items of a pattern: ``(start, end, kind, depth)``, kind one of ``escape``,
    ``class``, ``negated`` (a ``[^…]`` class), ``(``, ``)``, ``|``, ``.`` or ``char``; depth
    is the group depth outside the item (for ``)``, after it closes)."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if text[i + 1:i + 3] in ("p{", "P{", "x{"):
                k = text.find("}", i + 3)
                end = k + 1 if k >= 0 else n
            else:
                end = i + 2
            yield i, end, "escape", depth
        elif ch == "[":
            end = _class_end(text, i)
            yield i, end, "negated" if text[i + 1:i + 2] == "^" else "class", depth
        elif ch == "(":
            yield i, i + 1, "(", depth
            depth += 1
            end = i + 1
        elif ch == ")":
            depth -= 1
            yield i, i + 1, ")", depth
            end = i + 1
        else:
            end = i + 1
            yield i, end, ch if ch in "|." else "char", depth
        i = end


def _class_end(text: str, i: int) -> int:
    """The index after the character class that starts at ``text[i]``."""
    j, n = i + 1, len(text)
    if j < n and text[j] == "^":
        j += 1
    if j < n and text[j] == "]":
        j += 1
    while j < n and text[j] != "]":
        if text[j] == "[" and text[j + 1:j + 2] == ":":  # [:alpha:] inside a class
            k = text.find(":]", j + 2)
            j = k + 2 if k >= 0 else j + 1
            continue
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _is_gap(text: str, at: int) -> bool:
    """Whether a repeat of at least two (or unbounded) follows at ``at``."""
    m = _QUANT.match(text, at)
    if m is None:
        return False
    return m.group(1) is None or m.group(2) == "" or int(m.group(2)) >= 2


def _at_least_once(text: str, at: int) -> bool:
    """Whether the repeat that follows at ``at`` takes its atom at least once (``+``, ``{1,n}``)."""
    m = _QUANT.match(text, at)
    return m is not None and (m.group() == "+" or (m.group(1) is not None and int(m.group(1)) >= 1))


def set_source(source: str) -> str | None:
    """What the set scans for ``source``, or None when that is ``source`` itself (nothing to
    relax) or some alternative would be left empty (nothing to scan for)."""
    alts: list[tuple[int, int | None, str]] = []  # (start, first gap, its atom if it must occur) per alternative
    start, gap, atom = 0, None, ""
    for i, end, kind, depth in syntax_items(source):
        if depth != 0:
            continue
        if kind == "|":
            alts.append((start, gap, atom))
            start, gap, atom = end, None, ""
        elif gap is None and kind in ("negated", ".") and _is_gap(source, end):
            gap = i
            atom = source[i:end] if _at_least_once(source, end) and not _FLAGS.search(source) else ""
    alts.append((start, gap, atom))
    parts = []
    changed = False
    for k, (a, g, atom) in enumerate(alts):
        end = g if g is not None else (alts[k + 1][0] - 1 if k + 1 < len(alts) else len(source))
        whole = source[a:end] if end > a else ""
        part = _CONTEXT_TAIL.sub("", _CONTEXT_HEAD.sub("", _hit_only(whole), count=1), count=1)
        if _DEEP_COUNTER.search(part):  # 「(?:[^お」][^」]{0,29}|…)」: only its literal start
            m = _LITERAL_HEAD.match(part)
            part = m.group() if m else ""
        if not part:
            # Nothing before the gap but context (^[^\n]{1,40}$): the gap's character, which
            # must occur once, is still a necessary condition. Scanned whole, the repeat made the
            # set count up to 40 characters along every text (checks ~1.5x slower).
            part = atom
        if not part:
            return None
        changed = changed or g is not None or part != whole
        parts.append(part)
    return "|".join(f"(?:{p})" for p in parts) if changed else None


def _hit_only(alt: str) -> str:
    """The hit group of an alternative that has one at its top level and not optional
    (``(?:$|[^、]…)`` around ``(?P<hit>ため|ので)`` is context), else the alternative itself."""
    opened = None
    for i, end, kind, depth in syntax_items(alt):
        if opened is None:
            if kind == "(" and depth == 0 and alt.startswith("(?P<hit", i):
                opened = i
        elif kind == ")" and depth == 0:
            after = alt[end:end + 2]
            optional = after[:1] in ("?", "*") or after == "{0"
            return alt if optional else alt[opened:end]
    return alt


# Any group but (?:…) and (?P<name>…): an inline flag ((?i), (?s:…)) reaches past the alternative
# it stands in, so a pattern that has one is scanned whole.
_NOT_PLAIN_GROUP = re.compile(r"\(\?(?!:|P<)")
_REPEAT_AT = re.compile(r"[*+?{]")
_MAX_ENTRIES = 64


def set_entries(source: str) -> list[str]:
    """The patterns a set scans for ``source`` (what :func:`set_source` gave): one per top-level
    alternative, a group around a whole alternative opened (``(?:A|B)|C`` → ``A``, ``B``,
    ``C``), and a group that starts an alternative spread over the rest of it (``(A|B)C`` →
    ``AC``, ``BC``). ``source`` matches somewhere in a text exactly when one of them
    does. A set sorts its patterns and shares the literal prefixes of neighbours, which
    it cannot do between the alternatives of two patterns kept whole: their first characters
    were then instructions of every state of the automaton (see :class:`replyguard.regex.PatternSet`).
    ``[source]`` when it has an inline flag, ``\\Q…\\E`` or an empty alternative."""
    if _NOT_PLAIN_GROUP.search(source) or "\\Q" in source:
        return [source]
    entries: list[str] = []
    todo = [source]
    while todo:
        text = todo.pop()
        alts = _alternatives(text)
        if alts is None:
            return [source]
        for alt in alts:
            group = _leading_group(alt)
            if group is None:
                entries.append(alt)
                continue
            inner, rest = group
            while (nested := _leading_group(inner)) is not None and not nested[1]:
                inner = nested[0]  # ((A|B)) is (A|B)
            parts = _alternatives(inner)
            if parts is None:
                return [source]
            if rest and len(parts) == 1:
                # (?:(A|B)C)D is (A|B)(?:C)D; a single alternative that starts otherwise stays
                head = _leading_group(inner)
                if head is None:
                    entries.append(alt)
                else:
                    todo.append(inner[:len(inner) - len(head[1])] + _join(head[1], rest))
            elif len(entries) + len(todo) + len(parts) > _MAX_ENTRIES:
                return [source]
            else:
                todo.extend(_join(p, rest) for p in reversed(parts))
    return entries


def _join(part: str, rest: str) -> str:
    """``part`` followed by ``rest``: grouped when ``rest`` could run on from its last item (a
    literal ``a{2`` then ``}``, an octal ``\\12`` then ``3``). Ungrouped, RE2 merges the literal
    with its neighbours' prefixes (a non-capturing group cost the set ~15% of its gain)."""
    if rest[:1] in ("", *"0123456789,}"):
        return f"(?:{part}){rest}" if rest else part
    return part + rest


def _alternatives(text: str) -> list[str] | None:
    """The top-level alternatives of ``text``, or None when one is empty."""
    cuts = [i for i, _end, kind, depth in syntax_items(text) if kind == "|" and depth == 0]
    starts = [0] + [c + 1 for c in cuts]
    alts = [text[a:b] for a, b in zip(starts, [*cuts, len(text)], strict=True)]
    return None if "" in alts else alts


def _leading_group(alt: str) -> tuple[str, str] | None:
    """``(inner, rest)`` when ``alt`` starts with a group (``(…)``, ``(?:…)``, ``(?P<n>…)``) that
    is not repeated; None otherwise."""
    if not alt.startswith("("):
        return None
    for _i, end, kind, depth in syntax_items(alt):
        if kind == ")" and depth == 0:
            if _REPEAT_AT.match(alt, end):
                return None
            head = alt.find(">") + 1 if alt.startswith("(?P<") else 3 if alt.startswith("(?:") else 1
            return alt[head:end - 1], alt[end:]
    return None  # pragma: no cover - an unbalanced pattern does not compile
