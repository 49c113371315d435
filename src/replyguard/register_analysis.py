"""The register of each sentence, read from UniDic's analysis rather than from word lists.

A sentence ends in a *polite* predicate (です/ます/ございます/ください), a *plain* one (だ, a
verb or adjective in its dictionary form, た), a *casual* one (a plain predicate followed by
a sentence-final particle — よ, ね, な, じゃん —, a bare て-form request such as 押してみて,
ありがとう/ごめん without ございます, or a plain imperative such as がんばれ), or it is a
*fragment* with no predicate (詳しくはこちら, 次もぜひミナトで！). Whether it asks something
is recorded beside it. Tone rules read this profile: a reply with no polite sentence at all,
or with casual endings, is タメ口 to a stranger however few slang words it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from .tokens import Token

Register = Literal["polite", "plain", "casual", "fragment"]


class SentenceRegister(NamedTuple):
    """One sentence's ending: its register, whether it asks, and where the ending is."""

    register: Register
    question: bool
    start: int
    end: int


# Sentence-final particles that make a plain ending casual speech (the question particles
# か/の/かな/っけ only make it a question).
_CASUAL_FINALS = frozenset({"よ", "ね", "な", "わ", "ぞ", "ぜ", "さ", "じゃん", "って", "かい", "もん",
                            "ねえ", "ねー", "よね"})
_QUESTION_FINALS = frozenset({"か", "の", "かな", "っけ", "かしら"})
# Stand-alone thanks and apologies: casual unless ございます/です follows.
_BARE_FORMULAS = frozenset({"有り難う", "御免", "御目出度う", "お目出度う"})
_POLITE_TYPES = ("助動詞-デス", "助動詞-マス")
_POLITE_LEMMAS = frozenset({"御座る", "下さる", "為さる", "頂く", "戴く"})
_TRAILING_POS = ("補助記号", "記号", "空白")
_LAUGH = frozenset({"w", "ww", "www", "W", "笑", "笑い", "草", "~", "〜", "ー", "…", "...", "♪", "☆", "★"})


def _is_trailing(t: Token) -> bool:
    return t.pos1 in _TRAILING_POS or t.surface in _LAUGH or t.lemma == "笑い" or not t.surface.strip()


def _final_particle(t: Token) -> str | None:
    if t.pos2 == "終助詞" or (t.pos1 == "助詞" and t.surface.rstrip("〜~ー") in _CASUAL_FINALS):
        return t.surface.rstrip("〜~ーぇえ") or t.lemma
    return None


def _honorific_wish(tokens: Sequence[Token], i: int) -> bool:
    """A て-form wish made polite by an honorific prefix on its phrase (どうぞお気をつけて,
    ご無理なさらないで): a set courtesy, not a casual request."""
    return any(t.pos1 == "接頭辞" and t.lemma in ("御", "お", "ご") for t in tokens[max(0, i - 4):i])


def classify(tokens: Sequence[Token], text: str, start: int, end: int) -> SentenceRegister:
    """The register of the sentence ``text[start:end]`` from its tokens (quotes excluded)."""
    asks = "?" in text[start:end]
    i = len(tokens) - 1
    finals: list[str] = []
    while i >= 0:
        t = tokens[i]
        if _is_trailing(t):
            i -= 1
            continue
        particle = _final_particle(t)
        if particle is None:
            break
        finals.append(particle)
        i -= 1
    if i < 0:
        return SentenceRegister("casual" if finals else "fragment", asks, start, start)
    last = tokens[i]
    span = (last.start, tokens[min(i + len(finals), len(tokens) - 1)].end)
    asks = asks or any(f in _QUESTION_FINALS for f in finals)
    casual_final = any(f in _CASUAL_FINALS for f in finals)
    # The predicate chunk: the last content token and the auxiliaries and bound verbs after it.
    j = i
    while j > 0 and (tokens[j].pos1 == "助動詞" or tokens[j].pos2 in ("接続助詞", "非自立可能")
                     or tokens[j].lemma in _POLITE_LEMMAS):
        j -= 1
    chunk = tokens[j:i + 1]
    if any(t.ctype.startswith(_POLITE_TYPES) or t.lemma in _POLITE_LEMMAS for t in chunk):
        return SentenceRegister("polite", asks, *span)
    if last.pos1 == "助詞" and last.lemma == "て" and last.pos2 == "接続助詞" and i > 0 \
            and tokens[i - 1].pos1 in ("動詞", "助動詞") and not _honorific_wish(tokens, i):
        return SentenceRegister("casual", asks, chunk[0].start, span[1])  # 押してみて, 待ってて
    if last.lemma in _BARE_FORMULAS:
        return SentenceRegister("casual", asks, *span)
    if last.pos1 == "動詞" and last.cform.startswith("命令形"):
        return SentenceRegister("casual", asks, chunk[0].start, span[1])  # がんばれ, 見てみろ: an order
    head = chunk[0]
    plain = (
        (last.ctype == "助動詞-ダ" and last.cform.startswith("終止形"))
        or last.ctype == "助動詞-ジャ"
        or (last.pos1 in ("動詞", "形容詞", "助動詞") and last.cform.startswith("終止形"))
        or (last.pos1 in ("動詞", "形容詞", "助動詞") and last.cform.startswith("連体形") and bool(finals))
        or (head.pos1 in ("動詞", "形容詞") and last.pos1 == "助動詞" and last.cform.startswith("終止形"))
    )
    if plain:
        return SentenceRegister("casual" if casual_final else "plain", asks, head.start, span[1])
    return SentenceRegister("casual" if casual_final else "fragment", asks, *span)


def profile(sentences: Sequence[tuple[int, int, Sequence[Token]]], text: str) -> list[SentenceRegister]:
    """The register of every sentence, given each sentence's range and its tokens."""
    return [classify(toks, text, a, b) for a, b, toks in sentences]
