"""The output formats of findings, in one registry.

A format is one module of this package (or of an installed package, through the
``replyguard.formats`` entry point group) holding one :class:`OutputFormat` subclass decorated
with :func:`register`. Every command that reports findings — ``check`` (one draft or
``--cases``), ``lint-templates`` and the server's ``/v1/check`` (its default answer is the
:func:`answer_name` format's record; ``?format=`` any other) — offers the registered names and
writes through them, so adding a format is adding that module; nothing else names it.

A format is a writer fed one :class:`~replyguard.formats.located.Unit` at a time, as the
command produces them (``check --cases`` streams: a format that writes per unit, like
``jsonl``, writes each record as soon as its case is checked); :class:`WholeRunFormat` collects
the units and renders the run at the end (SARIF, JUnit, a JSON document).
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import sys
from collections.abc import Callable, Mapping
from importlib import metadata
from types import MappingProxyType
from typing import ClassVar, TextIO, TypeVar

from ..errors import ReplyguardError
from ..models import Severity
from .located import Run, Unit

ENTRY_POINT_GROUP = "replyguard.formats"


class OutputFormat:
    """One output format: constructed with the run's header (a :class:`Run` without units),
    fed with :meth:`unit` as units are produced, closed with :meth:`end`."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line for ``--help`` and the docs
    order: ClassVar[int] = 100  # place among the choices of ``--format`` (built-ins first)
    default: ClassVar[bool] = False  # the format of ``--format``'s default
    fixes: ClassVar[bool] = False  # can show ``check --fix``'s fixed drafts
    answers: ClassVar[bool] = False  # writes the server's default ``/v1/check`` answer (one record)
    media_type: ClassVar[str] = "text/plain; charset=utf-8"  # the server's Content-Type

    def __init__(self, out: TextIO, run: Run, fail_on: Severity = Severity.error) -> None:
        self.out, self.run, self.fail_on = out, run, fail_on

    def unit(self, unit: Unit) -> None:
        """Take the next unit (write it now, or keep what the end needs)."""

    def end(self) -> None:
        """All units were given: write what is left."""


class WholeRunFormat(OutputFormat):
    """A format that needs the whole run: units are kept, and :meth:`render` makes the text
    at the end, with the run's rules limited to those reported."""

    def __init__(self, out: TextIO, run: Run, fail_on: Severity = Severity.error) -> None:
        super().__init__(out, run, fail_on)
        self.units: list[Unit] = []

    def unit(self, unit: Unit) -> None:
        self.units.append(unit)

    def end(self) -> None:
        run = Run(self.units, self.run.rules, self.run.suite, self.run.version, self.run.subject, self.run.fixes)
        run.rules = run.reported_rules()
        self.out.write(self.render(run) + "\n")

    def render(self, run: Run) -> str:
        raise NotImplementedError


_REGISTRY: dict[str, type[OutputFormat]] = {}
_ordered: dict[str, type[OutputFormat]] | None = None  # _REGISTRY in --format's order, made once
_loaded = False
F = TypeVar("F", bound=type[OutputFormat])


def register(cls: F) -> F:
    """Class decorator: make ``cls`` the format named ``cls.name``."""
    global _ordered
    other = _REGISTRY.get(cls.name)
    same = other is not None and (other.__module__, other.__qualname__) == (cls.__module__, cls.__qualname__)
    if other is not None and not same:
        raise ReplyguardError(f"output format {cls.name!r} is registered twice "
                              f"({other.__module__} and {cls.__module__})")
    _REGISTRY[cls.name] = cls
    _ordered = None
    return cls


def unregister(name: str) -> None:
    """Forget a format (a test's own format, when the test is done)."""
    global _ordered
    _REGISTRY.pop(name, None)
    _ordered = None


def refresh() -> None:
    """Look for installed formats again at the next use (after installing one, in a test)."""
    global _loaded
    _loaded = False


def _load() -> None:
    """Import the format modules of this package, then the installed ones (entry points)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # a broken plugin costs its format, not the command
            print(f"replyguard: warning: output format plugin {ep.name!r} failed to load: {exc}",
                  file=sys.stderr)


def registry() -> Mapping[str, type[OutputFormat]]:
    """Every format by name, in the order ``--format`` offers them (looked up per request by
    the server: sorted once, again only after :func:`register` or :func:`unregister`)."""
    global _ordered
    _load()
    if _ordered is None:
        _ordered = dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))
    return MappingProxyType(_ordered)


def names(predicate: Callable[[type[OutputFormat]], bool] | None = None) -> list[str]:
    return [n for n, cls in registry().items() if predicate is None or predicate(cls)]


def default_name() -> str:
    return next(n for n, cls in registry().items() if cls.default)


def answer_name() -> str:
    """The format of the server's default ``/v1/check`` answer: it writes a draft's unit as
    one JSON record (with the unit's ``meta`` first), answered as ``application/json``."""
    return next(n for n, cls in registry().items() if cls.answers)


def get(name: str) -> type[OutputFormat]:
    fmt = registry().get(name)
    if fmt is None:
        raise ReplyguardError(f"unknown output format {name!r} (known: {', '.join(registry())})")
    return fmt


def help_text() -> str:
    """The ``--format`` help: every format with its one-line summary."""
    return "; ".join(f"{n}: {cls.summary}" for n, cls in registry().items())


def write_run(name: str, run: Run, out: TextIO, fail_on: Severity = Severity.error) -> None:
    """Write a run that is already complete (``lint-templates``, one draft) in format ``name``."""
    writer = get(name)(out, Run([], run.rules, run.suite, run.version, run.subject, run.fixes), fail_on)
    for unit in run.units:
        writer.unit(unit)
    writer.end()


def render(name: str, run: Run, fail_on: Severity = Severity.error) -> str:
    """:func:`write_run` into a string (the server's answer, a test)."""
    out = io.StringIO()
    write_run(name, run, out, fail_on)
    return out.getvalue()
