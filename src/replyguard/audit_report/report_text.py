"""The audit's aggregates in the terminal (summary, ``--statistics``), as JSON and as Markdown."""

from __future__ import annotations

import json
from typing import Any


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _minutes(m: Any) -> str:
    return "–" if m is None else f"{m:,} min"


def _mix(mix: dict[str, Any]) -> str:
    """``block 3 (27.3%), approve 0, warn 4 (36.4%), allow 4 (36.4%)``."""
    return ", ".join(f"{d} {m['replies']:,}" + (f" ({_pct(m['share'])})" if m["replies"] else "")
                     for d, m in mix.items())


def format_json(agg: dict[str, Any]) -> str:
    return json.dumps(agg, ensure_ascii=False, indent=2)


def format_summary(agg: dict[str, Any], top: int = 10) -> str:
    t = agg["totals"]
    rt = agg["response_time"]
    lines = [f"{t['replies']:,} replies audited"
             + (f" ({t['input_errors']:,} could not be checked)" if t["input_errors"] else ""),
             f"  with an error:  {t['with_error']:>8,}  {_pct(t['error_rate'])}",
             f"  with a warning: {t['with_warning']:>8,}  {_pct(t['warning_rate'])}",
             f"  clean:          {t['clean']:>8,}  {_pct(t['clean_rate'])}",
             f"  decisions:      {_mix(t['decisions'])}"]
    if rt["measured"]:
        lines.append(f"  response time:  p50 {_minutes(rt['p50'])}, p90 {_minutes(rt['p90'])}; "
                     f"{_pct(rt['within_target_rate'])} within {rt['target_minutes']:g} min")
    if agg["rules"]:
        lines.append("top rules:")
        lines += [f"  {r['findings']:>8,}  {r['rule']}" for r in agg["rules"][:top]]
    return "\n".join(lines)


def format_statistics(agg: dict[str, Any]) -> str:
    """One line per rule, most frequent first, as ``ruff --statistics`` prints its codes; then,
    after a blank line, the decision mix: replies per decision of the policy, strictest first."""
    rows = agg["rules"]
    if rows:
        width = max(len(r["rule"]) for r in rows)
        lines = [f"{r['findings']:>7,}  {r['rule']:<{width}}  {r['severity']:<7}  {r['category']}" for r in rows]
    else:
        lines = ["no findings"]
    lines += ["", f"decisions of the {agg['totals']['checked']:,} replies checked:"]
    lines += [f"{m['replies']:>7,}  {d:<7}  {_pct(m['share']):>6}" for d, m in agg["totals"]["decisions"].items()]
    return "\n".join(lines)


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |")
    return [*out, ""]


def format_markdown(agg: dict[str, Any]) -> str:
    t = agg["totals"]
    rt = agg["response_time"]
    out = ["# Reply audit", ""]
    out += _md_table(["replies", "checked", "input errors", "with an error", "with a warning", "clean"],
                     [[f"{t['replies']:,}", f"{t['checked']:,}", f"{t['input_errors']:,}",
                       f"{t['with_error']:,} ({_pct(t['error_rate'])})",
                       f"{t['with_warning']:,} ({_pct(t['warning_rate'])})",
                       f"{t['clean']:,} ({_pct(t['clean_rate'])})"]])
    out += ["## Decisions", "",
            "The strictest policy action of each reply's findings (`[policy]` of the config; by default "
            "error → block, warning → warn, info → allow).", ""]
    out += _md_table(["decision", "replies", "share"],
                     [[d, f"{m['replies']:,}", _pct(m["share"])] for d, m in t["decisions"].items()])
    out += ["## Categories", ""]
    out += _md_table(["category", "findings", "replies", "share"],
                     [[c["category"], c["findings"], c["replies"], _pct(c["share"])] for c in agg["categories"]])
    out += ["## Rules", ""]
    out += _md_table(["rule", "severity", "category", "findings", "replies", "share"],
                     [[r["rule"], r["severity"], r["category"], r["findings"], r["replies"], _pct(r["share"])]
                      for r in agg["rules"]])
    tr = agg["trend"]
    if tr["period"]:
        out += [f"## Trend per {tr['period']}", ""]
        out += _md_table([tr["period"], "replies", "with an error", "with a warning"],
                         [[p, tr["replies"][i], tr["with_error"][i], tr["with_warning"][i]]
                          for i, p in enumerate(tr["periods"])])
    for axis, title in (("agent", "Agents"), ("channel", "Channels")):
        out += [f"## {title}", ""]
        out += _md_table([axis, "replies", "with an error", "with a warning", "decisions", "worst rules"],
                         [[g[axis], g["replies"], f"{g['with_error']} ({_pct(g['error_rate'])})",
                           f"{g['with_warning']} ({_pct(g['warning_rate'])})", _mix(g["decisions"]),
                           ", ".join(f"{w['rule']} ({w['findings']})" for w in g["worst_rules"])]
                          for g in agg[f"{axis}s"]])
    out += ["## Response time", "",
            f"{rt['measured']:,} replies with both times; {rt['within_target']:,} ({_pct(rt['within_target_rate'])}) "
            f"within the {rt['target_minutes']:g}-minute target; p50 {_minutes(rt['p50'])}, "
            f"p90 {_minutes(rt['p90'])}, p99 {_minutes(rt['p99'])}.", ""]
    out += _md_table(["minutes", "replies"],
                     [[f"{b['from']:g}–{'' if b['to'] is None else format(b['to'], 'g')}", b["replies"]]
                      for b in rt["histogram"]])
    out += ["## Worst replies", ""]
    for w in agg["worst"]:
        out.append(f"- `{w['source']}:{w['line']}` {w['id'] or ''} ({w['agent']}, {w['channel']}; {w['decision']}): "
                   + "; ".join(f"{f['severity']} {f['rule']}" for f in w["findings"]))
    return "\n".join(out).rstrip() + "\n"
