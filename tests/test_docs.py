"""The docs stay true to the code: every complete pack in docs/packs.md loads and its rule
examples behave as documented; every rule snippet there is valid for its kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from replyguard import Linter
from replyguard.packs import load_pack_file
from replyguard.rule_examples import example_conversation

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def _blocks(name: str) -> list[str]:
    path = DOCS / name
    if not path.is_file():
        pytest.skip(f"docs/{name} is not in this checkout")
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def test_full_packs_in_packs_md_load_and_their_examples_hold(tmp_path: Path) -> None:
    packs = [b for b in _blocks("packs.md") if b.startswith("pack:")]
    assert packs
    for i, text in enumerate(packs):
        path = tmp_path / f"doc{i}.yaml"
        path.write_text(text, encoding="utf-8")
        pack = load_pack_file(path)
        linter = Linter(packs=[pack])
        if pack.spec.scope == "templates":
            _template_examples_hold(pack, tmp_path / f"doc{i}-examples.yaml")
            continue
        for rule in pack.spec.rules:
            rid = f"{pack.spec.pack}/{rule.id}"
            for ex in rule.examples.fail:
                found = [f.rule for f in linter.check(example_conversation(ex)).findings]
                assert rid in found, (rid, ex.draft)
            for ex in rule.examples.pass_:
                found = [f.rule for f in linter.check(example_conversation(ex)).findings]
                assert rid not in found, (rid, ex.draft)


def _template_examples_hold(pack, path: Path) -> None:
    """A template pack of the docs: its examples, linted as lint-templates does (no draft packs)."""
    from replyguard.rule_examples import template_example_file
    from replyguard.template_lint import TemplateLinter
    from replyguard.template_repo import load_template_file

    linter = TemplateLinter(Linter(packs=[]), packs=[pack])
    for rule in pack.spec.rules:
        rid = f"{pack.spec.pack}/{rule.id}"
        for outcome, examples in (("fail", rule.examples.fail), ("pass", rule.examples.pass_)):
            for ex in examples:
                path.write_text(template_example_file(ex), encoding="utf-8")
                found = [f.rule for f in linter.run(load_template_file(path)).units[-1].findings]
                assert (rid in found) == (outcome == "fail"), (rid, outcome, ex.text, found)


def test_rule_snippets_in_packs_md_validate(tmp_path: Path) -> None:
    """Snippets that are a list of rules are validated against the pack schema (facts they
    name are declared as placeholders, so only the shape of each kind is checked)."""
    from replyguard.schema import pack_model

    snippets = [b for b in _blocks("packs.md") if b.startswith("- id:")]
    assert len(snippets) >= 10  # one per check kind
    for text in snippets:
        rules = yaml.safe_load(text)
        pack_model().model_validate({"pack": "doc", "rules": rules})
