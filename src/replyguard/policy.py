"""Policy actions and suppressions: what a finding means for sending, and which findings a
check leaves out on request.

The action of a finding is looked up in the config's ``[policy]``: its rule's entry, else its
category's, else its (configured) severity's. A report's decision is the strictest action of
its findings. A suppression (``ignore``) removes a rule's findings from the decision but keeps
them visible in ``report.suppressed``; an ignore that suppressed nothing becomes a finding of
its own (``replyguard/unused-suppression``), so stale ignores do not pile up unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from .categories import CATEGORIES
from .config import Config
from .errors import ConfigError, InputError
from .models import Action, Finding, Ignore, Severity, Suppressed

UNUSED_SUPPRESSION = "replyguard/unused-suppression"
SUPPRESSION_CATEGORY = "suppression"
BUILTIN_RULES = {UNUSED_SUPPRESSION: (SUPPRESSION_CATEGORY, Severity.warning)}


def resolve_rule_id(rid: str, known: Iterable[str]) -> str | None:
    """The full id of ``rid`` (a full ``pack/rule`` id or an unambiguous short id), else None."""
    known = list(known)
    if rid in known:
        return rid
    full = [k for k in known if k.split("/", 1)[-1] == rid]
    return full[0] if len(full) == 1 else None


class PolicyTable:
    """The config's policy resolved against the loaded rules (unknown ids are config errors)."""

    def __init__(self, config: Config, rules: dict[str, tuple[str, Severity]]):
        policy = config.policy
        where = config.where()
        self.by_severity = {Severity.error: policy.error, Severity.warning: policy.warning,
                            Severity.info: policy.info}
        self.known = {**rules, **BUILTIN_RULES}
        self.by_rule: dict[str, Action] = {}
        for rid, action in policy.rules.items():
            full = resolve_rule_id(rid, self.known)
            if full is None:
                raise ConfigError(f"{where}policy.rules: unknown rule {rid!r}")
            self.by_rule[full] = action
        categories = set(CATEGORIES) | {c for c, _ in self.known.values()} | {"template"}
        for cat in policy.categories:
            if cat not in categories:
                raise ConfigError(f"{where}policy.categories: unknown category {cat!r} "
                                  f"(known: {', '.join(sorted(categories))})")
        self.by_category = dict(policy.categories)

    def action(self, rule: str, category: str, severity: Severity) -> Action:
        """The action of a finding of ``rule``/``category`` at ``severity``."""
        found = self.by_rule.get(rule)
        if found is None:
            found = self.by_category.get(category)
        return found if found is not None else self.by_severity[severity]

    def rule_action(self, rule: str) -> Action | None:
        """The action a finding of ``rule`` gets (for override checks); None for an unknown rule."""
        entry = self.known.get(rule)
        return None if entry is None else self.action(rule, *entry)


def decision(findings: Iterable[Finding]) -> Action:
    """The strictest action of ``findings``; ``allow`` when there are none."""
    return max((f.action for f in findings), key=lambda a: a.rank, default=Action.allow)


def apply_ignores(findings: list[Finding], ignores: Sequence[Ignore], known: Iterable[str],
                  policy: PolicyTable, *, field: str = "ignore",
                  source: Literal["request", "inline", "config"] = "request",
                  ) -> tuple[list[Finding], list[Suppressed]]:
    """Split ``findings`` by ``ignores``: the kept findings (plus one unused-suppression finding
    per ignore that matched nothing) and what was suppressed. A ``block`` finding is never
    suppressed by a request: blocking is changed in the config, or overridden with a reason."""
    known = list(known)
    kept = list(findings)
    suppressed: list[Suppressed] = []
    for i, ig in enumerate(ignores):
        full = resolve_rule_id(ig.rule, known)
        if full is None:
            raise InputError(f"{field}.{i}.rule: unknown rule {ig.rule!r}")
        hit = [f for f in kept if f.rule == full]
        blocking = [f for f in hit if f.action is Action.block]
        if hit and not blocking:
            kept = [f for f in kept if f.rule != full]
            suppressed.append(Suppressed(rule=full, reason=ig.reason, source=source, findings=hit))
            continue
        if blocking:
            msg = (f"ignore of {full} not applied: its finding blocks sending; a block cannot be ignored, "
                   "only overridden by a person with a reason (POST /v1/decisions)")
        else:
            msg = f"ignore of {full} is unused: the rule found nothing in this draft; remove the ignore"
        severity = BUILTIN_RULES[UNUSED_SUPPRESSION][1]
        kept.append(Finding(rule=UNUSED_SUPPRESSION, category=SUPPRESSION_CATEGORY, severity=severity,
                            message=msg, action=policy.action(UNUSED_SUPPRESSION, SUPPRESSION_CATEGORY,
                                                              severity)))
    return kept, suppressed
