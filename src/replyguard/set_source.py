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
