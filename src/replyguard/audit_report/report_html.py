"""The audit as one self-contained HTML page: charts drawn by matplotlib as inline SVG (no
JavaScript, no CDN, opens offline), each with a table of the same numbers beside it.

Only rendering lives here; every number comes from the aggregates of
:func:`replyguard.audit_report.aggregate.summarize`. Tables carry ``data-table``/``data-key``/
``data-col`` attributes so a test can read what the page shows and compare it with them.
"""

from __future__ import annotations

import html
import io
import itertools
import warnings
from collections.abc import Sequence
from typing import Any

COLORS = {"error": "#c62828", "warning": "#d08a00", "info": "#3b6e8f", "clean": "#1b7f3b", "replies": "#667085"}
DECISION_COLORS = {"block": "#c62828", "approve": "#7b3fa0", "warn": "#d08a00", "allow": "#1b7f3b"}
TOP = 20  # bars in a chart; the table lists all


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _num(n: Any) -> str:
    if n is None:
        return "–"
    if isinstance(n, float):
        return f"{n:,.4g}"
    return f"{n:,}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# -- charts ------------------------------------------------------------------------------------
def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Any) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "replyguard"}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs the default font lacks (Japanese handles): the browser draws them
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _style(ax: Any, integer_axis: str | None = None) -> None:
    from matplotlib.ticker import MaxNLocator

    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    if integer_axis:  # counts: no 0.25 ticks
        getattr(ax, f"{integer_axis}axis").set_major_locator(MaxNLocator(integer=True))


def _hbars(labels: Sequence[str], series: dict[str, Sequence[float]], xlabel: str, pct: bool = False,
           colors: Sequence[str] | None = None) -> str:
    labels = list(labels)[:TOP][::-1]
    n = max(len(labels), 1)
    fig, ax = _figure(7.0, 0.6 + 0.28 * n * max(1, len(series) * 0.6))
    k = len(series)
    h = 0.8 / k
    for i, (name, values) in enumerate(series.items()):
        vals = [v * (100 if pct else 1) for v in list(values)[:TOP][::-1]]
        ys = [y + (i - (k - 1) / 2) * h for y in range(len(labels))]
        color = list(colors)[:TOP][::-1] if colors else COLORS.get(name, "#1d6fd8")
        ax.barh(ys, vals, height=h, color=color, label=name.replace("_", " "))
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel(xlabel, fontsize=8)
    if k > 1:
        ax.legend(fontsize=8, frameon=False)
    _style(ax, None if pct else "x")
    return _svg(fig)


def _stacked_hbars(labels: Sequence[str], series: dict[str, Sequence[float]], xlabel: str,
                   colors: dict[str, str]) -> str:
    """One bar per label, its parts (shares, 0–1) stacked left to right in ``series`` order."""
    labels = list(labels)[:TOP][::-1]
    fig, ax = _figure(7.0, 0.8 + 0.3 * max(len(labels), 1))
    left = [0.0] * len(labels)
    for name, values in series.items():
        vals = [v * 100 for v in list(values)[:TOP][::-1]]
        ax.barh(range(len(labels)), vals, left=left, height=0.7, color=colors[name], label=name)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    return _svg(fig)


def _policy_note(policy: dict[str, Any] | None) -> str:
    """What decided the mix, in one line: the severities' actions and any rule/category entries."""
    base = ("A reply's decision is the strictest policy action of its findings (none: allow); "
            "a reply counts once.")
    if not policy:
        return base
    parts = [f"{sev} → {policy[sev]}" for sev in ("error", "warning", "info")]
    parts += [f"{k} → {v}" for k, v in sorted(policy.get("categories", {}).items())]
    parts += [f"{k} → {v}" for k, v in sorted(policy.get("rules", {}).items())]
    return f"{base} Policy: {_esc('; '.join(parts))}."


def _trend_chart(tr: dict[str, Any]) -> str:
    fig, ax = _figure(7.0, 3.0)
    x = range(len(tr["periods"]))
    ax.bar(x, tr["replies"], color="#d8dde3", label="replies")
    for sev in ("error", "warning"):
        ax.plot(x, tr[f"with_{sev}"], marker="o", ms=3, color=COLORS[sev], label=f"with {sev}")
    step = max(1, len(tr["periods"]) // 12)
    ax.set_xticks(list(x)[::step], tr["periods"][::step], rotation=30, ha="right")
    ax.set_ylabel("replies", fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax, "y")
    return _svg(fig)


def _category_trend_chart(tr: dict[str, Any], top: list[str]) -> str:
    fig, ax = _figure(7.0, 3.0)
    x = list(range(len(tr["periods"])))
    bottom = [0] * len(x)
    cmap = ["#1d6fd8", "#c62828", "#d08a00", "#1b7f3b", "#7b3fa0", "#3b6e8f", "#b04a7a", "#667085",
            "#00897b", "#8d6e63"]
    for i, cat in enumerate(top):
        vals = tr["categories"][cat]
        ax.bar(x, vals, bottom=bottom, color=cmap[i % len(cmap)], label=cat)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], tr["periods"][::step], rotation=30, ha="right")
    ax.set_ylabel("findings", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax, "y")
    return _svg(fig)


def _histogram_chart(rt: dict[str, Any]) -> str:
    fig, ax = _figure(7.0, 2.8)
    labels = [_bin_label(b) for b in rt["histogram"]]
    colors = [COLORS["clean"] if b["to"] is not None and b["to"] <= rt["target_minutes"] else COLORS["error"]
              for b in rt["histogram"]]
    ax.bar(range(len(labels)), [b["replies"] for b in rt["histogram"]], color=colors)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    edge = sum(1 for b in rt["histogram"] if b["to"] is not None and b["to"] <= rt["target_minutes"]) - 0.5
    ax.axvline(edge, color="#1f2328", ls="--", lw=1)
    ax.text(edge, ax.get_ylim()[1] * 0.95, f" target {rt['target_minutes']:g} min", fontsize=8, va="top")
    ax.set_xlabel("minutes from post to reply", fontsize=8)
    ax.set_ylabel("replies", fontsize=8)
    _style(ax, "y")
    return _svg(fig)


def _bin_label(b: dict[str, Any]) -> str:
    return f"{b['from']:g}–{b['to']:g}" if b["to"] is not None else f"≥{b['from']:g}"


# -- tables ------------------------------------------------------------------------------------
def _table(name: str, header: Sequence[tuple[str, str]], rows: Sequence[tuple[str, Sequence[Any]]]) -> str:
    """``header``: (column key, title); ``rows``: (row key, cells). Cells may be preformatted
    HTML (a tuple ``(html, value)``) or plain values."""
    out = [f'<table data-table="{_esc(name)}"><thead><tr>']
    out += [f'<th scope="col">{_esc(title)}</th>' for _, title in header]
    out.append("</tr></thead><tbody>")
    for key, cells in rows:
        out.append(f'<tr data-key="{_esc(key)}">')
        for (col, _), cell in zip(header, cells, strict=True):
            if isinstance(cell, tuple):
                out.append(f'<td data-col="{col}" data-value="{_esc(cell[1])}">{cell[0]}</td>')
            else:
                cls = ' class="n"' if isinstance(cell, (int, float)) else ""
                text = _num(cell) if isinstance(cell, (int, float)) else cell
                out.append(f'<td data-col="{col}"{cls}>{_esc(text)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _rule_link(rule: str, explained: dict[str, Any]) -> str:
    if rule in explained:
        return f'<a href="#rule-{_esc(rule)}">{_esc(rule)}</a>'
    return _esc(rule)


def _chart(cid: str, title: str, svg: str, table: str, note: str = "") -> str:
    return (f'<section class="chart" id="{cid}"><h2>{_esc(title)}</h2>'
            + (f'<p class="note">{note}</p>' if note else "")
            + f'<div class="svg" role="img" aria-label="{_esc(title)}">{svg}</div>'
            f'<details class="table-view"><summary>Table</summary>{table}</details></section>')


def _highlight(draft: str, findings: list[dict[str, Any]]) -> str:
    """The draft with every finding's span marked (overlaps: the worse severity wins)."""
    rank = {"info": 0, "warning": 1, "error": 2}
    cuts = {0, len(draft)}
    for f in findings:
        if f["start"] is not None:
            cuts.update((max(0, min(f["start"], len(draft))), max(0, min(f["end"], len(draft)))))
    points = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(points):
        covering = [f for f in findings if f["start"] is not None and f["start"] <= a and b <= f["end"]]
        text = _esc(draft[a:b])
        if covering:
            worst = max(covering, key=lambda f: rank.get(f["severity"], 0))
            title = ", ".join(f["rule"] for f in covering)
            out.append(f'<mark class="{_esc(worst["severity"])}" title="{_esc(title)}">{text}</mark>')
        else:
            out.append(text)
    return "".join(out)


CSS = """
:root{--text:#1f2328;--muted:#667085;--line:#d8dde3;--bg:#f5f6f8;--card:#fff;--error:#c62828;--error-bg:#fde8e8;
--warning:#a15c00;--warning-bg:#fff3d6;--info:#3b6e8f;--info-bg:#e6f1f8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.5;
font-family:"Hiragino Sans","Noto Sans JP","IPAGothic","Yu Gothic",Meiryo,system-ui,sans-serif}
header,main{max-width:1100px;margin:0 auto;padding:12px 20px}
h1{font-size:1.4rem;margin:.4rem 0}h2{font-size:1.1rem;margin:.2rem 0 .6rem}
.sub{color:var(--muted);font-size:.85rem}
#totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:10px 0}
#totals div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
#totals dt{color:var(--muted);font-size:.8rem}#totals dd{margin:0;font-size:1.4rem;font-weight:600}
#totals .rate{font-size:.85rem;color:var(--muted);font-weight:400;margin-left:.4em}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:14px 0}
.svg svg{width:100%;height:auto;max-height:560px}
.note{color:var(--muted);font-size:.85rem;margin:0 0 .4rem}
table{border-collapse:collapse;font-size:.82rem;width:100%;margin:.4rem 0}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
details summary{cursor:pointer;color:#1d6fd8;font-size:.85rem}
article.case{border-top:1px solid var(--line);padding:8px 0}
article.case h3{font-size:.9rem;margin:0;color:var(--muted);font-weight:500}
.draft{white-space:pre-wrap;margin:.3rem 0;font-size:.95rem}
mark.error{background:var(--error-bg);color:var(--error);text-decoration:underline}
mark.warning{background:var(--warning-bg);color:var(--warning)}
mark.info{background:var(--info-bg);color:var(--info)}
ul.findings{margin:.2rem 0;padding-left:1.2rem;font-size:.85rem}
.sev-error{color:var(--error);font-weight:600}.sev-warning{color:var(--warning);font-weight:600}
.sev-info{color:var(--info)}
article.rule{border-top:1px solid var(--line);padding:6px 0;font-size:.88rem}
article.rule:target{background:#fffbe6}
"""


def render_html(agg: dict[str, Any], *, title: str = "Reply audit") -> str:
    """The whole page."""
    t = agg["totals"]
    rt = agg["response_time"]
    tr = agg["trend"]
    explained = agg.get("rule_explanations") or {}
    parts: list[str] = []

    metrics = [("replies", "replies", t["replies"], None),
               ("input_errors", "could not be checked", t["input_errors"], None),
               ("with_error", "with an error", t["with_error"], t["error_rate"]),
               ("with_warning", "with a warning", t["with_warning"], t["warning_rate"]),
               ("clean", "clean", t["clean"], t["clean_rate"])]
    if rt["measured"]:
        metrics.append(("within_target", f"replied within {rt['target_minutes']:g} min", rt["within_target"],
                        rt["within_target_rate"]))
    parts.append('<dl id="totals">' + "".join(
        f'<div data-metric="{m}"><dt>{_esc(label)}</dt><dd><span class="v">{_num(v)}</span>'
        + (f'<span class="rate">{_pct(r)}</span>' if r is not None else "") + "</dd></div>"
        for m, label, v, r in metrics) + "</dl>")

    outcome = [("with_error", t["with_error"]), ("with_warning", t["with_warning"]), ("with_info", t["with_info"]),
               ("clean", t["clean"])]
    parts.append(_chart(
        "chart-outcome", "Replies by outcome",
        _hbars([k.replace("_", " ") for k, _ in outcome], {"replies": [v for _, v in outcome]}, "replies",
               colors=[COLORS["error"], COLORS["warning"], COLORS["info"], COLORS["clean"]]),
        _table("outcome", [("outcome", "outcome"), ("replies", "replies"), ("share", "share")],
               [(k, (k.replace("_", " "), v, _pct(v / t["checked"]) if t["checked"] else "–")) for k, v in outcome]),
        "A reply with an error and a warning counts in both rows."))

    mix = t["decisions"]
    parts.append(_chart(
        "chart-decisions", "Replies by decision",
        _hbars(list(mix), {"replies": [m["replies"] for m in mix.values()]}, "replies",
               colors=[DECISION_COLORS[d] for d in mix]),
        _table("decisions", [("decision", "decision"), ("replies", "replies"), ("share", "share")],
               [(d, (d, m["replies"], _pct(m["share"]))) for d, m in mix.items()]),
        _policy_note(agg.get("policy"))))

    cats = agg["categories"]
    parts.append(_chart(
        "chart-categories", "Findings per category",
        _hbars([c["category"] for c in cats], {"findings": [c["findings"] for c in cats]}, "findings"),
        _table("categories", [("category", "category"), ("findings", "findings"), ("replies", "replies"),
                              ("share", "share of replies")],
               [(c["category"], (c["category"], c["findings"], c["replies"], _pct(c["share"]))) for c in cats])))

    rules = agg["rules"]
    parts.append(_chart(
        "chart-rules", "Findings per rule",
        _hbars([r["rule"] for r in rules], {"findings": [r["findings"] for r in rules]}, "findings"),
        _table("rules", [("rule", "rule"), ("severity", "severity"), ("category", "category"),
                         ("findings", "findings"), ("replies", "replies"), ("share", "share of replies")],
               [(r["rule"], ((_rule_link(r["rule"], explained), r["rule"]), r["severity"], r["category"],
                             r["findings"], r["replies"], _pct(r["share"]))) for r in rules]),
        f"The {min(TOP, len(rules))} most frequent rules are drawn; the table lists all {len(rules)}."))

    if tr["period"]:
        period = tr["period"]
        parts.append(_chart(
            "chart-trend", f"Trend per {period}", _trend_chart(tr),
            _table("trend", [("period", period), ("replies", "replies"), ("with_error", "with an error"),
                             ("with_warning", "with a warning")],
                   [(p, (p, tr["replies"][i], tr["with_error"][i], tr["with_warning"][i]))
                    for i, p in enumerate(tr["periods"])]),
            "Weeks start on Monday; periods are the reply's own date." if period == "week" else
            "Periods are the reply's own date."))
        top_cats = [c["category"] for c in cats[:10]]
        if top_cats:
            parts.append(_chart(
                "chart-category-trend", f"Findings per category and {period}", _category_trend_chart(tr, top_cats),
                _table("category-trend", [("category", "category")] + [(p, p) for p in tr["periods"]],
                       [(c, (c, *tr["categories"][c])) for c in tr["categories"]])))
        rule_trend = _table("rule-trend", [("rule", "rule")] + [(p, p) for p in tr["periods"]],
                            [(r, ((_rule_link(r, explained), r), *tr["rules"][r])) for r in tr["rules"]])
        parts.append(f'<section id="rule-trend"><h2>Findings per rule and {period}</h2>'
                     f'<div class="table-wrap">{rule_trend}</div></section>')

    for axis, heading in (("agent", "Agents (the draft's author)"), ("channel", "Channels")):
        groups = agg[f"{axis}s"]
        parts.append(_chart(
            f"chart-{axis}s", heading,
            _hbars([g[axis] for g in groups], {"error": [g["error_rate"] for g in groups],
                                               "warning": [g["warning_rate"] for g in groups]},
                   "share of the replies with an error / a warning (%)", pct=True),
            _table(f"{axis}s", [(axis, axis), ("replies", "replies"), ("with_error", "with an error"),
                                ("error_rate", "error rate"), ("with_warning", "with a warning"),
                                ("warning_rate", "warning rate"), ("findings", "findings"),
                                ("worst_rules", "worst rules")],
                   [(g[axis], (g[axis], g["replies"], g["with_error"], _pct(g["error_rate"]), g["with_warning"],
                               _pct(g["warning_rate"]), g["findings"],
                               (", ".join(f'{_rule_link(w["rule"], explained)} ({w["findings"]})'
                                          for w in g["worst_rules"]), "")))
                    for g in groups]),
            f"The {min(TOP, len(groups))} {axis}s with the most replies are drawn." if len(groups) > TOP else ""))
        if axis == "agent" and groups:
            decisions = list(groups[0]["decisions"])
            parts.append(_chart(
                "chart-agent-decisions", "Decisions per agent",
                _stacked_hbars([g[axis] for g in groups],
                               {d: [g["decisions"][d]["share"] for g in groups] for d in decisions},
                               "share of the agent's replies (%)", DECISION_COLORS),
                _table("agent-decisions", [(axis, axis), ("replies", "replies")] + [(d, d) for d in decisions],
                       [(g[axis], (g[axis], g["replies"],
                                   *(f'{g["decisions"][d]["replies"]:,} ({_pct(g["decisions"][d]["share"])})'
                                     for d in decisions)))
                        for g in groups]),
                f"The {TOP} agents with the most replies are drawn." if len(groups) > TOP else ""))

    if rt["measured"]:
        parts.append(_chart(
            "chart-response", "Response time (post → reply)", _histogram_chart(rt),
            _table("response", [("bin", "minutes"), ("replies", "replies")],
                   [(_bin_label(b), (_bin_label(b), b["replies"])) for b in rt["histogram"]]),
            f"{_num(rt['measured'])} replies with both times ({_num(rt['no_time'])} without); "
            f"p50 {_num(rt['p50'])} min, p90 {_num(rt['p90'])} min, p99 {_num(rt['p99'])} min; "
            f"{_pct(rt['within_target_rate'])} within the {rt['target_minutes']:g}-minute target."))

    worst = ['<section id="worst"><h2>Worst replies</h2><p class="note">Ranked by their findings '
             "(an error weighs 100, a warning 10, an info 1); marked spans are where a rule matched.</p>"]
    for w in agg["worst"]:
        items = "".join(
            f'<li><span class="sev-{_esc(f["severity"])}">{_esc(f["severity"])}</span> '
            f'{_rule_link(f["rule"], explained)} [{_esc(f["category"])}]: {_esc(f["message"])}</li>'
            for f in w["findings"])
        worst.append(f'<article class="case" data-source="{_esc(w["source"])}" data-line="{w["line"]}">'
                     f'<h3>{_esc(w["source"])}:{w["line"]} · {_esc(w["id"])} · {_esc(w["agent"])} · '
                     f'{_esc(w["channel"])} · {_esc(w["replied_at"])} · '
                     f'<span class="decision" data-decision="{_esc(w.get("decision"))}">{_esc(w.get("decision"))}'
                     "</span></h3>"
                     f'<div class="draft">{_highlight(w["draft"], w["findings"])}</div>'
                     f'<ul class="findings">{items}</ul></article>')
    worst.append("</section>")
    parts.append("".join(worst))

    if explained:
        rules_html = ['<section id="rules"><h2>Rules</h2>']
        for rid, info in explained.items():
            rules_html.append(
                f'<article class="rule" id="rule-{_esc(rid)}"><strong>{_esc(rid)}</strong> '
                f'[{_esc(info.get("category"))}] <span class="sev-{_esc(info.get("severity"))}">'
                f'{_esc(info.get("severity"))}</span><div>{_esc(info.get("message"))}</div>'
                f'<div class="note">{_esc(info.get("description"))}</div>'
                + (f'<div class="note">when: <code>{_esc(info["when"])}</code></div>' if info.get("when") else "")
                + "</article>")
        rules_html.append("</section>")
        parts.append("".join(rules_html))

    sources = ", ".join(agg.get("sources") or [])
    return ("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
            f'<header><h1>{_esc(title)}</h1><div class="sub">{_esc(sources)}'
            f" · generated by replyguard</div></header><main>" + "".join(parts) + "</main></body></html>\n")
