"""Loading guideline packs: YAML → validated spec → compiled rules, with errors that name
the file, the line and the rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .categories import CATEGORIES
from .errors import PackError
from .expr import ExprError, Node, parse
from .facts import BUILTIN_CONVERSATION, BUILTIN_SCOPED, CUSTOMER_SCOPES, TEMPLATE_SCOPES, FactTable, MatchFact
from .kinds import BuildEnv, Checker, KindError, registry
from .matcher import KeyIndex
from .models import Severity
from .schema import SCOPES, Example, PackBase, RuleBase, TemplateSpec, pack_model
from .yamlsource import LineMap, load_yaml_mapping


def builtin_rules_dir() -> Path:
    """Where the built-in packs are: inside the installed package, or ``rules/`` of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise PackError("the built-in packs are missing (no rules/ directory found)")


@dataclass
class LoadedPack:
    spec: PackBase
    file: str
    data: Any
    lines: LineMap

    def line(self, *loc: Any) -> int | None:
        return self.lines.line(self.data, loc)


def _rule_id_at(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            rid = rules[loc[1]].get("id")
            return str(rid) if rid is not None else f"#{loc[1] + 1}"
    return None


def _describe(err: ErrorDetails) -> str:
    parts = list(err["loc"])
    if len(parts) >= 3 and parts[0] == "rules" and isinstance(parts[1], int):
        parts = parts[3:]  # the rule is named by the error; parts[2] is pydantic's union tag (the kind)
    loc = ".".join(str(x) for x in parts)
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown check kind {ctx.get('tag')!r} (known: {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return "missing 'kind' (the check kind of the rule)"
    if kind == "missing":
        return f"missing required field {err['loc'][-1]!r}"
    return f"{loc}: {err['msg']}" if loc else err["msg"]


def load_pack_file(path: str | Path) -> LoadedPack:
    """Read and validate one pack file; raise :class:`PackError` on the first problem."""
    yf = load_yaml_mapping(path, "pack", "'pack:' and 'rules:'")
    data, lines, file = yf.data, yf.lines, yf.file
    try:
        spec = pack_model().model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise PackError(_describe(err), file=file, line=lines.line(data, loc),
                        rule=_rule_id_at(data, loc)) from None
    if not (spec.rules or spec.facts or spec.templates or spec.lexicons):
        raise PackError("the pack is empty: it has no rules, facts, lexicons or templates", file=file, line=1)
    return LoadedPack(spec, file, data, lines)


@dataclass
class CompiledRule:
    """A rule ready to run: its condition parsed and its check compiled."""

    id: str
    pack: str
    category: str
    severity: Severity
    message: str
    description: str
    when: Node
    when_source: str
    checker: Checker
    suggest: list[str]
    spec: RuleBase  # the kind's spec model (PatternRule, ...)
    file: str
    line: int | None
    yields_to: frozenset[str] = frozenset()  # qualified ids of the rules that pre-empt this one


@dataclass
class CompiledTemplate:
    id: str
    spec: TemplateSpec
    when: Node | None
    file: str
    line: int | None


@dataclass
class PackSet:
    """Every pack a linter uses, compiled together (facts and lexicons are shared).

    Packs of ``scope: templates`` are kept in ``template_packs`` as loaded, not compiled: their
    rules never run on drafts. ``lint-templates`` compiles them on top of this set
    (:func:`compile_templates`).
    """

    packs: list[LoadedPack] = field(default_factory=list)
    template_packs: list[LoadedPack] = field(default_factory=list)
    facts: FactTable = field(default_factory=FactTable)
    lexicons: dict[str, list[str]] = field(default_factory=dict)
    rules: list[CompiledRule] = field(default_factory=list)
    templates: dict[str, CompiledTemplate] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=lambda: dict(CATEGORIES))
    keys: KeyIndex = field(default_factory=KeyIndex)  # the token keys of these packs' sequences


def _check_expr(source: str, facts: FactTable, pack: LoadedPack, loc: tuple[Any, ...],
                rule: str | None, categories: dict[str, str] | None = None) -> Node:
    try:
        node = parse(source)
    except ExprError as exc:
        raise PackError(str(exc), file=pack.file, line=pack.line(*loc), rule=rule) from None
    for name in sorted(node.facts()):
        prefix, _, what = name.partition(".")
        if prefix in TEMPLATE_SCOPES and what:
            if pack.spec.scope != "templates":
                raise PackError(f"{name!r}: the scope {prefix!r} is about template entries; it works only in a "
                                "pack with 'scope: templates'", file=pack.file, line=pack.line(*loc), rule=rule)
            if prefix == "reported" and categories is not None and what not in categories:
                raise PackError(f"{name!r}: unknown category {what!r}", file=pack.file, line=pack.line(*loc),
                                rule=rule)
            continue
        if not facts.known(name):
            scope = name.split(".", 1)[0] if "." in name else None
            hint = (f"unknown scope {scope!r} (scopes: {', '.join(SCOPES)})"
                    if scope and scope not in SCOPES else f"unknown fact {name!r}")
            raise PackError(hint, file=pack.file, line=pack.line(*loc), rule=rule)
    return node


def _value_line(pack: LoadedPack, loc: tuple[Any, ...], value: str) -> int | None:
    """The line of the first string equal to ``value`` under ``loc`` (else the line of ``loc``)."""
    def walk(node: Any, path: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if isinstance(node, str):
            return path if node == value else None
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            found = walk(child, (*path, key))
            if found is not None:
                return found
        return None

    node: Any = pack.data
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return pack.line(*loc)
    found = walk(node, loc) if value else None
    return pack.line(*(found or loc))


def _kind_error(exc: KindError, pack: LoadedPack, loc: tuple[Any, ...], rule: str | None) -> PackError:
    """A builder's error at the line of the key (or value) it names inside ``loc``."""
    return PackError(exc.message, file=pack.file, line=_value_line(pack, (*loc, *exc.at), exc.value), rule=rule)


_FIELD = re.compile(r"\{([a-z_]+)\}")


def message_fields(message: str) -> list[str]:
    """The ``{name}`` placeholders of a rule message, in order."""
    return _FIELD.findall(message)


def shipped_lexicons(pack_id: str) -> dict[str, list[str]] | None:
    """The lexicons of a shipped pack (``rules/<pack_id>.yaml``), or None when there is none:
    what ``@pack/name`` refers to when that pack is not loaded."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", pack_id):
        return None
    path = builtin_rules_dir() / f"{pack_id}.yaml"
    return dict(load_pack_file(path).spec.lexicons) if path.is_file() else None


def compile_packs(packs: list[LoadedPack]) -> PackSet:
    """Compile packs in order: lexicons, then facts, then rules and templates. Packs of
    ``scope: templates`` are set aside in ``template_packs`` (see :func:`compile_templates`)."""
    ps = PackSet(packs=[p for p in packs if p.spec.scope == "check"],
                 template_packs=[p for p in packs if p.spec.scope != "check"])
    _compile_into(ps, ps.packs, packs)
    return ps


def compile_templates(base: PackSet, packs: list[LoadedPack] | None = None) -> PackSet:
    """The rules of template packs (``base.template_packs`` unless ``packs`` is given),
    compiled on top of ``base``: they may use its facts and lexicons, and add their own,
    without changing ``base``."""
    chosen = base.template_packs if packs is None else packs
    ps = PackSet(packs=list(chosen), facts=base.facts.copy(), lexicons=dict(base.lexicons),
                 templates=dict(base.templates), categories=dict(base.categories), keys=base.keys)
    _compile_into(ps, ps.packs, [*base.packs, *base.template_packs, *chosen])
    return ps


def _compile_into(ps: PackSet, packs: list[LoadedPack], visible: list[LoadedPack]) -> None:
    """Compile ``packs`` into ``ps``; ``@pack/name`` looks in ``visible`` first, then in the
    shipped packs."""
    for pack in packs:
        for name, words in pack.spec.lexicons.items():
            if name in ps.lexicons:
                raise PackError(f"lexicon {name!r} is defined twice", file=pack.file,
                                line=pack.line("lexicons", name))
            ps.lexicons[name] = words
        ps.categories.update(pack.spec.categories)
    loaded = {p.spec.pack: p.spec.lexicons for p in visible}

    def import_lexicons(pack_id: str) -> dict[str, list[str]] | None:
        return dict(loaded[pack_id]) if pack_id in loaded else shipped_lexicons(pack_id)

    derived: list[tuple[LoadedPack, str, str]] = []
    env = BuildEnv(ps.lexicons, ps.facts, ps.keys, import_lexicons)
    groups = fact_groups(packs)
    for pack in packs:
        for name, fact in pack.spec.facts.items():
            if name in ps.facts.matched or name in ps.facts.derived or name in BUILTIN_SCOPED \
                    or name in BUILTIN_CONVERSATION:
                raise PackError(f"fact {name!r} is defined twice (or is built in)", file=pack.file,
                                line=pack.line("facts", name))
            ps.facts.descriptions[name] = fact.description
            if fact.match is not None:
                asked = groups.get(name, _MAIN)
                try:
                    customer = env.matcher(fact.match, group="customer") if "customer" in asked else None
                    m = env.matcher(fact.match) if "main" in asked or customer is None else customer
                except KindError as exc:
                    raise _kind_error(exc, pack, ("facts", name, "match"), None) from None
                ps.facts.matched[name] = MatchFact(m, fact.min, customer if customer is not m else None)
            else:
                ps.facts.derived[name] = parse("")  # placeholder so later facts may refer to it
                derived.append((pack, name, fact.when or ""))
    for pack, name, source in derived:
        ps.facts.derived[name] = _check_expr(source, ps.facts, pack, ("facts", name, "when"), None)
    _check_cycles(ps.facts, {name: (pack.file, pack.line("facts", name, "when"))
                             for pack, name, _ in derived})

    kinds = registry()
    seen: dict[str, tuple[str, int | None]] = {}

    def first(file: str, line: int | None, here: str) -> str:
        """Where something was first defined, with the file when it is another one."""
        return f"{file}:{line}" if file != here else f"line {line}"

    for pack in packs:
        for i, t in enumerate(pack.spec.templates):
            tid = f"{pack.spec.pack}/{t.id}"
            if tid in ps.templates:
                where = first(ps.templates[tid].file, ps.templates[tid].line, pack.file)
                raise PackError(f"template {t.id!r} is defined twice (first at {where})",
                                file=pack.file, line=pack.line("templates", i, "id"))
            when = _check_expr(t.for_, ps.facts, pack, ("templates", i, "for"), None) if t.for_ else None
            ps.templates[tid] = CompiledTemplate(tid, t, when if when is None else ps.facts.cheap_first(when),
                                                 pack.file, pack.line("templates", i))
    yielding: list[tuple[LoadedPack, int, CompiledRule]] = []
    for pack in packs:
        for i, rule in enumerate(pack.spec.rules):
            rid = f"{pack.spec.pack}/{rule.id}"
            if rid in seen:
                raise PackError(f"duplicate rule id {rule.id!r} (first defined at {first(*seen[rid], pack.file)})",
                                file=pack.file, line=pack.line("rules", i, "id"), rule=rule.id)
            seen[rid] = (pack.file, pack.line("rules", i, "id"))
            if rule.category not in ps.categories:
                raise PackError(f"unknown category {rule.category!r}; see the categories of "
                                "docs/categories.md, or declare it under 'categories:'",
                                file=pack.file, line=pack.line("rules", i, "category"), rule=rule.id)
            when = _check_expr(rule.when, ps.facts, pack, ("rules", i, "when"), rule.id, ps.categories)
            suggest = []
            for j, s in enumerate(rule.suggest):
                tid = s if "/" in s else f"{pack.spec.pack}/{s}"
                if tid not in ps.templates:
                    raise PackError(f"unknown template {s!r} in suggest", file=pack.file,
                                    line=pack.line("rules", i, "suggest", j), rule=rule.id)
                suggest.append(tid)
            kind = kinds[rule.kind]
            if kind.scope is not None and kind.scope != pack.spec.scope:
                raise PackError(f"kind {kind.name!r} works only in a pack with 'scope: {kind.scope}'",
                                file=pack.file, line=pack.line("rules", i, "kind"), rule=rule.id)
            for outcome, examples in (("pass", rule.examples.pass_), ("fail", rule.examples.fail)):
                for j, ex in enumerate(examples):
                    if isinstance(ex, Example) != (pack.spec.scope == "check"):
                        want = "a draft (post:, draft:)" if pack.spec.scope == "check" else "a template (text:, …)"
                        raise PackError(f"a rule example of a pack with scope {pack.spec.scope!r} is {want}",
                                        file=pack.file, line=pack.line("rules", i, "examples", outcome, j),
                                        rule=rule.id)
            for name in message_fields(rule.message):
                if name not in kind.fields:
                    known = ", ".join(f"{{{f}}}" for f in kind.fields) or "none"
                    raise PackError(f"unknown field {{{name}}} in message; kind {kind.name!r} provides: {known}",
                                    file=pack.file, line=pack.line("rules", i, "message"), rule=rule.id)
            try:
                checker = kind.build(rule, env)
            except KindError as exc:
                raise _kind_error(exc, pack, ("rules", i), rule.id) from None
            ps.rules.append(CompiledRule(
                id=rid, pack=pack.spec.pack, category=rule.category, severity=rule.severity,
                message=rule.message, description=rule.description, when=ps.facts.cheap_first(when),
                when_source=rule.when,
                checker=checker, suggest=suggest, spec=rule, file=pack.file, line=pack.line("rules", i),
            ))
            if rule.yields_to:
                yielding.append((pack, i, ps.rules[-1]))
    _resolve_yields(ps, yielding)


def _resolve_yields(ps: PackSet, yielding: list[tuple[LoadedPack, int, CompiledRule]]) -> None:
    """Turn each rule's ``yields_to`` into qualified ids, once every rule is known. A rule of a
    pack that is not loaded is skipped (a project may leave the privacy pack out: then nothing of
    it pre-empts); an unknown id of a loaded pack, the rule itself, or a template pack's rule is a
    load error at its place."""
    known = {r.id for r in ps.rules}
    loaded = {r.pack for r in ps.rules}
    for pack, i, compiled in yielding:
        if pack.spec.scope != "check":
            raise PackError("yields_to works only in a pack with 'scope: check'", file=pack.file,
                            line=pack.line("rules", i, "yields_to"), rule=compiled.spec.id)
        ids = []
        for j, name in enumerate(compiled.spec.yields_to):
            rid = name if "/" in name else f"{pack.spec.pack}/{name}"
            if rid.split("/", 1)[0] not in loaded:
                continue
            if rid not in known or rid == compiled.id:
                why = "itself" if rid == compiled.id else f"an unknown rule {name!r}"
                raise PackError(f"yields_to names {why}", file=pack.file,
                                line=pack.line("rules", i, "yields_to", j), rule=compiled.spec.id)
            ids.append(rid)
        compiled.yields_to = frozenset(ids)


_MAIN = frozenset({"main"})
_PROSE = frozenset({"when", "for", "description", "message", "examples", "id", "category", "severity", "kind"})


def fact_groups(packs: list[LoadedPack]) -> dict[str, frozenset[str]]:
    """For each fact the packs name, the pattern sets its matcher should be in: ``customer`` when
    a condition asks it of the customer's texts (``post.X``, ``thread.X``, ``history.X``),
    ``main`` when one asks it of the brand's (``draft.X``…) or a rule names it outside its
    condition (a kind's ``ceremony_facts``, an anchor). A fact asked of both gets a matcher in
    each set.

    The set that scans the drafts then holds no pattern asked only of posts, and the reverse:
    RE2 builds the states a new text needs, and their number grows with the combinations of
    the set's patterns (measured: one set of 360 patterns 17 µs per new draft-and-post pair,
    a set of the 258 draft patterns for the draft and of the 91 post patterns for the post
    4.6 µs). Which set a matcher reads changes nothing it finds; names that are not facts are
    harmless here."""
    asked: dict[str, set[str]] = {}
    for pack in packs:
        sources = [r.when for r in pack.spec.rules]
        sources += [f.when for f in pack.spec.facts.values() if f.when]
        sources += [t.for_ for t in pack.spec.templates if t.for_]
        for source in sources:
            try:
                names = parse(source).facts()
            except ExprError:  # reported with its place when the condition is compiled
                continue
            for name in names:
                scope, dot, fact = name.partition(".")
                if dot:
                    asked.setdefault(fact, set()).add("customer" if scope in CUSTOMER_SCOPES else "main")
        for rule in pack.spec.rules:
            for value in _strings(rule.model_dump(exclude=set(_PROSE))):
                asked.setdefault(value.rpartition(".")[2], set()).add("main")
    return {name: frozenset(g) for name, g in asked.items()}


def _strings(value: Any) -> list[str]:
    """Every string in a dumped spec (keys of mappings too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _check_cycles(facts: FactTable, where: dict[str, tuple[str, int | None]]) -> None:
    state: dict[str, int] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == 2 or name not in facts.derived:
            return
        if state.get(name) == 1:
            file, line = where.get(name, ("", None))
            raise PackError(f"facts refer to each other in a loop: {' -> '.join([*chain, name])}",
                            file=file, line=line)
        state[name] = 1
        for dep in facts.derived[name].facts():
            visit(dep, [*chain, name])
        state[name] = 2

    for n in list(facts.derived):
        visit(n, [])
