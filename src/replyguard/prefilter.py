"""Required characters: a cheap test that a pattern cannot match a text.

Most pack patterns are long alternations of Japanese words, and most texts contain none of
them, yet an engine must scan the whole text to say so. Every match of
such a pattern contains at least one of a few characters: the pattern
``壊れ|故障|(繋|つな)がらな`` cannot match a text that has none of 壊, 故, が (one
chosen per alternative, the rarest kind: kanji, then katakana, then the rest). A text's
characters are one set built once per Doc, so ruling a pattern out is one ``isdisjoint``
call instead of a scan. (Pairs of characters would rule out more patterns, but building a
text's set of pairs costs more than the scans it saves.)

Patterns run on RE2 (see :mod:`replyguard.regex`); their syntax is read here with Python's
parser, which reads RE2's ordinary syntax the same way (a construct only RE2 has, such as
``\\p{Han}`` or ``\\x{1F600}``, is a parse error here: no filter; a POSIX class ``[[:alpha:]]``,
which Python would misread, gets no filter either). Case-insensitively a *caseless*
character (kana, kanji, most symbols) matches only itself, and a Latin letter (ASCII or
full-width) at most the few characters listed in ``variants`` (RE2 folds fewer than ``re``:
not İ/ı with i), so the test never rules out a real match. A pattern with a part that
requires no such character (``\\d+``, ``[ぁ-ん]``) gets no filter (``None``) and is always
scanned. Measured with RE2: checks ~5% faster with the filter than without (dev, dev-hard and
generated cases, alternating).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .set_source import syntax_items

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

Grams = frozenset[str]

_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}
if hasattr(sre_parse, "POSSESSIVE_REPEAT"):  # Python 3.11+
    _REPEATS.add(sre_parse.POSSESSIVE_REPEAT)
_ATOMIC = getattr(sre_parse, "ATOMIC_GROUP", None)


def caseless(ch: str) -> bool:
    """True when ``ch`` has no case variants, so ``re.IGNORECASE`` matches it only as itself."""
    return ch.lower() == ch and ch.upper() == ch and ch.casefold() == ch


def _letter_variants() -> dict[str, frozenset[str]]:
    # Every character re.IGNORECASE matches a Latin letter with, ASCII and full-width: the two
    # cases, plus İ/ı for i, the Kelvin sign for k and long s for s (tests/test_prefilter.py
    # checks this table against re over every code point).
    extra = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
    table: dict[str, frozenset[str]] = {}
    for low in "abcdefghijklmnopqrstuvwxyz":
        for lo in (low, chr(ord(low) + 0xFEE0)):  # a and ａ
            same = frozenset({lo, lo.upper(), *(extra.get(lo, ""))})
            for ch in same:
                table[ch] = same
    return table


_LETTERS = _letter_variants()


def variants(ch: str) -> frozenset[str] | None:
    """The characters ``re.IGNORECASE`` lets ``ch`` match; None when not known here."""
    if caseless(ch):
        return frozenset({ch})
    return _LETTERS.get(ch)


def _weight(ch: str) -> int:
    # Hiragana, ASCII and punctuation are everywhere in Japanese text; kanji are selective.
    if ch >= "\u4e00":
        return 3
    return 2 if "\u30a0" <= ch < "\u3100" else 1


def rarest(s: str) -> str:
    """The character of ``s`` (not empty) of the rarest kind: kanji, then katakana, then the rest."""
    return max(s, key=_weight)


def _rank(grams: Grams) -> tuple[int, int]:
    """How selective a requirement is: its weakest gram first, then fewer grams."""
    return (min(_weight(g) for g in grams), -len(grams))


def _best_gram(run: str) -> Grams:
    """The characters any match of a run of literal characters contains: the variants of its
    most selective character (kanji first; a caseless one over a letter with case forms)."""
    best = max(run, key=lambda ch: (_weight(ch), caseless(ch)))
    return variants(best)  # type: ignore[return-value]  # runs hold only characters with variants


def literal_grams(text: str) -> Grams | None:
    """Grams one of which every occurrence of the literal ``text`` contains."""
    return _sequence([(sre_parse.LITERAL, ord(ch)) for ch in text])


def _sequence(items) -> Grams | None:
    """Requirement of a concatenation: the most selective of its parts' requirements."""
    candidates: list[Grams] = []
    run = ""
    for op, av in items:
        if op is sre_parse.LITERAL and variants(chr(av)) is not None:
            run += chr(av)
            continue
        if run:
            candidates.append(_best_gram(run))
            run = ""
        sub = _item(op, av)
        if sub:
            candidates.append(sub)
    if run:
        candidates.append(_best_gram(run))
    return max(candidates, key=_rank) if candidates else None


def _item(op, av) -> Grams | None:
    """Requirement of one parsed item; None when it requires no known gram."""
    if op is sre_parse.SUBPATTERN:
        return _sequence(av[-1])
    if _ATOMIC is not None and op is _ATOMIC:
        return _sequence(av)
    if op is sre_parse.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            req = _sequence(branch)
            if req is None:
                return None
            out |= req
        return frozenset(out)
    if op in _REPEATS:
        lo, _hi, sub = av
        return _sequence(sub) if lo >= 1 else None
    if op is sre_parse.IN:
        found = [variants(chr(v)) for o, v in av if o is sre_parse.LITERAL]
        if found and len(found) == len(av) and all(v is not None for v in found):
            return frozenset().union(*found)  # type: ignore[arg-type]
    return None


def parse_pattern(pattern: str, flags: int = 0):  # returns sre's SubPattern (version-specific type)
    """The parse tree of a pattern (only read, never changed). Raises ``re.error``."""
    return sre_parse.parse(pattern, flags)


@lru_cache(maxsize=2048)
def pattern_grams(pattern: str, flags: int = 0) -> Grams | None:
    """Grams one of which every match of ``pattern`` contains, or None (no filter).

    Kept by pattern is the answer (a frozenset of strings), not the parse tree: trees kept
    for the life of the process were ~30,000 of its ~100,000 objects the garbage collector
    tracks, and a full collection walks them all (40 → 17 ms each, after dev cases)."""
    if "[:" in pattern:  # a POSIX class in RE2, characters in Python's reading
        return None
    try:
        parsed = parse_pattern(pattern, flags)
    except re.error:  # an unparsable pattern simply gets no filter (compiling it reports why)
        return None
    return _sequence(list(parsed))


Needs = tuple[tuple[str, ...], ...]
"""Literal texts a match must contain: for each part, one of its strings (see :func:`literal_needs`)."""


def literal_needs(pattern: str) -> Needs | None:
    """Literal texts every match of ``pattern`` contains, or None when none is known: each part
    of the top-level sequence that is a run of caseless characters (``ありがとうございま``) or an
    alternation of such runs (``(ご報告|ご指摘)``) gives one entry, the strings one of which a
    match holds. A pattern's required characters (:func:`pattern_grams`) keep one character of
    its most selective part; this keeps every part, in full. It is asked before confirming a
    relaxed pattern's candidate with the pattern's own search (:meth:`replyguard.regex.Regex.
    may_match`): the set scan saw the part before the gap, and the part after it is then often
    missing (a search on a text whose automaton states are cold costs 10–30 µs within a check,
    ``in`` on a short text well under one). Case-insensitively a caseless character matches only
    itself, so the test never rules out a real match."""
    readable = _one_character_atoms(pattern)
    if "[:" in readable:  # a POSIX class in RE2, characters in Python's reading
        return None
    try:
        parsed = parse_pattern(readable)
    except re.error:  # a construct only RE2 has: no test
        return None
    needs: list[tuple[str, ...]] = []
    _sequence_needs(list(parsed), needs)
    return tuple(needs) or None


def _one_character_atoms(pattern: str) -> str:
    """``pattern`` with the atoms only RE2 reads that match one character (``\\p{Han}``, ``\\pL``,
    ``\\x{1F600}``, a class holding one of them) written ``\\d``, which Python reads as one
    character too, and not as a literal: the literal parts around them are what they were
    (``ご[\\p{Han}]{2}される`` still needs ``される``)."""
    out: list[str] = []
    skip = False
    for i, end, kind, _ in syntax_items(pattern):
        piece = pattern[i:end]
        if skip:  # the letter of \pL
            skip = False
            continue
        if kind == "escape" and piece[:2] in ("\\p", "\\P", "\\x") and (end > i + 2 or piece[1] in "pP"):
            skip = end == i + 2  # \pL: the property's letter is the next item
            out.append("\\d")
        elif kind in ("class", "negated") and any(e in piece for e in ("\\p", "\\P", "\\x{")):
            out.append("\\d")
        else:
            out.append(piece)
    return "".join(out)


def _sequence_needs(items, needs: list[tuple[str, ...]]) -> None:  # sre's parsed items (version-specific type)
    """Add the needs of a concatenation: each caseless run, each alternation of caseless runs,
    and those of groups and of repeats taken at least once."""
    run = ""
    for op, av in items:
        if op is sre_parse.LITERAL and caseless(chr(av)):
            run += chr(av)
            continue
        if run:
            needs.append((run,))
            run = ""
        if op is sre_parse.SUBPATTERN:
            _sequence_needs(av[-1], needs)
        elif op is sre_parse.BRANCH:
            alternatives = [_caseless_text(branch) for branch in av[1]]
            if all(alternatives):  # no empty or non-literal branch
                needs.append(tuple(sorted(set(alternatives), key=lambda a: (len(a), a))))  # type: ignore[arg-type]
        elif op is sre_parse.IN and all(o is sre_parse.LITERAL and caseless(chr(v)) for o, v in av):
            needs.append(tuple(chr(v) for _, v in av))  # (で|に) reads as the class [でに]
        elif op in _REPEATS and av[0] >= 1:
            _sequence_needs(list(av[2]), needs)
    if run:
        needs.append((run,))


def _caseless_text(items) -> str | None:  # sre's parsed items (version-specific type)
    """The text a sequence of caseless literal characters (in plain groups) matches, else None."""
    out = []
    for op, av in items:
        if op is sre_parse.LITERAL and caseless(chr(av)):
            out.append(chr(av))
        elif op is sre_parse.SUBPATTERN and (inner := _caseless_text(av[-1])) is not None:
            out.append(inner)
        else:
            return None
    return "".join(out)


def whole_text_width(pattern: str) -> tuple[int, int] | None:
    """The least and most characters of a text ``pattern`` can match when it is anchored at both
    ends (``^[^\\n]{1,40}$``: in RE2 without the multi-line flag ``^`` is the start of the text
    and ``$`` its end, so a match is the whole text); None for any other pattern. A text of
    another length cannot match, whatever its characters."""
    if "[:" in pattern:
        return None
    try:
        parsed = parse_pattern(pattern)
    except re.error:
        return None
    items = list(parsed)
    if parsed.state.flags & re.MULTILINE or len(items) < 2:
        return None
    first, last = items[0], items[-1]
    if first != (sre_parse.AT, sre_parse.AT_BEGINNING) or last != (sre_parse.AT, sre_parse.AT_END):
        return None  # (a top-level | parses as one BRANCH item: not anchored as a whole)
    lo, hi = parsed.getwidth()
    return lo, hi


def union(parts: list[Grams | None]) -> Grams | None:
    """Requirement of "any of these patterns matches": None if any part has no filter."""
    out: set[str] = set()
    for p in parts:
        if p is None:
            return None
        out |= p
    return frozenset(out) if out else None


def text_grams(text: str) -> set[str]:
    """The characters of ``text``: what a requirement is tested against."""
    return set(text)
