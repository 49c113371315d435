"""Helpers of the kinds that read the thread."""

from __future__ import annotations

from ..models import Message


def before(m: Message, ref: Message) -> bool:
    """Whether ``m`` was posted before ``ref`` (true when either time is unknown)."""
    if m.created_at is None or ref.created_at is None:
        return True
    try:
        return m.created_at <= ref.created_at
    except TypeError:  # naive vs aware: compare wall clocks
        return m.created_at.replace(tzinfo=None) <= ref.created_at.replace(tzinfo=None)


def posted_before(m: Message, ref: Message) -> bool:
    """Whether ``m`` was certainly posted before ``ref`` (both times known): a brand message
    the post itself may be answering, which therefore cannot answer the post."""
    if m.created_at is None or ref.created_at is None:
        return False
    return not before(ref, m)
