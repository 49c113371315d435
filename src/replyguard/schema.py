"""The guideline pack format: what a YAML pack may contain, validated by pydantic.

A pack is data a support lead can edit: lexicons, facts about the conversation, rules that
use them, reply templates. ``replyguard schema`` exports this as JSON Schema for editors.
Every model forbids unknown keys, so a typo is an error with a line number, not a rule that
silently never fires.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, create_model, field_validator

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
        None, description="true: the token is a form derived from its lemma — its written base form differs "
                          "from the lemma and so does its conjugation class (見れる from 見る; not かすれる "
                          "from 掠れる, which is the same verb in kana)")
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
    hashtags: StrList = Field(
        description="words a hashtag of the text contains (返信不要 finds #返信不要 and #企業リプ返信不要です); "
                    "hashtag words are masked for every other test, so a tag is read only here; "
                    "@name includes a lexicon")
    unless: MatcherSpec | None = Field(
        None, description="a match is dropped when this matcher also matches the same sentence")
    requires: MatcherSpec | None = Field(
        None, description="a match is kept only when this matcher also matches the same sentence")

    def is_empty(self) -> bool:
        return not (self.phrases or self.regex or self.tokens or self.lemmas or self.negated_lemmas or self.hashtags)


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
    reply_to: str | None = Field(None, description="id of the thread message the draft replies to "
                                 "(default: the post)")
    note: str = ""


class TemplateExample(_Spec):
    """A reply template a rule of a ``scope: templates`` pack must pass or fail (the keys of a
    template entry, see docs/templates.md); runs as a test through ``lint-templates``."""

    id: str = Field("example", pattern=r"^[a-z0-9][a-z0-9-]*$")
    intents: list[str] = Field(default_factory=lambda: ["question"], min_length=1)
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["x"]), min_length=1)
    text: str = Field(min_length=1, description="the template's Jinja2 source")
    variables: dict[str, dict[str, Any]] = Field(default_factory=dict)
    samples: list[dict[str, Any]] = Field(default_factory=list)
    earlier: list[TemplateExample] = Field(
        default_factory=list, description="template entries checked before this one (near-duplicates, ids)")
    note: str = ""


def _example_shape(value: Any) -> str:
    """A template example has a ``text``; a conversation example has a ``draft``."""
    if isinstance(value, dict):
        return "template" if "text" in value else "conversation"
    return "template" if isinstance(value, TemplateExample) else "conversation"


AnyExample = Annotated[Union[Annotated[Example, Tag("conversation")],  # noqa: UP007 (tags need the Union form)
                             Annotated[TemplateExample, Tag("template")]], Discriminator(_example_shape)]


class Examples(_Spec):
    pass_: list[AnyExample] = Field(default_factory=list, alias="pass")
    fail: list[AnyExample] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RuleBase(_Spec):
    """The keys every rule has; a check kind's spec model narrows ``kind`` and adds its parameters."""

    kind: str = Field(description="the check kind")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str
    severity: Severity
    message: str = Field(min_length=1)
    title: str = Field("", description="a short name of the rule (SARIF's shortDescription; default: the message)")
    description: str = ""
    when: str = ""
    suggest: StrList
    yields_to: StrList = Field(description=(
        "rules (this pack's ids, or pack/id) that pre-empt this one: when one of them reports on "
        "the same draft, this rule's findings are dropped, so a generic rule (a stock reply) does "
        "not repeat what a specific one (a copy-paste apology) already names"))
    examples: Examples = Field(default_factory=Examples)


class TemplateSpec(_Spec):
    """A suggested reply (Jinja2, rendered in a sandbox). ``for`` recommends it in context."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str
    description: str = ""
    for_: str = Field("", alias="for", description="condition (like when:) under which it is recommended")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PackBase(_Spec):
    """One guideline pack file (``rules`` typed by :func:`pack_model` from the registered kinds)."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="pack id, prefix of its rule ids")
    scope: Literal["check", "templates"] = Field(
        "check", description="where the rules run: check (draft replies: check, the server, the audit) or "
                             "templates (only lint-templates, on the entries of a template repository)")
    version: str | int = "1"
    language: str = "ja"
    description: str = ""
    examples_brand: str = Field("サンプル", description="brand name the rule examples are written for")
    severity_policy: dict[Severity, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(default_factory=dict, description="extra categories this pack adds")
    lexicons: dict[str, list[str]] = Field(default_factory=dict)
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    rules: list[RuleBase] = Field(default_factory=list)
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


@functools.cache
def pack_model() -> type[PackBase]:
    """The pack model whose ``rules`` is the union of every registered kind's spec model.

    Generated from :func:`replyguard.kinds.registry` (built-in kinds plus entry points), so
    a kind exists in the schema exactly when it can be built. Cached; :func:`replyguard.kinds.refresh`
    clears it.
    """
    from .kinds import registry

    specs = tuple(k.spec for k in registry().values())
    rule_spec: Any = Annotated[Union[specs], Field(discriminator="kind")]  # noqa: UP007 (a runtime tuple)
    return create_model(
        "PackSpec", __base__=PackBase, __module__=__name__,
        rules=(list[rule_spec], Field(default_factory=list)),
    )
