"""Configuration: discovery from the working directory, explicit files, what each key does,
and clean errors for bad configs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import conv

from replyguard import Config, ConfigError, InputError, Linter, Severity, resolve_config
from replyguard.config import config_from_mapping, find_config, load_config_file

PHONE_DRAFT = "担当の携帯 090-1234-5678 までお電話ください。"
ORDER_DRAFT = "ご注文番号 AB-20261101-1234 の商品は本日発送いたしました。"


def _rules(cfg: Config, draft: str) -> list[str]:
    return [f.rule for f in Linter(cfg).check(conv(draft, "まだ届かない")).findings]


# -- discovery --------------------------------------------------------------------------

def test_defaults_without_any_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # tmp_path lies under /tmp, which has no config above it
    assert find_config() is None
    cfg = resolve_config()
    assert cfg == Config()
    assert cfg.packs == ["builtin"] and cfg.response_minutes == 60 and cfg.fail_on is Severity.error


def test_pyproject_tool_section_found_walking_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.replyguard]\nresponse_minutes = 30\nfail_on = "warning"\n',
        encoding="utf-8")
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_config() == tmp_path / "pyproject.toml"
    cfg = resolve_config()
    assert cfg.response_minutes == 30 and cfg.fail_on is Severity.warning
    assert cfg.base_dir == tmp_path.resolve()


def test_pyproject_without_the_section_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "replyguard.toml").write_text("response_minutes = 15\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.black]\nline-length = 99\n',
                                        encoding="utf-8")
    monkeypatch.chdir(sub)
    assert find_config() == tmp_path / "replyguard.toml"
    assert resolve_config().response_minutes == 15


def test_replyguard_toml_wins_over_pyproject_in_the_same_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replyguard]\nresponse_minutes = 30\n", encoding="utf-8")
    (tmp_path / "replyguard.toml").write_text("response_minutes = 45\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert find_config() == tmp_path / "replyguard.toml"
    assert resolve_config().response_minutes == 45


def test_the_nearest_config_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "replyguard.toml").write_text("response_minutes = 45\n", encoding="utf-8")
    inner = tmp_path / "team"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.replyguard]\nresponse_minutes = 20\n", encoding="utf-8")
    monkeypatch.chdir(inner)
    assert resolve_config().response_minutes == 20


def test_explicit_config_overrides_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "replyguard.toml").write_text("response_minutes = 45\n", encoding="utf-8")
    other = tmp_path / "elsewhere" / "strict.toml"
    other.parent.mkdir()
    other.write_text('response_minutes = 5\nfail_on = "info"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cfg = resolve_config(other)
    assert cfg.response_minutes == 5 and cfg.fail_on is Severity.info
    # an explicit pyproject.toml is read from its [tool.replyguard] table
    pp = tmp_path / "elsewhere" / "pyproject.toml"
    pp.write_text("[tool.replyguard]\nresponse_minutes = 7\n", encoding="utf-8")
    assert resolve_config(str(pp)).response_minutes == 7


def test_explicit_config_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        resolve_config(tmp_path / "nope.toml")


# -- what the keys do -------------------------------------------------------------------

def test_disable_rules_by_full_or_short_id() -> None:
    assert "privacy/personal-data" in _rules(Config(packs=["privacy"]), PHONE_DRAFT)
    assert _rules(Config(packs=["privacy"], disable=["privacy/personal-data"]), PHONE_DRAFT) == []
    assert _rules(Config(packs=["privacy"], disable=["personal-data"]), PHONE_DRAFT) == []
    # disabling one rule leaves the others
    only_order = Config(packs=["privacy"], disable=["personal-data"])
    assert _rules(only_order, ORDER_DRAFT) == ["privacy/order-number"]


def test_severity_overrides() -> None:
    linter = Linter(Config(packs=["privacy"], severity={"personal-data": "warning"}))
    findings = linter.check(conv(PHONE_DRAFT, "x")).findings
    assert [(f.rule, f.severity) for f in findings] == [("privacy/personal-data", Severity.warning)]
    linter = Linter(Config(packs=["privacy"], severity={"privacy/order-number": "info"}))
    assert [f.severity for f in linter.check(conv(ORDER_DRAFT, "x")).findings] == [Severity.info]


def test_unknown_rule_in_disable_or_severity() -> None:
    with pytest.raises(ConfigError, match="disable: unknown rule 'no-such-rule'"):
        Linter(Config(packs=["privacy"], disable=["no-such-rule"]))
    with pytest.raises(ConfigError, match="severity: unknown rule 'privacy/nope'"):
        Linter(Config(packs=["privacy"], severity={"privacy/nope": "info"}))


def test_errors_about_config_entries_name_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text('packs = ["privacy"]\ndisable = ["no-such-rule"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Linter(load_config_file(cfg))
    assert str(info.value) == f"{cfg}: disable: unknown rule 'no-such-rule'"
    cfg.write_text('packs = ["no-such-pack"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Linter(load_config_file(cfg))
    assert str(info.value).startswith(f"{cfg}: pack 'no-such-pack' not found")


def test_packs_by_shipped_id_and_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packs = tmp_path / "guidelines"
    packs.mkdir()
    (packs / "house.yaml").write_text(
        "pack: house\nrules:\n  - id: no-kusa\n    category: overfamiliar\n    severity: warning\n"
        "    message: 草は使わない\n    kind: pattern\n    match: {phrases: [草]}\n", encoding="utf-8")
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy", "guidelines"]\n', encoding="utf-8")
    elsewhere = tmp_path / "run" / "here"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # relative pack paths start at the config file, not the cwd
    linter = Linter(resolve_config())
    assert sorted({r.pack for r in linter.rules}) == ["house", "privacy"]
    assert [f.rule for f in linter.check(conv("それは草です", "x")).findings] == ["house/no-kusa"]


def test_missing_pack_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pack 'nope' not found"):
        Linter(Config(packs=["nope"]))


def test_brand_handles_and_response_minutes() -> None:
    from conftest import msg

    cfg = Config(packs=["privacy"], brand_handles=["extra_team"], response_minutes=90)
    linter = Linter(cfg)
    assert linter.settings.response_minutes == 90
    c = conv("了解です", "x", thread=[msg("extra_team", "回答済み")])
    prepared = linter._prepare(c)
    assert "extra_team" in prepared.brand.handles and "sample_support" in prepared.brand.handles


def test_max_text_chars() -> None:
    linter = Linter(Config(packs=["privacy"], max_text_chars=10))
    with pytest.raises(InputError, match="max_text_chars"):
        linter.check(conv("あ" * 11, "x"))


# -- bad configs ------------------------------------------------------------------------

@pytest.mark.parametrize(("toml", "expected"), [
    ("response_minutes = \"soon\"\n", "response_minutes: Input should be a valid number"),
    ("response_minutes = -5\n", "response_minutes: Input should be greater than 0"),
    ("fail_on = \"fatal\"\n", "fail_on: Input should be 'info', 'warning' or 'error'"),
    ("severity = {\"privacy/personal-data\" = \"loud\"}\n", "severity.privacy/personal-data"),
    ("packs = \"privacy\"\n", "packs: Input should be a valid list"),
    ("disabled = [\"x\"]\n", "disabled: Extra inputs are not permitted"),
    ("response_minutes = \n", "invalid TOML"),
])
def test_bad_config_is_a_clean_config_error(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "replyguard.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_bad_tool_section_in_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replyguard]\nfail_on = 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"pyproject\.toml: fail_on"):
        resolve_config()


def test_config_from_mapping_names_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^cli: severity\.x: "):
        config_from_mapping({"severity": {"x": "fatal"}}, "cli")
