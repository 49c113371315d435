"""Regression corpus (issue 14): YAML that would expand or nest without bound, in packs and in
template files. Each is refused before anything is expanded, with the file and the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from replyguard import Config, Linter
from replyguard.errors import PackError, ReplyguardError
from replyguard.packs import load_pack_file
from replyguard.template_repo import load_templates
from replyguard.yamlsource import MAX_ALIASES, MAX_DEPTH, MAX_NODES, load_yaml

CORPUS = Path(__file__).resolve().parent / "corpus"


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """The 'billion laughs': each level is a list of ``width`` aliases of the level below."""
    lines = ["pack: bomb", "version: 1", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines.append("rules: []")
    return "\n".join(lines) + "\n"


def test_alias_bomb_pack_is_refused_before_expansion(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    with pytest.raises(PackError) as err:
        load_pack_file(path)
    assert f"more than {MAX_NODES:,} values once aliases are expanded" in str(err.value)
    assert err.value.file == str(path) and err.value.line is not None


def test_alias_bomb_in_the_corpus_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="once aliases are expanded"):
        load_pack_file(CORPUS / "alias_bomb.yaml")


def test_alias_bomb_template_file_is_a_finding_and_the_others_are_loaded(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(alias_bomb().replace("rules: []", "templates: []"), encoding="utf-8")
    good = Path(__file__).resolve().parents[2] / "examples" / "templates" / "replies.yaml"
    (tmp_path / "good.yaml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    templates, problems = load_templates([tmp_path])
    assert templates and all(t.file.endswith("good.yaml") for t in templates)
    assert len(problems) == 1 and problems[0].file.endswith("bomb.yaml")
    assert "once aliases are expanded" in problems[0].message and problems[0].line


@pytest.mark.parametrize("text", [
    "- " * 5000 + "x\n",  # block style: libyaml refuses, the pure-Python fallback used to recurse
    "[" * 5000 + "]" * 5000 + "\n",  # flow style
    "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v\n",
])
def test_deep_nesting_is_refused_with_a_line(text: str) -> None:
    with pytest.raises(PackError) as err:
        load_yaml(text, "deep.yaml")
    assert f"nested deeper than {MAX_DEPTH} levels" in str(err.value) and err.value.line is not None


def test_deep_pack_through_the_cli_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("pack: deep\nversion: 1\nrules:\n" + "  - " * 5000 + "x\n",
                                        encoding="utf-8")
    (tmp_path / "replyguard.toml").write_text('packs = ["deep.yaml"]\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "replyguard", "check", "仕様です。"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"replyguard: error: {tmp_path / 'deep.yaml'}:4: YAML nested deeper than {MAX_DEPTH} levels"]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(PackError, match=r"nested deeper|own anchor"):
        load_yaml("a: &a [1, *a]\n", "loop.yaml")


def test_many_aliases_are_refused() -> None:
    text = "base: &b [1]\n" + "".join(f"k{i}: *b\n" for i in range(MAX_ALIASES + 1))
    with pytest.raises(PackError, match=f"more than {MAX_ALIASES:,} YAML aliases"):
        load_yaml(text, "aliases.yaml")


def test_ordinary_anchors_still_load() -> None:
    data, _ = load_yaml("base: &b {a: 1}\nother: *b\nmerged:\n  <<: *b\n  c: 2\n", "ok.yaml")
    assert data["other"] == {"a": 1} and data["merged"] == {"a": 1, "c": 2}


def test_shipped_packs_are_far_within_the_limits() -> None:
    assert Linter(Config()).rules


def test_pack_error_is_a_user_error() -> None:
    assert issubclass(PackError, ReplyguardError)
