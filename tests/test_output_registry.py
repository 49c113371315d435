"""The output registry: every command that reports findings (``check``, ``check --cases``,
``lint-templates``, the server's ``/v1/check?format=``) offers and writes the registered
formats; a format installed as one module (an entry point) is offered and works everywhere;
format names live only in their modules; ``check --cases`` streams."""

from __future__ import annotations

import ast
import io
import json
import sys
import tokenize
from pathlib import Path

import pytest

from replyguard import formats
from replyguard.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "replyguard"
PLUGIN = Path(__file__).resolve().parent / "plugin_format"

PACK = """\
pack: out-test
rules:
  - id: swap
    category: keigo_error
    severity: warning
    message: 「{match}」→「{replacement}」
    kind: substitution
    swaps:
      - {phrase: よろしかったでしょうか, replacement: よろしいでしょうか, safe: true}
"""
DRAFT = "こちらでよろしかったでしょうか。"


@pytest.fixture
def config(tmp_path: Path) -> str:
    (tmp_path / "out-test.yaml").write_text(PACK, encoding="utf-8")
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text(f'packs = ["{(tmp_path / "out-test.yaml").as_posix()}"]\n', encoding="utf-8")
    return str(cfg)


def _case(i: int, draft: str = DRAFT) -> str:
    return json.dumps({"id": f"c{i}", "post": {"author": "u", "text": "これで合ってる？"},
                       "draft": {"author": "brand", "text": draft}}, ensure_ascii=False)


@pytest.fixture
def tsv_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a one-module distribution with a ``replyguard.formats`` entry point on sys.path
    (as pip would: the module and its dist-info), so the real discovery finds it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "tsv_format.py").write_text((PLUGIN / "tsv_format.py").read_text(encoding="utf-8"), encoding="utf-8")
    info = site / "acme_tsv-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tsv\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[replyguard.formats]\ntsv = tsv_format\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    formats.refresh()
    yield site
    formats.unregister("tsv")
    sys.modules.pop("tsv_format", None)
    formats.refresh()


def test_a_format_in_one_module_is_offered_and_works_everywhere(tsv_installed, config: str, tmp_path: Path,
                                                                capsys, monkeypatch) -> None:
    assert "tsv" in formats.names()
    for command in (["check", "--help"], ["lint-templates", "--help"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(command)
        help_text = capsys.readouterr().out
        assert "{text,json,jsonl,sarif,github,junit,tsv}" in help_text
        assert "tsv:tab-separatedfindings(testplugin)" in "".join(help_text.split())  # wrapped anywhere

    cases = tmp_path / "cases.jsonl"
    cases.write_text(_case(1) + "\n" + _case(2, "承知しました。") + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--config", config, "check", "--cases", "cases.jsonl", "--format", "tsv",
                 "--fail-on", "warning"]) == 1
    assert capsys.readouterr().out == "cases.jsonl\t1\twarning\tout-test/swap\tc1\n# end\n"

    assert main(["--config", config, "check", "--format", "tsv", "--post", "？", DRAFT]) == 0
    assert capsys.readouterr().out == "stdin\t1\twarning\tout-test/swap\tdraft\n# end\n"

    monkeypatch.chdir(ROOT)
    assert main(["--config", config, "lint-templates", "examples/templates", "--format", "tsv"]) == 1
    out = capsys.readouterr().out
    assert "examples/templates/bad/bad-replies.yaml\t13\terror\ttemplates/undefined-variable\trestock-notice\n" in out

    # --fix needs a format that can show fixed drafts; the plugin did not say it can
    assert main(["--config", config, "check", "--cases", "cases.jsonl", "--format", "tsv", "--fix"]) == 2
    assert "cannot be combined with --format tsv" in capsys.readouterr().err


def test_server_answers_in_any_registered_format(tsv_installed, config: str) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from replyguard import Linter
    from replyguard.config import resolve_config
    from replyguard.server import create_app

    conv = json.loads(_case(7))
    with TestClient(create_app(Linter(resolve_config(config)))) as client:
        res = client.post("/v1/check?format=tsv", json=conv)
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/tab-separated-values")
        assert res.text == "stdin\t1\twarning\tout-test/swap\tc7\n# end\n"
        check_id = res.headers["x-check-id"]
        assert client.post("/v1/decisions", json={"action": "edited", "agent": "a", "check_id": check_id}
                           ).status_code == 200
        sarif = client.post("/v1/check?format=sarif", json=conv)
        assert sarif.headers["content-type"].startswith("application/sarif+json")
        assert sarif.json()["runs"][0]["results"][0]["ruleId"] == "out-test/swap"
        assert client.post("/v1/check?format=jsonl", json=conv).json()["findings"][0]["rule"] == "out-test/swap"
        bad = client.post("/v1/check?format=xml", json=conv)
        assert bad.status_code == 400 and "tsv" in bad.json()["error"]
        assert client.post("/v1/check?format=json&fix=safe", json=conv).status_code == 400
        formats_param = next(p for p in client.get("/openapi.json").json()["paths"]["/v1/check"]["post"]
                             ["parameters"] if p["name"] == "format")
        assert "tsv" in formats_param["schema"]["enum"]


def test_a_format_registered_after_the_server_started_is_reachable(config: str) -> None:
    """The server looks formats up per request: one registered later is answered (and listed
    in the 400 of an unknown one); the default answer is the registry's answer format."""
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from replyguard import Linter
    from replyguard.config import resolve_config
    from replyguard.server import create_app

    conv = json.loads(_case(8))
    assert formats.answer_name() == "jsonl"
    with TestClient(create_app(Linter(resolve_config(config)))) as client:
        assert "count" not in client.post("/v1/check?format=nope", json=conv).json()["error"]

        @formats.register
        class Count(formats.OutputFormat):
            name = "count"
            summary = "the number of findings (test)"

            def unit(self, unit) -> None:
                self.out.write(f"{len(unit.findings)}\n")

        try:
            res = client.post("/v1/check?format=count", json=conv)
            assert res.status_code == 200 and res.text == "1\n" and res.headers["x-check-id"]
            assert "count" in client.post("/v1/check?format=nope", json=conv).json()["error"]
            body = client.post("/v1/check", json=conv).json()  # the default answer is unchanged
            assert list(body)[:2] == ["check_id", "id"] and body["findings"][0]["rule"] == "out-test/swap"
        finally:
            formats.unregister("count")
        assert client.post("/v1/check?format=count", json=conv).status_code == 400


def test_record_lines_spaced_as_json_dumps_or_compact_as_pydantic_hold_the_same_json(config: str) -> None:
    """check --format jsonl's lines stay json.dumps's bytes; the server's compact line (pydantic's
    encoding, check_id spliced in front, fixed_text at the end) is the same JSON."""
    from replyguard import Linter
    from replyguard.batch import CaseResult, record_line
    from replyguard.config import resolve_config
    from replyguard.models import Conversation

    linter = Linter(resolve_config(config))
    for draft in (DRAFT, "改行\nと\"引用\"と\\と\u2028と🍅", "問題ありません。"):
        conv = Conversation.model_validate(json.loads(_case(3, draft)))
        report = linter.check(conv)
        rec = report.model_dump(mode="json")
        assert record_line(rec) == json.dumps(rec, ensure_ascii=False)
        spaced, compact = (CaseResult(1, "c3", draft, report, compact=c) for c in (False, True))
        assert spaced.json_line() == json.dumps(rec, ensure_ascii=False)
        meta, tail = {"check_id": "abc"}, {"fixed_text": "直した"}
        whole = {**meta, **rec, **tail}
        for line in (spaced.json_line(meta, tail), compact.json_line(meta, tail)):
            assert json.loads(line) == whole and list(json.loads(line)) == list(whole)
        assert compact.json_line(meta) == '{"check_id":"abc",' + report.model_dump_json()[1:]
    error = CaseResult(2, "bad", error="draft: field required", compact=True)  # no report: the error record
    assert json.loads(error.json_line({"check_id": "x"})) == {"check_id": "x", **error.record()}


class _Lines(io.RawIOBase):
    """A cases file read line by line, counting what was read."""

    def __init__(self, lines: list[str]):
        self.lines = [(line + "\n").encode() for line in lines]
        self.read_count = 0

    def readline(self, size: int | None = -1) -> bytes:  # type: ignore[override]
        if self.read_count == len(self.lines):
            return b""
        self.read_count += 1
        return self.lines[self.read_count - 1]


class _Out(io.StringIO):
    """stdout that notes how many input lines had been read at each write."""

    def __init__(self, source: _Lines):
        super().__init__()
        self.source = source
        self.reads_at_write: list[int] = []

    def write(self, s: str) -> int:
        self.reads_at_write.append(self.source.read_count)
        return super().write(s)


@pytest.mark.parametrize("fmt", ["jsonl", "text", "github"])
def test_check_cases_writes_each_record_before_reading_the_next_case(fmt: str, config: str, monkeypatch) -> None:
    source = _Lines([_case(i) for i in range(5)])
    out = _Out(source)
    monkeypatch.setattr(sys, "stdin", type("Stdin", (), {"buffer": source})())
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["--config", config, "check", "--cases", "-", "--format", fmt]) == 0
    writes = out.reads_at_write
    assert writes[:5] == [1, 2, 3, 4, 5] if fmt != "text" else sorted(set(writes)) == [1, 2, 3, 4, 5]
    if fmt == "jsonl":
        assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [f"c{i}" for i in range(5)]


# -- format names live in the registry only -------------------------------------------------------
def _format_modules() -> dict[str, str]:
    """Registered built-in format name → the file of the module that registers it."""
    return {name: sys.modules[cls.__module__].__file__ or "" for name, cls in formats.registry().items()
            if cls.__module__.startswith("replyguard.formats.")}


# the audit's *input* formats (CSV, Parquet, JSON Lines files) are not output formats
INPUT_FORMAT_WORDS = {("audit_report/command.py", "jsonl"), ("audit_report/sources.py", "jsonl")}


def test_format_names_appear_only_in_their_own_module() -> None:
    """A built-in format's name is written once, in its module: no tuple of names, no
    ``if fmt == "sarif"`` anywhere else. ("text" and "json" are also ordinary words and JSON
    keys, so for them the next test looks at comparisons instead.)"""
    homes = _format_modules()
    distinct = {n for n in homes if n not in ("text", "json")}
    stray = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        with path.open("rb") as fh:
            for tok in tokenize.tokenize(fh.readline):
                if tok.type != tokenize.STRING:
                    continue
                try:
                    value = ast.literal_eval(tok.string)
                except (ValueError, SyntaxError):
                    continue
                if value in distinct and Path(homes[value]) != path and (rel, value) not in INPUT_FORMAT_WORDS:
                    stray.append(f"{rel}:{tok.start[0]}: {value!r}")
    assert not stray, "format names outside their format module:\n" + "\n".join(stray)


def test_no_command_decides_by_format_name() -> None:
    """The findings commands never compare ``--format`` with a registered name; they ask the
    registry. (``audit-log``'s summary has its own text/json: not findings.)"""
    names = set(formats.names())
    found = []
    for file in ("cli.py", "ci.py", "server.py"):
        tree = ast.parse((SRC / file).read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or func.name == "_audit_log":
                continue
            for node in ast.walk(func):
                if not isinstance(node, ast.Compare):
                    continue
                source = ast.unparse(node)
                consts = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant)}
                if ("format" in source or "fmt" in source) and consts & names:
                    found.append(f"{file}:{node.lineno}: {source}")
    assert not found, "\n".join(found)


def test_both_commands_offer_exactly_the_registry() -> None:
    sub = next(a for a in _parser()._actions if a.dest == "command")
    for command in ("check", "lint-templates"):
        option = next(a for a in sub.choices[command]._actions if a.dest == "format")  # type: ignore[union-attr]
        assert list(option.choices) == formats.names() and option.default == formats.default_name()


def test_whole_run_formats_name_only_reported_rules(config: str, tmp_path: Path, capsys) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(_case(1) + "\n{bad\n", encoding="utf-8")
    assert main(["--config", config, "check", "--cases", str(cases), "--format", "sarif"]) == 2
    rules = [r["id"] for r in json.loads(capsys.readouterr().out)["runs"][0]["tool"]["driver"]["rules"]]
    assert rules == ["out-test/swap", "replyguard/input-error"]


def test_lint_templates_jsonl_is_the_json_units_one_per_line(capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["lint-templates", "examples/templates", "--format", "json", "--fail-on", "warning"]) == 1
    units = json.loads(capsys.readouterr().out)["units"]
    assert main(["lint-templates", "examples/templates", "--format", "jsonl", "--fail-on", "warning"]) == 1
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == units
    assert any(f["rule"] == "templates/too-long" and f["line"] == 33 for u in units for f in u["findings"])
