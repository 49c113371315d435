"""The rule reference (``docs/rules.md``), generated from the packs so it cannot drift.

``replyguard rules --format markdown > docs/rules.md`` regenerates it; a test checks that
the committed file equals the output.
"""

from __future__ import annotations

from .categories import CATEGORIES
from .kinds import registry
from .packs import CompiledRule, PackSet, compile_templates
from .schema import PackBase, TemplateExample


def fix_label(rule: CompiledRule) -> str:
    """Whether the rule fixes and how safely: ``—``, ``safe``, ``unsafe`` or ``safe/unsafe``
    (safe fixes are applied by ``check --fix``; unsafe ones are only shown)."""
    return registry()[rule.spec.kind].fix_safety(rule.spec) or "—"


def _example_lines(rule: CompiledRule) -> list[str]:
    out: list[str] = []
    for label, examples in (("fails", rule.spec.examples.fail), ("passes", rule.spec.examples.pass_)):
        for ex in examples:
            if isinstance(ex, TemplateExample):
                out += _template_example_lines(label, ex)
                continue
            post = ex.post if isinstance(ex.post, str) else ex.post.text
            context = []
            if ex.history:
                context.append("history: " + " / ".join(f"{m.author}: {m.text}" for m in ex.history))
            if ex.thread:
                context.append("thread: " + " / ".join(f"{m.author}: {m.text}" for m in ex.thread))
            if ex.channel != "x":
                context.append(f"channel: {ex.channel}")
            if ex.minutes is not None:
                context.append(f"sent {ex.minutes:g} min after the post")
            out.append(f"- **{label}** — post: {post}  ")
            for c in context:
                out.append(f"  {c}  ")
            out.append(f"  draft: {ex.draft}" + (f"  \n  _{ex.note}_" if ex.note else ""))
    return out


def _template_example_lines(label: str, ex: TemplateExample) -> list[str]:
    """A template example: its text, then what goes with it (intents, variables, samples, earlier entries)."""
    text = " ⏎ ".join(line for line in ex.text.strip().splitlines())
    out = [f"- **{label}** — template `{ex.id}` ({', '.join(ex.intents)}): {text}  "]
    for name, v in ex.variables.items():
        out.append(f"  variable `{name}`: example {v.get('example', '')}, max_length {v.get('max_length', '')}  ")
    posts = [s["post"] if isinstance(s.get("post"), str) else s.get("post", {}).get("text", "") for s in ex.samples]
    out.append(f"  samples: {' / '.join(posts)}  " if posts else "  no samples  ")
    for e in ex.earlier:
        out.append(f"  earlier entry `{e.id}`: {' ⏎ '.join(e.text.strip().splitlines())}  ")
    if ex.note:
        out.append(f"  _{ex.note}_  ")
    out[-1] = out[-1].rstrip()
    return out


def _fix_text(rule: CompiledRule) -> str:
    label = fix_label(rule)
    return {"—": "none", "safe": "safe (applied by `check --fix`)", "unsafe": "unsafe (shown, never applied)",
            "safe/unsafe": "some safe (applied by `check --fix`), some unsafe (shown only)"}.get(label, label)


def _facts_lines(spec: PackBase) -> list[str]:
    """The pack's own facts, for authors writing ``when:`` conditions on top of the shipped
    ones: a matched fact is asked of a scope (``post.NAME``), a derived one by its bare name."""
    if not spec.facts:
        return []
    lines = ["Facts of this pack (a *matched* fact is used with a scope, `post.NAME` or `draft.NAME`; "
             "a *derived* one by its bare name):", "", "| fact | kind | true when |", "|---|---|---|"]
    for name, fact in spec.facts.items():
        kind = "matched" if fact.match is not None else "derived"
        text = " ".join(fact.description.split()).replace("|", "\\|") or "—"
        lines.append(f"| `{name}` | {kind} | {text} |")
    return [*lines, ""]


def rules_markdown(packset: PackSet) -> str:
    """Markdown reference of every rule of every pack: category, severity, why, examples."""
    lines = ["# Rule reference", "",
             "Generated from the packs in `rules/` by `replyguard rules --format markdown`; "
             "do not edit by hand. The *fix* column tells whether a rule offers a fix and how safely: "
             "a fix is safe only where the rule declares it (`safe: true`); `check --fix` applies safe "
             "fixes and only shows unsafe ones.", ""]
    templates = compile_templates(packset) if packset.template_packs else PackSet()
    categories = {**packset.categories, **templates.categories}
    for pack, rules in [*((p, [r for r in packset.rules if r.pack == p.spec.pack]) for p in packset.packs),
                        *((p, [r for r in templates.rules if r.pack == p.spec.pack]) for p in templates.packs)]:
        spec = pack.spec
        lines += [f"## {spec.pack}", "", spec.description.strip(), ""]
        if spec.scope == "templates":
            lines += ["Scope: `templates` — these rules run only in `replyguard lint-templates`, on the entries "
                      "of a template repository, never on drafts.", ""]
        if spec.severity_policy:
            lines += ["Severity policy:", ""]
            lines += [f"- **{sev.value}**: {text}" for sev, text in spec.severity_policy.items()]
            lines.append("")
        lines += ["| rule | category | severity | kind | fix |", "|---|---|---|---|---|"]
        lines += [f"| [`{r.id}`](#{r.id.replace('/', '').lower()}) | `{r.category}` | {r.severity.value} "
                  f"| {r.spec.kind} | {fix_label(r)} |" for r in rules]
        lines.append("")
        lines += _facts_lines(spec)
        for r in rules:
            lines += [f"### {r.id}", "",
                      f"**{r.category}** ({CATEGORIES.get(r.category, categories.get(r.category, ''))})"
                      f" · severity **{r.severity.value}** · kind `{r.spec.kind}` · fix: {_fix_text(r)}", "",
                      f"> {r.message}", ""]
            if r.description:
                lines += [r.description.strip(), ""]
            if r.when_source:
                lines += [f"When: `{' '.join(r.when_source.split())}`", ""]
            if r.suggest:
                lines += ["Suggests: " + ", ".join(f"`{s}`" for s in r.suggest), ""]
            if r.yields_to:
                lines += ["Yields to (dropped when one of these reports): "
                          + ", ".join(f"`{y}`" for y in sorted(r.yields_to)), ""]
            lines += _example_lines(r)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
