"""Reply templates: sandboxed rendering, the template repository format and the checks of
``replyguard lint-templates``. Inline packs keep these tests independent of the shipped ones;
the last tests run the shipped packs over ``examples/templates``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from replyguard import Config, ConfigError, Linter, TemplateError
from replyguard.cli import main
from replyguard.packs import load_pack_file
from replyguard.suggestions import render
from replyguard.template_lint import TemplateLinter, lint_template_paths
from replyguard.template_repo import load_template_file, load_templates, template_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "templates"

PACK = """\
pack: tpl-test
facts:
  question: {match: {regex: ['[?？]', 'ますか']}}
  praise: {match: {phrases: [最高, 嬉しい, ありがとう]}}
  complaint: {match: {phrases: [届かない, 壊れ]}}
  vague: {match: {phrases: [微妙, 使いにくい]}}
  rude: {match: {phrases: [うざい]}}
rules:
  - id: no-rude
    category: overfamiliar
    severity: error
    message: 失礼な言葉です（{match}）
    kind: pattern
    match: {phrases: [うざい]}
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def linter(tmp_path: Path) -> Linter:
    pack = _write(tmp_path / "pack" / "tpl-test.yaml", PACK)
    return Linter(Config(variables={"help_url": "https://help.example.com/"}), packs=[load_pack_file(pack)])


def _lint(linter: Linter, tmp_path: Path, yaml_text: str, **kw):
    f = _write(tmp_path / "templates" / "t.yaml", yaml_text)
    run = lint_template_paths(linter, [str(f)], **kw)
    return run, [(f.rule, f.line) for f in run.findings()]


GOOD = """\
templates:
  - id: thanks
    intents: [praise]
    text: |
      @{{ customer }} {{ item }}を気に入っていただけて嬉しいです！ありがとうございます。
    variables:
      item: {example: イヤホン, max_length: 20}
    samples:
      - post: イヤホン最高！
"""


# -- rendering: sandbox + StrictUndefined ----------------------------------------------------------
def test_render_error_names_template_and_variable():
    with pytest.raises(TemplateError) as exc:
        render("@{{ customer }} DMは{{ dm_link }}からどうぞ", "acme/dm-handoff", {"customer": "hanako"})
    msg = str(exc.value)
    assert "acme/dm-handoff" in msg and "dm_link" in msg


def test_pack_template_with_unset_variable_is_a_config_error_naming_it(tmp_path: Path):
    pack = _write(tmp_path / "p.yaml", """\
        pack: tpl-var
        templates:
          - id: dm
            text: "DMはこちら: {{ dm_link }}"
        """)
    with pytest.raises(ConfigError, match="dm_link"):
        Linter(Config(), packs=[load_pack_file(pack)])
    lt = Linter(Config(variables={"dm_link": "https://dm.example/"}), packs=[load_pack_file(pack)])
    assert "tpl-var/dm" in lt.packset.templates


def test_suggestions_use_conversation_and_config_variables(tmp_path: Path):
    pack = _write(tmp_path / "p.yaml", """\
        pack: tpl-sug
        facts:
          late: {match: {phrases: [届かない]}}
        templates:
          - id: dm
            for: post.late
            text: "@{{ customer }} {{ brand }}です。{{ dm_link }} からDMください"
        rules:
          - id: r
            category: move_to_dm
            severity: warning
            message: DMへ
            kind: condition
            when: post.late
            suggest: [dm]
        """)
    from replyguard import Brand, Conversation, Message
    lt = Linter(Config(variables={"dm_link": "https://dm.example/"}), packs=[load_pack_file(pack)])
    conv = Conversation(brand=Brand(name="ミドリ電機", handles=("midori",)),
                        post=Message(author="hanako_t", text="荷物が届かない"),
                        draft=Message(author="midori", text="確認します"))
    report = lt.check(conv)
    expected = "@hanako_t ミドリ電機です。https://dm.example/ からDMください"
    assert [s.text for s in report.suggestions] == [expected]
    assert report.findings[0].suggestions[0].text == expected


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ ''|attr('__class__') }}",
    "{{ request.application.__globals__ }}",
    "{{ 'a' * 10**9 }}",
    "{{ 'a' * 1000000 }}",
    "{{ customer.__class__.__base__.__subclasses__() }}",
]


@pytest.mark.parametrize(("source", "extra"), [
    ("@{{ customer }} {{ dm_link | default('DM') }}にてお知らせください。", {}),
    ("{% for i in range(3) %}{{ i }}{% endfor %}{{ brand|upper }}", {}),
    ("{{ range }}{% set x = customer ~ '様' %} {{ x }}", {"range": "a variable wins over a global"}),
    ("{{ dict(a=1)['a'] }} {{ channel if channel == 'x' else 'other' }}", {}),
])
def test_render_gives_what_jinja_render_gives(source: str, extra: dict):
    from replyguard.suggestions import ENV
    variables = {"customer": "hanako", "brand": "Sample", "channel": "x", **extra}
    assert render(source, "t", variables) == ENV.from_string(source).render(**variables).strip()


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_sandbox_refuses_python_internals(source: str):
    with pytest.raises(TemplateError) as exc:
        render(source, "evil", {"customer": "hanako"})
    assert "evil" in str(exc.value)


@pytest.mark.parametrize("source", [*SANDBOX_ESCAPES[:8], "{{ self }}", "{{ lipsum }}",
                                    "{{ 'x'|center(100000000) }}"])
def test_lint_reports_sandbox_escapes(linter: Linter, tmp_path: Path, source: str):
    text = json.dumps(source, ensure_ascii=False)
    _, found = _lint(linter, tmp_path, f"""\
        templates:
          - id: evil
            intents: [question]
            text: {text}
            samples:
              - post: 使い方を教えてくれますか？
        """)
    rules = {r for r, _ in found}
    assert "templates/unsafe" in rules or "templates/undefined-variable" in rules, found
    assert all(line == 4 for r, line in found if r in ("templates/unsafe", "templates/undefined-variable"))
    # nothing was rendered and linted as a draft
    assert not any(r.startswith("tpl-test/") for r in rules)


# -- the repository format -------------------------------------------------------------------------
def test_load_valid_file_keeps_lines(tmp_path: Path):
    f = _write(tmp_path / "t.yaml", GOOD)
    [t] = load_template_file(f)
    assert t.spec.id == "thanks" and t.text_line == 4 and t.text_first_line == 5
    assert t.sample_line(0) == 9
    assert t.spec.variables["item"].max_length == 20


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("templates:\n  - id: a\n    intents: [praise]\n    txt: hi\n", 4, "unknown key 'txt'"),
    ("templates:\n  - id: a\n    intents: [praise]\n    text: hi\n    variables:\n      x: {example: y}\n",
     6, "max_length"),
    ("templates:\n  - id: Bad Id\n    intents: [praise]\n    text: hi\n", 2, "id"),
    ("templates:\n  - id: a\n    intents: [praise]\n    text: hi\n    channels: [tiktok]\n", 5, "channels"),
    ("templates: [\n", 2, "invalid YAML"),
    ("templates:\n  - id: a\n    id: b\n", 3, "duplicate key"),
])
def test_invalid_files_are_findings_with_lines(linter: Linter, tmp_path: Path, text: str, line: int,
                                               needle: str):
    f = tmp_path / "t.yaml"
    f.write_text(text, encoding="utf-8")
    run = lint_template_paths(linter, [str(f)])
    [finding] = run.findings()
    assert finding.rule == "templates/invalid" and finding.line == line and needle in finding.message


def test_folders_are_searched_recursively(tmp_path: Path):
    _write(tmp_path / "a" / "one.yaml", GOOD)
    _write(tmp_path / "a" / "b" / "two.yml", GOOD.replace("id: thanks", "id: thanks-2"))
    _write(tmp_path / "a" / "README.md", "# not a template")
    templates, problems = load_templates([tmp_path / "a"])
    assert sorted(t.spec.id for t in templates) == ["thanks", "thanks-2"] and not problems


def test_json_schema_export_validates_the_examples():
    schema = template_schema()
    for f in sorted(EXAMPLES.rglob("*.yaml")):
        jsonschema.validate(yaml.safe_load(f.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"templates": [{"id": "x", "text": "t"}]}, schema)  # no intents


def test_cli_schema_templates(capsys):
    assert main(["schema", "--templates"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "templates" in schema["properties"]
    assert "ReplyTemplate" in schema["$defs"]


# -- the checks ------------------------------------------------------------------------------------
def test_good_template_has_no_findings(linter: Linter, tmp_path: Path):
    run, found = _lint(linter, tmp_path, GOOD)
    assert found == []
    assert [u.name for u in run.units] == ["thanks"]


def test_jinja_syntax_error_at_its_line(linter: Linter, tmp_path: Path):
    _, found = _lint(linter, tmp_path, """\
        templates:
          - id: broken
            intents: [praise]
            text: |
              @{{ customer }} ありがとうございます。
              {% if item %}{{ item }{% endif %}
            samples:
              - post: 最高！
        """)
    assert found == [("templates/jinja-syntax", 6)]


def test_undefined_variable_at_its_line_and_unused_variable(linter: Linter, tmp_path: Path):
    run, found = _lint(linter, tmp_path, """\
        templates:
          - id: restock
            intents: [question]
            text: |
              @{{ customer }} ご質問ありがとうございます。
              {{ product }}は{{ date }}に入荷予定です。詳しくは{{ help_url }}をご覧ください。
            variables:
              date: {example: 12月5日, max_length: 10}
              unused: {example: x, max_length: 3}
            samples:
              - post: いつ入荷しますか？
        """)
    assert ("templates/undefined-variable", 6) in found
    assert ("templates/unused-variable", 9) in found
    msg = next(f.message for f in run.findings() if f.rule == "templates/undefined-variable")
    assert "product" in msg and "restock" in msg
    assert "help_url" not in {f.message.split("'")[1] for f in run.findings()
                              if f.rule == "templates/undefined-variable"}  # provided by the config


def test_too_long_at_max_variable_lengths(linter: Linter, tmp_path: Path):
    _, found = _lint(linter, tmp_path, """\
        templates:
          - id: long
            intents: [question]
            channels: [x, facebook]
            text: "@{{ customer }} ご質問ありがとうございます。{{ answer }}"
            variables:
              answer: {example: はい、できます。, max_length: 140}
            samples:
              - post: できますか？
        """)
    # 2 × 140 for the variable alone is 280: over X's limit, fine on Facebook
    assert found == [("templates/too-long", 5)]


def test_url_variable_counts_23_on_x(linter: Linter, tmp_path: Path):
    _, found = _lint(linter, tmp_path, """\
        templates:
          - id: link
            intents: [question]
            text: "@{{ customer }} 手順はこちらです。{{ url }}"
            variables:
              url: {example: "https://help.example.com/a", max_length: 500}
            samples:
              - post: やり方を教えてくれますか？
        """)
    assert found == []


def test_pack_findings_land_on_the_sample_line(linter: Linter, tmp_path: Path):
    run, found = _lint(linter, tmp_path, """\
        templates:
          - id: rude
            intents: [complaint]
            text: "@{{ customer }} {{ word }}"
            variables:
              word: {example: ご連絡ありがとうございます, max_length: 20}
            samples:
              - post: 荷物が届かない
              - post: また届かない
                variables: {word: うざいです}
        """)
    assert found == [("tpl-test/no-rude", 9)]
    f = run.findings()[0]
    assert f.category == "overfamiliar" and "sample 2" in f.message


def test_near_duplicates(linter: Linter, tmp_path: Path):
    twin = GOOD.replace("templates:\n", "").replace("id: thanks", "id: thanks-again")
    run, found = _lint(linter, tmp_path, GOOD + twin)
    assert found == [("templates/near-duplicate", 12)]
    assert "thanks" in run.findings()[0].message
    _, found = _lint(linter, tmp_path, GOOD + twin, similarity_threshold=1.0)
    assert found == [("templates/near-duplicate", 12)]  # identical renderings
    different = twin.replace("気に入っていただけて嬉しいです！ありがとうございます。",
                             "の件、担当に共有いたします。続報はこちらでお知らせします。")
    _, found = _lint(linter, tmp_path, GOOD + different)
    assert found == []


def test_unknown_intent_warns(linter: Linter, tmp_path: Path):
    run, found = _lint(linter, tmp_path, GOOD.replace("[praise]", "[praise, compliment]"))
    assert found == [("templates/unknown-intent", 3)]
    assert run.findings()[0].severity.value == "warning"


def test_duplicate_ids(linter: Linter, tmp_path: Path):
    _write(tmp_path / "r" / "a.yaml", GOOD)
    _write(tmp_path / "r" / "b.yaml", GOOD.replace("嬉しいです", "光栄です"))
    run = lint_template_paths(linter, [str(tmp_path / "r")], similarity_threshold=1.0)
    assert [(f.rule, Path(f.file).name, f.line) for f in run.findings()] == [
        ("templates/duplicate-id", "b.yaml", 2)]


APOLOGY_FORM = """\
templates:
  - id: sorry-form
    intents: [{intent}]
    text: |
      @{{{{ customer }}}} ご不便をおかけし申し訳ございません。
      お手数ですが、お問い合わせフォームよりご連絡ください。
    samples:
      - post: {post}
"""


def test_apology_plus_form_for_a_question_is_reported(linter: Linter, tmp_path: Path):
    run, found = _lint(linter, tmp_path, APOLOGY_FORM.format(intent="question", post="食洗機で洗えますか？"))
    assert found == [("templates/form-deflection", 4)]
    assert run.findings()[0].category == "form_deflection"
    _, found = _lint(linter, tmp_path, APOLOGY_FORM.format(intent="complaint", post="また壊れた"))
    assert found == [("templates/apology-deflection", 4)]


@pytest.mark.parametrize(("text", "found"), [
    ("@a ご迷惑をおかけし申し訳ございません。フォームよりお問い合わせください。", "templates/form-deflection"),
    ("お問い合わせ窓口までご連絡ください。よろしくお願いいたします。", "templates/form-deflection"),
    ("@a ご連絡ありがとうございます。窓口までご連絡ください。 https://help.example.com/contact",
     "templates/form-deflection"),
    ("申し訳ございません。食洗機では洗えませんが、手洗いなら問題ありません。", None),
    ("申し訳ございません。確認いたします。", None),  # an apology alone is no deflection
])
def test_deflection_reads_every_sentence(linter: Linter, tmp_path: Path, text: str, found: str | None):
    """Every sentence must be an apology, a referral or a formula (URLs and handles aside), and
    a referral must occur: one sentence of anything else and the template answers."""
    _, got = _lint(linter, tmp_path, f"""\
        templates:
          - id: t
            intents: [question]
            text: {json.dumps(text, ensure_ascii=False)}
            samples:
              - post: 使えますか？
        """)
    assert [r for r, _ in got if r.endswith("deflection")] == ([found] if found else [])


def test_template_linter_uses_length_rules_of_the_packs(tmp_path: Path):
    pack = _write(tmp_path / "p.yaml", """\
        pack: tpl-len
        rules:
          - id: len
            category: too_long
            severity: error
            message: 長すぎます
            kind: length
            limits: {x: 40}
        """)
    lt = Linter(Config(), packs=[load_pack_file(pack)])
    assert TemplateLinter(lt).limits["x"] == 40
    run, found = _lint(lt, tmp_path, """\
        templates:
          - id: medium
            intents: [question]
            text: "@{{ customer }} はい、できます。手順はアプリの設定画面をご覧ください。"
            samples:
              - post: できますか？
        """)
    assert ("templates/too-long", 4) in found
    assert "(limit 40)" in next(f.message for f in run.findings() if f.rule == "templates/too-long")


# -- the shipped packs over examples/templates -----------------------------------------------------
@pytest.fixture(scope="module")
def builtin_linter() -> Linter:
    return Linter(Config())


def test_examples_report_exactly_the_bad_templates(builtin_linter: Linter):
    run = lint_template_paths(builtin_linter, [str(EXAMPLES)])
    by_template = {u.name: u.findings for u in run.units}
    good = [t.spec.id for t in load_template_file(EXAMPLES / "replies.yaml")]
    assert len(good) >= 5
    for tid in good:
        assert by_template[tid] == [], (tid, by_template[tid])
    bad = {u.name: [(f.rule, f.line, f.category) for f in u.findings] for u in run.units
           if u.file.endswith("bad-replies.yaml")}
    assert set(bad) == {"restock-notice", "sorry-use-the-form", "repair-guide-long"}
    assert ("templates/undefined-variable", 13, "template") in bad["restock-notice"]
    assert ("templates/too-long", 33, "template") in bad["repair-guide-long"]
    deflection = bad["sorry-use-the-form"]
    assert deflection and all(line in (23, 27) for _, line, _ in deflection)
    # reported as a form deflection: by the pack's own rule on the sample, or else by lint-templates
    assert any(c == "form_deflection" for _, _, c in deflection), deflection
    assert {c for _, _, c in deflection} & {"copy_paste_apology", "form_deflection"}


def test_cli_lint_templates_text_and_exit_codes(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["lint-templates", "examples/templates/replies.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("no findings")
    assert main(["lint-templates", "examples/templates"]) == 1
    out = capsys.readouterr().out
    assert "examples/templates/bad/bad-replies.yaml:13: error: templates/undefined-variable" in out
    assert "examples/templates/bad/bad-replies.yaml:33: error: templates/too-long" in out
    assert "examples/templates/replies.yaml" not in out
    assert main(["lint-templates", "no/such/folder"]) == 2
