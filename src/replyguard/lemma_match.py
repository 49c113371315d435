"""Words matched by their dictionary form, with negation read from the tokens.

A support lead lists words as they would look them up (怖い, 眠る, 足りる); every
conjugated form matches (怖かった, 眠れそうにない, 足りなくて), because UniDic gives each
token its lemma and written base form. Whether the word is negated — followed, within its
predicate, by ない/ぬ/ず/ません — decides between ``lemmas`` (the word as said: 怖い) and
``negated_lemmas`` (the word denied: 眠れない, 足りない, 通れない).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .doc import Doc
from .tokens import Token

Span = tuple[int, int]

# Tokens that may stand between a word and the negation that belongs to it
# (眠れ-そう-に-ない, 止まら-ない, 許せ-ない, 分から-なく-て).
_BRIDGE_POS = frozenset({"助動詞", "形状詞", "接尾辞"})
_BRIDGE_LEMMAS = frozenset({"に", "は", "も", "て", "で", "居る", "仕舞う", "来る", "行く", "為る", "得る", "切る"})
_NEGATIONS = frozenset({"ない", "無い", "ぬ", "ず", "ん"})
_MAX_BRIDGE = 4


def _base(lemma: str) -> str:
    return lemma.split("-", 1)[0]


def negated(tokens: Sequence[Token], i: int) -> bool:
    """Whether the word at ``tokens[i]`` is negated by what follows it in its predicate."""
    for k in range(i + 1, min(len(tokens), i + 1 + _MAX_BRIDGE)):
        t = tokens[k]
        if t.ctype in ("助動詞-ナイ", "助動詞-ヌ") or (t.pos1 in ("形容詞", "助動詞") and _base(t.lemma) in _NEGATIONS):
            return True
        if t.pos1 in _BRIDGE_POS or _base(t.lemma) in _BRIDGE_LEMMAS:
            continue
        return False
    return False


class LemmaMatcher:
    """Finds the listed words (as lemmas, written base forms or surfaces) in a Doc's tokens."""

    def __init__(self, words: Iterable[str], negated_words: Iterable[str]) -> None:
        self.words = frozenset(w.strip() for w in words if w.strip())
        self.negated_words = frozenset(w.strip() for w in negated_words if w.strip())
        self._memo_key = object()

    def __bool__(self) -> bool:
        return bool(self.words or self.negated_words)

    def _hit(self, t: Token) -> tuple[bool, bool]:
        names = (_base(t.lemma), t.orth_base, t.surface)
        return (any(n in self.words for n in names), any(n in self.negated_words for n in names))

    def spans(self, doc: Doc) -> tuple[Span, ...]:
        """Character spans of every match, kept on the Doc (its tokens may be released)."""
        found = doc.memo.get(self._memo_key)
        if found is None:
            toks = doc.tokens
            out: list[Span] = []
            for i, t in enumerate(toks):
                plain, denied = self._hit(t)
                if not (plain or denied):
                    continue
                neg = negated(toks, i)
                if (plain and not neg) or (denied and neg):
                    out.append((t.start, t.end))
            found = doc.memo[self._memo_key] = tuple(out)
        return found  # type: ignore[return-value]
