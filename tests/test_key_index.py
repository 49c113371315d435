"""The key index of token sequences: where each key's tokens are, by token kind, per doc."""

from __future__ import annotations

from replyguard.doc import Doc
from replyguard.matcher import KeyIndex, _pos_holds, compile_sequence
from replyguard.schema import TokenSpec
from replyguard.tokens import tokenize

TEXTS = [
    "詳しくは店舗スタッフにお伺いください。担当が伺います。",
    "はい、アプリの注文履歴から見れます。明日も来れますのでお待ちしております。",
    "写真をご覧になられましたか？😊 ﾊﾝｶｸの伺う",
    "",
]


def _brute(doc: Doc, field: str, values: tuple[str, ...]) -> tuple[int, ...]:
    if field == "pos1":
        return tuple(i for i, t in enumerate(doc.tokens) if _pos_holds(t.pos1, values))
    return tuple(i for i, t in enumerate(doc.tokens) if getattr(t, field) in values)


def test_positions_are_those_of_the_tokens_with_the_key():
    KEYS = KeyIndex()
    keys = [("lemma", ("伺う", "参る")), ("surface", ("ます",)), ("pos1", ("動詞",)),
            ("pos1", ("助動詞-*",)), ("orth_base", ("見れる",)), ("lemma", ("存在しない語",))]
    ids = [KEYS.register(f, v) for f, v in keys]
    for text in TEXTS:
        doc = Doc(text)
        index = KEYS.positions(doc)
        for (field, values), key_id in zip(keys, ids, strict=True):
            assert index.get(key_id, ()) == _brute(doc, field, values), (text, field, values)


def test_a_key_registered_later_is_found_in_docs_indexed_before():
    KEYS = KeyIndex()
    doc = Doc(TEXTS[0])
    KEYS.positions(doc)  # indexed (and kinds learnt) before the new key exists
    key_id = KEYS.register("lemma", ("店舗",))
    assert KEYS.positions(doc)[key_id] == _brute(doc, "lemma", ("店舗",))


def test_tokens_of_one_kind_share_it_and_other_tokens_do_not():
    toks = tokenize("伺います。伺います。")
    assert toks[0].kind == toks[len(toks) // 2].kind
    assert len({t.kind for t in toks}) == len(toks) // 2


def test_sequence_matches_start_where_the_key_allows():
    seq = compile_sequence([TokenSpec(lemma="御", optional=True), TokenSpec(lemma=["伺う", "参る"]),
                            TokenSpec(lemma="下さる")], KeyIndex())
    doc = Doc(TEXTS[0])
    found = [doc.text[doc.tokens[i].start:doc.tokens[j - 1].end] for i, j in seq.find(doc)]
    assert found == ["お伺いください", "伺いください"]  # every start; Matcher merges overlaps


def test_two_indexes_on_one_doc_keep_their_own_answers():
    """Docs are shared by linters; each linter's index keys its cached positions by itself."""
    a, b = KeyIndex(), KeyIndex()
    ka = a.register("lemma", ("伺う",))
    kb = b.register("lemma", ("店舗",))
    assert ka == kb == 0  # same ids, different keys
    doc = Doc(TEXTS[0])
    assert a.positions(doc)[ka] == _brute(doc, "lemma", ("伺う",))
    assert b.positions(doc)[kb] == _brute(doc, "lemma", ("店舗",))


def test_spans_are_the_character_spans_of_find() -> None:
    """``spans`` (kept on the doc, no generator) gives exactly ``find``'s matches as character
    spans: with and without keys, with cues that rule a text out, on texts with no match."""
    keys = KeyIndex()
    specs = [
        [TokenSpec(lemma="御", optional=True), TokenSpec(lemma=["伺う", "参る"]), TokenSpec(lemma="下さる")],
        [TokenSpec(pos="動詞"), TokenSpec(lemma="て"), TokenSpec(lemma="下さる")],  # no cue
        [TokenSpec(surface="見れ")],  # a cue (its surface)
        [TokenSpec(pos="名詞", optional=True), TokenSpec(lemma="存在しない語")],
    ]
    for spec in specs:
        seq = compile_sequence(spec, keys)
        for text in TEXTS:
            doc = Doc(text)
            expected = tuple((doc.tokens[i].start, doc.tokens[j - 1].end) for i, j in seq.find(doc))
            fresh = Doc(text)
            assert seq.spans(fresh) == expected, (spec, text)
            fresh.release_tokens()
            assert seq.spans(fresh) == expected  # kept on the doc
