"""docs/rules.md is generated from the packs; it must be regenerated when a rule changes."""

from __future__ import annotations

from pathlib import Path

from replyguard import Linter
from replyguard.packs import builtin_rules_dir, load_pack_file
from replyguard.rulesdoc import rules_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rules_doc_is_in_sync_with_packs() -> None:
    packs = [load_pack_file(f) for f in sorted(builtin_rules_dir().glob("*.yaml"))]
    expected = rules_markdown(Linter(packs=packs).packset)
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `replyguard rules --format markdown > docs/rules.md`")


def test_rules_doc_lists_every_rule_with_category() -> None:
    text = DOC.read_text(encoding="utf-8")
    for f in sorted(builtin_rules_dir().glob("*.yaml")):
        pack = load_pack_file(f).spec
        for rule in pack.rules:
            assert f"### {pack.pack}/{rule.id}" in text
            assert f"**{rule.category}**" in text


def test_rules_doc_shows_per_rule_whether_it_fixes_and_how_safely() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "| rule | category | severity | kind | fix |" in text
    assert "| substitution | safe/unsafe |" in text  # double-honorific: some swaps declared safe, others not
    assert "| pattern | — |" in text
    assert "fix: unsafe (shown, never applied)" in text


def test_rules_doc_lists_every_fact_of_every_pack_with_its_kind() -> None:
    """Pack authors build on the shipped facts: each one is listed under its pack, matched
    (asked with a scope) or derived (asked by bare name)."""
    text = DOC.read_text(encoding="utf-8")
    for f in sorted(builtin_rules_dir().glob("*.yaml")):
        pack = load_pack_file(f).spec
        for name, fact in pack.facts.items():
            kind = "matched" if fact.match is not None else "derived"
            assert f"| `{name}` | {kind} |" in text, name
