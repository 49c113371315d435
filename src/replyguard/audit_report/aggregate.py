"""The audit's numbers: pure functions over :class:`~replyguard.audit_report.rows.CaseRow` s.

:func:`tally` folds rows into a :class:`Tally` of plain counters; tallies :func:`merge`
(sums, and the N worst replies by a total order), so a distributed engine tallies each
partition where it ran and the driver only adds them up: the result does not depend on how
the cases were split. :func:`summarize` turns the final tally into the aggregates that every
output format (text, JSON, Markdown, HTML) shows.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .rows import CaseRow

SEVERITIES = ("error", "warning", "info")
DECISIONS = ("block", "approve", "warn", "allow")  # the policy's actions, strictest first
WEIGHT = {"error": 100, "warning": 10, "info": 1}  # how bad a reply is, for the worst list
MAX_MINUTES = 7 * 24 * 60  # response times above a week share one bucket
MONTHLY_AFTER_DAYS = 183  # trend per week up to about six months of replies, per month beyond


def badness(row: CaseRow) -> int:
    return sum(WEIGHT.get(f[2], 0) for f in row.findings)


@dataclass
class Tally:
    """Mergeable counts of a set of CaseRows (everything is a Counter keyed by plain values)."""

    worst_n: int = 20
    replies: int = 0
    input_errors: int = 0
    clean: int = 0
    decisions: Counter = field(default_factory=Counter)  # decision → checked replies
    with_severity: Counter = field(default_factory=Counter)  # severity → replies with one
    findings: Counter = field(default_factory=Counter)  # severity → findings
    rule_findings: Counter = field(default_factory=Counter)
    rule_replies: Counter = field(default_factory=Counter)
    rule_meta: dict = field(default_factory=dict)  # rule → (category, severity)
    category_findings: Counter = field(default_factory=Counter)
    category_replies: Counter = field(default_factory=Counter)
    day_replies: Counter = field(default_factory=Counter)  # ISO date → replies
    day_severity: Counter = field(default_factory=Counter)  # (date, severity) → replies with one
    day_rule: Counter = field(default_factory=Counter)  # (date, rule) → findings
    day_category: Counter = field(default_factory=Counter)
    undated: int = 0
    group_replies: Counter = field(default_factory=Counter)  # (axis, key) → replies; axis agent|channel
    group_severity: Counter = field(default_factory=Counter)  # (axis, key, severity) → replies with one
    group_findings: Counter = field(default_factory=Counter)  # (axis, key) → findings
    group_rule: Counter = field(default_factory=Counter)  # (axis, key, rule) → findings
    group_decision: Counter = field(default_factory=Counter)  # (axis, key, decision) → replies
    minutes: Counter = field(default_factory=Counter)  # whole minutes (floored, capped) → replies
    within: Counter = field(default_factory=Counter)  # target minutes → replies at or under it
    no_time: int = 0
    worst: list = field(default_factory=list)  # heap of (-badness, source, line, row)
    targets: tuple = (60.0,)

    def add(self, row: CaseRow) -> None:
        self.replies += 1
        if row.error is not None:
            self.input_errors += 1
            return
        sevs = row.severities()
        if not row.findings:
            self.clean += 1
        self.decisions[row.decision] += 1
        day = _day(row.replied_at) or _day(row.posted_at)
        if day is None:
            self.undated += 1
        else:
            self.day_replies[day] += 1
        groups = (("agent", row.agent or "(unknown)"), ("channel", row.channel or "(unknown)"))
        for g in groups:
            self.group_replies[g] += 1
            self.group_findings[g] += len(row.findings)
            self.group_decision[(*g, row.decision)] += 1
        for sev in sevs:
            self.with_severity[sev] += 1
            if day is not None:
                self.day_severity[(day, sev)] += 1
            for axis, key in groups:
                self.group_severity[(axis, key, sev)] += 1
        rules_here: set[str] = set()
        categories_here: set[str] = set()
        for rule, category, severity, *_ in row.findings:
            self.findings[severity] += 1
            self.rule_findings[rule] += 1
            self.category_findings[category] += 1
            self.rule_meta.setdefault(rule, (category, severity))
            rules_here.add(rule)
            categories_here.add(category)
            if day is not None:
                self.day_rule[(day, rule)] += 1
                self.day_category[(day, category)] += 1
            for axis, key in groups:
                self.group_rule[(axis, key, rule)] += 1
        self.rule_replies.update(rules_here)
        self.category_replies.update(categories_here)
        if row.response_minutes is None:
            self.no_time += 1
        else:
            self.minutes[min(int(row.response_minutes), MAX_MINUTES)] += 1
            for t in self.targets:
                if row.response_minutes <= t:
                    self.within[t] += 1
        if row.findings and self.worst_n > 0:
            item = (-badness(row), row.source, row.line, row)
            if len(self.worst) < self.worst_n:
                heapq.heappush(self.worst, _Rev(item))
            elif _Rev(item) > self.worst[0]:
                heapq.heapreplace(self.worst, _Rev(item))

    def merge(self, other: Tally) -> Tally:
        """Add ``other`` into this tally (in place) and return it."""
        for name in ("replies", "input_errors", "clean", "undated", "no_time"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("decisions", "with_severity", "findings", "rule_findings", "rule_replies", "category_findings",
                     "category_replies", "day_replies", "day_severity", "day_rule", "day_category", "group_replies",
                     "group_severity", "group_findings", "group_rule", "group_decision", "minutes", "within"):
            getattr(self, name).update(getattr(other, name))
        for rule, meta in other.rule_meta.items():
            self.rule_meta.setdefault(rule, meta)
        for item in other.worst:
            if len(self.worst) < self.worst_n:
                heapq.heappush(self.worst, item)
            elif item > self.worst[0]:
                heapq.heapreplace(self.worst, item)
        return self


class _Rev(tuple):
    """A worst-list entry ordered so that the heap's smallest is the least bad (ties: the
    later case in input order is the least bad), making the kept N independent of merge order."""

    def _key(self) -> tuple:
        neg_bad, source, line, _ = self
        return (-neg_bad, _Desc(source), -line)

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        return self._key() < other._key()  # type: ignore[attr-defined]

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        return self._key() > other._key()  # type: ignore[attr-defined]


class _Desc(str):
    """A string that sorts in reverse (an earlier source file is the worse on ties)."""

    def __lt__(self, other: str) -> bool:  # type: ignore[override]
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:  # type: ignore[override]
        return str.__lt__(self, other)


def _day(stamp: str | None) -> str | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).date().isoformat()
    except ValueError:
        return None


def tally(rows: Iterable[CaseRow], *, worst_n: int = 20, target_minutes: float = 60.0) -> Tally:
    t = Tally(worst_n=worst_n, targets=(target_minutes,))
    for row in rows:
        t.add(row)
    return t


def merge(tallies: Iterable[Tally]) -> Tally | None:
    out: Tally | None = None
    for t in tallies:
        out = t if out is None else out.merge(t)
    return out


# -- the aggregates ----------------------------------------------------------------------------
def _share(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def _period_of(day: str, monthly: bool) -> str:
    d = date.fromisoformat(day)
    if monthly:
        return d.strftime("%Y-%m")
    return (d - timedelta(days=d.weekday())).isoformat()  # the Monday of its week


def _periods(first: str, last: str, monthly: bool) -> list[str]:
    out: list[str] = []
    d = date.fromisoformat(_period_of(first, monthly) + ("-01" if monthly else ""))
    end = _period_of(last, monthly)
    while True:
        p = _period_of(d.isoformat(), monthly)
        out.append(p)
        if p >= end:
            return out
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1) if monthly else d + timedelta(days=7)


def _percentile(hist: Mapping[int, int], n: int, q: float) -> int | None:
    if n == 0:
        return None
    rank = max(1, math.ceil(q * n - 1e-9))  # the ceil(q·n)-th smallest
    seen = 0
    for minute in sorted(hist):
        seen += hist[minute]
        if seen >= rank:
            return minute
    return max(hist)


def _bins(target: float) -> list[tuple[float, float | None]]:
    edges = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 12, 24]
    bounds = [e * target for e in edges]
    return [(bounds[i], bounds[i + 1] if i + 1 < len(bounds) else None) for i in range(len(bounds))]


def _decision_mix(replies: Mapping[str, int], checked: int) -> dict[str, dict[str, Any]]:
    """Replies and share per decision, every decision present (zeros too), strictest first."""
    return {d: {"replies": replies.get(d, 0), "share": _share(replies.get(d, 0), checked)} for d in DECISIONS}


def _groups(t: Tally, axis: str, top_rules: int = 3) -> list[dict[str, Any]]:
    rules: dict[str, Counter] = {}
    for (ax, key, rule), n in t.group_rule.items():
        if ax == axis:
            rules.setdefault(key, Counter())[rule] += n
    out = []
    for (ax, key), replies in t.group_replies.items():
        if ax != axis:
            continue
        row: dict[str, Any] = {axis: key, "replies": replies, "findings": t.group_findings[(ax, key)]}
        for sev in SEVERITIES:
            n = t.group_severity[(axis, key, sev)]
            row[f"with_{sev}"] = n
            row[f"{sev}_rate"] = _share(n, replies)
        row["decisions"] = _decision_mix({d: t.group_decision[(axis, key, d)] for d in DECISIONS}, replies)
        worst = sorted(rules.get(key, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))[:top_rules]
        row["worst_rules"] = [{"rule": r, "findings": n} for r, n in worst]
        out.append(row)
    out.sort(key=lambda r: (-r["replies"], r[axis]))
    return out


def summarize(t: Tally, *, target_minutes: float = 60.0, rules: Mapping[str, Mapping[str, str]] | None = None,
              sources: Iterable[str] = (), policy: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The aggregates of a tally, as plain JSON-ready data (sorted, so equal tallies print equal).

    ``rules`` (rule id → message/description) adds the explanations the reports link to;
    ``policy`` (the config's ``[policy]`` as data) says what the decision mix was decided by."""
    checked = t.replies - t.input_errors
    totals = {
        "replies": t.replies, "checked": checked, "input_errors": t.input_errors, "clean": t.clean,
        **{f"with_{s}": t.with_severity[s] for s in SEVERITIES},
        **{f"{s}_rate": _share(t.with_severity[s], checked) for s in SEVERITIES},
        "clean_rate": _share(t.clean, checked),
        "decisions": _decision_mix(t.decisions, checked),
        "findings": {s: t.findings[s] for s in SEVERITIES},
    }
    categories = sorted(
        ({"category": c, "findings": n, "replies": t.category_replies[c],
          "share": _share(t.category_replies[c], checked)}
         for c, n in t.category_findings.items()), key=lambda r: (-r["findings"], r["category"]))
    rule_rows = sorted(
        ({"rule": r, "category": t.rule_meta[r][0], "severity": t.rule_meta[r][1], "findings": n,
          "replies": t.rule_replies[r], "share": _share(t.rule_replies[r], checked)}
         for r, n in t.rule_findings.items()), key=lambda r: (-r["findings"], r["rule"]))

    days = sorted(t.day_replies)
    trend: dict[str, Any] = {"period": None, "periods": [], "replies": [], "undated": t.undated}
    if days:
        monthly = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days > MONTHLY_AFTER_DAYS
        periods = _periods(days[0], days[-1], monthly)
        index = {p: i for i, p in enumerate(periods)}
        zeros = [0] * len(periods)

        def per_period(counter: Mapping[Any, int], key_of: Any) -> dict[str, list[int]]:
            out: dict[str, list[int]] = {}
            for key, n in counter.items():
                name, day = key_of(key)
                out.setdefault(name, list(zeros))[index[_period_of(day, monthly)]] += n
            return dict(sorted(out.items()))

        replies = list(zeros)
        for day, n in t.day_replies.items():
            replies[index[_period_of(day, monthly)]] += n
        sev = per_period(t.day_severity, lambda k: (k[1], k[0]))
        trend = {
            "period": "month" if monthly else "week", "periods": periods, "replies": replies,
            "undated": t.undated,
            **{f"with_{s}": sev.get(s, list(zeros)) for s in SEVERITIES},
            "categories": per_period(t.day_category, lambda k: (k[1], k[0])),
            "rules": per_period(t.day_rule, lambda k: (k[1], k[0])),
        }

    measured = sum(t.minutes.values())
    hist = []
    for lo, hi in _bins(target_minutes):
        n = sum(v for m, v in t.minutes.items() if m >= lo and (hi is None or m < hi))
        hist.append({"from": lo, "to": hi, "replies": n})
    response = {
        "target_minutes": target_minutes, "measured": measured, "no_time": t.no_time,
        "within_target": t.within[target_minutes], "within_target_rate": _share(t.within[target_minutes], measured),
        "p50": _percentile(t.minutes, measured, 0.5), "p90": _percentile(t.minutes, measured, 0.9),
        "p99": _percentile(t.minutes, measured, 0.99), "max": max(t.minutes) if t.minutes else None,
        "histogram": hist,
    }
    worst = []
    for item in sorted(t.worst, reverse=True):
        neg, source, line, row = item
        worst.append({"source": source, "line": line, "id": row.id, "agent": row.agent, "channel": row.channel,
                      "replied_at": row.replied_at, "badness": -neg, "decision": row.decision, "draft": row.draft,
                      "findings": [{"rule": f[0], "category": f[1], "severity": f[2], "message": f[3],
                                    "start": f[4], "end": f[5]} for f in row.findings]})
    explained = {}
    if rules:
        for r in sorted(set(t.rule_findings)):
            if r in rules:
                explained[r] = dict(rules[r])
    return {
        "sources": list(sources), "totals": totals, "policy": dict(policy) if policy is not None else None,
        "categories": categories,
        "rules": rule_rows, "trend": trend, "agents": _groups(t, "agent"), "channels": _groups(t, "channel"),
        "response_time": response, "worst": worst, "rule_explanations": explained,
    }
