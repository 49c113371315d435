"""Words matched by their dictionary form, with negation read from the tokens.

A support lead lists words as they would look them up (怖い, 眠る, 足りる); every
conjugated form matches (怖かった, 眠れそうにない, 足りなくて), because UniDic gives each
token its lemma and written base form. Whether the word is negated — followed, within its
predicate, by ない/ぬ/ず/ません — decides between ``lemmas`` (the word as said: 怖い) and
``negated_lemmas`` (the word denied: 眠れない, 足りない, 通れない).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .cues import CueFilter, word_cues
from .doc import Doc
from .tokens import Token, readings

Span = tuple[int, int]

# Tokens that may stand between a word and the negation that belongs to it
# (眠れ-そう-に-ない, 止まら-ない, 許せ-ない, 分から-なく-て).
_BRIDGE_POS = frozenset({"助動詞", "形状詞", "接尾辞"})
_BRIDGE_LEMMAS = frozenset({"に", "は", "も", "て", "で", "居る", "仕舞う", "来る", "行く", "為る", "得る", "切る"})
_NEGATIONS = frozenset({"ない", "無い", "ぬ", "ず", "ん"})
_MAX_BRIDGE = 4
_MAX_KINDS = 100_000  # token kinds remembered per matcher (the vocabulary of a batch is small)


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
    """Finds the listed words (as lemmas, written base forms or surfaces) in a Doc's tokens.

    An entry that UniDic reads as one word matches by dictionary form; an entry it splits
    (不具合, 人身事故) is a compound and matches as written. Each matcher knows strings one of
    its matches must contain (:mod:`replyguard.cues`), so a text with none of them is never
    tokenised for it.
    """

    def __init__(self, words: Iterable[str], negated_words: Iterable[str]) -> None:
        plain, denied = _clean(words), _clean(negated_words)
        parts = {w: readings(w) for w in (*plain, *denied)}  # each entry tagged once at load
        self.words, self.phrases = _split(plain, parts)
        self.negated_words, self.negated_phrases = _split(denied, parts)
        compounds = {*self.phrases, *self.negated_phrases}
        cues: set[str] = set()
        for w in parts:
            cues |= {w} if w in compounds else word_cues(w, parts[w])
        self.cues = CueFilter(cues)  # a text with none of them is never tokenised for this matcher
        self._memo_key = object()
        self._by_kind: dict[int, int] = {}  # token kind → 0 no hit, 1 plain, 2 negated, 3 both

    def __bool__(self) -> bool:
        return bool(self.words or self.negated_words or self.phrases or self.negated_phrases)

    def _hit(self, t: Token) -> int:
        """Which lists the token is in (bit 1: ``words``, bit 2: ``negated_words``), once per token kind."""
        hit = self._by_kind.get(t.kind)
        if hit is None:
            names = (_base(t.lemma), t.orth_base, t.surface)
            hit = (1 if any(n in self.words for n in names) else 0) \
                | (2 if any(n in self.negated_words for n in names) else 0)
            if len(self._by_kind) >= _MAX_KINDS:
                self._by_kind.clear()
            self._by_kind[t.kind] = hit
        return hit

    def spans(self, doc: Doc) -> tuple[Span, ...]:
        """Character spans of every match, kept on the Doc (its tokens may be released)."""
        found = doc.memo.get(self._memo_key)
        if found is None and self.cues.absent(doc):
            found = doc.memo[self._memo_key] = ()
        if found is None:
            toks = doc.tokens
            out: list[Span] = self._phrase_spans(doc, toks)
            hit_of = self._hit
            for i, t in enumerate(toks):
                hit = hit_of(t)
                if not hit:
                    continue
                neg = negated(toks, i)
                if (hit & 1 and not neg) or (hit & 2 and neg):
                    out.append((t.start, t.end))
            found = doc.memo[self._memo_key] = tuple(sorted(out))
        return found  # type: ignore[return-value]

    def _phrase_spans(self, doc: Doc, toks: Sequence[Token]) -> list[Span]:
        """Compound entries, as written; a negated one needs a negation after its last token."""
        out: list[Span] = []
        text = doc.masked
        for phrases, want_negated in ((self.phrases, False), (self.negated_phrases, True)):
            for phrase in phrases:
                start = text.find(phrase)
                while start >= 0:
                    end = start + len(phrase)
                    last = next((k for k, t in enumerate(toks) if t.start < end <= t.end), None)
                    neg = last is not None and negated(toks, last)
                    if neg == want_negated:
                        out.append((start, end))
                    start = text.find(phrase, end)
        return out


def _clean(words: Iterable[str]) -> list[str]:
    return [w.strip() for w in words if w.strip()]


def _split(words: list[str], parts: dict[str, list[tuple[str, str, str]]]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Entries UniDic reads as one word, and compounds it splits into several."""
    single: set[str] = set()
    compound: list[str] = []
    for w in words:
        if len(parts[w]) <= 1:
            single.add(w)
        else:
            compound.append(w)
    return frozenset(single), tuple(compound)
