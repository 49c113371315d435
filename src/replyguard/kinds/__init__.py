"""Check kinds: the ways a rule can look at a conversation.

A kind is one module that owns everything about it: its spec model (the rule's parameters,
each documented), the message fields its hits provide, its builder and its checker, and a
module docstring with an example (the kind reference in docs/packs.md is generated from it,
and the example is loaded as a test). The built-in kinds are the modules named in
:data:`BUILTIN`; other packages add kinds through the ``replyguard.kinds`` entry point
group. The pack schema's rule union, the registry and the docs are all generated from
:func:`registry`, so a kind cannot be in one and missing from another.

A builder turns a validated spec into a checker once, at load time, and reports every
problem as :class:`KindError` (what is wrong, and where in the rule). A checker's
``run(ctx)`` yields :class:`Hit` objects, reaching texts and analyses only through the
:class:`~replyguard.context.Context`. A pack file chooses and parametrises a kind but can
never bring code of its own.
"""

from __future__ import annotations

import functools
import importlib
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import PackError
from ..regex import PatternError, Regex, compile_pattern

if TYPE_CHECKING:
    from ..context import Context
    from ..facts import FactTable
    from ..matcher import KeyIndex, Matcher
    from ..schema import MatcherSpec, RuleBase

ENTRY_POINT_GROUP = "replyguard.kinds"

# The built-in kinds, one module each (in the order of the docs). Adding a kind: a module
# with a ``KIND`` and one line here.
BUILTIN: tuple[str, ...] = (
    "pattern",
    "substitution",
    "pii",
    "length",
    "timing",
    "already_answered",
    "unanswered_mention",
    "relevance",
    "repetition",
    "register",
    "condition",
    "boilerplate",
    # kinds of template entries (packs with scope: templates, run by lint-templates)
    "template_source",
    "template_render",
    "template_length",
    "template_similarity",
    "template_entry",
)


@dataclass(frozen=True)
class Hit:
    """What a checker found: a span in the normalised draft (or None), and message fields.

    ``at`` is for kinds of ``scope: templates`` packs: where in the template entry the
    finding belongs, as a path of keys (``("variables", "date")``, ``("samples", 0)``,
    ``("intents", 1)``, ``("id",)``), or ``("text", n)`` for line ``n`` (0-based) of the Jinja
    source; empty means the entry's ``text:`` key. Kinds of drafts leave it empty.
    """

    span: tuple[int, int] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    replacement: str | None = None
    safe: bool = False
    at: tuple[str | int, ...] = ()


class Checker(Protocol):
    def run(self, ctx: Context) -> Iterable[Hit]: ...


class KindError(Exception):
    """A rule a kind cannot build: ``message`` says what is wrong; ``at`` is the path of the
    offending key inside the rule (``("swaps", 0)``); ``value`` the offending string, if
    any, to point at its line."""

    def __init__(self, message: str, *, at: tuple[str | int, ...] = (), value: str = ""):
        super().__init__(message)
        self.message, self.at, self.value = message, at, value


@dataclass
class BuildEnv:
    """What a kind may use while compiling a rule; its helpers raise :class:`KindError`.

    ``@name`` names a lexicon of any loaded pack; ``@pack/name`` the lexicon ``name`` of
    the pack ``pack``, which ``import_lexicons`` provides when that pack is not loaded (a
    shipped pack: only its lexicons are read, none of its rules run).
    """

    lexicons: dict[str, list[str]]
    facts: FactTable
    keys: KeyIndex
    import_lexicons: Callable[[str], Mapping[str, list[str]] | None] | None = None

    def has_lexicon(self, name: str) -> bool:
        """Whether ``name`` (without ``@``) is a known lexicon; a ``pack/name`` reference is
        resolved (and remembered) here."""
        if name in self.lexicons:
            return True
        pack, sep, lexicon = name.partition("/")
        if not sep or self.import_lexicons is None:
            return False
        found = self.import_lexicons(pack)
        if found is None or lexicon not in found:
            return False
        self.lexicons[name] = list(found[lexicon])
        return True

    def lexicon_words(self, items: Iterable[str], *, at: tuple[str | int, ...] = ()) -> list[str]:
        """``items`` with each ``@name`` replaced by the words of that lexicon."""
        out: list[str] = []
        for item in items:
            if item.startswith("@"):
                if not self.has_lexicon(item[1:]):
                    raise KindError(f"unknown lexicon {item}", at=at, value=item)
                out.extend(self.lexicons[item[1:]])
            else:
                out.append(item)
        return out

    def matcher(self, spec: MatcherSpec, *, at: tuple[str | int, ...] = (), group: str = "main") -> Matcher:
        """A compiled matcher; an unknown ``@lexicon`` or a bad regex is a KindError. ``group``:
        the pattern set it joins (:func:`replyguard.regex.pattern_set`)."""
        from ..matcher import Matcher

        self._check_lexicons(spec, at)
        try:
            return Matcher(spec, self.lexicons, self.keys, group)
        except PatternError as exc:
            raise KindError(_regex_message(exc), at=at, value=exc.pattern) from None

    def fact_matchers(self, names: Iterable[str], *, at: tuple[str | int, ...] = ()) -> tuple[Matcher, ...]:
        """The matchers of facts declared with a ``match:`` (a derived ``when:`` fact has none);
        an unknown name is a KindError at its index under ``at``."""
        out = []
        for i, name in enumerate(names):
            fact = self.facts.matched.get(name)
            if fact is None:
                raise KindError(f"{at[-1] if at else 'a fact list'} names {name!r}, which is not a fact with a match",
                                at=(*at, i), value=name)
            out.append(fact.matcher)
        return tuple(out)

    def regex(self, pattern: str, *, at: tuple[str | int, ...] = (), groups: bool = False) -> Regex:
        """A pattern compiled by RE2 (linear-time matching; see replyguard.regex)."""
        try:
            return compile_pattern(pattern, groups=groups)
        except PatternError as exc:
            raise KindError(_regex_message(exc), at=at, value=exc.pattern or pattern) from None

    def _check_lexicons(self, spec: MatcherSpec | None, at: tuple[str | int, ...]) -> None:
        while spec is not None:
            words = [*spec.phrases, *spec.lemmas, *spec.negated_lemmas, *spec.hashtags]
            for p in words:
                if p.startswith("@") and not self.has_lexicon(p[1:]):
                    raise KindError(f"unknown lexicon {p}", at=at, value=p)
            self._check_lexicons(spec.unless, at)
            spec = spec.requires


def _regex_message(exc: PatternError) -> str:
    shown = f" {exc.pattern!r}" if exc.pattern else ""
    return f"bad regex{shown}: {exc}"


Builder = Callable[[Any, BuildEnv], Checker]


@dataclass(frozen=True)
class Kind:
    """One check kind: its spec model, builder, message fields and documentation.

    ``fields`` maps each ``{placeholder}`` a rule's message may use to what it holds; a
    message naming anything else fails to load. ``doc`` is Markdown (normally the module's
    docstring) with an ``Example::`` block of YAML rules. ``fixes`` tells, for a rule of the
    kind, the safety of each fix it can offer (``True``: safe, applied by ``check --fix``);
    kinds without fixes leave it out. ``scope`` is the pack scope whose rules may use the
    kind (``None``: any; ``"templates"``: a kind that reads a template entry, see
    :mod:`replyguard.template_subject`). ``channel_limits`` tells, for a rule of the kind,
    the channel length limits it enforces (lint-templates holds templates to the strictest).
    """

    spec: type[RuleBase]
    build: Builder
    fields: Mapping[str, str]
    doc: str
    fixes: Callable[[Any], list[bool]] | None = None
    scope: str | None = None
    channel_limits: Callable[[Any], Mapping[str, int]] | None = None

    def fix_safety(self, spec: RuleBase) -> str:
        """How a rule's fixes apply: ``""`` (no fix), ``safe``, ``unsafe`` or ``safe/unsafe``."""
        kinds = set(self.fixes(spec)) if self.fixes is not None else set()
        return "/".join(label for flag, label in ((True, "safe"), (False, "unsafe")) if flag in kinds)

    @property
    def name(self) -> str:
        return str(typing.get_args(self.spec.model_fields["kind"].annotation)[0])

    @property
    def summary(self) -> str:
        return self.doc.strip().split("\n\n", 1)[0].replace("\n", " ")

    @property
    def example(self) -> str:
        """The YAML of the ``Example::`` block (a list of rules), dedented."""
        _, sep, rest = self.doc.partition("Example::\n")
        if not sep:
            return ""
        lines = rest.strip("\n").splitlines()
        indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
        return "\n".join(ln[indent:] for ln in lines) + "\n"

    @property
    def prose(self) -> str:
        """The docstring without its ``Example::`` block."""
        return self.doc.partition("Example::\n")[0].strip()


def _as_kind(obj: Any, where: str) -> Kind:
    kind = getattr(obj, "KIND", obj)  # a module with a KIND, or a Kind
    if not isinstance(kind, Kind):
        raise PackError(f"{where} is not a replyguard check kind (expected a Kind or a module with KIND)")
    if "kind" not in kind.spec.model_fields:
        raise PackError(f"{where}: the spec model has no 'kind' field")
    return kind


@functools.cache
def registry() -> dict[str, Kind]:
    """Every check kind by name: the built-in ones, then those of the ``replyguard.kinds``
    entry points of installed packages (a name may not be taken twice)."""
    kinds: dict[str, Kind] = {}
    for mod in BUILTIN:
        kind = _as_kind(importlib.import_module(f"{__name__}.{mod}"), f"{__name__}.{mod}")
        kinds[kind.name] = kind
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        where = f"entry point {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin is a one-line error, not a traceback
            raise PackError(f"{where} cannot be loaded: {exc}") from None
        kind = _as_kind(obj, where)
        if kind.name in kinds:
            raise PackError(f"{where} defines kind {kind.name!r}, which already exists")
        kinds[kind.name] = kind
    return kinds


def refresh() -> None:
    """Forget the registry and the generated pack model (after installing a kind at run time)."""
    from ..schema import pack_model

    registry.cache_clear()
    pack_model.cache_clear()
