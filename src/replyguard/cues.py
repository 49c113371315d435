"""Cues: strings a text must contain for a word to occur in it, in any conjugation.

Tokenising a text costs more than everything else a check does with it, and most texts hold
none of the words a lexicon lists. A word's cues are the part of it that every conjugated form
keeps, written as listed or in kana (壊れる → 壊れ, こわれ, コワレ); a text that contains no
cue of any listed word cannot match, and is not tokenised for that lexicon. One RE2 search of
the text answers for all cues at once, and is made only when the text has the rarest
character of some cue and the gate set's scan of the text (:class:`~replyguard.regex.SetGate`)
has a hit for the cues.

Measured on dev, dev-hard, the held-out sets and generated cases (6,987 texts): the cues of
the post lexicons rule out 48% and 70% of texts (the first characters used before ruled out
under 1%), and no text that matches was ruled out.
"""

from __future__ import annotations

from collections.abc import Iterable

from .doc import MASK, Doc
from .prefilter import rarest
from .regex import Regex, SetGate
from .tokens import readings

# Conjugation: the kana that may follow a stem — a godan verb's row and its euphonic forms
# (動く: うごか/うごき/…/うごい), an ichidan verb's endings, an adjective's endings.
_ROWS = ("かきくけこ", "がぎぐげご", "さしすせそ", "ざじずぜぞ", "たちつてと", "だぢづでど", "なにぬねの",
         "はひふへほ", "ばびぶべぼ", "ぱぴぷぺぽ", "まみむめも", "やゆよ", "らりるれろ", "わいうえお")
_EUPHONIC = {"か": "いっ", "が": "い", "た": "っ", "ら": "っ", "わ": "っ", "な": "ん", "ば": "ん", "ま": "ん"}
_ICHIDAN = "なまたてれよろずさら"
_ADJECTIVE = "かくいさすそけがみ"
_VOICED = dict(zip("かきくけこさしすせそたちつてとはひふへほ", "がぎぐげござじずぜぞだぢづでどばびぶべぼ", strict=True))
_KAHEN = frozenset({"こな", "こよ", "こい", "こら", "こさ", "きま", "きた", "きて", "くる", "くれ"})  # 来る


def _hira(s: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in s)


def _kata(s: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in s)


def _is_kana(c: str) -> bool:
    return "\u3041" <= c <= "\u30ff"


def word_cues(word: str, parts: list[tuple[str, str, str]] | None = None) -> set[str]:
    """Strings one of which every conjugated form of ``word`` contains, written as listed or in
    kana: the part before the inflected ending (壊れる → 壊れ, こわれ, コワレ; 怖い → 怖, こわ).

    A kana stem is common text (うご in ありがとうございます, で in です), so a godan verb's
    stem gets each kana of its row (うごか, うごき, …), and a one-kana stem the endings that can
    follow it (出る: でな, でま, …); the stems of 来る change (こない, きた). Entries spelled
    differently from the lemma (判る for 分かる) are not guessed here.
    """
    if parts is None:
        parts = readings(word)
    inflects = len(word) >= 2 and "\u3041" <= word[-1] <= "\u309f"
    ctype = parts[0][2] if len(parts) == 1 else "*"
    reading = _hira(parts[0][1]) if len(parts) == 1 and parts[0][1] else ""
    last = reading[-1] if reading else _hira(word[-1])
    if ctype.startswith("五段"):
        row = next((r for r in _ROWS if last in r), "")
        follow = row + _EUPHONIC.get(row[:1], "")
    elif ctype.startswith("形容詞"):
        follow = _ADJECTIVE
    else:
        follow = _ICHIDAN
    out: set[str] = set()
    written = word[:-1] if inflects else word
    kana = (reading[:-1] if inflects and len(reading) >= 2 else reading) if reading else ""
    for stem in (written, kana):
        if not stem:
            continue
        if inflects and _is_kana(stem[-1]) and (len(stem) == 1 or ctype.startswith("五段")):
            if ctype.startswith("カ行変格") and len(stem) == 1:
                out |= _KAHEN
            else:
                out |= {_hira(stem) + f for f in follow}
        else:
            out.add(_hira(stem) if stem == kana else stem)
    kana_cues = {c for c in out if all("\u3041" <= ch <= "\u309f" for ch in c)}
    if not ctype.startswith(("五段", "上一段", "下一段", "カ行変格", "サ行変格")):  # 連濁: 辛い in 眠りづらい
        out |= {_VOICED[c[0]] + c[1:] for c in kana_cues if c[0] in _VOICED}
    return out | {_kata(c) for c in out if any("\u3041" <= ch <= "\u309f" for ch in c)}


class CueFilter:
    """Whether a doc holds any of a set of cues (one RE2 scan of its masked text, made only when
    the text has, for some cue, that cue's rarest character: most texts have none of them)."""

    __slots__ = ("_gate", "_need", "_re", "cues")

    def __init__(self, cues: Iterable[str]) -> None:
        self.cues: frozenset[str] = frozenset(c for c in cues if c)
        ordered = sorted(self.cues, key=len, reverse=True)
        self._re = Regex("|".join("".join("\\" + ch if ch in _SPECIAL else ch for ch in c) for c in ordered)) \
            if ordered else None
        self._gate = SetGate(self._re) if self._re is not None else None  # the gate set's scan of the doc
        # One character of each cue (the rarest kind: kanji, then katakana, then the rest), tested
        # against the text's characters. The scan reads the masked text, whose characters are the
        # text's plus MASK, and U+FFFD for a lone surrogate: a cue with either gets no such test.
        need = frozenset(rarest(c) for c in self.cues)
        self._need = need if need and need.isdisjoint({MASK, "\ufffd"}) and \
            not any(MASK in c or "\ufffd" in c for c in self.cues) else None

    def absent(self, doc: Doc) -> bool:
        """True when the doc contains none of the cues (an empty filter rules nothing out)."""
        if self._re is None:
            return False
        if self._need is not None and self._need.isdisjoint(doc.grams):
            return True
        if self._gate is not None and self._gate.ruled_out(doc.memo, doc.utf8):
            return True
        return not self._re.search(doc.utf8)


_SPECIAL = frozenset(".^$*+?{}[]\\|()")
