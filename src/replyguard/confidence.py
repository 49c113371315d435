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
from operator import not_
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
    feats.update(f"R:{f.rule}" for f in findings)
    feats.update(f"C:{f.category}" for f in findings)
    if post_words:
        feats |= _words(ctx, ctx.post, "P:")
    if draft_words:
        feats |= _words(ctx, ctx.draft, "D:")
    return feats


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
    _lowering: dict[str, float] = field(init=False, repr=False, compare=False, default_factory=dict)
    """The weights below zero (what :meth:`least` adds for an unknown feature)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lowering", {k: w for k, w in self.weights.items() if w < 0.0})

    def probability(self, features: Iterable[str]) -> float:
        # fsum is exact, so the rating does not depend on the order a set of strings iterates in
        # (which changes with PYTHONHASHSEED): a finding rated at the threshold stays on one side
        z = self.bias + math.fsum(map(self.weights.get, features, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def least(self, features: Iterable[str], unknown: Iterable[str]) -> float:
        """The lowest log-odds (the ``z`` of :meth:`probability`) of ``features`` together with
        any of the ``unknown`` features: those whose weight lowers it."""
        # an unknown feature that does not lower it adds an exact 0.0 (fsum is exact: the same sum)
        return self.bias + math.fsum(chain(map(self.weights.get, features, repeat(0.0)),
                                           map(self._lowering.get, unknown, repeat(0.0))))


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
    _facts_for: dict[frozenset[str], tuple[str, ...]] = field(init=False, repr=False, compare=False,
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

    def _weighted_facts(self, categories: Iterable[str]) -> tuple[str, ...]:
        """The facts that weigh in at least one of ``categories``, in the model's order: a fact
        no rated category weighs adds nothing to their probabilities, so it is not asked (a
        category weighs about half to nine tenths of the model's facts). Kept per set of
        categories."""
        key = frozenset(categories)
        found = self._facts_for.get(key)
        if found is None:
            found = tuple(name for name in self.facts
                          if any(f"F:{name}" in self.categories[c].weights for c in key))
            self._facts_for[key] = found
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
        feats = conversation_features(ctx, findings, (), post_words=self._post_words, draft_words=self._draft_words)
        names = self._weighted_facts(rated)
        if 0.0 < limit < 1.0:
            asked = ctx.asked
            named = _fact_features(names)
            feats.update(compress(named, map(asked.get, names)))  # those asked that hold
            unasked = list(compress(named, map(not_, map(asked.__contains__, names))))
            floor = math.log(limit / (1.0 - limit)) + _MARGIN
            rated = {c for c in rated if self.categories[c].least(feats, unasked) <= floor}
            if not rated:
                return findings, []
            names = self._weighted_facts(rated)
        feats.update(compress(_fact_features(names), map(ctx.fact, names)))
        probs = {c: self.categories[c].probability(feats) for c in rated}
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
