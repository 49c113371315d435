"""Japanese morphology: one shared fugashi + unidic-lite tagger, tokens with offsets.

Tokens are read from MeCab's raw feature string rather than fugashi's named tuple: the
fields we need are the same and reading them this way is about three times cheaper, which
matters when a check must cost about as much as tokenising its texts.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from functools import lru_cache

import fugashi

# UniDic (unidic-lite) raw feature columns.
_POS1, _POS2, _CTYPE, _CFORM, _LEMMA, _ORTH_BASE = 0, 1, 4, 5, 7, 10


@dataclass(frozen=True, slots=True)
class Token:
    """One morpheme; ``start``/``end`` are offsets into the text that was tagged."""

    surface: str
    lemma: str
    pos1: str
    pos2: str
    ctype: str
    cform: str
    orth_base: str
    start: int
    end: int

    @property
    def pos(self) -> str:
        """``pos1-pos2`` as UniDic prints it, e.g. ``助動詞-*`` or ``名詞-普通名詞``."""
        return f"{self.pos1}-{self.pos2}"


_local = threading.local()


def tagger() -> fugashi.GenericTagger:
    """The tagger of this thread (MeCab taggers are not shared across threads)."""
    tg = getattr(_local, "tagger", None)
    if tg is None:
        tg = fugashi.Tagger()
        _local.tagger = tg
    return tg


def _fields(raw: str) -> list[str]:
    if '"' in raw:
        return next(csv.reader([raw]))
    return raw.split(",")


def tokenize(text: str) -> tuple[Token, ...]:
    """Tokens of ``text`` with character offsets; unknown words get their surface as lemma."""
    out: list[Token] = []
    pos = 0
    for node in tagger().parseToNodeList(text):
        surface = node.surface
        if not surface:
            continue
        start = text.find(surface, pos)
        if start < 0:  # MeCab never reorders text; this only guards odd whitespace handling
            start = pos
        end = start + len(surface)
        pos = end
        f = _fields(node.feature_raw)
        if len(f) > _ORTH_BASE:
            lemma = f[_LEMMA] if f[_LEMMA] != "*" else surface
            orth_base = f[_ORTH_BASE] if f[_ORTH_BASE] != "*" else surface
        else:
            lemma = orth_base = surface
        out.append(Token(surface, lemma, f[_POS1], f[_POS2] if len(f) > 1 else "*",
                         f[_CTYPE] if len(f) > _CTYPE else "*", f[_CFORM] if len(f) > _CFORM else "*",
                         orth_base, start, end))
    return tuple(out)


@lru_cache(maxsize=4096)
def lemma_ctype(lemma: str) -> str:
    """The conjugation class of a lemma's own dictionary form (見る → 上一段-マ行).

    Needed to tell ら抜き (見れる: lemma 見る is 一段) from a real potential verb
    (帰れる: lemma 返る is 五段).
    """
    base = lemma.split("-", 1)[0]
    toks = tokenize(base)
    return toks[0].ctype if len(toks) == 1 else "*"
