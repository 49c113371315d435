"""Policy actions (block/approve/warn/allow) and request suppressions, in the library, the
CLI and over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from server_support import demo_linter

from replyguard import Conversation
from replyguard.config import Policy, load_config_file
from replyguard.errors import ConfigError, InputError
from replyguard.models import Action

PHONE = "090-1234-5678 までお電話ください。"
BRUSH = "仕様です。見れます。"


def conv(draft: str, **extra) -> Conversation:
    return Conversation.model_validate({"id": "p1", "post": {"author": "mika", "text": "届かない"},
                                        "draft": {"author": "brand", "text": draft}, **extra})


def test_default_policy_maps_severity_to_action(tmp_path: Path) -> None:
    linter = demo_linter(tmp_path)
    report = linter.check(conv(PHONE + BRUSH))
    actions = {f.rule: f.action for f in report.findings}
    assert actions["hooktest/phone-in-public"] is Action.block  # error
    assert actions["hooktest/brush-off"] is Action.warn  # warning
    assert report.decision is Action.block
    assert linter.check(conv("ご連絡ありがとうございます。")).decision is Action.allow


def test_rule_override_beats_category_beats_severity(tmp_path: Path) -> None:
    policy = Policy(warning=Action.allow, categories={"brush_off": Action.approve, "pii_public": Action.warn},
                    rules={"phone-in-public": Action.approve})
    linter = demo_linter(tmp_path, policy=policy)
    report = linter.check(conv(PHONE + BRUSH))
    actions = {f.rule: f.action for f in report.findings}
    assert actions == {"hooktest/phone-in-public": Action.approve, "hooktest/brush-off": Action.approve,
                       "hooktest/ranuki": Action.allow}
    assert report.decision is Action.approve


def test_policy_names_unknown_rules_and_categories(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"policy\.rules: unknown rule 'no-such-rule'"):
        demo_linter(tmp_path, policy=Policy(rules={"no-such-rule": Action.block}))
    with pytest.raises(ConfigError, match=r"policy\.categories: unknown category 'nope'"):
        demo_linter(tmp_path, policy=Policy(categories={"nope": Action.block}))


def test_policy_from_toml_and_bad_action(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.replyguard.policy]\nwarning = "approve"\n[tool.replyguard.policy.categories]\n'
                   'keigo_error = "allow"\n', encoding="utf-8")
    policy = load_config_file(cfg).policy
    assert policy.warning is Action.approve and policy.categories == {"keigo_error": Action.allow}
    cfg.write_text('[tool.replyguard.policy]\nerror = "stop"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pyproject.toml: policy.error: Input should be 'allow', 'warn'"):
        load_config_file(cfg)


def test_ignore_suppresses_visibly(tmp_path: Path) -> None:
    linter = demo_linter(tmp_path)
    report = linter.check(conv(BRUSH, ignore=[{"rule": "brush-off", "reason": "the customer asked for the spec"}]))
    assert "hooktest/brush-off" not in {f.rule for f in report.findings}
    [sup] = report.suppressed
    assert (sup.rule, sup.reason, sup.source) == ("hooktest/brush-off", "the customer asked for the spec", "request")
    assert [f.rule for f in sup.findings] == ["hooktest/brush-off"]
    assert report.decision is Action.warn  # ranuki is still there
    # the same through the keyword argument
    again = linter.check(conv(BRUSH), ignore=[{"rule": "hooktest/brush-off", "reason": "spec question"}])
    assert [s.rule for s in again.suppressed] == ["hooktest/brush-off"]


def test_unused_ignore_is_reported(tmp_path: Path) -> None:
    linter = demo_linter(tmp_path)
    report = linter.check(conv("ご連絡ありがとうございます。", ignore=[{"rule": "ranuki", "reason": "quote"}]))
    [f] = report.findings
    assert f.rule == "replyguard/unused-suppression" and "hooktest/ranuki is unused" in f.message
    assert report.suppressed == [] and report.decision is Action.warn


def test_a_block_cannot_be_ignored(tmp_path: Path) -> None:
    linter = demo_linter(tmp_path)
    report = linter.check(conv(PHONE, ignore=[{"rule": "phone-in-public", "reason": "it is our shop's number"}]))
    assert report.decision is Action.block
    assert "hooktest/phone-in-public" in {f.rule for f in report.findings}
    unused = [f for f in report.findings if f.rule == "replyguard/unused-suppression"]
    assert len(unused) == 1 and "blocks sending" in unused[0].message


def test_ignore_needs_a_known_rule_and_a_reason(tmp_path: Path) -> None:
    linter = demo_linter(tmp_path)
    with pytest.raises(InputError, match=r"ignore.0.rule: unknown rule 'nope'"):
        linter.check(conv(BRUSH, ignore=[{"rule": "nope", "reason": "x"}]))
    with pytest.raises(ValueError, match=r"ignore.0.reason"):
        conv(BRUSH, ignore=[{"rule": "brush-off", "reason": "  "}])


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replyguard", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_the_decision_with_unchanged_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "replyguard.toml").write_text('packs = ["privacy"]\n', encoding="utf-8")
    draft = "担当の携帯（080-2468-1357）までお電話ください。"
    text = _cli("check", "--post", "届かない", draft, cwd=tmp_path)
    assert text.returncode == 1 and "(decision: block)" in text.stdout
    assert "block   privacy/personal-data" in text.stdout
    js = _cli("check", "--format", "json", "--post", "届かない", draft, cwd=tmp_path)
    body = json.loads(js.stdout)
    assert js.returncode == 1 and body["decision"] == "block" and body["findings"][0]["action"] == "block"
    ok = _cli("check", "--post", "届かない", "ご連絡ありがとうございます。", cwd=tmp_path)
    assert ok.returncode == 0 and "decision: allow" in ok.stdout
    # --cases jsonl: the fields the evaluation reads are unchanged; decision and action are added
    case = {"id": "c1", "post": {"author": "a", "text": "届かない"}, "draft": {"author": "b", "text": draft},
            "expected": [{"category": "pii_public"}]}
    jl = _cli("check", "--cases", "-", "--format", "jsonl", cwd=tmp_path, stdin=json.dumps(case) + "\n")
    rec = json.loads(jl.stdout)
    assert jl.returncode == 1 and rec["id"] == "c1" and rec["decision"] == "block"
    assert [(f["category"], f["severity"], f["action"]) for f in rec["findings"]] == [("pii_public", "error", "block")]
