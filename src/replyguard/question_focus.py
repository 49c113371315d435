"""What a post asks about: the words of its question sentences, without the topic they hang on.

「ペイタマの残高って有効期限ある？」 asks about 有効期限; 残高 is only the topic, and a reply
that talks about the product (残高はコンビニでもご利用いただけます) shares the topic without
answering. So each question sentence is read from after its topic marker — the first って, は or
comma followed by more content. When what follows is only light words (「セールって今年も
やりますか」: やる, 今年), the topic is what is asked about and the whole sentence counts.
Sentences that do not ask are left out. The ranges returned are the parts of the text *not*
asked about, for :meth:`Analyser.content_terms` to skip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .doc import Doc
from .tokens import Token

_TOPIC_PARTICLES = frozenset({"って", "は"})
_COMMAS = frozenset({"、", ","})
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞"})


def asks(doc: Doc, start: int, end: int, tokens: Sequence[Token], question: bool) -> bool:
    """Whether the sentence asks: a question mark, a question ending (polite endings are not
    classified further, so ですか is read here), or ending in the particle か."""
    if question or "?" in doc.text[start:end]:
        return True
    return bool(tokens) and tokens[-1].pos1 == "助詞" and tokens[-1].surface in ("か", "っけ")


def _topic_end(tokens: Sequence[Token]) -> int | None:
    """Where the topic of a question sentence ends (after its marker), if it has one."""
    for i, t in enumerate(tokens[:-1]):
        marker = (t.pos1 == "助詞" and t.surface in _TOPIC_PARTICLES) or (t.pos1 == "補助記号" and t.surface in _COMMAS)
        if marker:
            if any(x.pos1 in _CONTENT_POS for x in tokens[i + 1:]):
                return t.end
            return None
    return None


def outside_focus(doc: Doc, is_light: Callable[[Sequence[Token]], bool]) -> list[tuple[int, int]] | None:
    """Ranges of ``doc`` that are not what it asks about, or None when it asks nothing.

    ``is_light(tokens)``: whether the tokens after a topic carry only light words (then the
    topic itself is what is asked about)."""
    out: list[tuple[int, int]] = []
    asked = False
    for (start, end, tokens), reg in zip(doc.sentence_tokens(), doc.registers, strict=True):
        if not asks(doc, start, end, tokens, reg.question):
            out.append((start, end))
            continue
        asked = True
        cut = _topic_end(tokens)
        if cut is not None and not is_light([t for t in tokens if t.start >= cut]):
            out.append((start, cut))
    return out if asked else None
