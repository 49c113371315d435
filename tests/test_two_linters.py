"""Two linters with different packs in one process (a service for two brands) give the same
reports as each alone: what depends on packs is cached per linter, Docs are shared."""

from __future__ import annotations

import json
from pathlib import Path

from replyguard import Linter
from replyguard.doc import doc_for
from replyguard.packs import load_pack_file

ROOT = Path(__file__).resolve().parent.parent

OTHER_BRAND = """\
pack: other
lexicons:
  ours: [ご連絡, 確認]
facts:
  thanks:
    match:
      tokens:
        - - {lemma: 有難う}
rules:
  - id: humble-verb
    category: keigo_error
    severity: warning
    message: 「{match}」
    kind: pattern
    match:
      tokens:
        - - {lemma: [伺う, 参る, 申す]}
        - - {pos: 助動詞}
  - id: stock
    category: off_topic_template
    severity: info
    message: 定型文
    kind: relevance
    stock: ['@ours', 有難う, 御座る]
    min_post_terms: 1
  - id: thanked
    category: overfamiliar
    severity: info
    message: お礼
    kind: condition
    when: draft.thanks
    anchor: draft.thanks
"""


def _cases() -> list[dict]:
    lines = (ROOT / "examples" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(x) for x in lines if x.strip()]
    extra = [("お伺いします。ご連絡ありがとうございます。", "充電器が壊れた"),
             ("担当が参ります。見れます。", "店舗で受け取れる？"),
             ("ご確認ありがとうございます！", "アプリが落ちる")]
    for i, (draft, post) in enumerate(extra):
        cases.append({"id": f"x{i}", "post": {"author": "c", "text": post},
                      "draft": {"author": "brand", "text": draft}})
    return cases


def _reports(linter: Linter, cases: list[dict]) -> list[str]:
    return [linter.check(c).model_dump_json() for c in cases]


def test_two_linters_in_one_process_agree_with_each_alone(tmp_path: Path) -> None:
    pack = tmp_path / "other.yaml"
    pack.write_text(OTHER_BRAND, encoding="utf-8")
    cases = _cases()
    doc_for.cache_clear()
    alone_a = _reports(Linter(), cases)
    doc_for.cache_clear()
    alone_b = _reports(Linter(packs=[load_pack_file(pack)]), cases)
    assert any('"other/' in r for r in alone_b)  # the second brand's rules do fire
    doc_for.cache_clear()
    a, b = Linter(), Linter(packs=[load_pack_file(pack)])
    together_a, together_b = [], []
    for case in cases * 2:  # the second round reads what the first left on the shared Docs
        together_b.append(b.check(case).model_dump_json())
        together_a.append(a.check(case).model_dump_json())
    assert together_a == alone_a * 2
    assert together_b == alone_b * 2
