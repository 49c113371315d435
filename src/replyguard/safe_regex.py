"""Reject regular expressions that can backtrack catastrophically.

Packs come from repositories and pull requests; a pattern like ``(a+)+$`` would hang the
pre-send hook on a long draft. Python's ``re`` has no timeout, so we refuse, at load time,
the shapes that cause exponential backtracking: an unbounded repeat that contains another
unbounded repeat or an alternation of multi-character branches, and backreferences.
"""

from __future__ import annotations

import re

from .prefilter import parse_pattern, sre_parse

MAX_PATTERN_CHARS = 2000
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}
_UNBOUNDED = sre_parse.MAXREPEAT


class UnsafeRegex(ValueError):
    """The pattern is invalid or could backtrack catastrophically; ``pattern`` is the pattern."""

    pattern: str = ""


def _walk(items, inside_unbounded: bool) -> None:
    for op, av in items:
        if op in _REPEATS:
            _lo, hi, sub = av
            unbounded = hi == _UNBOUNDED or hi > 100
            if unbounded and inside_unbounded:
                raise UnsafeRegex("nested unbounded repetition (like (a+)+) can hang the checker")
            _walk(sub, inside_unbounded or unbounded)
        elif op is sre_parse.SUBPATTERN:
            _walk(av[-1], inside_unbounded)
        elif op is sre_parse.BRANCH:
            branches = av[1]
            if inside_unbounded and any(_width(b)[1] != 1 for b in branches):
                raise UnsafeRegex("alternation of multi-character branches inside an unbounded repeat "
                                  "(like (a|aa)+) can hang the checker")
            for b in branches:
                _walk(b, inside_unbounded)
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            _walk(av[1], inside_unbounded)
        elif op is sre_parse.GROUPREF or op is sre_parse.GROUPREF_EXISTS:
            raise UnsafeRegex("backreferences are not allowed in pack patterns")


def _width(sub) -> tuple[int, int]:
    return sub.getwidth()


def compile_safe(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` or raise :class:`UnsafeRegex` saying why it was refused."""
    try:
        if len(pattern) > MAX_PATTERN_CHARS:
            raise UnsafeRegex(f"pattern longer than {MAX_PATTERN_CHARS} characters")
        try:
            parsed = parse_pattern(pattern, flags)
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise UnsafeRegex(f"invalid regular expression: {exc}") from None
        _walk(parsed, False)
    except UnsafeRegex as exc:
        exc.pattern = pattern  # lets the pack loader point at the line of the pattern
        raise
    return compiled
