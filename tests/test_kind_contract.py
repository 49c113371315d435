"""The kind contract: the schema, the registry and the docs come from one list of kinds;
kinds from other packages are found through the ``replyguard.kinds`` entry point group."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from replyguard import Linter, PackError
from replyguard.kinds import BUILTIN, refresh, registry
from replyguard.kinds.reference import BEGIN, END, kinds_markdown
from replyguard.models import Conversation
from replyguard.packs import load_pack_file
from replyguard.schema import pack_model
from replyguard.template_lint import TemplateLinter

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).resolve().parent / "plugin_kind"

SHOUTING_PACK = """\
pack: acme
rules:
  - id: shouting
    category: overfamiliar
    severity: info
    message: 感嘆符が {count} 個あります
    kind: shouting
    max: 2
"""


def _schema_kinds(schema: dict) -> set[str]:
    return {d["properties"]["kind"]["const"] for d in schema["$defs"].values()
            if "kind" in d.get("properties", {}) and "const" in d["properties"]["kind"]}


def test_registry_schema_and_docs_come_from_the_list_of_kinds() -> None:
    names = list(registry())
    assert names == [registry()[n].name for n in names] and len(names) == len(BUILTIN)
    assert _schema_kinds(pack_model().model_json_schema(by_alias=True)) == set(names)
    text = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == kinds_markdown(), (
        "docs/packs.md is stale: replace its kind reference with `replyguard kinds --format markdown`")


@pytest.mark.parametrize("name", list(BUILTIN))
def test_every_kind_documents_its_parameters_and_its_example_loads(name: str, tmp_path: Path) -> None:
    kind = registry()[name]
    for field, info in kind.spec.model_fields.items():
        assert field in ("kind", "id", "category", "severity", "message", "description", "when", "suggest",
                         "examples") or info.description, f"{name}.{field} has no description"
    rules = yaml.safe_load(kind.example)
    facts = "facts:\n  dismissal: {match: {phrases: [仕様です]}}\n  alternative: {match: {phrases: [代わり]}}\n" \
            "  complaint: {match: {phrases: [最悪]}}\n  casual: {match: {phrases: [笑]}}\n"
    path = tmp_path / "example.yaml"
    scope = "scope: templates\ncategories: {template: a template problem}\n" if kind.scope == "templates" else ""
    path.write_text("pack: doc\n" + scope + "lexicons: {stock_lemmas: [有難う]}\n" + facts
                    + yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8")
    linter = Linter(packs=[load_pack_file(path)])
    if kind.scope == "templates":  # set aside by the linter: lint-templates compiles it
        assert not linter.rules and TemplateLinter(linter, packs=linter.packset.template_packs).rules


@pytest.fixture
def shouting_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a tiny distribution with a ``replyguard.kinds`` entry point on sys.path (as
    pip would: a module and its dist-info), so the real entry point discovery finds it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "shouting_kind.py").write_text((PLUGIN / "shouting_kind.py").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    info = site / "acme_shouting-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-shouting\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[replyguard.kinds]\nshouting = shouting_kind\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    refresh()
    yield site
    monkeypatch.undo()
    sys.modules.pop("shouting_kind", None)
    refresh()


def test_a_kind_from_another_package_gets_schema_docs_and_load_errors(shouting_installed, tmp_path: Path) -> None:
    assert "shouting" in registry()
    assert "shouting" in _schema_kinds(pack_model().model_json_schema(by_alias=True))
    doc = kinds_markdown()
    assert "### `shouting`" in doc and "`max`" in doc and "`{count}`" in doc
    pack = tmp_path / "acme.yaml"
    pack.write_text(SHOUTING_PACK, encoding="utf-8")
    linter = Linter(packs=[load_pack_file(pack)])
    report = linter.check(Conversation.simple("ありがとうございます！！！", "最高！"))
    assert [(f.rule, f.message) for f in report.findings] == [("acme/shouting", "感嘆符が 3 個あります")]
    pack.write_text(SHOUTING_PACK.replace("{count}", "{cnt}"), encoding="utf-8")
    with pytest.raises(PackError) as err:
        Linter(packs=[load_pack_file(pack)])
    assert err.value.line == 6 and "unknown field {cnt}" in err.value.reason
    pack.write_text(SHOUTING_PACK.replace("max: 2", "max: -1"), encoding="utf-8")
    with pytest.raises(PackError) as err:
        Linter(packs=[load_pack_file(pack)])
    assert err.value.line == 8 and err.value.reason == "max must be 0 or more"


def test_without_the_package_the_kind_is_unknown(tmp_path: Path) -> None:
    pack = tmp_path / "acme.yaml"
    pack.write_text(SHOUTING_PACK, encoding="utf-8")
    with pytest.raises(PackError) as err:
        load_pack_file(pack)
    assert err.value.line == 3 and "unknown check kind 'shouting'" in err.value.reason


def test_cli_lists_an_installed_kind(shouting_installed) -> None:
    env_path = f"{shouting_installed}"
    proc = subprocess.run([sys.executable, "-m", "replyguard", "kinds"], capture_output=True, text=True,
                          encoding="utf-8", env={"PYTHONPATH": env_path, "PATH": ""}, timeout=120)
    assert proc.returncode == 0 and "shouting" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "replyguard", "schema"], capture_output=True, text=True,
                          encoding="utf-8", env={"PYTHONPATH": env_path, "PATH": ""}, timeout=120)
    assert "shouting" in _schema_kinds(json.loads(proc.stdout))
