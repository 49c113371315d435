"""The checks of ``replyguard lint-templates``: each template of a repository is rendered
with its samples' variables and linted as a draft reply to each sample post with the
configured packs; across the repository, Jinja syntax, undefined variables, sandbox escapes,
length per channel at the declared maximum variable lengths, near-duplicates and
"sorry + please use the form" texts are reported.

Every problem is a :class:`~replyguard.formats.located.Located` finding with a rule id
(``templates/…`` or the pack rule's id), a severity, a message, the file and the line of the
template's ``text`` key (or of the sample, for findings on a rendered sample).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes

from .analysis import DEFAULT_LIMITS, channel_length, similarity
from .doc import Doc
from .errors import ConfigError, TemplateError
from .formats.located import Located, RuleInfo, Run, SuppressedFinding, Unit
from .kinds.length import LengthRule
from .linter import Linter
from .models import Brand, Severity
from .policy import SUPPRESSION_CATEGORY, UNUSED_SUPPRESSION, resolve_rule_id
from .suggestions import ENV, conversation_variables, render
from .template_repo import DEFAULT_BRAND, FileProblem, LoadedTemplate

E, W, INFO = Severity.error, Severity.warning, Severity.info

RULES: dict[str, RuleInfo] = {r.id: r for r in (
    RuleInfo("templates/invalid", "Template file cannot be loaded",
             "The file is not valid YAML or does not follow the template format "
             "(replyguard schema --templates).", E),
    RuleInfo("templates/duplicate-id", "Template id used twice",
             "Two templates of the repository have the same id.", E),
    RuleInfo("templates/jinja-syntax", "Jinja syntax error", "The template text is not valid Jinja2.", E),
    RuleInfo("templates/undefined-variable", "Undefined template variable",
             "The template uses a variable that is neither declared under variables: nor provided by "
             "the conversation (customer, brand, channel, post_text) or the config's variables.", E),
    RuleInfo("templates/unused-variable", "Declared variable not used",
             "A variable is declared under variables: but the text does not use it.", INFO),
    RuleInfo("templates/unsafe", "Template reaches for Python internals",
             "Attributes starting with '_', self, lipsum/cycler/joiner/namespace, the attr filter and "
             "huge numbers have no place in a reply; the sandbox refuses them at render time.", E),
    RuleInfo("templates/render-error", "Template fails to render",
             "Rendering with a sample's variables failed (missing variable or sandbox refusal).", E),
    RuleInfo("templates/too-long", "Too long for the channel at maximum variable lengths",
             "With every declared variable filled to its max_length, the reply exceeds the channel's "
             "limit (X: 280 weighted characters, CJK counts 2, a URL 23).", E),
    RuleInfo("templates/near-duplicate", "Near-duplicate template",
             "Two templates render to nearly the same text (character 3-gram Dice similarity); "
             "keep one, or make them answer different situations.", W),
    RuleInfo("templates/unknown-intent", "Unknown intent",
             "An intent must be the name of a fact the loaded packs know (complaint, question, ...).", W),
    RuleInfo("templates/no-samples", "Template has no samples",
             "Without samples the template cannot be linted in context.", W),
    RuleInfo("templates/form-deflection", "Question answered with a form deflection",
             "A template for questions that only apologises and/or points to a form or contact window "
             "instead of answering.", E),
    RuleInfo("templates/apology-deflection", "Boilerplate apology + form",
             "The template is nothing but an apology and 'please use the form / contact us'.", E),
)}

RULES[UNUSED_SUPPRESSION] = RuleInfo(
    UNUSED_SUPPRESSION, "Unused or invalid suppression",
    "A '# replyguard: disable=RULE reason' comment or a per-file-ignores entry that suppressed nothing "
    "(or names no rule, or gives no reason): remove it, so suppressions do not outlive their cause.", W)

# "# replyguard: disable=RULE[,RULE...] reason" in a comment of a template entry
_DISABLE = re.compile(r"#\s*replyguard:\s*disable=(\S*)(?:\s+(.*?))?\s*$")

DEFAULT_SIMILARITY = 0.85
MAX_CONSTANT = 10_000
UNSAFE_NAMES = frozenset({"self", "lipsum", "cycler", "joiner", "namespace"})
CUSTOMER_HANDLE_MAX = 15  # X handles
_FILL = "あ"  # CJK: weight 2 on X, the worst case

_SENTENCE = re.compile(r"[^。！!？?\n]+[。！!？?]*")
_APOLOGY = re.compile(r"申し訳|お詫び|すみません|失礼(いた)?しました|ご迷惑|ご不便|ご心配をおかけ")
_DEFLECT = re.compile(r"フォーム|お問い?合わ?せ|問い?合わ?せ|窓口|コールセンター|サポートセンター"
                      r"|カスタマーセンター|お客様センター|ご連絡(を)?(ください|くださいませ|お願い)|ご相談ください")
_FILLER = re.compile(r"^\s*(@\S+\s*)*((いつも|この度は|このたびは)?[^。]{0,12}ありがとうございます|"
                     r"よろしくお願い(いた)?します|何卒よろしくお願い[^。]*|お手数(ですが|をおかけしますが)?|"
                     r"https?://\S+|\s*)[。！!]*\s*$")


def _longest(example: str, max_length: int) -> str:
    """The worst-case value of a variable: CJK characters (weight 2 on X), or for a URL
    variable a URL of that length (X counts every URL as 23)."""
    if re.match(r"https?://", example):
        return "https://" + "a" * max(1, max_length - 8)
    return _FILL * max_length


def _display(text: str, width: int = 24) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[:width] + "…"


@dataclass
class _State:
    t: LoadedTemplate
    unit: Unit
    ast: nodes.Template | None = None
    renderable: bool = True
    example_text: str | None = None
    pack_categories: set[str] = field(default_factory=set)


def _unsafe(ast: nodes.Template) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Filter, nodes.Const)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            found.append((node.lineno, f"attribute {node.attr!r}"))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
            found.append((node.lineno, f"item {node.arg.value!r}"))
        elif isinstance(node, nodes.Name) and node.name in UNSAFE_NAMES:
            found.append((node.lineno, f"{node.name!r}"))
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            found.append((node.lineno, "the 'attr' filter"))
        elif isinstance(node, nodes.Const) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and abs(node.value) > MAX_CONSTANT:
            found.append((node.lineno, f"the number {node.value}"))
    return found


def _name_line(source: str, name: str) -> int:
    """0-based line of the source where ``name`` is first used inside ``{{ }}``/``{% %}``."""
    pat = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    for i, line in enumerate(source.splitlines()):
        for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", line):
            if pat.search(block):
                return i
    return 0


def deflection_kind(text: str) -> tuple[bool, bool] | None:
    """``(apology, deflection)`` when every sentence is an apology, a referral to a form or
    contact window, or a formula (thanks, よろしくお願いします, a URL); ``None`` when the text
    says anything else."""
    apology = deflect = False
    for m in _SENTENCE.finditer(text):
        s = m.group(0).strip()
        if not s:
            continue
        a, d = bool(_APOLOGY.search(s)), bool(_DEFLECT.search(s))
        if not (a or d) and not _FILLER.match(s):
            return None
        apology, deflect = apology or a, deflect or d
    return apology, deflect


class TemplateLinter:
    """Lints template repositories with a :class:`Linter` (the configured packs)."""

    def __init__(self, linter: Linter, *, similarity_threshold: float = DEFAULT_SIMILARITY):
        self.linter = linter
        self.threshold = similarity_threshold
        cfg = linter.config
        self.brand = Brand(name=cfg.brand_name or DEFAULT_BRAND.name,
                           handles=tuple(cfg.brand_handles) or DEFAULT_BRAND.handles)
        self.known_intents = set(linter.packset.facts.matched) | set(linter.packset.facts.derived)
        self.limits = dict(DEFAULT_LIMITS)
        for r in linter.rules:
            if isinstance(r.spec, LengthRule):
                for ch, n in r.spec.limits.items():
                    self.limits[ch] = min(n, self.limits.get(ch, n))
        self.rule_info: dict[str, RuleInfo] = dict(RULES)
        for r in linter.packset.rules:
            self.rule_info[r.id] = RuleInfo(r.id, r.message, (r.description or r.message).strip(),
                                            linter.severity.get(r.id, r.severity))

    # -- entry point --------------------------------------------------------------------
    def run(self, templates: list[LoadedTemplate], problems: Sequence[FileProblem] = ()) -> Run:
        units: list[Unit] = []
        for p in problems:
            units.append(Unit(p.file, p.file, p.line, [Located("templates/invalid", E, p.message, p.file,
                                                               p.line, category="template")]))
        states: list[_State] = []
        first_seen: dict[str, LoadedTemplate] = {}
        for t in templates:
            st = _State(t, Unit(t.spec.id, t.file, t.text_line))
            states.append(st)
            prev = first_seen.setdefault(t.spec.id, t)
            if prev is not t:
                self._add(st, "templates/duplicate-id",
                          f"template id {t.spec.id!r} is already used at {prev.file}:{prev.line('id')}",
                          t.line("id"))
            self._check_static(st)
            if st.renderable:
                self._check_samples(st)
                self._check_length(st)
                self._check_deflection(st)
        self._check_duplicates(states)
        for st in states:
            units.append(st.unit)
        self._suppress(units, states)
        for u in units:
            u.findings.sort(key=lambda f: (f.line or 0, f.rule))
        from . import __version__
        reported = {f.rule for u in units for f in u.findings} | {s.finding.rule for u in units for s in u.suppressed}
        return Run(units=units, rules={k: v for k, v in self.rule_info.items() if k in reported},
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

    # -- helpers ------------------------------------------------------------------------
    def _add(self, st: _State, rule: str, message: str, line: int | None, *,
             severity: Severity | None = None, category: str = "template") -> None:
        sev = severity or self.rule_info[rule].severity
        st.unit.findings.append(Located(rule, sev, f"{st.t.spec.id}: {message}", st.t.file, line,
                                        category=category))

    def _variables(self, st: _State, *, base: dict[str, Any], sample: dict[str, str] | None = None) -> dict:
        declared = {k: v.example for k, v in st.t.spec.variables.items()}
        return {**base, **declared, **self.linter.config.variables, **(sample or {})}

    # -- checks -------------------------------------------------------------------------
    def _check_static(self, st: _State) -> None:
        t = st.t
        first = t.text_first_line or t.text_line or 1
        for k, intent in enumerate(t.spec.intents):
            if intent not in self.known_intents:
                known = ", ".join(sorted(self.known_intents)) or "none"
                self._add(st, "templates/unknown-intent",
                          f"unknown intent {intent!r}: no loaded pack declares a fact of that name "
                          f"(known: {known})",
                          t.line("intents", k))
        if not t.spec.samples:
            self._add(st, "templates/no-samples", "no samples: add a sample post it is meant to answer",
                      t.line("id"))
        try:
            st.ast = ENV.parse(t.spec.text)
        except TemplateSyntaxError as exc:
            st.renderable = False
            self._add(st, "templates/jinja-syntax", f"Jinja syntax error: {exc.message}",
                      first + (exc.lineno or 1) - 1)
            return
        for lineno, what in _unsafe(st.ast):
            st.renderable = False
            self._add(st, "templates/unsafe", f"{what} is not allowed in a reply template",
                      first + lineno - 1)
        used = meta.find_undeclared_variables(st.ast)
        provided = set(t.spec.variables) | set(self.linter.config.variables) | {
            "customer", "brand", "channel", "post_text"}
        for name in sorted(used - provided - UNSAFE_NAMES):
            st.renderable = False
            where = "" if name in ENV.globals else (
                " (declare it under variables: with an example and max_length, or set it in the "
                "config's [tool.replyguard.variables])")
            self._add(st, "templates/undefined-variable", f"undefined variable {name!r}{where}",
                      first + _name_line(t.spec.text, name))
        for name in sorted(set(t.spec.variables) - used):
            self._add(st, "templates/unused-variable", f"variable {name!r} is declared but not used",
                      t.line("variables", name))

    def _check_samples(self, st: _State) -> None:
        t = st.t
        for j, sample in enumerate(t.spec.samples):
            line = t.sample_line(j)
            probe = t.sample_conversation(j, "", brand=self.brand)
            variables = self._variables(st, base=conversation_variables(probe), sample=sample.variables)
            try:
                text = render(t.spec.text, t.spec.id, variables)
            except TemplateError as exc:
                self._add(st, "templates/render-error", str(exc), line)
                continue
            if st.example_text is None:
                st.example_text = text
            conv = t.sample_conversation(j, text, brand=self.brand)
            report = self.linter.check(conv)
            post = conv.post.text
            for f in report.findings:
                st.pack_categories.add(f.category)
                self._add(st, f.rule, f"{f.message} (sample {j + 1}: 「{_display(post)}」)", line,
                          severity=f.severity, category=f.category)
        if st.example_text is None and not t.spec.samples:
            try:
                st.example_text = render(t.spec.text, t.spec.id, self._variables(
                    st, base={"customer": "customer", "brand": self.brand.name, "channel": t.spec.channels[0],
                              "post_text": ""}))
            except TemplateError as exc:
                self._add(st, "templates/render-error", str(exc), t.text_line)

    def _check_length(self, st: _State) -> None:
        t = st.t
        longest_post = max((s.post if isinstance(s.post, str) else s.post.text for s in t.spec.samples),
                           key=len, default="")
        for ch in dict.fromkeys(t.spec.channels):
            limit = self.limits.get(ch)
            if limit is None:
                continue
            base = {"customer": "a" * CUSTOMER_HANDLE_MAX, "brand": self.brand.name, "channel": ch,
                    "post_text": longest_post}
            variables = {**base, **self.linter.config.variables,
                         **{k: _longest(v.example, v.max_length) for k, v in t.spec.variables.items()}}
            try:
                text = render(t.spec.text, t.spec.id, variables)
            except TemplateError as exc:
                self._add(st, "templates/render-error", f"{exc} (at maximum variable lengths)", t.text_line)
                return
            n = channel_length(Doc(text), ch)
            if n > limit:
                with_vars = " with every variable at its max_length" if t.spec.variables else ""
                self._add(st, "templates/too-long",
                          f"{n} characters on {ch}{with_vars} (limit {limit})", t.text_line)

    def _check_deflection(self, st: _State) -> None:
        if st.example_text is None:
            return
        kind = deflection_kind(st.example_text)
        if kind is None:
            return
        apology, deflect = kind
        if not deflect:
            return
        # a pack rule of the same category on the samples already said it
        if "question" in st.t.spec.intents and "form_deflection" not in st.pack_categories:
            self._add(st, "templates/form-deflection",
                      "for a question, the reply only " + ("apologises and " if apology else "")
                      + "sends the customer to a form or contact window; answer the question in the open",
                      st.t.text_line, category="form_deflection")
        elif apology and not st.pack_categories & {"copy_paste_apology", "form_deflection"}:
            self._add(st, "templates/apology-deflection",
                      "the reply is nothing but an apology and a referral to a form or contact window",
                      st.t.text_line, category="copy_paste_apology")

    def _check_duplicates(self, states: list[_State]) -> None:
        done = [s for s in states if s.example_text]
        for i, b in enumerate(done):
            for a in done[:i]:
                if a.t.spec.id == b.t.spec.id:
                    continue
                score = similarity(a.example_text or "", b.example_text or "")
                if score >= self.threshold:
                    self._add(b, "templates/near-duplicate",
                              f"nearly the same text as {a.t.spec.id!r} ({a.t.file}:{a.t.text_line}), "
                              f"similarity {score:.2f}", b.t.text_line)
                    break


def lint_template_paths(linter: Linter, paths: list[str], *,
                        similarity_threshold: float = DEFAULT_SIMILARITY) -> Run:
    """Load every template under ``paths`` and lint them (the ``lint-templates`` command)."""
    from .template_repo import load_templates

    templates, problems = load_templates(paths)
    return TemplateLinter(linter, similarity_threshold=similarity_threshold).run(templates, problems)
