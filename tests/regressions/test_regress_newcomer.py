"""Regression corpus (issue 14), newcomer: the documentation a user reads is in the repository
and true to the code (the case format, the categories, links that resolve)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from replyguard import Conversation
from replyguard.categories import CATEGORIES
from replyguard.models import Brand, Message

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_every_relative_link_in_readme_and_docs_stays_inside_the_repository() -> None:
    """README and docs used to link to ../shared/spec/*, outside the repository."""
    for doc in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target, _ in LINK.findall(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path = (doc.parent / target).resolve()
            assert ROOT in path.parents or path == ROOT, f"{doc.name}: {target} is outside the repository"
            if "cases.md" in target or "categories.md" in target:
                assert path.exists(), f"{doc.name}: broken link {target}"


def test_cases_md_examples_are_valid_cases_and_its_tables_name_every_field() -> None:
    text = (DOCS / "cases.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    case = Conversation.model_validate(json.loads(blocks[0]))
    assert case.thread and case.history and case.draft.created_at is not None
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", text, re.M))
    assert set(Conversation.model_fields) <= documented
    assert set(Message.model_fields) <= documented and set(Brand.model_fields) <= documented
    assert documented <= set(Conversation.model_fields) | set(Message.model_fields) | set(Brand.model_fields)
    error_record = json.loads(blocks[1])
    assert set(error_record) == {"id", "line", "error", "findings"}


def test_categories_md_lists_exactly_the_builtin_categories() -> None:
    text = (DOCS / "categories.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| `([a-z_]+)` \|", text, re.M) == list(CATEGORIES)
