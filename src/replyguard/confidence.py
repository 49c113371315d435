"""How sure a finding is: a per-category logistic model over what the check already knows.

The packs' rules are written one phrase family at a time; on conversations written by other
people they fire on look-alikes (a joke that mentions 怖い, a policy stated in public). The
confidence model looks at a finding's category together with the whole conversation — the
packs' facts for the post and the draft, which rules fired, the content words of the draft
(and of the post, for a model trained with them) — and gives the probability that a person
would have labelled the draft with that category. A finding below the threshold is moved to
the report's ``suppressed`` list with its probability, never silently dropped.

The model is trained offline (``training/train_confidence.py``) on labelled conversations and
shipped as ``rules/confidence.json``: per category a bias and the weights of the features that
matter. Scoring is a sum and a sigmoid: no runtime dependency. It is tied to the shipped packs
(their fact and rule names): it is used only when every fact it names is known, it judges only
findings of rules it was trained with, and it never judges what is measured (``too_long``,
``slow_response``), personal data in public (``pii_public``: a leak is not left to a
statistical guess), nor a rule or category the
configuration's ``[policy]`` names as ``block`` (as an ignore cannot unblock it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import is_
from pathlib import Path
from typing import Any

from .context import Context
from .doc import Doc
from .errors import ConfigError
from .models import Finding, Suppressed

MODEL_FILE = "confidence.json"

# builtin facts every check can answer, used as features beside the packs' own
BUILTIN_FACTS = ("public", "thread.present", "thread_brand.present", "history.present")

# categories never rated: what is measured (length, minutes) is no guess, a finding of
# personal data in public always stands, and register is read from the words themselves
# (slang, タメ口, w; です/ます mixed with plain endings): rated, they lost more right findings
# than wrong ones, leave-one-set-out on the training sets and on sets it never saw
# (design.md, Round 10)
NEVER_RATED = frozenset({"pii_public", "too_long", "slow_response", "overfamiliar", "mixed_register"})


def fact_feature_names(groups: Mapping[str, Iterable[str]], matched: Iterable[str],
                       derived: Iterable[str]) -> list[str]:
    """The facts a model may use: a matched fact of the post where the packs ask it of the
    customer's texts, of the draft where they ask it of the brand's (``groups``, from
    :func:`replyguard.packs.fact_groups`: the text is then scanned for it anyway, and asking
    ``post.concrete_help`` would search the post pattern by pattern), the derived facts and
    the builtin ones."""
    names = []
    for m in matched:
        g = set(groups.get(m, ()))
        names += [f"post.{m}"] * ("customer" in g) + [f"draft.{m}"] * ("main" in g)
    return names + list(derived) + list(BUILTIN_FACTS)


def conversation_features(ctx: Context, findings: Sequence[Finding], facts: Iterable[str], *,
                          post_words: bool = True, draft_words: bool = True) -> set[str]:
    """The features of a checked conversation: ``F:`` facts that hold, ``R:`` rules and ``C:``
    categories that reported, ``P:``/``D:`` content words of the post and the draft (each only
    when asked for: the post's words need its tokens, which a check often does without)."""
    names = facts if isinstance(facts, tuple) else tuple(facts)
    feats = set(compress(_fact_features(names), map(ctx.fact, names)))  # asked in order, at C speed
    feats |= _finding_features(findings)
    feats |= _word_features(ctx, post=post_words, draft=draft_words)
    return feats


def _word_features(ctx: Context, *, post: bool, draft: bool) -> frozenset[str]:
    """The content words of the draft (``D:``) and of the post (``P:``), each only when asked
    for: what training records and what a rated check reads, made in one place."""
    draft_words = _words(ctx, ctx.draft, "D:") if draft else frozenset()
    return (draft_words | _words(ctx, ctx.post, "P:")) if post else draft_words


def _finding_features(findings: Iterable[Finding]) -> set[str]:
    """The rules (``R:``) and categories (``C:``) that reported."""
    return {f"R:{f.rule}" for f in findings} | {f"C:{f.category}" for f in findings}


# facts → their features ("F:" + each name), made once per tuple of facts (a rated check asks
# 37–68 facts, the same tuple for the same rated categories)
_FACT_FEATURES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _fact_features(names: tuple[str, ...]) -> tuple[str, ...]:
    found = _FACT_FEATURES.get(names)
    if found is None:
        if len(_FACT_FEATURES) >= 1024:
            _FACT_FEATURES.clear()
        found = _FACT_FEATURES[names] = tuple(f"F:{name}" for name in names)
    return found


# the memo keys of a Doc's word features (they depend on its text alone)
_WORDS = {"P:": ("confidence-words", "P:"), "D:": ("confidence-words", "D:")}


def _words(ctx: Context, doc: Doc, prefix: str) -> frozenset[str]:
    """A text's content words as features (``D:謝る``), kept on its Doc: a draft checked again
    has them at hand, without its tokens."""
    key = _WORDS[prefix]
    found: frozenset[str] | None = doc.memo.get(key)  # type: ignore[assignment]
    if found is None:
        found = doc.memo[key] = ctx.word_features(doc, prefix)
    return found


@dataclass(frozen=True)
class CategoryModel:
    bias: float
    weights: dict[str, float]
    _named: dict[str, float] = field(init=False, repr=False, compare=False, default_factory=dict)
    """The weights of rules, categories and facts: ~10% of the table, in one of their own."""
    _words: dict[str, float] = field(init=False, repr=False, compare=False, default_factory=dict)
    """The weights of words (``D:``, ``P:``): ~90% of the table, ~5 of them read a rated check."""

    def __post_init__(self) -> None:
        words = {k: w for k, w in self.weights.items() if k[:2] in _WORD_PREFIXES}
        object.__setattr__(self, "_words", words)
        object.__setattr__(self, "_named", {k: w for k, w in self.weights.items() if k not in words})

    def probability(self, features: Iterable[str]) -> float:
        """The probability of the category given ``features`` (what :meth:`log_odds` adds up,
        each feature by name)."""
        # fsum is exact, so the rating does not depend on the order a set of strings iterates in
        # (which changes with PYTHONHASHSEED): a finding rated at the threshold stays on one side
        return _sigmoid(self.bias + math.fsum(map(self.weights.get, features, repeat(0.0))))

    def log_odds(self, named: Iterable[str], words: Iterable[str], facts: Iterable[float]) -> float:
        """The log-odds of features ``named`` (rules, categories), ``words`` (the texts' words)
        and of facts whose weights are ``facts`` (read from tuples in the order of the facts:
        :class:`_Weighing`), each kind from its own table. A feature's weight is in one of them
        only, and an absent one adds an exact 0.0, so this is the sum :meth:`probability` takes
        (fsum is exact, whatever the order)."""
        return self.bias + math.fsum(chain(map(self._named.get, named, repeat(0.0)),
                                           map(self._words.get, words, repeat(0.0)), facts))


# the prefixes of word features (a text's content words), kept apart from the named ones
_WORD_PREFIXES = frozenset({"D:", "P:"})


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass(frozen=True)
class _Weighing:
    """What rating a set of categories reads: the facts at least one of them weighs, in the
    model's order, and per category those facts' weights in the same order (0.0 for a fact it
    does not weigh) and the same with only the weights below zero. A check picks the weights of
    the facts that hold with ``compress`` over its answers in that order: no lookup by name."""

    names: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    lowering: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class ConfidenceModel:
    """Per-category models, the facts they read, and the rules they were trained with."""

    categories: dict[str, CategoryModel]
    facts: tuple[str, ...]
    rules: frozenset[str]
    threshold: float = 0.5
    exempt_rules: frozenset[str] = frozenset()
    exempt_categories: frozenset[str] = NEVER_RATED
    _post_words: bool = field(init=False, repr=False, compare=False, default=False)
    _draft_words: bool = field(init=False, repr=False, compare=False, default=False)
    _weighings: dict[frozenset[str], _Weighing] = field(init=False, repr=False, compare=False,
                                                       default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> ConfidenceModel:
        try:
            cats = {str(c): CategoryModel(float(m["bias"]), {str(k): float(v) for k, v in m["weights"].items()})
                    for c, m in data["categories"].items()}
            return cls(cats, tuple(str(f) for f in data["facts"]), frozenset(str(r) for r in data["rules"]),
                       float(data.get("threshold", 0.5)))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{where}: not a confidence model ({type(exc).__name__}: {exc})") from None

    @classmethod
    def load(cls, path: Path) -> ConfidenceModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the confidence model: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: not a confidence model (a JSON object expected)")
        return cls.from_dict(data, str(path))

    def __post_init__(self) -> None:
        # which texts' words to collect: only those some weight reads (the post's need its tokens)
        weighted = {k[:2] for m in self.categories.values() for k in m.weights}
        object.__setattr__(self, "_post_words", "P:" in weighted)
        object.__setattr__(self, "_draft_words", "D:" in weighted)

    def _weighing(self, categories: Iterable[str]) -> _Weighing:
        """The facts that weigh in at least one of ``categories``, in the model's order, with
        their weights: a fact no rated category weighs adds nothing to their probabilities, so
        it is not asked (a category weighs about half to nine tenths of the model's facts).
        Kept per set of categories."""
        key = frozenset(categories)
        found = self._weighings.get(key)
        if found is None:
            names = tuple(name for name in self.facts
                          if any(f"F:{name}" in self.categories[c].weights for c in key))
            feats = _fact_features(names)
            weights = {c: tuple(self.categories[c].weights.get(f, 0.0) for f in feats) for c in key}
            lowering = {c: tuple(w if w < 0.0 else 0.0 for w in ws) for c, ws in weights.items()}
            found = self._weighings[key] = _Weighing(names, weights, lowering)
        return found

    def exempting(self, rules: Iterable[str], categories: Iterable[str]) -> ConfidenceModel:
        """This model, never rating these rules and categories too (those a config blocks)."""
        return replace(self, exempt_rules=self.exempt_rules | frozenset(rules),
                       exempt_categories=self.exempt_categories | frozenset(categories))

    def judged(self, finding: Finding) -> bool:
        """Whether this model rates ``finding``: a rule it knows, a category it has, not exempt."""
        return finding.rule in self.rules and finding.category in self.categories \
            and finding.rule not in self.exempt_rules and finding.category not in self.exempt_categories

    def split(self, findings: list[Finding], ctx: Context,
              threshold: float | None = None) -> tuple[list[Finding], list[Suppressed]]:
        """The findings kept, and those rated below the threshold (one entry per rule, with the
        probability in the reason). Features are computed only when a finding is to be judged.

        The facts the check has not asked yet are asked only for a category they could still
        put below the threshold: a category whose log-odds, with every unasked fact that lowers
        it taken as holding, stays above the threshold's is kept without them (a kept finding
        carries no probability). The probabilities reported are computed from every fact."""
        if not any(self.judged(f) for f in findings):
            return findings, []
        limit = self.threshold if threshold is None else threshold
        rated = {f.category for f in findings if self.judged(f)}
        named = _finding_features(findings)
        words = _word_features(ctx, post=self._post_words, draft=self._draft_words)
        categories = self.categories
        weighing = self._weighing(rated)
        if 0.0 < limit < 1.0:
            asked = ctx.asked
            holding = tuple(map(asked.get, weighing.names))  # True, False, or None: not asked yet
            # (from the same lookups: a fact's answer is never None, so None is "not asked")
            unasked = tuple(map(is_, holding, repeat(None)))
            floor = math.log(limit / (1.0 - limit)) + _MARGIN
            # the lowest log-odds: the facts that hold, and every unasked fact that lowers it
            rated = {c for c in rated
                     if categories[c].log_odds(named, words, chain(compress(weighing.weights[c], holding),
                                                                   compress(weighing.lowering[c], unasked))) <= floor}
            if not rated:
                return findings, []
            weighing = self._weighing(rated)
        answers = tuple(map(ctx.fact, weighing.names))
        probs = {c: _sigmoid(categories[c].log_odds(named, words, compress(weighing.weights[c], answers)))
                 for c in rated}
        kept: list[Finding] = []
        low: dict[str, list[Finding]] = {}
        for f in findings:
            if f.category in probs and self.judged(f) and probs[f.category] < limit:
                low.setdefault(f.rule, []).append(f)
            else:
                kept.append(f)
        suppressed = [Suppressed(rule=rule, source="confidence", findings=fs,
                                 reason=f"rated {probs[fs[0].category]:.2f} for {fs[0].category}, "
                                        f"below {limit:.2f}")
                      for rule, fs in low.items()]
        return kept, suppressed


# how far above the threshold's log-odds a category's lowest log-odds must be for it to be kept
# without the facts not yet asked (covers the rounding of the sums and of the sigmoid)
_MARGIN = 1e-6


@lru_cache(maxsize=4)
def load_model(path: Path) -> ConfidenceModel:
    """The model in ``path``, read once per process (every ``Linter`` of a server's workers or
    a test run would otherwise parse the same ~200 KB again: ~5 ms each). A model is not
    changed after loading; ``exempting`` returns a copy."""
    return ConfidenceModel.load(path)
