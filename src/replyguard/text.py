"""Normalised copies of texts for matching, with a map back to the original offsets.

Customers and agents type the same thing many ways: full-width digits (０９０), half-width
kana (ｶﾞ), compatibility characters, zero-width spaces pasted from other tools. Rules match
against one canonical form (NFKC, zero-width characters removed), but every span reported to
a user points into the text they wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Characters that carry no visible content and break matching when pasted into a word.
# ZWJ (U+200D) is among them: inside an emoji sequence it only glues pictographs together.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

# Marks that NFKC composes with the character before them (voiced marks, combining marks).
_HALFWIDTH_VOICED = frozenset("\uff9e\uff9f\u3099\u309a")


def _joins_previous(ch: str) -> bool:
    return ch in _HALFWIDTH_VOICED or unicodedata.combining(ch) != 0


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """``text`` normalised; ``starts[i]``/``ends[i]`` give the original range of character ``i``.

    Most texts keep every offset: their maps are ``range`` objects, not tuples of one int per
    character (made for every text a check sees, and freed when its Doc leaves the cache)."""

    original: str
    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizedText):
            return NotImplemented
        return (self.original, self.text, tuple(self.starts), tuple(self.ends)) == \
            (other.original, other.text, tuple(other.starts), tuple(other.ends))

    def __hash__(self) -> int:
        return hash((self.original, self.text))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` range of the normalised text back to the original text."""
        if not self.text:
            return (0, 0)
        start = min(max(start, 0), len(self.text))
        end = min(max(end, start), len(self.text))
        if start == end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return (pos, pos)
        return (self.starts[start], self.ends[end - 1])


# Ranges where every character is its own cluster and NFKC leaves it alone: printable ASCII,
# Japanese punctuation and brackets, hiragana, katakana, the unified CJK ideographs (tested
# over every code point). Only the characters outside them need looking at, and one regex
# scan finds those without making a string object of every character of the text.
KNOWN_STABLE_RANGES = ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0x3001, 0x3002), (0x3005, 0x3011),
                       (0x301C, 0x301C), (0x3041, 0x3096), (0x30A1, 0x30FE), (0x4E00, 0x9FFF))
_OUTSIDE_KNOWN = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in KNOWN_STABLE_RANGES) + "]")

# Characters known to be a cluster of their own that NFKC leaves alone (most of any text):
# runs of them are copied as they are instead of being normalised one by one.
_STABLE: set[str] = set()
_UNSTABLE: set[str] = set()
_LEARN_MAX = 100_000
# Unstable characters that are a cluster of their own and fold to exactly one character
# (？ → ?, ！ → !, ０ → 0): a text whose only unstable characters are these keeps its offsets.
_ONE_TO_ONE: dict[str, str] = {}


def _learn(chars: set[str]) -> None:
    if len(_STABLE) + len(_UNSTABLE) > _LEARN_MAX:
        _STABLE.clear()
        _UNSTABLE.clear()
        _ONE_TO_ONE.clear()
    for ch in chars:
        folded = unicodedata.normalize("NFKC", ch)
        if ch in ZERO_WIDTH or _joins_previous(ch) or folded != ch:
            _UNSTABLE.add(ch)
            if ch not in ZERO_WIDTH and not _joins_previous(ch) and len(folded) == 1:
                _ONE_TO_ONE[ch] = folded
        else:
            _STABLE.add(ch)


def _fold_clusters(original: str, i: int, last: int, out: list[str], starts: list[int],
                   ends: list[int]) -> int:
    """NFKC-fold the clusters starting at ``i`` up to the one holding ``last``; return where they end.

    Zero-width characters are dropped; each output character records its cluster's original range.
    """
    n = len(original)
    while i <= last:
        if original[i] in ZERO_WIDTH:
            i += 1
            continue
        j = i + 1
        while j < n and _joins_previous(original[j]):
            j += 1
        folded = unicodedata.normalize("NFKC", original[i:j].replace("\u200d", ""))
        out.append(folded)
        starts.extend([i] * len(folded))
        ends.extend([j] * len(folded))
        i = j
    return i


def normalize(original: str) -> NormalizedText:
    """NFKC-normalise ``original`` cluster by cluster, dropping zero-width characters.

    A cluster is a base character with the marks that compose onto it (``ﾊﾞ`` → ``バ``), so
    every output character maps to exactly one original range.
    """
    n = len(original)
    text = original
    if not original.isascii():
        stable = _STABLE
        # the distinct characters NFKC may change
        odd = set(_OUTSIDE_KNOWN.findall(original)).difference(stable)
        if odd and not _UNSTABLE.issuperset(odd):
            _learn(odd - _UNSTABLE)
            odd -= stable
        if odd:
            one = _ONE_TO_ONE
            if not all(ch in one for ch in odd):
                return _fold_marked(original, stable)
            for ch in odd:  # every cluster is one character, folded in place; a few distinct
                text = text.replace(ch, one[ch])  # characters: str.replace beats str.translate
    return NormalizedText(original, text, range(n), range(1, n + 1))


def _fold_marked(original: str, stable: set[str]) -> NormalizedText:
    """Fold the clusters around the characters outside ``stable``; copy the runs between them."""
    n = len(original)
    bad = [m.start() for m in _OUTSIDE_KNOWN.finditer(original) if m.group() not in stable]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0  # everything before pos is done, and pos is a cluster boundary
    for p in bad:
        if p < pos:
            continue
        # The cluster holding p starts at the base character its marks join onto.
        k = p
        while k > pos and _joins_previous(original[k]) and original[k - 1] not in ZERO_WIDTH:
            k -= 1
        if k > pos:  # a run of stable characters, each its own cluster
            out.append(original[pos:k])
            starts.extend(range(pos, k))
            ends.extend(range(pos + 1, k + 1))
        pos = _fold_clusters(original, k, p, out, starts, ends)
    if pos < n:
        out.append(original[pos:])
        starts.extend(range(pos, n))
        ends.extend(range(pos + 1, n + 1))
    return NormalizedText(original, "".join(out), tuple(starts), tuple(ends))


def normalize_reference(original: str) -> NormalizedText:
    """The plain cluster-by-cluster loop :func:`normalize` must agree with (used by tests)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    _fold_clusters(original, 0, len(original) - 1, out, starts, ends)
    return NormalizedText(original, "".join(out), tuple(starts), tuple(ends))


# X (twitter-text v3): code points in these ranges weigh 1, everything else 2; a URL weighs 23.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def x_weight(ch: str) -> int:
    """The weight of one code point in X's length count (1 for Latin and punctuation, 2 else)."""
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2
