"""One analysed text: normalised copy, tokens, sentences and sentence endings, all lazy.

A ``Doc`` depends only on its text, so the same ``Doc`` serves every check that sees the
same text (the customer's history repeats across a batch): see :func:`doc_for`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from . import register_analysis
from .budget import spend
from .prefilter import text_grams
from .regex import utf8
from .register_analysis import SentenceRegister
from .text import NormalizedText, normalize
from .tokens import Token, tokenize

_SENTENCE_END = re.compile(r"[。．.！!？?\n]+|(?<=[^\sA-Za-z0-9])\s+(?=[^\sA-Za-z0-9])")
# The same for a text without whitespace (most drafts and posts), where only its first part can
# match: a plain class, which the regex engine scans ~2.5× faster than the alternation.
_STOPS = re.compile(r"[。．.！!？?]+")
_SPACE = re.compile(r"\s")
# A hashtag or handle: the space that ends it is part of it, not a sentence break
# (リポストして、#新作 をつけて投稿してください is one sentence).
_TAG = re.compile(r"[#＃@＠][^\s#＃@＠]+")
_QUOTES = re.compile(r"「[^「」]*」|『[^『』]*』|“[^“”]*”|\"[^\"\n]*\"")
# A list marker opening a sentence, in the original text (NFKC turns ① into 1): circled
# numbers, bullets, "1." / "1)" / "(1)". List items are steps, not sentences with an ending.
_LIST_ITEM = re.compile(r"\s*(?:[\u2460-\u2473\u2776-\u277f・●○■□◆◇▶▷►]"
                        r"|[0-9０-９]{1,2}[.)．）]\s*\D|[(（][0-9０-９]{1,2}[)）])")
# Whether a text has any list marker at all (most have none: no sentence is then looked at).
_LIST_HINT = re.compile(r"[\u2460-\u2473\u2776-\u277f・●○■□◆◇▶▷►]|[0-9０-９][.)．）]|[(（][0-9０-９]")
_LIST_NUMBER = re.compile(r"\s*[0-9]{1,2}[.)]?")
# Asides in parentheses: examples, notes, readings — not the sentence's own ending.
_ASIDES = re.compile(r"（[^（）\n]*）|\([^()\n]*\)")

# Emoji: pictographs, dingbats, flags, keycaps (with the variation selector and skin tones).
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299"
    "\U0001F1E6-\U0001F1FF][\uFE0F\U0001F3FB-\U0001F3FF]*"
)
_URL = re.compile(r"https?://[^\s\u3000-\u30FF\u4E00-\u9FFF\uFF00-\uFFEF]+")
_BARE_URL = re.compile(r"(?<![A-Za-z0-9.@])www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[!-~]*)?")
_HASHTAG = re.compile(r"#([^\s#、。,.!?！？「」()（）]+)")
_ADDR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
TermsKey = frozenset[str] | tuple[frozenset[str], tuple[tuple[int, int], ...]]
"""What a Doc's content terms are kept by: the stock vocabulary, with the ranges left out if any."""
MASK = "\u25a1"  # □: stands in for a masked character (same length, so offsets stay valid)


# Tokens skipped when looking for the predicate that ends a sentence.
_TRAILING_POS = ("補助記号", "記号", "空白")
_PLAIN_AUX = ("助動詞-レル", "助動詞-ナイ", "助動詞-タイ", "下一段-サ行")
_TRAILING_SURFACE = frozenset({"w", "ww", "www", "W", "笑", "~", "〜", "ー", "…", "...", "♪", "☆", "★"})


class Doc:
    """A text prepared for matching. Offsets are into ``text`` (normalised) unless noted."""

    __slots__ = ("_asides", "_emoji", "_endings", "_grams", "_quotes", "_registers", "_sentence_tokens", "_sentences",
                 "_tokens", "_utf8", "addresses", "content_terms", "hashtags", "masked", "memo", "ngram_sets", "norm",
                 "text", "urls")

    def __init__(self, original: str) -> None:
        self.norm: NormalizedText = normalize(original)
        self.text: str = self.norm.text
        self._tokens: tuple[Token, ...] | None = None
        # tuples, not lists, for what is kept on a Doc: a tuple of ints and strings is one object
        # the collector stops tracking, where a list stays tracked as long as the Doc is cached
        self._sentences: tuple[tuple[int, int], ...] | None = None
        self._endings: tuple[tuple[str, int, int], ...] | None = None
        self._quotes: tuple[tuple[int, int], ...] | None = None
        self._asides: tuple[tuple[int, int], ...] | None = None
        self._grams: set[str] | None = text_grams(self.text)
        self._sentence_tokens: list[tuple[int, int, Sequence[Token]]] | None = None
        self._utf8: bytes | None = None
        self._registers: tuple[SentenceRegister, ...] | None = None
        self.memo: dict[object, object] = {}  # matcher results, keyed by objects of the linter's matchers
        # typed slots of the analyses (see analysis.Analyser): stock vocabulary (and the ranges left
        # out, if any) → content terms, n → character n-grams
        self.content_terms: dict[TermsKey, frozenset[str]] = {}
        self.ngram_sets: dict[int, frozenset[str]] = {}
        self._emoji: tuple[tuple[int, int], ...] | None = None
        # tuples, not lists: most are empty (the shared empty tuple), and a tuple of spans is one
        # object the collector stops tracking, where a list is tracked for the Doc's life
        self.urls: tuple[tuple[int, int], ...] = tuple([m.span() for m in _URL.finditer(self.text)])
        self.addresses: tuple[tuple[int, int, str], ...] = tuple(at_addresses(self.text))
        self.hashtags: tuple[tuple[int, int, str], ...] = tuple(
            [(m.start(), m.end(), m.group(1).lower()) for m in _HASHTAG.finditer(self.text)]) \
            if "#" in self.text else ()
        """The text's hashtags: span (with the ``#``) and word, lower-cased. Their words are
        masked for lexical checks; a matcher's ``hashtags`` reads them here."""
        self.masked: str = _mask(self.text, self.urls, self.addresses, self.hashtags)

    @property
    def grams(self) -> set[str]:
        """The set of the text's characters (see :mod:`replyguard.prefilter`): made at once, as
        nearly every text is asked for it in its first check (5 times a dev check, 24 a generated
        one); dropped with the tokens (:meth:`release_tokens`) and made again if asked (checked
        again, a text's answers are in ``memo``: 1 in 2,000 dev checks and 1 in 50 generated
        ones asked again)."""
        grams = self._grams
        if grams is None:
            grams = self._grams = text_grams(self.text)
        return grams

    @property
    def emoji(self) -> tuple[tuple[int, int], ...]:
        """Emoji ranges (a ZWJ sequence is one): found when first asked — 4 texts in 10 are."""
        if self._emoji is None:
            self._emoji = tuple(_join_zwj(self.norm, [m.span() for m in _EMOJI.finditer(self.text)]))
        return self._emoji

    @property
    def original(self) -> str:
        return self.norm.original

    @property
    def tokens(self) -> tuple[Token, ...]:
        """Tokens of the masked text (URLs, e-mail addresses, handles and tags are not words)."""
        if self._tokens is None:
            spend("stopped before tokenising a text")
            self._tokens = tokenize(self.masked, MASK)
        return self._tokens

    def release_tokens(self) -> None:
        """Drop the tokens and the character set (they are made again if asked); what was
        derived from them stays.

        A check releases the tokens of its draft and post once it is done: those texts are
        seldom seen again, and a cache full of their tokens made every later check slower
        (measured: ~10%, as new tokens landed in cold memory instead of reusing freed blocks).
        Matches, sentence endings and other results stay in ``memo``, so a repeated text
        rarely needs its tokens again.

        The character set goes too: the collector walks a set entry by entry, and sets (mostly
        these, one on every Doc the cache keeps) were ~16% of the references a young collection
        walked and ~22% of an older one's (dev+dev-hard), their tables out of the processor's
        cache by then.
        """
        self._tokens = None
        self._sentence_tokens = None
        self._grams = None

    @property
    def utf8(self) -> bytes:
        """The masked text as UTF-8, what the pattern engine reads (see :mod:`replyguard.regex`)."""
        if self._utf8 is None:
            self._utf8 = utf8(self.masked)
        return self._utf8

    @property
    def quotes(self) -> tuple[tuple[int, int], ...]:
        """Ranges of quoted text (「…」, 『…』, “…”): the customer's words, not the draft's."""
        if self._quotes is None:
            self._quotes = tuple([m.span() for m in _QUOTES.finditer(self.text)])
        return self._quotes

    def in_quote(self, pos: int) -> bool:
        return _inside(self.quotes, pos)

    @property
    def asides(self) -> tuple[tuple[int, int], ...]:
        """Ranges of quotes and parenthesised asides (（例：表示が遅い など）): text whose endings
        are not the sentence's own, left out of a sentence's register."""
        if self._asides is None:
            self._asides = tuple(sorted([*self.quotes, *(m.span() for m in _ASIDES.finditer(self.text))])) \
                if ("（" in self.text or "(" in self.text) else self.quotes
        return self._asides

    @property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """Sentence ranges, split at 。！？, line breaks and spaces after Japanese text."""
        if self._sentences is None:
            text, quotes = self.text, self.quotes
            tag_ends = {m.end() for m in _TAG.finditer(text)} if ("#" in text or "@" in text) else ()
            out: list[tuple[int, int]] = []
            start = 0
            for m in (_SENTENCE_END if _SPACE.search(text) else _STOPS).finditer(text):
                a, b = m.span()
                if quotes and _inside(quotes, a):
                    continue
                if a in tag_ends and text[a].isspace():
                    continue
                if _LIST_NUMBER.fullmatch(text, start, a):
                    continue  # the "1." of a numbered list item, not the end of a sentence
                if text[a] == "." and (_inside(self.urls, a) or _ascii_alnum(text, b)):
                    continue  # a dot inside a URL or before a letter or digit (example.jp, 3.5GB, Ver.2)
                if b > start and not text[start:b].isspace():
                    out.append((start, b))
                start = b
            if text[start:].strip():
                out.append((start, len(text)))
            self._sentences = tuple(out)
        return self._sentences

    def sentence_at(self, pos: int) -> tuple[int, int]:
        for a, b in self.sentences:
            if a <= pos < b:
                return (a, b)
        return (0, len(self.text))

    def _list_item(self, start: int, end: int) -> bool:
        """Whether the sentence opens with a list marker (①電源を抜き、差し直す): steps are written in
        plain form by convention, which is not a plain sentence in a polite reply."""
        original = self.norm.original
        return bool(_LIST_ITEM.match(original, self.norm.to_original(start, end)[0]))

    def sentence_tokens(self) -> list[tuple[int, int, Sequence[Token]]]:
        """Each sentence's range with its tokens outside quotes and asides (one pass: both are in
        text order); a list item has none (its ending is no sentence ending). Kept with the
        tokens (the endings and then the registers ask for it)."""
        if self._sentence_tokens is None or self._tokens is None:
            self._sentence_tokens = self._split_tokens()
        return self._sentence_tokens

    def _split_tokens(self) -> list[tuple[int, int, Sequence[Token]]]:
        toks = self.tokens
        asides = self.asides
        lists = _LIST_HINT.search(self.norm.original) is not None
        out: list[tuple[int, int, Sequence[Token]]] = []
        i, n = 0, len(toks)
        for a, b in self.sentences:
            while i < n and toks[i].start < a:
                i += 1
            j = i
            while j < n and toks[j].end <= b:
                j += 1
            if lists and self._list_item(a, b):
                out.append((a, b, ()))
            else:
                out.append((a, b, [t for t in toks[i:j] if not any(x <= t.start < y for x, y in asides)]
                               if asides else toks[i:j]))
            i = j
        return out

    @property
    def endings(self) -> tuple[tuple[str, int, int], ...]:
        """For each sentence outside quotes: (``polite``|``plain``|``none``, start, end of the ending)."""
        if self._endings is None:
            sentences = self.sentence_tokens()
            spend("stopped before reading a text's sentence endings")
            self._endings = tuple([_classify_ending(inside, a) for a, _, inside in sentences])
        return self._endings

    @property
    def registers(self) -> tuple[SentenceRegister, ...]:
        """The register profile of the text: one :class:`SentenceRegister` per sentence."""
        if self._registers is None:  # kept when the tokens are released
            # Sentences whose ending is already known to be polite need no second look (most
            # sentences of most drafts); the others are classified in full.
            endings = self.endings
            sentences = self.sentence_tokens() if any(e[0] != "polite" for e in endings) else None
            spend("stopped before reading a text's registers")
            self._registers = tuple([
                SentenceRegister("polite", False, e[1], e[2]) if e[0] == "polite" or sentences is None
                else register_analysis.classify(sentences[k][2], self.text, sentences[k][0], sentences[k][1])
                for k, e in enumerate(endings)])
        return self._registers

    def emoji_count(self) -> int:
        return len(self.emoji)


_END = 1 << 62  # sorts after every end offset, so (pos, _END) follows every span starting at pos


def _inside(spans: Sequence[tuple[int, int]], pos: int) -> bool:
    """Whether ``pos`` falls in one of ``spans`` (disjoint, sorted by start: quotes, URLs): a
    binary search, so a text of thousands of them and of stops costs no more than a plain one."""
    i = bisect_right(spans, (pos, _END)) - 1
    return i >= 0 and pos < spans[i][1]


def _ascii_alnum(text: str, pos: int) -> bool:
    return pos < len(text) and text[pos].isascii() and text[pos].isalnum()


def at_addresses(text: str) -> list[tuple[int, int, str]]:
    """E-mail addresses and @handles: ``(start, end, "email"|"handle")``, found in linear time.

    Each ``@`` is grown left over address characters and right over domain characters; a
    right side with a dot after a non-empty left side is an e-mail address, a right side
    after a non-address character (or the text's start) is a handle.
    """
    out: list[tuple[int, int, str]] = []
    if "@" not in text:
        return out
    n = len(text)
    chars = _ADDR_CHARS
    pos = text.find("@")
    last_end = 0
    while pos >= 0:
        a = pos
        while a > last_end and text[a - 1] in chars:
            a -= 1
        b = pos + 1
        while b < n and text[b] in chars and text[b] not in "%+":
            b += 1
        right = text[pos + 1:b].rstrip(".-")
        b = pos + 1 + len(right)
        if a < pos and "." in right.strip(".") and right[:1].isalnum():
            out.append((a, b, "email"))
            last_end = b
        elif a == pos and right and (right[0].isalnum() or right[0] == "_"):
            end = pos + 1
            while end < n and (text[end].isascii() and (text[end].isalnum() or text[end] == "_")):
                end += 1
            out.append((pos, end, "handle"))
            last_end = b = end
        pos = text.find("@", max(b, pos + 1))
    return out


def _mask(text: str, urls: Sequence[tuple[int, int]], addresses: Sequence[tuple[int, int, str]],
          hashtags: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with URLs, e-mail addresses, @handles and hashtag words replaced by :data:`MASK`.

    Lexical checks read the masked copy: ``www`` in a host name is not laughter, a handle
    is not a word of the reply. ``@`` and ``#`` stay, so "mention"/"hashtag" cues still match.
    """
    spans = [*urls, *((a, b) for a, b, _ in addresses)]
    if "www." in text:
        spans.extend(m.span() for m in _BARE_URL.finditer(text))
    spans.extend((a + 1, b) for a, b, _ in hashtags)  # the word, after its "#"
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        keep = a if chars[a] not in "@" else a + 1
        chars[keep:b] = MASK * (b - keep)
    return "".join(chars)


def _join_zwj(norm: NormalizedText, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge emoji that a zero-width joiner glued into one (👨‍👩‍👧 is one emoji, not three).

    Normalisation drops the ZWJ, so adjacent emoji are joined when only ZWJs separated
    them in the original text.
    """
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and out[-1][1] == a:
            gap = norm.original[norm.ends[a - 1]:norm.starts[a]]
            if gap and set(gap) == {"\u200d"}:
                out[-1] = (out[-1][0], b)
                continue
        out.append((a, b))
    return out


def _trails(t: Token) -> bool:
    """Whether a token trails a sentence's predicate (punctuation, 終助詞, w, emoji). Asked
    for the last few tokens of each sentence once per Doc, so it needs no cache."""
    return (t.pos1 in _TRAILING_POS or t.pos2 == "終助詞" or t.surface in _TRAILING_SURFACE
            or _EMOJI.fullmatch(t.surface) is not None)


def _classify_ending(toks: Sequence[Token], start: int) -> tuple[str, int, int]:
    """The ending of one sentence (starting at ``start``) from its tokens outside quotes."""
    i = len(toks) - 1
    while i >= 0 and _trails(toks[i]):
        i -= 1
    if i < 0:
        return ("none", start, start)
    last = toks[i]
    span_start = last.start
    # Walk back over auxiliaries that only add tense or negation (た, ん, う).
    j = i
    while j > 0 and toks[j].pos1 == "助動詞" and toks[j].ctype in ("助動詞-タ", "助動詞-ヌ", "無変化型", "助動詞-ナイ"):
        j -= 1
    head = toks[j]
    span_start = head.start
    # 為さる is honorific (お気になさらず, ご無理なさらず are set courtesies), but its imperative
    # is not (ごめんなさい, 確認しなさい).
    if head.ctype in ("助動詞-デス", "助動詞-マス") or head.lemma in ("御座る", "下さる") \
            or (head.lemma == "為さる" and not head.cform.startswith("命令形")):
        return ("polite", span_start, last.end)
    if head.ctype == "助動詞-ダ" and head.cform.startswith("終止形"):
        return ("plain", span_start, last.end)
    if head.pos1 == "動詞" and head.lemma == "有る" and j > 0 and toks[j - 1].ctype == "助動詞-ダ":
        return ("plain", toks[j - 1].start, last.end)
    # てる/でる is ている contracted (ついてない, 知ってる): a plain predicate like the rest.
    predicate = head.pos1 in ("動詞", "形容詞") or (
        head.pos1 == "助動詞" and (head.ctype in _PLAIN_AUX or head.lemma in ("てる", "でる")))
    if predicate and (head.cform.startswith("終止形") or j < i):
        return ("plain", span_start, last.end)
    if head.ctype == "助動詞-ジャ":  # じゃん, じゃね: plain (casual) copula
        return ("plain", span_start, last.end)
    return ("none", span_start, last.end)


# 1024 Docs: the texts that recur (a customer's history, brand replies, stock drafts) stay;
# at 4096 the cache of one-off posts and drafts alone cost ~30 MB of a batch's memory.
@lru_cache(maxsize=1024)
def doc_for(text: str) -> Doc:
    """The shared ``Doc`` of ``text`` (texts repeat across a batch: histories, templates)."""
    return Doc(text)
