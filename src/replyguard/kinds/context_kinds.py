"""Kinds that read the context rather than the words: length per channel, response time,
and ``condition`` (the rule's ``when:`` is the whole check)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..context import Context
from ..doc import Doc
from ..matcher import Matcher
from ..schema import ConditionRule, LengthRule, TimingRule
from ..text import _LIGHT_RANGES, x_weight
from . import BuildEnv, Hit

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
    if channel == "x":
        return x_length(doc)
    if channel == "line":  # LINE counts UTF-16 code units
        return len(doc.original.encode("utf-16-le")) // 2
    return len(doc.original)


@dataclass
class LengthChecker:
    limits: dict[str, int]

    def run(self, ctx: Context) -> Iterable[Hit]:
        channel = ctx.conv.channel
        limit = self.limits.get(channel)
        if limit is None:
            return
        length = channel_length(ctx.draft, channel)
        if length > limit:
            yield Hit(None, {"length": length, "limit": limit, "channel": channel})


def build_length(spec: LengthRule, env: BuildEnv) -> LengthChecker:
    return LengthChecker({**DEFAULT_LIMITS, **spec.limits})


@dataclass
class TimingChecker:
    max_minutes: float | None

    def run(self, ctx: Context) -> Iterable[Hit]:
        minutes = ctx.minutes_after_post(ctx.conv.draft.created_at)
        target = self.max_minutes if self.max_minutes is not None else ctx.settings.response_minutes
        if minutes is not None and minutes > target:
            yield Hit(None, {"minutes": round(minutes), "target": round(target)})


def build_timing(spec: TimingRule, env: BuildEnv) -> TimingChecker:
    return TimingChecker(spec.max_minutes)


@dataclass
class ConditionChecker:
    anchor: Matcher | None
    anchor_fact: str | None

    def run(self, ctx: Context) -> Iterable[Hit]:
        if self.anchor_fact is not None:
            spans = ctx.facts.draft_spans(self.anchor_fact, ctx)
            span = spans[0] if spans else None
        else:
            span = self.anchor.search(ctx.draft) if self.anchor else None
        yield Hit(span, {"match": ctx.draft.text[span[0]:span[1]] if span else ""})


def build_condition(spec: ConditionRule, env: BuildEnv) -> ConditionChecker:
    if isinstance(spec.anchor, str):
        scope, _, name = spec.anchor.partition(".")
        if scope != "draft" or name not in env.facts.matched:
            raise ValueError(f"anchor {spec.anchor!r} must name a matching fact of the draft (draft.NAME)")
        return ConditionChecker(None, spec.anchor)
    return ConditionChecker(Matcher(spec.anchor, env.lexicons) if spec.anchor else None, None)
