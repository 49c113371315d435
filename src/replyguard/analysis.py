"""Analyses of texts that kinds share, and the :class:`Analyser` a linter owns.

Kinds reach texts only through the :class:`~replyguard.context.Context`, which asks the
linter's analyser. Whatever depends on a linter's packs (the token keys its sequences
registered, the content terms per stock vocabulary) is cached here, per linter, so two
linters with different packs in one process never see each other's entries. What depends
only on a text stays on its shared :class:`~replyguard.doc.Doc` (in typed slots).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .budget import spend
from .doc import Doc, TermsKey, doc_for
from .matcher import KeyIndex
from .text import _LIGHT_RANGES, x_weight
from .tokens import Token

# -- content words (relevance, unanswered_mention) -------------------------------------------
_CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞")
_KANJI_KATA = range(0x30A0, 0x9FFF + 1)
_KANJI = range(0x4E00, 0x9FFF + 1)
_MAX_TOKEN_KINDS = 100_000


def _is_content(tok: Token) -> bool:
    if tok.pos1 not in _CONTENT_POS or tok.pos2 == "数詞":
        return False
    if tok.pos1 == "名詞" and tok.pos2 == "普通名詞" and len(tok.surface) == 1 and tok.surface.isascii():
        return False
    return len(tok.surface) > 1 or any(ord(c) in _KANJI_KATA for c in tok.surface)


def content_lemma(tok: Token) -> str | None:
    """The lemma a content word counts under (as in :meth:`Analyser.content_terms`), or None."""
    return tok.lemma.split("-", 1)[0] if _is_content(tok) else None


def _token_terms(t: Token, stock: frozenset[str]) -> tuple[str, ...]:
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


# -- similarity (repetition, already_answered, template near-duplicates) ---------------------
def ngrams(text: str, n: int) -> frozenset[str]:
    compact = "".join(text.split())  # without whitespace (split() splits where isspace() holds)
    if len(compact) < n:
        return frozenset({compact}) if compact else frozenset()
    return frozenset(compact[i:i + n] for i in range(len(compact) - n + 1))


def dice(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def similarity(a: str, b: str, n: int = 3) -> float:
    """Dice coefficient of character n-grams: 1.0 for identical texts, 0.0 for disjoint ones."""
    return dice(ngrams(a, n), ngrams(b, n))


# -- length per channel (length, template length) ---------------------------------------------
_LIGHT = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _LIGHT_RANGES) + "]")
_EMOJI_PARTS = re.compile("[\ufe0f\U0001F3FB-\U0001F3FF]")  # variation selector, skin tones
DEFAULT_LIMITS = {"x": 280, "instagram": 2200, "facebook": 8000, "line": 5000, "youtube": 10000}
X_URL_WEIGHT = 23


def x_length(doc: Doc) -> int:
    """X's weighted length of the original text: CJK and emoji 2, Latin 1, every URL 23.

    A leading run of @handles (the reply's addressees) does not count, as on X.
    """
    text = doc.original
    total = 0
    stripped = text.lstrip()
    while stripped.startswith("@"):
        _, _, stripped = stripped.partition(" ")
        stripped = stripped.lstrip()
    i = len(text) - len(stripped)
    if not doc.urls and "\u200d" not in stripped:
        # No URL, no ZWJ sequence: count light characters and skipped emoji parts at C speed.
        light = len(_LIGHT.findall(stripped))
        skipped = len(_EMOJI_PARTS.findall(stripped))
        return light + 2 * (len(stripped) - light - skipped)
    urls: dict[int, int] = {}
    for a, b in (doc.norm.to_original(a, b) for a, b in doc.urls):
        urls.setdefault(a, b)
    while i < len(text):
        end = urls.get(i)
        if end is not None:
            total += X_URL_WEIGHT
            i = end
            continue
        ch = text[i]
        if ch == "\u200d":  # a ZWJ glues the next pictograph into the same emoji: X counts it once
            i += 2
            continue
        if ch == "\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF:  # variation selector, skin tone
            i += 1
            continue
        total += x_weight(ch)
        i += 1
    return total


def channel_length(doc: Doc, channel: str) -> int:
    """The draft's length as ``channel`` counts it (X's weighted count is kept on the Doc)."""
    if channel == "x":
        found: int | None = doc.memo.get(_X_LENGTH)  # type: ignore[assignment]
        if found is None:
            found = doc.memo[_X_LENGTH] = x_length(doc)
        return found
    if channel == "line":  # LINE counts UTF-16 code units
        return len(doc.original.encode("utf-16-le")) // 2
    return len(doc.original)


_X_LENGTH = object()  # the memo key of x_length


class Analyser:
    """A linter's analyses of texts: the only way kinds reach Docs (through the Context).

    Owns the caches that depend on the linter's packs: the :class:`KeyIndex` of its token
    sequences, and the content terms each token kind contributes under each stock vocabulary.
    """

    def __init__(self, keys: KeyIndex | None = None) -> None:
        self.keys = keys if keys is not None else KeyIndex()
        # stock → token kind → the terms one token contributes (tokens repeat a lot)
        self._token_terms: dict[frozenset[str], dict[int, tuple[str, ...]]] = {}
        # prefix → token kind → the feature its content lemma makes ("" for none): see word_features
        self._token_words: dict[str, dict[int, str]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_token_terms": {}, "_token_words": {}}  # caches: workers rebuild them

    def doc(self, text: str) -> Doc:
        """The analysed text (shared by every check that sees the same text)."""
        spend("stopped before analysing a text")
        return doc_for(text)

    def content_terms(self, doc: Doc, stock: frozenset[str],
                      outside: Sequence[tuple[int, int]] = ()) -> frozenset[str]:
        """Topic-bearing lemmas of a text: nouns, verbs, adjectives, minus the stock vocabulary.

        Also adds the kanji/katakana bigrams of content words, so that ファンデ in a reply meets
        クッションファンデ in the post and 充電 meets 充電器. ``outside``: ranges of the text
        whose words do not count (a thank-you-for-choosing-us sentence names the product
        without engaging with the post).
        """
        # kept by the stock vocabulary, and by the ranges left out when there are any: they are
        # found in the same text (a relevance rule's ceremony sentences), so a draft checked
        # again has its terms without its tokens (released after each check)
        key: TermsKey = (stock, tuple(outside)) if outside else stock
        cached = doc.content_terms.get(key)
        if cached is not None:
            return cached
        terms: set[str] = set()
        known = self._token_terms.get(stock)
        if known is None or len(known) > _MAX_TOKEN_KINDS:
            known = self._token_terms[stock] = {}
        for t in doc.tokens:
            if outside and any(a <= t.start < b for a, b in outside):
                continue
            found = known.get(t.kind)
            if found is None:
                found = known[t.kind] = _token_terms(t, stock)
            terms.update(found)
        out = doc.content_terms[key] = frozenset(terms)
        return out

    def word_features(self, doc: Doc, prefix: str) -> frozenset[str]:
        """``prefix`` + each content lemma of a text (``D:謝る``): the words of
        :meth:`content_terms` without a stock, and without its ``~`` stems and bigrams (a lemma
        never has the mark: it is added to the stems), found
        per token kind (the confidence model's word features; a rated check asked for the whole
        terms and then made a string per word)."""
        known = self._token_words.get(prefix)
        if known is None or len(known) > _MAX_TOKEN_KINDS:
            known = self._token_words[prefix] = {}
        words: set[str] = set()
        for t in doc.tokens:
            found = known.get(t.kind)
            if found is None:
                lemma = content_lemma(t)
                found = known[t.kind] = "" if lemma is None else prefix + lemma
            if found:
                words.add(found)
        return frozenset(words)

    def ngrams(self, doc: Doc, n: int) -> frozenset[str]:
        """:func:`ngrams` of a Doc's text, kept on the Doc (history texts repeat across cases)."""
        found = doc.ngram_sets.get(n)
        if found is None:
            found = doc.ngram_sets[n] = ngrams(doc.text, n)
        return found
