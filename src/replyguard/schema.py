"""The guideline pack format: what a YAML pack may contain, validated by pydantic.

A pack is data a support lead can edit: lexicons, facts about the conversation, rules that
use them, reply templates. ``replyguard schema`` exports this as JSON Schema for editors.
Every model forbids unknown keys, so a typo is an error with a line number, not a rule that
silently never fires.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .models import Channel, Severity

StrList = Annotated[list[str], Field(default_factory=list)]
OneOrMany = str | list[str]

SCOPES = ("post", "draft", "thread", "thread_brand", "history", "history_brand")
Scope = Literal["post", "draft", "thread", "thread_brand", "history", "history_brand"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenSpec(_Spec):
    """Conditions on one token; every given field must hold. Lists mean 'any of'.

    ``pos``, ``ctype``, ``cform`` and ``lemma_ctype`` match as prefixes (``動詞`` matches
    ``動詞-一般``), the others exactly.
    """

    surface: OneOrMany | None = None
    lemma: OneOrMany | None = None
    not_lemma: OneOrMany | None = None
    orth_base: OneOrMany | None = None
    pos: OneOrMany | None = None
    not_pos: OneOrMany | None = None
    ctype: OneOrMany | None = None
    cform: OneOrMany | None = None
    lemma_ctype: OneOrMany | None = Field(
        None, description="conjugation class of the lemma's own dictionary form (for ら抜き)")
    lemma_differs: bool | None = Field(
        None, description="true: the written base form differs from the lemma (見れる vs 見る)")
    optional: bool = Field(False, description="the token may be absent")


class MatcherSpec(_Spec):
    """What to look for in a text: literal phrases, regular expressions, token sequences.

    Texts are NFKC-normalised before matching, so write phrases in their normal form
    (half-width digits and ASCII, full-width kana). ``@name`` in ``phrases`` includes a lexicon.
    """

    phrases: StrList
    regex: StrList
    tokens: Annotated[list[list[TokenSpec]], Field(default_factory=list)]
    lemmas: StrList = Field(
        description="words in dictionary form (怖い, 泣く), matched in every conjugation unless negated; "
                    "@name includes a lexicon")
    negated_lemmas: StrList = Field(
        description="words that match only when negated (眠る → 眠れない, 足りる → 足りない)")
    unless: MatcherSpec | None = Field(
        None, description="a match is dropped when this matcher also matches the same sentence")
    requires: MatcherSpec | None = Field(
        None, description="a match is kept only when this matcher also matches the same sentence")

    def is_empty(self) -> bool:
        return not (self.phrases or self.regex or self.tokens or self.lemmas or self.negated_lemmas)


class FactSpec(_Spec):
    """A named fact. With ``match`` it classifies texts and is used as ``SCOPE.NAME``
    (``post.complaint``); with ``when`` it combines other facts and is used by bare name."""

    description: str = ""
    match: MatcherSpec | None = None
    min: int = Field(1, ge=1, description="how many matches make the fact true")
    when: str | None = None


class ExampleMessage(_Spec):
    author: str = "customer"
    text: str
    id: str | None = None
    in_reply_to: str | None = None
    minutes: float | None = Field(None, description="minutes after the post")


class Example(_Spec):
    """A small conversation a rule must pass or fail; runs as a test."""

    post: str | ExampleMessage
    draft: str
    thread: list[ExampleMessage] = Field(default_factory=list)
    history: list[ExampleMessage] = Field(default_factory=list)
    channel: Channel = "x"
    minutes: float | None = Field(None, description="minutes between the post and the draft")
    note: str = ""


class Examples(_Spec):
    pass_: list[Example] = Field(default_factory=list, alias="pass")
    fail: list[Example] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _RuleBase(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str
    severity: Severity
    message: str = Field(min_length=1)
    description: str = ""
    when: str = ""
    suggest: StrList
    examples: Examples = Field(default_factory=Examples)


class PatternRule(_RuleBase):
    """One finding per match of the matcher in the draft."""

    kind: Literal["pattern"]
    match: MatcherSpec
    max_findings: int = Field(3, ge=1)


class Swap(_Spec):
    phrase: str | None = None
    regex: str | None = None
    tokens: list[TokenSpec] | None = None
    replacement: str = Field(description="text that replaces the match; \\1 refers to a regex group")
    safe: bool = Field(True, description="safe fixes keep the meaning and may be applied automatically")


class SubstitutionRule(_RuleBase):
    """wrong → right: each match becomes a finding with a fix. ``{match}`` and
    ``{replacement}`` in the message are filled in."""

    kind: Literal["substitution"]
    swaps: list[Swap] = Field(min_length=1)
    unless: MatcherSpec | None = None


PiiDetector = Literal["phone", "email", "postal_code", "card", "my_number", "address", "order_number"]


class PiiRule(_RuleBase):
    """Personal data in the draft, found by detectors with check digits where they exist."""

    kind: Literal["pii"]
    detect: list[PiiDetector] = Field(min_length=1)
    order_number: StrList = Field(description="regexes for the brand's order/member numbers")
    allow: StrList = Field(description="regexes of numbers that are public (toll-free lines...)")
    unless: MatcherSpec | None = Field(
        None, description="a finding is dropped when this matcher matches its sentence (a shop's own address)")


class LengthRule(_RuleBase):
    """The draft exceeds the channel's limit (X counts CJK as 2 and a URL as 23)."""

    kind: Literal["length"]
    limits: dict[str, int] = Field(default_factory=dict)


class TimingRule(_RuleBase):
    """The draft would be sent later than the response-time target after the post."""

    kind: Literal["timing"]
    max_minutes: float | None = Field(None, description="default: the config's response_minutes")


class AnsweredRule(_RuleBase):
    """Another brand account already answered the post (a holding reply does not count)."""

    kind: Literal["already_answered"]
    holding: MatcherSpec | None = Field(None, description="brand replies that only acknowledge")
    followup: MatcherSpec | None = Field(
        None, description="a later customer message matching this (a follow-up question) re-opens the post")
    min_similarity: float = Field(0.0, ge=0, le=1)


class MentionRule(_RuleBase):
    """A question to the brand in the thread is left unanswered while the draft replies."""

    kind: Literal["unanswered_mention"]
    question: MatcherSpec = Field(description="what makes a thread message a question")
    min_overlap: float = Field(0.25, ge=0, le=1)


class RelevanceRule(_RuleBase):
    """The draft shares too few content words with the post (a stock text)."""

    kind: Literal["relevance"]
    stock: StrList = Field(description="lemmas that carry no topic (stock phrases, brand words)")
    min_overlap: int = Field(1, ge=0)
    min_post_terms: int = Field(2, ge=0)


class RepetitionRule(_RuleBase):
    """The draft nearly repeats a brand message already sent in the thread or history."""

    kind: Literal["repetition"]
    against: list[Scope] = Field(default_factory=lambda: ["thread_brand", "history_brand"])
    threshold: float = Field(0.8, gt=0, le=1)
    ngram: int = Field(3, ge=1, le=8)


class RegisterRule(_RuleBase):
    """Register of the draft: ``mixed`` polite/plain endings, ``count`` markers of a register, or
    ``casual`` speech read from the sentence endings (see register_analysis)."""

    kind: Literal["register"]
    mode: Literal["mixed", "count", "casual"] = Field(
        description="mixed: polite and plain endings in one text; count: markers against a minimum; "
                    "casual: casual sentence endings, and plain ones when no sentence is polite (タメ口)")
    markers: MatcherSpec | None = Field(None, description="for mode count: markers to count")
    min: int = Field(1, ge=1)


class ConditionRule(_RuleBase):
    """Fires when ``when`` holds; ``anchor`` optionally places the span in the draft."""

    kind: Literal["condition"]
    anchor: MatcherSpec | str | None = Field(
        None, description="where the finding points: a matcher, or the name of a draft fact (draft.casual)")


RuleSpec = Annotated[
    PatternRule | SubstitutionRule | PiiRule | LengthRule | TimingRule | AnsweredRule | MentionRule
    | RelevanceRule | RepetitionRule | RegisterRule | ConditionRule,
    Field(discriminator="kind"),
]


class TemplateSpec(_Spec):
    """A suggested reply (Jinja2, rendered in a sandbox). ``for`` recommends it in context."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str
    description: str = ""
    for_: str = Field("", alias="for", description="condition (like when:) under which it is recommended")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PackSpec(_Spec):
    """One guideline pack file."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="pack id, prefix of its rule ids")
    version: str | int = "1"
    language: str = "ja"
    description: str = ""
    examples_brand: str = Field("サンプル", description="brand name the rule examples are written for")
    severity_policy: dict[Severity, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(default_factory=dict, description="extra categories this pack adds")
    lexicons: dict[str, list[str]] = Field(default_factory=dict)
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    templates: list[TemplateSpec] = Field(default_factory=list)

    @field_validator("facts")
    @classmethod
    def _fact_names(cls, v: dict[str, FactSpec]) -> dict[str, FactSpec]:
        for name, spec in v.items():
            if "." in name:
                raise ValueError(f"fact name {name!r} must not contain '.'")
            if (spec.match is None) == (spec.when is None):
                raise ValueError(f"fact {name!r} needs exactly one of 'match' or 'when'")
        return v
