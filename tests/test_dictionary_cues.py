"""benchmarks/dictionary_cues.py reads every UniDic entry (what a safe cue must cover comes from it)."""

import importlib.util
from pathlib import Path

import pytest
import unidic_lite

from replyguard.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tool():
    pytest.importorskip("numpy")
    spec = importlib.util.spec_from_file_location("dictionary_cues", ROOT / "benchmarks" / "dictionary_cues.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def known(tool):
    return tool.entries(Path(unidic_lite.DICDIR) / "sys.dic")  # raises unless every token is reached


def test_every_entry_is_read_with_its_surface(known):
    assert len(known) > 700_000
    by_surface = {(s, raw.split(",")[4]) for s, raw in known}
    for t in tokenize("動かなかったので止まりませんでした"):  # what MeCab outputs is in the dictionary
        assert (t.surface, t.ctype) in by_surface


def test_negations_include_single_kana(tool, known):
    """Why "the text holds a negation" spares few texts: な, に, ね, ん can each be one."""
    negations = {s for s, raw in known if tool.is_negation(s, raw)}
    assert {"ない", "なかっ", "ず", "ぬ", "ん", "ねえ", "無い", "な", "に", "ね"} <= negations
    assert not any(tool.is_negation(s, raw) for s, raw in tool.entries(Path(unidic_lite.DICDIR) / "unk.dic"))
