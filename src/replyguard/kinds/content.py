"""Kinds about what the draft says relative to other texts: ``relevance`` (does it engage
with the post?) and ``repetition`` (is it a copy of a reply already sent?)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..context import Context
from ..doc import Doc, doc_for
from ..schema import RelevanceRule, RepetitionRule
from . import BuildEnv, Hit

_CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞")
_KANJI_KATA = range(0x30A0, 0x9FFF + 1)
_KANJI = range(0x4E00, 0x9FFF + 1)


def _is_content(tok) -> bool:
    if tok.pos1 not in _CONTENT_POS or tok.pos2 == "数詞":
        return False
    if tok.pos1 == "名詞" and tok.pos2 == "普通名詞" and len(tok.surface) == 1 and tok.surface.isascii():
        return False
    return len(tok.surface) > 1 or any(ord(c) in _KANJI_KATA for c in tok.surface)


def content_terms(doc: Doc, stock: frozenset[str]) -> frozenset[str]:
    """Topic-bearing lemmas of a text: nouns, verbs, adjectives, minus the stock vocabulary.

    Also adds the kanji/katakana bigrams of content words, so that ファンデ in a reply meets
    クッションファンデ in the post and 充電 meets 充電器.
    """
    key = ("content", stock)
    cached = doc.memo.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    terms: set[str] = set()
    known = _TOKEN_TERMS.get(stock)
    if known is None or len(known) > 100_000:
        known = _TOKEN_TERMS[stock] = {}
    for t in doc.tokens:
        found = known.get(t.kind)
        if found is None:
            found = known[t.kind] = _token_terms(t, stock)
        terms.update(found)
    out = frozenset(terms)
    doc.memo[key] = out
    return out


# stock → token kind → the terms one token contributes (tokens repeat a lot).
_TOKEN_TERMS: dict[frozenset[str], dict[int, tuple[str, ...]]] = {}


def _token_terms(t, stock: frozenset[str]) -> tuple[str, ...]:
    if not _is_content(t):
        return ()
    lemma = t.lemma.split("-", 1)[0]
    if lemma in stock or t.surface in stock:
        return ()
    terms = [lemma]
    if t.pos1 in ("動詞", "形容詞") and lemma and ord(lemma[0]) in _KANJI:
        terms.append("~" + lemma[0])  # 焼く/焼ける, 遅れる/遅い share a stem
    word = t.surface
    for i in range(len(word) - 1):
        pair = word[i:i + 2]
        if all(ord(c) in _KANJI_KATA for c in pair) and pair not in stock:
            terms.append("~" + pair)
    return tuple(terms)


def overlap(a: frozenset[str], b: frozenset[str]) -> int:
    """Shared terms, counting a whole lemma as 1 and a shared bigram as 1 only if no lemma is."""
    words = {t for t in a & b if not t.startswith("~")}
    if words:
        return len(words)
    return 1 if any(t.startswith("~") for t in a & b) else 0


@dataclass
class RelevanceChecker:
    stock: frozenset[str]
    min_overlap: int
    min_post_terms: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        brand = content_terms(doc_for(ctx.conv.brand.name), frozenset()) if ctx.conv.brand.name else frozenset()
        post_terms = content_terms(ctx.post, self.stock) - brand
        if len({t for t in post_terms if not t.startswith("~")}) < self.min_post_terms:
            return
        draft_terms = content_terms(ctx.draft, self.stock) - brand
        if overlap(post_terms, draft_terms) < self.min_overlap:
            yield Hit(None, {"shared": 0})


def build_relevance(spec: RelevanceRule, env: BuildEnv) -> RelevanceChecker:
    stock = frozenset(s for item in spec.stock for s in
                      (env.lexicons[item[1:]] if item.startswith("@") else [item]))
    return RelevanceChecker(stock, spec.min_overlap, spec.min_post_terms)


def ngrams(text: str, n: int) -> frozenset[str]:
    compact = "".join(ch for ch in text if not ch.isspace())
    if len(compact) < n:
        return frozenset({compact}) if compact else frozenset()
    return frozenset(compact[i:i + n] for i in range(len(compact) - n + 1))


def doc_ngrams(doc: Doc, n: int) -> frozenset[str]:
    """:func:`ngrams` of a Doc's text, kept on the Doc (history texts repeat across cases)."""
    key = ("ngrams", n)
    found = doc.memo.get(key)
    if found is None:
        found = doc.memo[key] = ngrams(doc.text, n)
    return found  # type: ignore[return-value]


def _dice(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def similarity(a: str, b: str, n: int = 3) -> float:
    """Dice coefficient of character n-grams: 1.0 for identical texts, 0.0 for disjoint ones."""
    return _dice(ngrams(a, n), ngrams(b, n))


@dataclass
class RepetitionChecker:
    against: list[str]
    threshold: float
    n: int

    def run(self, ctx: Context) -> Iterable[Hit]:
        draft = doc_ngrams(ctx.draft, self.n)
        for scope in self.against:
            for doc in ctx.docs(scope):
                sim = _dice(draft, doc_ngrams(doc, self.n))
                if sim >= self.threshold:
                    yield Hit(None, {"similarity": round(sim, 2), "previous": doc.original[:40]})
                    return


def build_repetition(spec: RepetitionRule, env: BuildEnv) -> RepetitionChecker:
    return RepetitionChecker(list(spec.against), spec.threshold, spec.ngram)
