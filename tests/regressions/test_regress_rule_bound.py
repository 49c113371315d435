"""Regression corpus (issue 14): the check-time budget was checked only between rules, so one
rule going through many long texts (a thread and a history of max_text_chars each) or
thousands of findings ran its whole course past the deadline. The budget is now also checked
before each text is analysed or tokenised and every HITS_PER_CHECK findings.

The hostile drafts of benchmarks/rule_bound.py are checked here for what they give, not for
how long they take (the times are in that benchmark and docs/server.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from replyguard import Config, Linter
from replyguard import budget as budget_module
from replyguard.budget import HITS_PER_CHECK, check_budget, spend
from replyguard.doc import Doc
from replyguard.errors import CheckTimeout
from replyguard.models import Brand, Conversation, Message

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from rule_bound import FAMILIES, ORDINARY_POST, fill

MAX = Config().max_text_chars


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Config())


def conv(draft: str, post: str = ORDINARY_POST, *, thread: int = 0) -> Conversation:
    texts = [f"{i}" + draft[: MAX - 2] for i in range(thread)]
    return Conversation(channel="x", brand=Brand(name="ミドリ電機", handles=("midori_support",)),
                        post=Message(author="customer", text=post),
                        thread=[Message(author="customer", text=t) for t in texts],
                        history=[Message(author="customer", text=t) for t in texts],
                        draft=Message(author="midori_support", text=draft))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_hostile_draft_of_the_largest_size_is_checked(linter: Linter, family: str) -> None:
    draft = fill(FAMILIES[family], MAX)
    report = linter.check(conv(draft), deadline=time.monotonic() + 3600)
    for f in report.findings:
        assert f.span is None or 0 <= f.span.start < f.span.end <= len(draft)


@pytest.mark.parametrize(("family", "rule", "count"), [
    ("phones", "privacy/personal-data", MAX // len(FAMILIES["phones"])),  # every number a finding
    ("keigo", "ja-keigo/double-honorific", MAX // len(FAMILIES["keigo"])),
])
def test_thousands_of_findings_are_all_reported(linter: Linter, family: str, rule: str, count: int) -> None:
    report = linter.check(conv(fill(FAMILIES[family], MAX)))
    assert sum(f.rule == rule for f in report.findings) in (count, count + 1)


def test_the_budget_is_spent_inside_a_rule_between_its_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule with about 1,430 findings used to run to its end past the deadline."""
    lint = Linter(Config(packs=["privacy"]))
    draft = fill(FAMILIES["phones"], MAX)
    monkeypatch.setattr(budget_module, "monotonic", lambda: float("inf"))  # the deadline passes now
    with pytest.raises(CheckTimeout, match=rf"stopped in privacy/personal-data after {HITS_PER_CHECK} findings"):
        lint.check(conv(draft), deadline=time.monotonic() + 3600)
    assert len(lint.check(conv(draft)).findings) > HITS_PER_CHECK  # without a deadline: never


def test_the_budget_is_spent_before_each_text_a_rule_analyses(linter: Linter, monkeypatch) -> None:
    """A rule reading a thread and a history of 20,000 characters each analysed them all."""
    case = conv(fill(FAMILIES["emoji"], MAX), thread=3)
    monkeypatch.setattr(budget_module, "monotonic", lambda: float("inf"))
    with pytest.raises(CheckTimeout, match=r"stopped before (analysing|tokenising) a text"):
        linter.check(case, deadline=time.monotonic() + 3600)
    monkeypatch.undo()
    assert linter.check(case).findings is not None  # the interrupted analyses left nothing half-made


def test_spend_raises_only_inside_a_check_with_a_deadline() -> None:
    spend("outside any check")
    with check_budget(None):
        spend("a check without a deadline")
    with check_budget(time.monotonic() - 1), pytest.raises(CheckTimeout, match="tokenising"):
        Doc("テキストです。").tokens  # noqa: B018
    spend("after the check")  # the deadline does not outlive its check
