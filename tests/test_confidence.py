"""The confidence model: findings it rates unlikely move to the report's suppressed list."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from replyguard import Config, ConfigError, Linter
from replyguard.categories import CATEGORIES
from replyguard.confidence import MODEL_FILE, NEVER_RATED, CategoryModel, ConfidenceModel
from replyguard.packs import builtin_rules_dir

PRAISE = "モリノの新しいリップ、色持ち良すぎてびっくり💄 朝塗って夜まで落ちなかった！"
SORRY = "ご迷惑をおかけし、申し訳ございません。"
PII = "お名前とお電話番号（090-1234-5678）を確認いたしました。"


def _case(draft: str, post: str = PRAISE) -> dict:
    return {"id": "c1", "channel": "x", "brand": {"name": "モリノ", "handles": ["morino"]},
            "post": {"id": "p1", "author": "cust", "text": post},
            "draft": {"author": "morino", "text": draft, "in_reply_to": "p1"}}


def _model(linter: Linter, bias: float, **kw) -> ConfidenceModel:
    cats = {c: CategoryModel(bias, {}) for c in CATEGORIES}
    return ConfidenceModel(cats, (), frozenset(r.id for r in linter.rules), **kw)


def test_probability_is_a_sigmoid_of_bias_and_present_weights() -> None:
    m = CategoryModel(0.0, {"D:謝る": 2.0, "F:post.praise": -2.0})
    assert m.probability(set()) == pytest.approx(0.5)
    assert m.probability({"D:謝る"}) == pytest.approx(1 / (1 + 2.718281828 ** -2), rel=1e-6)
    assert m.probability({"D:謝る", "F:post.praise"}) == pytest.approx(0.5)
    assert CategoryModel(-1e6, {}).probability(set()) == 0.0  # no overflow


def test_the_rating_does_not_depend_on_the_order_features_come_in() -> None:
    # a set of strings iterates in an order that changes with PYTHONHASHSEED; a plain float sum
    # of these weights is 0 in one order and 1 in another, and a finding at the threshold flipped
    m = CategoryModel(0.0, {"a": 1e16, "b": 1.0, "c": -1e16})
    assert m.probability(["a", "b", "c"]) == m.probability(["a", "c", "b"]) == m.probability(["c", "b", "a"])
    assert m.probability(["a", "c", "b"]) == pytest.approx(1 / (1 + 2.718281828 ** -1), rel=1e-6)


def test_log_odds_from_the_tables_of_each_kind_is_the_probability() -> None:
    """A check adds up rules and categories, words, and the facts' weights picked in the order of
    the facts (:meth:`CategoryModel.log_odds`): the same sum :meth:`CategoryModel.probability`
    takes of every feature by name, so the same rating."""
    from replyguard.confidence import _sigmoid

    m = CategoryModel(0.1, {"D:謝る": 2.0, "D:迷惑": 1e16, "F:post.praise": -1e16, "F:draft.apology": 0.25,
                            "R:x": 0.5, "P:謝る": 3.0, "C:y": -0.75})
    named = {"R:x", "C:y", "R:z"}
    words = frozenset({"D:謝る", "D:迷惑", "D:無い", "P:謝る"})
    facts = [m.weights["F:post.praise"], m.weights["F:draft.apology"]]
    every = named | words | {"F:post.praise", "F:draft.apology"}
    assert _sigmoid(m.log_odds(named, words, facts)) == m.probability(every)
    assert m.log_odds(named, words, facts) == m.log_odds(named, words, reversed(facts))


def test_unlikely_findings_are_suppressed_with_their_rating() -> None:
    linter = Linter()
    linter.confidence = _model(linter, bias=-5.0)
    report = linter.check(_case(SORRY))
    assert report.findings == []
    assert report.suppressed and all(s.source == "confidence" for s in report.suppressed)
    assert "sorry-for-praise" in " ".join(s.rule for s in report.suppressed)
    assert all(s.reason.startswith("rated 0.01 for ") and s.reason.endswith("below 0.50") for s in report.suppressed)
    linter.confidence = _model(linter, bias=5.0)
    assert {f.rule for f in linter.check(_case(SORRY)).findings} >= {"ja-active-support/sorry-for-praise"}


def test_measured_and_personal_data_findings_are_never_rated() -> None:
    assert {"pii_public", "too_long", "slow_response"} <= NEVER_RATED
    linter = Linter()
    linter.confidence = _model(linter, bias=-5.0)
    report = linter.check(_case(PII, post="返金まだ？"))
    assert "pii_public" in {f.category for f in report.findings}


def test_a_rule_or_category_the_config_blocks_is_never_rated() -> None:
    base = Linter()
    rule = "ja-active-support/sorry-for-praise"
    for policy in ({"rules": {"sorry-for-praise": "block"}}, {"categories": {"tone_mismatch": "block"}}):
        linter = Linter(Config(policy=policy))
        assert linter.confidence is not None
        linter.confidence = _model(base, -5.0).exempting(linter.confidence.exempt_rules,
                                                          linter.confidence.exempt_categories)
        assert rule in {f.rule for f in linter.check(_case(SORRY)).findings}


def test_the_config_turns_it_off_and_sets_the_threshold() -> None:
    assert Linter(Config(confidence=False)).confidence is None
    everything = Linter(Config(confidence_threshold=1.0)).check(_case(SORRY))
    assert everything.findings == [] and everything.suppressed  # nothing rates 1.0
    nothing = Linter(Config(confidence_threshold=0.0)).check(_case(SORRY))
    assert nothing.suppressed == [] and nothing.findings


def test_packs_of_ones_own_are_not_rated(make_linter) -> None:
    lint = make_linter("""
pack: mine
version: 1
rules:
  - id: no-sorry
    category: copy_paste_apology
    severity: warning
    message: 謝罪
    kind: pattern
    match: {phrases: [申し訳]}
""")
    assert lint.confidence is None  # the shipped model's facts are not these packs'
    assert lint.check(_case(SORRY)).findings


def test_a_broken_model_file_is_a_config_error_naming_it(tmp_path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"m\.json: cannot read"):
        ConfidenceModel.load(bad)
    bad.write_text(json.dumps({"categories": {"x": {"bias": "high"}}, "facts": [], "rules": []}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"m\.json: not a confidence model"):
        ConfidenceModel.load(bad)
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError, match="a JSON object expected"):
        ConfidenceModel.load(bad)


def test_the_shipped_model_matches_the_shipped_packs() -> None:
    """Renaming a rule or a fact without retraining (training/train_confidence.py) fails here."""
    data = json.loads((builtin_rules_dir() / MODEL_FILE).read_text(encoding="utf-8"))
    linter = Linter(Config(confidence=False))
    rules = {r.id for r in linter.rules}
    assert set(data["rules"]) == rules
    assert all(linter.packset.facts.known(f) for f in data["facts"])
    assert set(data["categories"]) <= set(CATEGORIES) - NEVER_RATED
    for model in data["categories"].values():
        for feature in model["weights"]:
            kind, _, name = feature.partition(":")
            assert kind in {"F", "R", "C", "P", "D"} and name
            if kind == "F":
                assert name in data["facts"]
            elif kind == "R":
                assert name in rules, f"{feature}: retrain the confidence model"
            elif kind == "C":
                assert name in CATEGORIES
    assert Linter().confidence is not None


def test_cli_no_confidence_reports_what_the_model_suppressed(tmp_path) -> None:
    cfg = tmp_path / "replyguard.toml"
    cfg.write_text("confidence_threshold = 1.0\n", encoding="utf-8")
    run = [sys.executable, "-m", "replyguard", "--config", str(cfg), "check", "--post", PRAISE,
           "--format", "json", SORRY]
    quiet = json.loads(subprocess.run(run, capture_output=True, text=True, check=False).stdout)
    loud = json.loads(subprocess.run([*run, "--no-confidence"], capture_output=True, text=True, check=False).stdout)
    def rules(doc: dict, key: str) -> set[str]:
        units = doc.get("units") or doc.get("results") or [doc]
        return {f["rule"] for u in units for f in u.get(key, [])}
    assert "ja-active-support/sorry-for-praise" in rules(loud, "findings")
    assert "ja-active-support/sorry-for-praise" not in rules(quiet, "findings")
    assert "ja-active-support/sorry-for-praise" in rules(quiet, "suppressed")


def test_only_facts_a_rated_category_weighs_are_asked(monkeypatch) -> None:
    """A fact no rated category weighs adds nothing to their probabilities: it is not asked,
    and the report is that of a model that asks every fact (weighing the others 0)."""
    from replyguard import confidence

    linter = Linter()
    rules = frozenset(r.id for r in linter.rules)
    facts = ("post.praise", "draft.apology", "post.complaint")
    sparse = {c: CategoryModel(0.2, {"F:post.praise": -1.5, "F:draft.apology": 0.8, "D:謝る": 0.4})
              for c in CATEGORIES}
    dense = {c: CategoryModel(m.bias, {**m.weights, "F:post.complaint": 0.0}) for c, m in sparse.items()}
    asked: list[tuple[str, ...]] = []
    real = confidence._fact_features

    def spy(names):  # type: ignore[no-untyped-def]
        asked.append(names)
        return real(names)

    monkeypatch.setattr(confidence, "_fact_features", spy)
    for threshold in (0.3, 0.6, 0.9):
        reports = []
        for cats in (sparse, dense):
            asked.clear()
            linter.confidence = ConfidenceModel(cats, facts, rules, threshold)
            reports.append(linter.check(_case(SORRY)))
            if cats is sparse:
                assert all("post.complaint" not in names for names in asked)
        assert reports[0] == reports[1]
    assert any(s.source == "confidence" for s in reports[-1].suppressed)  # some rated below 0.9


def test_a_category_sure_to_be_kept_asks_no_more_facts(monkeypatch) -> None:
    """A category whose rating stays above the threshold whatever the facts not yet asked say
    is kept without asking them; one that may fall below asks every fact it weighs."""
    from replyguard import context

    linter = Linter()
    rules = frozenset(r.id for r in linter.rules)
    facts = ("post.praise", "post.light")  # post.light: no rule asks it of this conversation
    computed: list[str] = []
    real = context._Facts.__missing__

    def spy(self, name):  # type: ignore[no-untyped-def]
        computed.append(name)
        return real(self, name)

    monkeypatch.setattr(context._Facts, "__missing__", spy)
    # at worst 2.0 - 1.0 (post.light holding) = 1.0 > 0: kept, post.light not asked
    sure = {c: CategoryModel(2.0, {"F:post.light": -1.0}) for c in CATEGORIES}
    linter.confidence = ConfidenceModel(sure, facts, rules, 0.5)
    report = linter.check(_case(SORRY))
    assert report.findings and not report.suppressed and "post.light" not in computed
    # at worst 0.5 - 1.0 < 0: asked
    unsure = {c: CategoryModel(0.5, {"F:post.light": -1.0}) for c in CATEGORIES}
    linter.confidence = ConfidenceModel(unsure, facts, rules, 0.5)
    linter.check(_case(SORRY))
    assert "post.light" in computed


def test_reports_are_those_of_a_model_that_asks_every_fact(monkeypatch) -> None:
    """Keeping sure categories without the facts not yet asked changes no report, at any
    threshold: the same as asking every fact the rated categories weigh."""
    from eval_data import dev_set

    from replyguard import confidence

    cases = [json.loads(line) for line in dev_set().read_text(encoding="utf-8").splitlines()]
    for threshold in (0.2, 0.5, 0.8):
        linter = Linter(Config(confidence_threshold=threshold))
        with monkeypatch.context() as m:
            m.setattr(confidence, "_MARGIN", float("inf"))  # never sure: every fact asked
            every = [linter.check(c) for c in cases]
        assert [linter.check(c) for c in cases] == every


def test_the_training_script_explains_itself_and_names_its_extra(tmp_path) -> None:
    script = builtin_rules_dir().parent / "training" / "train_confidence.py"
    if not script.is_file():  # an installed package without the repository's training/
        pytest.skip("training/ is not part of the installed package")
    helped = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "--post-words" in helped.stdout
    try:
        import sklearn  # noqa: F401
    except ImportError:
        out = tmp_path / "m.json"
        ran = subprocess.run([sys.executable, str(script), "--out", str(out)], capture_output=True, text=True,
                             check=False)
        assert ran.returncode == 2 and "[train]" in ran.stderr and not out.exists()


def test_word_features_kept_on_the_doc_are_the_texts_own() -> None:
    """The draft's words as features are kept on its Doc; a check of the same draft reads them
    from there, and they are the draft's content words with the prefix, as made afresh."""
    from replyguard import confidence
    from replyguard.context import Context
    from replyguard.doc import doc_for
    from replyguard.models import Conversation

    linter = Linter()
    conv = Conversation.model_validate(_case(SORRY, "届いた商品が壊れていました"))
    doc_for.cache_clear()
    first = Context(conv, linter.packset.facts, linter.settings, linter.analyser)
    words = {f"D:{t}" for t in first.content_terms(first.draft) if not t.startswith("~")}
    assert words  # 迷惑, 申し訳…
    feats = confidence.conversation_features(first, [], ("post.praise",), post_words=True)
    assert words <= feats and any(f.startswith("P:") for f in feats)
    again = Context(conv, linter.packset.facts, linter.settings, linter.analyser)
    asked: list[object] = []
    real = again.word_features
    again.word_features = lambda doc, *a: asked.append(doc) or real(doc, *a)  # type: ignore[method-assign]
    assert confidence.conversation_features(again, [], ("post.praise",), post_words=True) == feats
    assert asked == []  # both texts' words were kept on their Docs


def test_word_features_are_the_content_terms_words() -> None:
    """Word features found per token kind are the content terms' words (no ``~`` stem or
    bigram) with the prefix, as the model was trained with, on every dev text."""
    from eval_data import dev_set

    from replyguard.analysis import Analyser
    from replyguard.doc import Doc

    texts = [SORRY, PRAISE, PII, "", "www", "〜〜焼ける"]
    with open(dev_set(), encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            texts += [case["draft"]["text"], case["post"]["text"]]
    analyser = Analyser()
    for prefix in ("D:", "P:"):
        for text in texts:
            expected = frozenset(prefix + t for t in analyser.content_terms(Doc(text), frozenset())
                                 if not t.startswith("~"))
            assert analyser.word_features(Doc(text), prefix) == expected, text


def test_every_answer_a_check_keeps_is_a_bool(monkeypatch) -> None:
    """A rated check reads "not asked yet" as ``asked.get(name) is None`` (one lookup per fact
    for both what holds and what is unasked): so no fact may answer None, nor anything but a
    bool, on any dev case."""
    from eval_data import dev_set

    from replyguard import context

    seen: list[object] = []
    real = context.Context.close

    def close(self):  # type: ignore[no-untyped-def]
        seen.extend(self.asked.values())
        return real(self)

    monkeypatch.setattr(context.Context, "close", close)
    linter = Linter()
    for line in dev_set().read_text(encoding="utf-8").splitlines():
        linter.check(json.loads(line))
    assert seen and all(type(v) is bool for v in seen)
