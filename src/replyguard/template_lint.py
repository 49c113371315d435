"""``replyguard lint-templates``: the driver that reads a template repository and runs the
rules on it; it has no checks of its own.

Each template entry is read into a :class:`~replyguard.template_subject.TemplateSubject`
(parsed once; rendered only when safe), rendered with each sample's variables and linted as a
draft reply to each sample post with the configured packs, then checked by the rules of the
``scope: templates`` packs (the shipped ``templates`` pack, rules/templates.yaml, unless the
config loads others): Jinja syntax, undefined variables, sandbox escapes, length per channel at
the declared maximum variable lengths, near-duplicates, "sorry + please use the form" texts.

Every problem is a :class:`~replyguard.formats.located.Located` finding with a rule id (the
rule's: ``templates/…`` or the pack rule's), a severity, a message, the file and the line the
rule's hit points at (the template's ``text`` key unless it says otherwise; the sample's line
for findings on a rendered sample). A file that cannot be read is ``templates/invalid``.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .analysis import DEFAULT_LIMITS
from .errors import ConfigError, TemplateError
from .formats.located import Located, RuleInfo, Run, SuppressedFinding, Unit
from .kinds import Hit, registry
from .linter import Linter, format_message
from .models import Brand, Conversation, Severity
from .packs import CompiledRule, LoadedPack, PackSet, builtin_rules_dir, compile_templates, load_pack_file
from .policy import SUPPRESSION_CATEGORY, UNUSED_SUPPRESSION, resolve_rule_id
from .suggestions import conversation_variables, render
from .template_repo import DEFAULT_BRAND, FileProblem, LoadedTemplate
from .template_subject import Repository, TemplateContext, TemplateSubject

E, W = Severity.error, Severity.warning

INVALID = "templates/invalid"
INVALID_INFO = RuleInfo(INVALID, "Template file cannot be loaded",
                        "The file is not valid YAML or does not follow the template format "
                        "(replyguard schema --templates).", E)
UNUSED_INFO = RuleInfo(
    UNUSED_SUPPRESSION, "Unused or invalid suppression",
    "A '# replyguard: disable=RULE reason' comment or a per-file-ignores entry that suppressed nothing "
    "(or names no rule, or gives no reason): remove it, so suppressions do not outlive their cause.", W)

# "# replyguard: disable=RULE[,RULE...] reason" in a comment of a template entry
_DISABLE = re.compile(r"#\s*replyguard:\s*disable=(\S*)(?:\s+(.*?))?\s*$")



def _display(text: str, width: int = 24) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[:width] + "…"


def template_packs(linter: Linter) -> list[LoadedPack]:
    """The ``scope: templates`` packs the config loads, else the shipped ``templates`` pack."""
    return linter.packset.template_packs or [load_pack_file(builtin_rules_dir() / "templates.yaml")]


def channel_limits(linter: Linter) -> dict[str, int]:
    """The strictest channel limits of the defaults and the configured packs' rules whose kind
    declares limits (the ``length`` kind)."""
    limits = dict(DEFAULT_LIMITS)
    kinds = registry()
    for r in linter.rules:
        declared = kinds[r.spec.kind].channel_limits
        for ch, n in (declared(r.spec) if declared is not None else {}).items():
            limits[ch] = min(n, limits.get(ch, n))
    return limits


@dataclass
class _State:
    subject: TemplateSubject
    unit: Unit

    @property
    def t(self) -> LoadedTemplate:
        return self.subject.t


class TemplateLinter:
    """Lints template repositories with a :class:`Linter` (the configured packs, for the
    samples) and the rules of its ``scope: templates`` packs (for the entries)."""

    def __init__(self, linter: Linter, *, similarity_threshold: float | None = None,
                 packs: list[LoadedPack] | None = None):
        """``similarity_threshold`` overrides the near-duplicate rules' own; ``packs`` the
        template packs (default: :func:`template_packs`)."""
        self.linter = linter
        self.threshold = similarity_threshold
        cfg = linter.config
        self.brand = Brand(name=cfg.brand_name or DEFAULT_BRAND.name,
                           handles=tuple(cfg.brand_handles) or DEFAULT_BRAND.handles)
        self.known_intents = frozenset(linter.packset.facts.matched) | frozenset(linter.packset.facts.derived)
        self.limits = channel_limits(linter)
        self.packset: PackSet = compile_templates(linter.packset, template_packs(linter) if packs is None else packs)
        self.rules: list[CompiledRule] = [r for r in self.packset.rules if r.id not in linter.disabled]
        self.rule_info: dict[str, RuleInfo] = {INVALID: INVALID_INFO, UNUSED_SUPPRESSION: UNUSED_INFO}
        for r in [*self.packset.rules, *linter.packset.rules]:
            self.rule_info[r.id] = RuleInfo(r.id, r.spec.title or r.message, (r.description or r.message).strip(),
                                            linter.severity.get(r.id, r.severity))

    # -- entry point --------------------------------------------------------------------
    def run(self, templates: list[LoadedTemplate], problems: Sequence[FileProblem] = ()) -> Run:
        units: list[Unit] = []
        for p in problems:
            units.append(Unit(p.file, p.file, p.line, [Located(INVALID, E, p.message, p.file,
                                                               p.line, category="template")]))
        repo = Repository(self.brand, dict(self.linter.config.variables), self.known_intents, self.limits,
                          self.threshold)
        states = [_State(TemplateSubject(t, repo), Unit(t.spec.id, t.file, t.text_line)) for t in templates]
        for st in states:
            reported = self._render_samples(st) if st.subject.renderable else frozenset()
            self._run_rules(st, reported)
        for st in states:
            units.append(st.unit)
        self._suppress(units, states)
        for u in units:
            u.findings.sort(key=lambda f: (f.line or 0, f.rule))
        from . import __version__
        reported_ids = {f.rule for u in units for f in u.findings} | {s.finding.rule for u in units
                                                                      for s in u.suppressed}
        return Run(units=units, rules={k: v for k, v in self.rule_info.items() if k in reported_ids},
                   suite="replyguard lint-templates", version=__version__)

    # -- suppressions -------------------------------------------------------------------
    def _inline_disables(self, st: _State, source: list[str]) -> list[tuple[int, str, str]]:
        """``(line, rule, reason)`` of each disable comment in the template's entry (from its
        ``- id:`` line to the next entry), outside the lines of a block-scalar text."""
        t = st.t
        items = t.data.get("templates") if isinstance(t.data, dict) else None
        start = t.lines.line(t.data, ("templates", t.index)) or t.line("id") or 1
        end = len(source)
        if isinstance(items, list) and t.index + 1 < len(items):
            end = (t.lines.line(t.data, ("templates", t.index + 1)) or end + 1) - 1
        text_lines: range = range(0)
        if t.text_first_line and t.text_line and t.text_first_line != t.text_line:
            text_lines = range(t.text_first_line, t.text_first_line + len(t.spec.text.splitlines()))
        found: list[tuple[int, str, str]] = []
        for n in range(start, end + 1):
            if n in text_lines or n > len(source):
                continue
            m = _DISABLE.search(source[n - 1])
            if m:
                found.extend((n, rule, m.group(2) or "") for rule in m.group(1).split(",") if rule)
                if not m.group(1):
                    found.append((n, "", m.group(2) or ""))
        return found

    def _per_file_rules(self, file: str) -> list[tuple[str, str]]:
        """``(pattern, rule)`` of the config's ``per-file-ignores`` entries that match ``file``."""
        cfg = self.linter.config
        base = cfg.base_dir or Path.cwd()
        try:
            rel = PurePosixPath(os.path.relpath(Path(file).resolve(), base.resolve()).replace(os.sep, "/"))
        except ValueError:
            rel = PurePosixPath(Path(file).as_posix())
        return [(pattern, rule) for pattern, rules in cfg.per_file_ignores.items()
                if fnmatch.fnmatch(str(rel), pattern) or rel.match(pattern) for rule in rules]

    def _suppress(self, units: list[Unit], states: list[_State]) -> None:
        """Move suppressed findings to ``unit.suppressed``; report unused or invalid suppressions."""
        cfg = self.linter.config
        known = list(self.rule_info)
        for pattern, rules in cfg.per_file_ignores.items():
            for rule in rules:
                if resolve_rule_id(rule, known) is None:
                    raise ConfigError(f"{cfg.where()}per-file-ignores: {pattern!r}: unknown rule {rule!r}")
        used_config: set[tuple[str, str]] = set()
        matched: set[tuple[str, str]] = set()
        sources: dict[str, list[str]] = {}
        by_unit = {id(st.unit): st for st in states}
        for u in units:
            for pattern, rule in self._per_file_rules(u.file):
                matched.add((pattern, rule))
                full = resolve_rule_id(rule, known) or rule
                if self._move(u, full, f"per-file-ignores {pattern!r}", "config"):
                    used_config.add((pattern, rule))
            st = by_unit.get(id(u))
            if st is None:
                continue
            if st.t.file not in sources:
                try:
                    sources[st.t.file] = Path(st.t.file).read_text(encoding="utf-8").splitlines()
                except (OSError, UnicodeDecodeError):
                    sources[st.t.file] = []
            for line, rule, reason in self._inline_disables(st, sources[st.t.file]):
                resolved = resolve_rule_id(rule, known)
                if resolved is None:
                    problem = f"disable comment names no known rule ({rule!r})" if rule else \
                        "disable comment names no rule: write '# replyguard: disable=RULE reason'"
                elif not reason:
                    problem = f"disable of {resolved} gives no reason: write '# replyguard: disable={rule} why'"
                elif not self._move(u, resolved, reason, "inline"):
                    problem = f"disable of {resolved} is unused: the template has no such finding; remove it"
                else:
                    continue
                u.findings.append(Located(UNUSED_SUPPRESSION, W, f"{st.t.spec.id}: {problem}", st.t.file, line,
                                          category=SUPPRESSION_CATEGORY))
        if units:
            where = cfg.source or "config"
            for pattern, rules in cfg.per_file_ignores.items():
                for rule in rules:
                    # a pattern that matched none of the files linted this time (pre-commit passes only
                    # the changed ones) says nothing about its use
                    if (pattern, rule) in matched and (pattern, rule) not in used_config:
                        units[0].findings.append(Located(
                            UNUSED_SUPPRESSION, W, f"per-file-ignores {pattern!r}: {rule} suppressed nothing in "
                            "the files it matched; remove it", where, None, category=SUPPRESSION_CATEGORY))

    @staticmethod
    def _move(unit: Unit, rule: str, reason: str, source: str) -> bool:
        hit = [f for f in unit.findings if f.rule == rule]
        if not hit:
            return False
        unit.findings = [f for f in unit.findings if f.rule != rule]
        unit.suppressed.extend(SuppressedFinding(f, reason, source) for f in hit)
        return True

    # -- running ------------------------------------------------------------------------
    def _add(self, st: _State, rule: str, message: str, line: int | None, severity: Severity,
             category: str) -> None:
        st.unit.findings.append(Located(rule, severity, f"{st.t.spec.id}: {message}", st.t.file, line,
                                        category=category))

    def _render_samples(self, st: _State) -> frozenset[str]:
        """Render each sample and lint it with the configured packs; the categories reported."""
        t, subject = st.t, st.subject
        categories: set[str] = set()
        for j, sample in enumerate(t.spec.samples):
            line = t.sample_line(j)
            probe = t.sample_conversation(j, "", brand=self.brand)
            variables = subject.variables(conversation_variables(probe), sample.variables)
            try:
                text = render(t.spec.text, t.spec.id, variables)
            except TemplateError as exc:
                subject.render_errors.append((("samples", j), str(exc)))
                continue
            if subject.example_text is None:
                subject.example_text = text
            conv = t.sample_conversation(j, text, brand=self.brand)
            report = self.linter.check(conv)
            post = conv.post.text
            for f in report.findings:
                categories.add(f.category)
                self._add(st, f.rule, f"{f.message} (sample {j + 1}: 「{_display(post)}」)", line,
                          f.severity, f.category)
        if subject.example_text is None and not t.spec.samples:
            try:
                subject.example_text = render(t.spec.text, t.spec.id, subject.variables(
                    {"customer": "customer", "brand": self.brand.name, "channel": t.spec.channels[0],
                     "post_text": ""}))
            except TemplateError as exc:
                subject.render_errors.append(((), str(exc)))
        return frozenset(categories)

    def _context(self, st: _State, reported: frozenset[str]) -> TemplateContext:
        """The rules' context: the draft is the example rendering, the post the first sample's."""
        t, draft = st.t, st.subject.example_text or ""
        conv = t.sample_conversation(0, draft, brand=self.brand) if t.spec.samples else \
            Conversation.simple(draft, "", channel=t.spec.channels[0], brand=t.brand or self.brand)
        return TemplateContext(conv, self.packset.facts, self.linter.settings,
                               self.linter.analyser, st.subject, reported)

    def _line(self, t: LoadedTemplate, hit: Hit) -> int | None:
        """The file line a hit points at: ``("text", n)`` is line n of the Jinja source."""
        if not hit.at:
            return t.text_line
        if hit.at[0] == "text" and len(hit.at) == 2 and isinstance(hit.at[1], int):
            return (t.text_first_line or t.text_line or 1) + hit.at[1]
        return t.line(*hit.at)

    def _run_rules(self, st: _State, reported: frozenset[str]) -> None:
        ctx = self._context(st, reported)
        for rule in self.rules:
            if not rule.when.evaluate(ctx.fact):
                continue
            severity = self.linter.severity.get(rule.id, rule.severity)
            for hit in rule.checker.run(ctx):
                self._add(st, rule.id, format_message(rule.message, hit.fields), self._line(st.t, hit),
                          severity, rule.category)


def lint_template_paths(linter: Linter, paths: list[str], *,
                        similarity_threshold: float | None = None) -> Run:
    """Load every template under ``paths`` and lint them (the ``lint-templates`` command)."""
    from .template_repo import load_templates

    templates, problems = load_templates(paths)
    return TemplateLinter(linter, similarity_threshold=similarity_threshold).run(templates, problems)
