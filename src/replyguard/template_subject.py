"""A template entry as the rules of a ``scope: templates`` pack see it.

``lint-templates`` (:mod:`replyguard.template_lint`) reads each entry of a template repository
into a :class:`TemplateSubject`: its Jinja source parsed once (syntax error, sandbox escapes,
undefined and unused variables), its renderings (with each sample's variables, and at the
maximum variable lengths per channel) and its place in the repository (the entries before
it). The rules then run on a :class:`TemplateContext`: a :class:`~replyguard.context.Context`
whose draft is the template rendered with its first sample (so lexical kinds and ``draft.*``
facts read the reply text) and which carries the subject, for the ``template_*`` kinds, and
the ``intent.*``/``reported.*`` facts.

Whether a template is rendered at all is decided here, from the parse, and not by any rule:
disabling a rule never makes an unsafe template render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jinja2 import TemplateSyntaxError, meta, nodes

from .analysis import Analyser
from .context import Context, Settings
from .errors import TemplateError
from .models import Brand, Conversation
from .suggestions import ENV, render

if TYPE_CHECKING:
    from .facts import FactTable
    from .template_repo import LoadedTemplate

MAX_CONSTANT = 10_000
UNSAFE_NAMES = frozenset({"self", "lipsum", "cycler", "joiner", "namespace"})
CONVERSATION_VARIABLES = frozenset({"customer", "brand", "channel", "post_text"})
CUSTOMER_HANDLE_MAX = 15  # X handles
_FILL = "あ"  # CJK: weight 2 on X, the worst case


def longest_value(example: str, max_length: int) -> str:
    """The worst-case value of a variable: CJK characters (weight 2 on X), or for a URL
    variable a URL of that length (X counts every URL as 23)."""
    if re.match(r"https?://", example):
        return "https://" + "a" * max(1, max_length - 8)
    return _FILL * max_length


def unsafe_nodes(ast: nodes.Template) -> list[tuple[int, str]]:
    """``(line, what)`` of each reach for Python internals (1-based lines of the source)."""
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


def name_line(source: str, name: str) -> int:
    """0-based line of the source where ``name`` is first used inside ``{{ }}``/``{% %}``."""
    pat = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    for i, line in enumerate(source.splitlines()):
        for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", line):
            if pat.search(block):
                return i
    return 0


@dataclass
class Repository:
    """What every entry of one ``lint-templates`` run shares."""

    brand: Brand
    config_variables: dict[str, str]
    known_intents: frozenset[str]
    limits: dict[str, int]  # the strictest channel limits of the configured packs' rules
    similarity: float | None = None  # the --similarity of the run; None: the rule's own threshold
    subjects: list[TemplateSubject] = field(default_factory=list)  # in the order they are checked


@dataclass
class Undefined:
    name: str
    line: int  # 0-based, in the Jinja source
    jinja_global: bool  # one of Jinja's globals (range, dict…), not declared for replies


class TemplateSubject:
    """One template entry, parsed once; renderings are made when first asked."""

    def __init__(self, t: LoadedTemplate, repo: Repository):
        self.t = t
        self.spec = t.spec
        self.repo = repo
        self.index = len(repo.subjects)  # the entries before it are repo.subjects[:index]
        repo.subjects.append(self)
        self.ast: nodes.Template | None = None
        self.syntax_error: tuple[int, str] | None = None  # (0-based line, message)
        self.unsafe: list[tuple[int, str]] = []  # (0-based line, what)
        self.undefined: list[Undefined] = []
        self.unused: list[str] = []
        # filled by the driver while it renders the samples
        self.render_errors: list[tuple[tuple[str | int, ...], str]] = []  # (where, message)
        self.example_text: str | None = None  # the first sample's rendering (or the defaults')
        self._longest: dict[str, str | TemplateError] = {}
        self._parse()

    def _parse(self) -> None:
        spec = self.spec
        try:
            self.ast = ENV.parse(spec.text)
        except TemplateSyntaxError as exc:
            self.syntax_error = ((exc.lineno or 1) - 1, str(exc.message))
            return
        self.unsafe = [(line - 1, what) for line, what in unsafe_nodes(self.ast)]
        used = meta.find_undeclared_variables(self.ast)
        provided = set(spec.variables) | set(self.repo.config_variables) | CONVERSATION_VARIABLES
        self.undefined = [Undefined(name, name_line(spec.text, name), name in ENV.globals)
                          for name in sorted(used - provided - UNSAFE_NAMES)]
        self.unused = sorted(set(spec.variables) - used)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def renderable(self) -> bool:
        """Parsed, with no reach for internals and no undefined variable: safe to render."""
        return self.ast is not None and not self.unsafe and not self.undefined

    @property
    def earlier(self) -> list[TemplateSubject]:
        return self.repo.subjects[:self.index]

    def variables(self, base: dict[str, object], sample: dict[str, str] | None = None) -> dict[str, object]:
        """Rendering variables: the conversation's, the declared examples, the config's, the sample's."""
        declared = {k: v.example for k, v in self.spec.variables.items()}
        return {**base, **declared, **self.repo.config_variables, **(sample or {})}

    def longest(self, channel: str) -> str | TemplateError:
        """The rendering with every declared variable at its ``max_length`` (a 15-character
        handle, the longest sample post) for ``channel``, or the error rendering gave."""
        if channel not in self._longest:
            spec = self.spec
            longest_post = max((s.post if isinstance(s.post, str) else s.post.text for s in spec.samples),
                               key=len, default="")
            base = {"customer": "a" * CUSTOMER_HANDLE_MAX, "brand": self.repo.brand.name, "channel": channel,
                    "post_text": longest_post}
            variables = {**base, **self.repo.config_variables,
                         **{k: longest_value(v.example, v.max_length) for k, v in spec.variables.items()}}
            try:
                self._longest[channel] = render(spec.text, spec.id, variables)
            except TemplateError as exc:
                self._longest[channel] = exc
        return self._longest[channel]

    def limited_channels(self) -> list[tuple[str, int]]:
        """The template's channels that have a length limit, with it, in order."""
        return [(ch, self.repo.limits[ch]) for ch in dict.fromkeys(self.spec.channels) if ch in self.repo.limits]


class TemplateContext(Context):
    """The context of the rules of a ``scope: templates`` pack: the draft is the template's
    example rendering; ``intent`` holds its declared intents and ``reported`` the categories
    the configured packs reported on its samples (the ``intent.*``/``reported.*`` facts)."""

    def __init__(self, conv: Conversation, facts: FactTable, settings: Settings, analyser: Analyser,
                 template: TemplateSubject, reported: frozenset[str]):
        super().__init__(conv, facts, settings, analyser)
        self.template = template
        self.intent = frozenset(template.spec.intents)
        self.reported = reported


def template_of(ctx: Context) -> TemplateSubject:
    """The template entry a ``template_*`` kind checks (such kinds load only in template packs)."""
    if not isinstance(ctx, TemplateContext):
        raise TypeError("a template kind runs only on a template entry (lint-templates)")
    return ctx.template
