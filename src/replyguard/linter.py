"""The engine: a :class:`Linter` is built once from a config and checks conversations.

Building compiles every pack (patterns, conditions, templates); a check then analyses the
conversation lazily and runs only the rules whose ``when:`` holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from time import monotonic
from typing import Any

from .analysis import Analyser
from .budget import HITS_PER_CHECK, check_budget, spend
from .confidence import MODEL_FILE, ConfidenceModel, load_model
from .config import Config
from .context import Context, Settings
from .errors import CheckTimeout, ConfigError, InputError, TemplateError
from .expr import compile_holding
from .kinds import Hit
from .models import Action, Brand, Conversation, Finding, Fix, Ignore, Report, Severity, Span, Suggestion, Suppressed
from .packs import _FIELD, CompiledRule, LoadedPack, PackSet, builtin_rules_dir, compile_packs, load_pack_file
from .policy import PolicyTable, apply_ignores, decision, resolve_rule_id
from .suggestions import conversation_variables, render, undeclared


def _pack_files(config: Config) -> list[Path]:
    builtin = builtin_rules_dir()
    shipped = {p.stem: p for p in sorted(builtin.glob("*.yaml"))}
    files: list[Path] = []
    for entry in config.packs:
        if entry == "builtin":
            files.extend(shipped.values())
        elif entry in shipped:
            files.append(shipped[entry])
        else:
            path = Path(entry)
            if not path.is_absolute() and config.base_dir is not None:
                path = config.base_dir / path
            if path.is_dir():
                found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
                if not found:
                    raise ConfigError(f"{config.where()}pack folder {entry!r} has no .yaml or .yml file")
                files.extend(found)
            elif path.is_file():
                files.append(path)
            else:
                raise ConfigError(f"{config.where()}pack {entry!r} not found (not a shipped pack id, file or folder); "
                                  f"shipped packs: {', '.join(shipped)}")
    unique: list[Path] = []
    for f in files:
        if f.resolve() not in {u.resolve() for u in unique}:
            unique.append(f)
    return unique


def format_message(template: str, fields: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders from the hit's fields (a pack naming a field its kind does not
    declare fails to load; a declared field a hit leaves out stays as written). A placeholder
    whose value is empty takes its brackets with it (「…（{match}）」 without a match reads
    「…」, not 「…（）」)."""
    if "{" not in template:  # half the shipped rules' messages have no placeholder
        return template
    if any(v == "" for v in fields.values()):
        template = _BRACKETED.sub(lambda m: "" if fields.get(m.group(2)) == "" else m.group(0), template)
    return _FIELD.sub(lambda m: str(fields[m.group(1)]) if m.group(1) in fields else m.group(0), template)


_BRACKETED = re.compile(r"(（|\(|「|『)\{(\w+)\}(）|\)|」|』)")
_MISSING = object()  # a variable a template uses that a check does not provide (render says so)
_MAX_RENDERS = 4096


class Linter:
    """Checks draft replies against guideline packs. Build once, call :meth:`check` often."""

    def __init__(self, config: Config | None = None, *, packs: Iterable[LoadedPack] | None = None):
        self.config = config or Config()
        loaded = list(packs) if packs is not None else [load_pack_file(f) for f in _pack_files(self.config)]
        self.packset: PackSet = compile_packs(loaded)
        self.settings = Settings(response_minutes=self.config.response_minutes)
        self.analyser = Analyser(self.packset.keys)  # this linter's caches of text analyses
        # rule ids the config may name: these packs' and those of the template packs (lint-templates)
        template_ids = [f"{p.spec.pack}/{r.id}" for p in self.packset.template_packs for r in p.spec.rules]
        known = {r.id for r in self.packset.rules} | set(template_ids)
        where = self.config.where()
        short = {rid.split("/", 1)[1]: rid for rid in template_ids}
        short.update({r.id.split("/", 1)[1]: r.id for r in self.packset.rules})
        disabled: set[str] = set()
        for rid in self.config.disable:
            full = rid if rid in known else short.get(rid)
            if full is None:
                raise ConfigError(f"{where}disable: unknown rule {rid!r}")
            disabled.add(full)
        self.severity: dict[str, Severity] = {}
        for rid, sev in self.config.severity.items():
            full = rid if rid in known else short.get(rid)
            if full is None:
                raise ConfigError(f"{where}severity: unknown rule {rid!r}")
            self.severity[full] = sev
        self.disabled: frozenset[str] = frozenset(disabled)
        self.rules: list[CompiledRule] = [r for r in self.packset.rules if r.id not in disabled]
        self._yielding = {r.id: r.yields_to for r in self.rules if r.yields_to}
        self.confidence = self._confidence_model() if self.config.confidence else None
        self._compile_whens()
        self._template_vars: dict[str, tuple[str, ...]] = {}  # template → the variables it uses
        self._renders: dict[tuple[Any, ...], str] = {}  # (template, their values) → its text
        if not self.rules and packs is None:  # every draft would pass: fail closed
            raise ConfigError(f"{where}the configuration loads no rules (packs = {self.config.packs!r}"
                              + (f", {len(disabled)} disabled" if disabled else "") + ")")
        self.policy = PolicyTable(self.config, {r.id: (r.category, self.severity.get(r.id, r.severity))
                                                for r in self.packset.rules})
        self._check_templates()

    def __getstate__(self) -> dict[str, Any]:
        # functions do not pickle
        return {k: v for k, v in self.__dict__.items() if k not in ("_whens", "_holding", "_suggested")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compile_whens()

    def _compile_whens(self) -> None:
        # each rule with its condition's function (for a check with a deadline), every rule's
        # condition in one function (compile_holding), and the same for the templates suggested
        # by a condition
        self._whens = [(r, r.when.compiled()) for r in self.rules]
        self._holding = compile_holding([r.when for r in self.rules])
        suggested = [(t.id, t.when) for t in self.packset.templates.values() if t.when is not None]
        self._suggested_ids = [tid for tid, _ in suggested]
        self._suggested = compile_holding([when for _, when in suggested])

    # -- building -----------------------------------------------------------------------
    def _check_templates(self) -> None:
        sample = Conversation.simple("", "", brand=Brand(name="brand", handles=("brand",)))
        variables = {**conversation_variables(sample), **self.config.variables}
        for tid, t in self.packset.templates.items():
            try:
                render(t.spec.text, tid, variables)
            except TemplateError as exc:
                raise ConfigError(f"{t.file}:{t.line}: {exc} (set it under [tool.replyguard.variables])") \
                    from None

    def rule(self, rule_id: str) -> CompiledRule | None:
        """A loaded rule by full (``pack/rule``) or short id."""
        for r in self.packset.rules:
            if r.id == rule_id or r.id.split("/", 1)[1] == rule_id:
                return r
        return None

    # -- checking -----------------------------------------------------------------------
    def _prepare(self, conv: Conversation) -> Conversation:
        limit = self.config.max_text_chars
        for m in (conv.post, conv.draft, *conv.thread, *conv.history):
            if len(m.text) > limit:
                raise InputError(f"a text of {len(m.text)} characters exceeds max_text_chars ({limit})")
        cfg, brand = self.config, conv.brand
        if cfg.brand_handles or cfg.brand_contacts or (cfg.brand_name and not brand.name) \
                or (cfg.brand_voice and "voice" not in brand.model_fields_set):
            conv = conv.model_copy(update={"brand": Brand(
                name=brand.name or cfg.brand_name,
                handles=tuple(dict.fromkeys((*brand.handles, *cfg.brand_handles))),
                contacts=tuple(dict.fromkeys((*brand.contacts, *cfg.brand_contacts))),
                voice=brand.voice if "voice" in brand.model_fields_set or not cfg.brand_voice else cfg.brand_voice,
            )})
        return conv

    def check(self, conversation: Conversation | dict[str, Any], *,
              ignore: Iterable[Ignore | dict[str, str]] = (), deadline: float | None = None) -> Report:
        """Check one draft in its context and return the findings, sorted by position, with
        the policy's decision. ``ignore`` adds to the conversation's own ``ignore`` list.
        With ``deadline`` (a ``time.monotonic()`` value), a check still running then stops
        before its next rule with :class:`CheckTimeout` (the server's time budget)."""
        conv = conversation if isinstance(conversation, Conversation) else Conversation.model_validate(conversation)
        ignores = [*conv.ignore, *(i if isinstance(i, Ignore) else Ignore.model_validate(i) for i in ignore)]
        conv = self._prepare(conv)
        ctx = Context(conv, self.packset.facts, self.settings, self.analyser)
        variables = {**conversation_variables(conv), **self.config.variables}
        rendered: dict[str, str] = {}  # each template renders at most once per check
        findings: list[Finding] = []
        look = ctx.fact
        try:
            with check_budget(deadline):  # also checked inside a rule: see replyguard.budget
                if deadline is None:
                    # every condition at once (facts are pure: which rules run, and in which
                    # order, is as in the loop below), then the rules that hold, in order
                    rules = self.rules
                    for i in self._holding(look):
                        rule = rules[i]
                        for hit in rule.checker.run(ctx):
                            findings.append(self._finding(rule, hit, ctx, variables, rendered))
                else:
                    for rule, when in self._whens:
                        if monotonic() > deadline:
                            raise CheckTimeout(f"the check ran past its time budget (stopped before {rule.id})")
                        if not when(look):
                            continue
                        for n, hit in enumerate(rule.checker.run(ctx), start=1):
                            findings.append(self._finding(rule, hit, ctx, variables, rendered))
                            if n % HITS_PER_CHECK == 0:
                                spend(f"stopped in {rule.id} after {n} findings")
            findings.sort(key=lambda f: (f.span.start if f.span else -1, f.span.end if f.span else -1, f.rule))
            ids = self._suggested_ids
            suggestions = [Suggestion(template=ids[i], text=self._render(ids[i], variables, rendered))
                           for i in self._suggested(look)]
            suppressed: list[Suppressed] = []
            if ignores:
                findings, suppressed = apply_ignores(findings, ignores, (r.id for r in self.rules), self.policy)
            if self._yielding and findings:
                findings = drop_yielding(findings, self._yielding)
            if self.confidence is not None and findings:
                findings, unlikely = self.confidence.split(findings, ctx, self.config.confidence_threshold)
                suppressed.extend(unlikely)
        finally:
            ctx.draft.release_tokens()
            ctx.post.release_tokens()
            ctx.close()
        return Report(id=conv.id, findings=findings, suggestions=suggestions, decision=decision(findings),
                      suppressed=suppressed)

    def _confidence_model(self) -> ConfidenceModel | None:
        """The shipped confidence model, when the loaded packs answer every fact it reads (it
        is trained on the shipped packs; packs of one's own alone are not rated)."""
        path = builtin_rules_dir() / MODEL_FILE
        if not path.is_file():
            return None
        model = load_model(path)
        if not all(self.packset.facts.known(f) for f in model.facts):
            return None
        policy = self.config.policy
        blocked_rules = [r for r, a in policy.rules.items() if a is Action.block]
        blocked_rules = [resolve_rule_id(r, (x.id for x in self.rules)) or r for r in blocked_rules]
        return model.exempting(blocked_rules, [c for c, a in policy.categories.items() if a is Action.block])

    def _render(self, tid: str, variables: dict[str, Any], rendered: dict[str, str]) -> str:
        text = rendered.get(tid)
        if text is None:
            text = rendered[tid] = self._render_uncached(tid, variables)
        return text

    def _render_uncached(self, tid: str, variables: dict[str, Any]) -> str:
        """A template's text for ``variables``, kept by the values of the variables it uses (the
        same customer of the same brand gets the same text: rendering is pure, and ~5 µs)."""
        source = self.packset.templates[tid].spec.text
        used = self._template_vars.get(tid)
        if used is None:
            used = self._template_vars[tid] = tuple(sorted(undeclared(source, tid)))
        key = (tid, *(variables.get(name, _MISSING) for name in used))
        try:
            text = self._renders.get(key)
        except TypeError:  # a variable of the configuration that is not hashable (a list): not kept
            return render(source, tid, variables)
        if text is None:
            text = render(source, tid, variables)
            if len(self._renders) >= _MAX_RENDERS:
                self._renders.clear()
            self._renders[key] = text
        return text

    def _finding(self, rule: CompiledRule, hit: Hit, ctx: Context, variables: dict[str, Any],
                 rendered: dict[str, str] | None = None) -> Finding:
        span = fix = None
        if hit.span is not None:
            a, b = ctx.draft.norm.to_original(*hit.span)
            span = Span(start=a, end=b)
            if hit.replacement is not None:
                fix = Fix(span=span, replacement=hit.replacement, safe=hit.safe)
        rendered = {} if rendered is None else rendered
        suggestions = [Suggestion(template=tid, text=self._render(tid, variables, rendered))
                       for tid in rule.suggest]
        severity = self.severity.get(rule.id, rule.severity)
        return Finding(rule=rule.id, category=rule.category, severity=severity,
                       message=format_message(rule.message, hit.fields), span=span,
                       suggestions=suggestions, fix=fix, action=self.policy.action(rule.id, rule.category, severity))


def drop_yielding(findings: list[Finding], yielding: dict[str, frozenset[str]]) -> list[Finding]:
    """``findings`` without those of a rule whose ``yields_to`` rule also reported (after the
    ignores: a pre-empting finding the user ignored pre-empts nothing)."""
    fired = {f.rule for f in findings}
    return [f for f in findings if not (f.rule in yielding and yielding[f.rule] & fired)]


def apply_fixes(text: str, report: Report, *, unsafe: bool = False) -> str:
    """The draft with the report's fixes applied (only safe ones unless ``unsafe``)."""
    fixes = sorted((f.fix for f in report.findings if f.fix and (f.fix.safe or unsafe)),
                   key=lambda x: x.span.start, reverse=True)
    last = len(text) + 1
    for fx in fixes:
        if fx.span.end <= last:
            text = text[:fx.span.start] + fx.replacement + text[fx.span.end:]
            last = fx.span.start
    return text


_default: Linter | None = None


def check_text(draft: str, post: str = "", **kwargs: Any) -> Report:
    """One call for the simple case: lint ``draft`` as a reply to ``post`` with the built-in packs."""
    global _default
    if _default is None:
        _default = Linter()
    return _default.check(Conversation.simple(draft, post, **kwargs))
