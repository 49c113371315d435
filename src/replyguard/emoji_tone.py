"""The emotional direction of emoji, read from their Unicode names, not from a list of emoji.

🎉 ✨ 🌟 💪 😊 🎶 say "this is good news" whatever the words around them; 😢 🙏 💦 say
sorrow, pleading or embarrassment. New emoji arrive every year; their names keep using the
same words (PARTY, SPARKLE, SMILING, CRYING), so classifying by name words keeps up.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .doc import Doc

# Words of Unicode character names that make an emoji cheerful or celebratory.
BRIGHT_WORDS = ("PARTY", "CONFETTI", "BALLOON", "WRAPPED PRESENT", "SPARKLE", "GLOWING STAR", "SHOOTING STAR",
                "WHITE MEDIUM STAR", "MUSICAL", "NOTES", "EIGHTH NOTE", "SMILING", "GRINNING", "GRIN", "LAUGH",
                "TEARS OF JOY", "HEART", "FLEXED BICEPS", "THUMBS UP", "CLAPPING", "RAISING", "VICTORY", "OK HAND",
                "WINKING", "HUGGING", "STAR-STRUCK", "HUNDRED POINTS", "FIRE", "TADA", "TROPHY", "ROCKET",
                "BLACK STAR", "WHITE STAR", "SUN WITH FACE", "SMIRKING", "BLUSH", "KISS")
# Name words of sorrowful, pleading or alarmed emoji (🙏 😢 😱 💦 💔): one of them beside a
# cheerful emoji makes the tone mixed, not cheerful.
SOMBER_WORDS = ("BROKEN", "TEAR ", "WITH TEAR", "SWEAT", "ANXIOUS", "SAD", "CRYING", "WEARY", "PENSIVE",
                "FOLDED HANDS", "SCREAMING", "FEARFUL", "WORRIED", "DISAPPOINTED", "PERSEVERING", "CONFOUNDED",
                "FROWNING", "DROPLET", "PLEADING")


@lru_cache(maxsize=4096)
def tone(emoji: str) -> str:
    """``bright``, ``somber`` or ``neutral`` (✈️ 🚃 🍗: objects say nothing about mood)."""
    names = " | ".join(unicodedata.name(ch, "") for ch in emoji)
    if "TEARS OF JOY" not in names and any(w in names for w in SOMBER_WORDS):
        return "somber"
    return "bright" if any(w in names for w in BRIGHT_WORDS) else "neutral"


def bright_emoji(doc: Doc) -> list[tuple[int, int]]:
    """Spans of the cheerful emoji of a text (♪ and ☆ count: they are used the same way);
    none when a somber emoji stands beside them (😱💦 … 🙏✨ is not a cheerful reply)."""
    text = doc.text
    tones = [(a, b, tone(text[a:b])) for a, b in doc.emoji]
    if any(t == "somber" for _, _, t in tones):
        return []
    out = [(a, b) for a, b, t in tones if t == "bright"]
    if not _SYMBOLS.isdisjoint(doc.grams):  # most texts have none: no walk over every character
        out.extend((i, i + 1) for i, ch in enumerate(text) if ch in _SYMBOLS)
    return sorted(out)


_SYMBOLS = frozenset("♪♫☆★")
