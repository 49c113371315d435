"""Check kinds: the built-in ways a rule can look at a conversation.

Each kind turns a validated rule spec into a checker once, at load time. A checker's
``run(ctx)`` yields :class:`Hit` objects; the engine turns them into findings. Kinds are
Python code shipped with replyguard: a pack file chooses and parametrises a kind but can
never bring code of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..context import Context
from ..facts import FactTable


@dataclass(frozen=True)
class Hit:
    """What a checker found: a span in the normalised draft (or None), and message fields."""

    span: tuple[int, int] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    replacement: str | None = None
    safe: bool = True


class Checker(Protocol):
    def run(self, ctx: Context) -> Iterable[Hit]: ...


@dataclass
class BuildEnv:
    """What a kind may use while compiling a rule."""

    lexicons: dict[str, list[str]]
    facts: FactTable


Builder = Callable[[Any, BuildEnv], Checker]


def registry() -> dict[str, Builder]:
    """The built-in kinds by name (kinds from other packages are not loaded: see the module doc)."""
    from . import content, context_kinds, pattern, pii, register, thread

    kinds: dict[str, Builder] = {
        "pattern": pattern.build_pattern,
        "substitution": pattern.build_substitution,
        "pii": pii.build,
        "length": context_kinds.build_length,
        "timing": context_kinds.build_timing,
        "condition": context_kinds.build_condition,
        "already_answered": thread.build_answered,
        "unanswered_mention": thread.build_mention,
        "relevance": content.build_relevance,
        "repetition": content.build_repetition,
        "register": register.build,
    }
    return kinds
