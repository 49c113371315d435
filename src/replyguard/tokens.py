"""Japanese morphology: one shared fugashi + unidic-lite tagger, tokens with offsets.

Tokens are read from MeCab's own output: one ``surface<TAB>raw features`` line per token,
produced in C by a node format given to the tagger, instead of a fugashi node object per
token. The fields are the same as fugashi's named tuple, and reading them this way is
about twice as cheap, which matters when a check must cost about as much as tokenising its
texts. A raw feature string is parsed once per process (the vocabulary of a batch is small)
and its fields are shared by every token that has it, which also keeps cached Docs small.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import fugashi
import unidic_lite

# UniDic (unidic-lite) raw feature columns.
_POS1, _POS2, _CTYPE, _CFORM, _LEMMA, _ORTH_BASE = 0, 1, 4, 5, 7, 10


class Token(NamedTuple):
    """One morpheme; ``start``/``end`` are offsets into the text that was tagged."""

    surface: str
    lemma: str
    pos1: str
    pos2: str
    ctype: str
    cform: str
    orth_base: str
    kind: int
    """Tokens with the same surface and features share a kind (unique in the process), so
    anything that depends only on those can be computed once per kind."""
    start: int
    end: int

    @property
    def pos(self) -> str:
        """``pos1-pos2`` as UniDic prints it, e.g. ``助動詞-*`` or ``名詞-普通名詞``."""
        return f"{self.pos1}-{self.pos2}"


_local = threading.local()


# unidic-lite's dicrc selects its own output format; an empty output-format-type lets our
# node format apply. Quoted, so fugashi's argument splitting keeps the backslash escapes.
_FORMAT = "--output-format-type= '-F%m\\t%H\\n' '-U%m\\t%H\\n' '-EEOS\\n'"


def tagger() -> fugashi.GenericTagger:
    """The tagger of this thread (MeCab taggers are not shared across threads)."""
    tg = getattr(_local, "tagger", None)
    if tg is None:
        dic = unidic_lite.DICDIR
        tg = fugashi.GenericTagger(f'-r "{dic}/mecabrc" -d "{dic}" {_FORMAT}')
        _local.tagger = tg
    return tg


def _fields(raw: str) -> list[str]:
    # Only the first 11 columns are read; later ones may be quoted (and contain commas).
    f = raw.split(",", 11)
    if '"' in raw and (len(f) <= 11 or raw.index('"') < len(raw) - len(f[11])):
        return next(csv.reader([raw]))
    return f


# raw feature → (lemma, pos1, pos2, ctype, cform, orth_base); None: the token's own surface.
Features = tuple["str | None", str, str, str, str, "str | None"]
_FEATURES: dict[str, Features] = {}
_FEATURES_MAX = 200_000


def _features(raw: str) -> Features:
    f = _fields(raw)
    n = len(f)
    intern = sys.intern
    if n > _ORTH_BASE:
        lemma = None if f[_LEMMA] == "*" else intern(f[_LEMMA])
        orth_base = None if f[_ORTH_BASE] == "*" else intern(f[_ORTH_BASE])
    else:
        lemma = orth_base = None
    out = (lemma, intern(f[_POS1]), intern(f[_POS2]) if n > 1 else "*",
           intern(f[_CTYPE]) if n > _CTYPE else "*", intern(f[_CFORM]) if n > _CFORM else "*", orth_base)
    if len(_FEATURES) >= _FEATURES_MAX:
        _FEATURES.clear()
    _FEATURES[raw] = out
    return out


# MeCab output line ("surface<TAB>raw features") → the token's fields without its offsets;
# () for the lines that are not tokens. Lines repeat far more than texts do.
_NOT_TOKENS: dict[str, tuple[str | int, ...]] = {"EOS": (), "": ()}
_LINES: dict[str, tuple[str | int, ...]] = dict(_NOT_TOKENS)
_KINDS = itertools.count()  # never reused, even when _LINES is cleared


def _line_fields(line: str) -> tuple[str | int, ...]:
    surface, tab, raw = line.partition("\t")
    if not tab:
        return ()
    lemma, pos1, pos2, ctype, cform, orth_base = _FEATURES.get(raw) or _features(raw)
    surface = sys.intern(surface)
    fields = (surface, surface if lemma is None else lemma, pos1, pos2, ctype, cform,
              surface if orth_base is None else orth_base, next(_KINDS))
    if len(_LINES) >= _FEATURES_MAX:
        _LINES.clear()
        _LINES.update(_NOT_TOKENS)
        _SENTENCES.clear()  # its fields are _LINES' (a line's kind is only shared while it is kept)
    _LINES[line] = fields
    return fields


_PIECE = 1000
_BREAK = re.compile(r"[\s。！？!?、,]")


# MeCab groups an unknown run of one character class into one word of at most 24 characters;
# beyond that it makes every character a word (1,000 a's: 976 tokens). A long run is fed to it
# in pieces of 24, so it stays a few tokens (20,000 a's: 834 instead of 19,520).
_GROUP = 24
_LONG_RUN = re.compile(r"[A-Za-z]{64,}|[0-9]{64,}|[\u30a1-\u30fa\u30fc]{64,}")


def _runs_cut(text: str) -> list[str]:
    """``text`` as pieces in which each long run of one character class is cut every 24 characters."""
    out: list[str] = []
    pos = 0
    for m in _LONG_RUN.finditer(text):
        a, b = m.span()
        if a > pos:
            out.extend(_pieces(text[pos:a]))
        out.extend(text[k:min(k + _GROUP, b)] for k in range(a, b, _GROUP))
        pos = b
    if pos < len(text):
        out.extend(_pieces(text[pos:]))
    return out


def _pieces(text: str) -> list[str]:
    """``text`` in pieces of at most ``_PIECE`` characters for MeCab, cut after the last break
    (space, 。, 、…) of each piece when there is one.

    MeCab's time is quadratic in the length of a run of one character class (20,000 ``a``:
    0.5 s; katakana, digits and symbols alike), as it tries every length of unknown word at
    every position; in pieces it stays linear. A text shorter than a piece (every normal
    draft and post) is parsed whole, as before.
    """
    if len(text) <= _PIECE:
        return [text]
    out: list[str] = []
    start, n = 0, len(text)
    while n - start > _PIECE:
        cut = start + _PIECE
        for m in _BREAK.finditer(text, start + _PIECE // 2, start + _PIECE):
            cut = m.end()
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def tokenize(text: str, mark: str | None = None) -> tuple[Token, ...]:
    """Tokens of ``text`` with character offsets; unknown words get their surface as lemma.

    ``mark``: a character that stands in for masked text (a URL, an address, a handle); each
    run of it is one token with the mark's features. MeCab would make every masked character a
    token of its own (a 20,000-character address was 20,000 tokens)."""
    out: list[Token] = []
    append = out.append
    find = text.find
    new = tuple.__new__
    pos = 0
    parse = tagger().parse
    # Surfaces never hold whitespace (MeCab skips it), so the output splits cleanly.
    parsed = _parsed_with_runs(text, mark, parse) if mark is not None and mark * 2 in text else _parsed(text, parse)
    for fields in parsed:
        surface: str = fields[0]  # type: ignore[assignment]
        start = find(surface, pos)
        if start < 0:  # MeCab never reorders text; this only guards odd whitespace handling
            start = pos
        pos = end = start + len(surface)
        # a concatenation, not (*fields, start, end): ~90 ns a token less (no list in between)
        append(new(Token, fields + (start, end)))  # noqa: RUF005
    return tuple(out)


Fields = tuple["str | int", ...]


def _fields_of(lines: list[str]) -> list[Fields]:
    """The token fields of MeCab's output lines (the lines that are no tokens left out)."""
    known = _LINES.get
    out: list[Fields] = []
    for line in lines:
        fields = known(line)
        if fields is None:
            fields = _line_fields(line)
        if fields:  # not the final "EOS" nor the empty string after it
            out.append(fields)
    return out


def _parsed_with_runs(text: str, mark: str, parse: Callable[[str], str]) -> list[Fields]:
    """The token fields of ``text``, with one made-up token (the mark's features) per run of ``mark``;
    the text between runs is parsed as usual. Offsets are found in the whole text afterwards."""
    out: list[Fields] = []
    pos = 0
    for m in re.finditer(re.escape(mark) + "{2,}", text):
        a, b = m.span()
        if a > pos:
            out.extend(_parsed(text[pos:a], parse))
        out.extend(_fields_of([f"{text[a:b]}\t{_mark_features(mark, parse)}"]))
        pos = b
    if pos < len(text):
        out.extend(_parsed(text[pos:], parse))
    return out


# Where a text is cut into sentences that are parsed (and kept) on their own: after 。, ! or ?
# (NFKC made ！？ ASCII) with a letter, digit, kana or kanji on both sides. MeCab then has one
# path through the cut: no dictionary word holds 。!? between letters, and its unknown words
# group characters of one class only (symbols next to symbols: "?)" may be one word, so a cut
# is never next to another symbol or a space). A sentence after a cut is parsed behind the
# character before it ("。ご確認ください。"), whose token is dropped: MeCab chooses the
# sentence's first word after that token as in the whole text, not after the text's start.
# tests/test_tokens.py checks that the tokens equal a whole parse.
_CUT = re.compile(r"(?<=[^\W_][。!?])(?=[^\W_])")
# (the character before the sentence, or "" at the text's start; the sentence) → its tokens'
# fields. Drafts written from templates share whole sentences (こんにちは、○○サポートです。),
# so most sentences of a new draft were parsed before: MeCab only sees the new ones.
# Tuples of tuples of str and int: the collector stops tracking them (an earlier cache of
# parse trees made every full collection walk ~30,000 objects).
_SENTENCES: dict[tuple[str, str], tuple[Fields, ...]] = {}
_SENTENCES_MAX = 8192


def clear_sentence_cache() -> None:
    """Forget the sentences parsed so far (benchmarks that mean every text to be new call it)."""
    _SENTENCES.clear()


def _parsed(text: str, parse: Callable[[str], str]) -> list[Fields]:
    """The token fields of ``text``: by sentence (see :data:`_CUT`), each sentence parsed once
    while it is kept; whole or in pieces when the text is long or has long runs of one class."""
    if len(text) > _PIECE or (len(text) >= 64 and _LONG_RUN.search(text)):
        return _fields_of(_lines(text, parse))
    cuts = [m.start() for m in _CUT.finditer(text)]
    cuts.append(len(text))
    kept = _SENTENCES
    out: list[Fields] = []
    pos = 0
    for cut in cuts:
        context = text[pos - 1] if pos else ""
        key = (context, text[pos:cut])
        fields = kept.get(key)
        if fields is None:
            parsed = _fields_of(parse(context + key[1]).split("\n"))
            if context:
                if not parsed or parsed[0][0] != context:  # never seen: the cut was not clean
                    return _fields_of(_lines(text, parse))
                del parsed[0]
            if len(kept) >= _SENTENCES_MAX:
                kept.clear()
            kept[key] = fields = tuple(parsed)
        out.extend(fields)
        pos = cut
    return out


def _lines(text: str, parse: Callable[[str], str]) -> list[str]:
    """MeCab's lines for ``text``, parsed whole or in pieces (long texts, long runs of one class)."""
    pieces = _runs_cut(text) if len(text) >= 64 and _LONG_RUN.search(text) else _pieces(text)
    if len(pieces) == 1:
        return parse(text).split("\n")
    return [x for p in pieces for x in parse(p).split("\n")]


_MARKS: dict[str, str] = {}


def _mark_features(mark: str, parse: Callable[[str], str]) -> str:
    """The raw features MeCab gives ``mark`` alone."""
    raw = _MARKS.get(mark)
    if raw is None:
        raw = _MARKS[mark] = parse(mark).split("\n", 1)[0].partition("\t")[2]
    return raw


@lru_cache(maxsize=4096)
def lemma_ctype(lemma: str) -> str:
    """The conjugation class of a lemma's own dictionary form (見る → 上一段-マ行).

    Needed to tell ら抜き (見れる: lemma 見る is 一段) from a real potential verb
    (帰れる: lemma 返る is 五段).
    """
    base = lemma.split("-", 1)[0]
    toks = tokenize(base)
    return toks[0].ctype if len(toks) == 1 else "*"


_READING = 6  # UniDic lForm: the katakana reading of the lemma


def readings(text: str) -> list[tuple[str, str, str]]:
    """``(surface, katakana reading of its lemma, conjugation type)`` per token; for a lexicon's
    own entries at load."""
    out: list[tuple[str, str, str]] = []
    for line in tagger().parse(text).split("\n"):
        surface, tab, raw = line.partition("\t")
        if tab:
            f = _fields(raw)
            out.append((surface, f[_READING] if len(f) > _READING and f[_READING] != "*" else "",
                        f[_CTYPE] if len(f) > _CTYPE else "*"))
    return out
