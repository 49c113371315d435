"""Shared helpers: small inline packs written to a temporary directory, and conversations
in the frame of the rule examples (brand サンプル, post at 2026-01-01 10:00 JST)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from replyguard import Config, Conversation, Linter, Message
from replyguard.packs import load_pack_file
from replyguard.rule_examples import EXAMPLE_BRAND, EXAMPLE_POST_TIME

T0 = EXAMPLE_POST_TIME

# In CI every property test explores the same generated cases each run: a counterexample found
# by chance would block every landing, so it is found locally (random) and kept as an example.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def msg(author: str, text: str, minutes: float = 1, **kw) -> Message:
    """A message ``minutes`` after the post (negative for history)."""
    return Message(author=author, text=text, created_at=T0 + timedelta(minutes=minutes), **kw)


def conv(draft: str, post: str = "", *, thread=(), history=(), channel: str = "x",
         minutes: float | None = 10, **draft_kw) -> Conversation:
    """A conversation: the customer's post at T0, the draft by sample_support ``minutes`` later."""
    return Conversation(
        channel=channel, brand=EXAMPLE_BRAND,
        post=Message(author="customer", text=post, id="p1", created_at=T0),
        thread=tuple(thread), history=tuple(history),
        draft=Message(author="sample_support", text=draft,
                      created_at=None if minutes is None else T0 + timedelta(minutes=minutes), **draft_kw),
    )


@pytest.fixture
def write_pack(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML (dedented) to a file in tmp_path and return its path."""
    counter = iter(range(1000))

    def write(text: str, name: str | None = None) -> Path:
        path = tmp_path / (name or f"pack{next(counter)}.yaml")
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_linter(write_pack) -> Callable[..., Linter]:
    """A Linter over one inline pack (YAML text), optionally with a Config."""

    def make(text: str, config: Config | None = None) -> Linter:
        return Linter(config, packs=[load_pack_file(write_pack(text))])

    return make
