"""The draft shares too few content words with the post: a stock text that does not engage
with what the post is about.

Content words are the lemmas of nouns, verbs, adjectives and adjectival nouns (numbers and
dependent words excluded), plus kanji/katakana bigrams of them (so `充電器` meets
`充電ケース`). The brand's name is not a content word, nor is a word the draft says only in a
``ceremony`` sentence (「〇〇をお選びいただきありがとうございます」 names the product without
engaging with what the post says about it). Span: none.

With ``focus: question`` the post's words are those of its question sentences from after their
topic (:mod:`replyguard.question_focus`): a reply about the product the question hangs on
(「残高って有効期限ある？」 answered with where the balance can be spent) shares the topic, not
what was asked. Posts that ask nothing are not judged.

Example::

    - id: stock-reply-misses-post
      kind: relevance
      category: off_topic_template
      severity: warning
      message: 投稿の内容に触れていない定型文です
      stock: ['@stock_lemmas', 問い合わせ, 有難う]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..analysis import content_lemma, overlap
from ..context import Context
from ..matcher import Matcher
from ..question_focus import outside_focus
from ..schema import MatcherSpec, RuleBase, StrList
from ..tokens import Token
from . import BuildEnv, Hit, Kind, KindError


class RelevanceRule(RuleBase):
    """The draft shares too few content words with the post (a stock text)."""

    kind: Literal["relevance"]
    stock: StrList = Field(description="lemmas (or `@lexicon`) that carry no topic (stock phrases, brand words)")
    min_overlap: int = Field(1, ge=0, description="fewer shared content words than this is a finding")
    min_post_terms: int = Field(2, ge=0, description="posts with fewer content words are not judged")
    ceremony: MatcherSpec | None = Field(None, description=(
        "draft sentences that are ceremony (thanks for choosing us, see you again): a word the "
        "post shares only there does not count as engaging with it"))
    ceremony_facts: StrList = Field(default_factory=list, description=(
        "facts with a `match:` whose draft sentences count as ceremony too (a pack's `ceremony` "
        "fact, shared with its conditions)"))
    defer_to: str | None = Field(None, description=(
        "a fact (cheerful_to_distress): when it holds and the draft has `defer_own_terms` content "
        "words of its own, the draft has substance and its problem is that fact's rule, not a stock reply"))
    defer_own_terms: int = Field(3, ge=1, description="content words of its own (outside ceremony, stock "
                                 "vocabulary and the brand's name) that give a draft substance")
    focus: Literal["post", "question"] = Field("post", description=(
        "`question`: compare with what the post asks about — its question sentences, from after "
        "their topic (って/は/、) — and judge only posts that ask; `post`: the whole post"))
    light: StrList = Field(default_factory=list, description=(
        "lemmas (or `@lexicon`) that do not make what a question asks about (やる, いつ, 今年): "
        "when only these follow a question's topic, the topic is what is asked about"))


@dataclass
class RelevanceChecker:
    stock: frozenset[str]
    min_overlap: int
    min_post_terms: int
    ceremony: Matcher | None = None
    defer_to: str | None = None
    defer_own_terms: int = 3
    ceremony_facts: tuple[Matcher, ...] = ()
    focus: str = "post"
    light: frozenset[str] = frozenset()

    def _is_light(self, tokens: Sequence[Token]) -> bool:
        return all(lemma is None or lemma in self.light or lemma in self.stock
                   for lemma in map(content_lemma, tokens))

    def run(self, ctx: Context) -> Iterable[Hit]:
        brand_name = ctx.conv.brand.name
        brand_doc = ctx.doc(brand_name) if brand_name else None
        brand = ctx.content_terms(brand_doc) if brand_doc is not None else frozenset()
        # the name as the texts are matched (normalised like them), for _outside_name
        name = brand_doc.text.lower() if brand_doc is not None else ""
        not_asked: Sequence[tuple[int, int]] = ()  # ranges of the post its terms leave out
        if self.focus == "question":
            ranges = outside_focus(ctx.post, self._is_light)
            if ranges is None:
                return  # the post asks nothing
            not_asked = ranges
        post_terms = _outside_name(ctx.content_terms(ctx.post, self.stock, not_asked) - brand, name)
        if len({t for t in post_terms if not t.startswith("~")}) < self.min_post_terms:
            return
        spans = list(self.ceremony.find(ctx.draft)) if self.ceremony is not None else []
        for fact in self.ceremony_facts:
            spans.extend(fact.find(ctx.draft))
        skip = sorted({ctx.draft.sentence_at(a) for a, _ in spans})
        draft_terms = _outside_name(ctx.content_terms(ctx.draft, self.stock, skip) - brand, name)
        if overlap(post_terms, draft_terms) >= self.min_overlap:
            return
        if self.defer_to is not None and ctx.fact(self.defer_to) \
                and len({t for t in draft_terms if not t.startswith("~")}) >= self.defer_own_terms:
            return  # a reply with substance of its own, in the wrong tone: that rule's finding
        yield Hit(None, {"shared": 0})


def _outside_name(terms: frozenset[str], name: str) -> frozenset[str]:
    """``terms`` without those spelled inside the brand's name: in running text the name is
    often one token (ポケノート) while alone it splits (ポケ + ノート), so subtracting the
    name's own terms misses the token and its bigrams."""
    if not name:
        return terms
    inside = {t for t in terms if t.lstrip("~").lower() in name}
    return terms - inside if inside else terms


def build(spec: RelevanceRule, env: BuildEnv) -> RelevanceChecker:
    stock = frozenset(env.lexicon_words(spec.stock, at=("stock",)))
    ceremony = env.matcher(spec.ceremony, at=("ceremony",)) \
        if spec.ceremony is not None and not spec.ceremony.is_empty() else None
    if spec.defer_to is not None and not env.facts.known(spec.defer_to):
        raise KindError(f"defer_to names an unknown fact {spec.defer_to!r}", at=("defer_to",))
    return RelevanceChecker(stock, spec.min_overlap, spec.min_post_terms, ceremony, spec.defer_to,
                            spec.defer_own_terms, env.fact_matchers(spec.ceremony_facts, at=("ceremony_facts",)),
                            spec.focus, frozenset(env.lexicon_words(spec.light, at=("light",))))


KIND = Kind(RelevanceRule, build, {"shared": "content words shared with the post: 0"}, __doc__ or "")
