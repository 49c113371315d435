"""The time budget of one check (``Linter.check(deadline=...)``, the server's 2 s).

Checked between rules, and inside a rule wherever its work grows with the input: before a
text is analysed (a Doc made, a text tokenised: tens of milliseconds for 20,000 characters)
and every :data:`HITS_PER_CHECK` findings. So no single step between two checks is longer
than one text's analysis, however many texts (thread, history) or findings a rule goes
through (benchmarks/rule_bound.py measures the steps).
"""

from __future__ import annotations

from contextvars import ContextVar
from time import monotonic

from .errors import CheckTimeout

HITS_PER_CHECK = 64

_deadline: ContextVar[float | None] = ContextVar("replyguard_check_deadline", default=None)


class check_budget:
    """Within this block, :func:`spend` raises once ``deadline`` (``time.monotonic()``) passed.
    A class rather than a ``@contextmanager`` generator: entered once per check, it costs
    0.4 µs instead of 1.1."""

    __slots__ = ("_deadline", "_token")

    def __init__(self, deadline: float | None) -> None:
        self._deadline = deadline

    def __enter__(self) -> None:
        self._token = _deadline.set(self._deadline)

    def __exit__(self, *exc: object) -> None:
        _deadline.reset(self._token)


def spend(where: str) -> None:
    """Raise :class:`CheckTimeout` if the running check is past its deadline (else nothing)."""
    deadline = _deadline.get()
    if deadline is not None and monotonic() > deadline:
        raise CheckTimeout(f"the check ran past its time budget ({where})")
