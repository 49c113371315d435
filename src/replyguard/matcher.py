"""Compiled matchers: phrase lists, regular expressions and token sequences.

Everything a pack asks to look for is compiled once per linter: all phrases of a matcher
become one alternation, regexes are compiled by RE2 (linear-time matching), token sequences
are indexed by what their first token must be.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import prefilter
from .cues import CueFilter, word_cues
from .doc import Doc
from .lemma_match import LemmaMatcher
from .regex import UNSCANNED, PatternSet, Regex, compile_pattern, pattern_set
from .schema import MatcherSpec, TokenSpec
from .text import normalize
from .tokens import Token, lemma_ctype

Span = tuple[int, int]
TokenPred = Callable[[Token], bool]


def _as_tuple(v: str | list[str] | None) -> tuple[str, ...] | None:
    if v is None:
        return None
    return (v,) if isinstance(v, str) else tuple(v)


def _pos_test(values: tuple[str, ...]) -> TokenPred:
    """``t.pos`` (``pos1-pos2``) starts with one of ``values``, without building ``t.pos``."""
    heads = tuple(v for v in values if "-" not in v)  # a prefix of pos1
    pairs = tuple(tuple(v.split("-", 1)) for v in values if "-" in v)  # pos1 exactly, pos2 prefix
    if not pairs:
        return lambda t: t.pos1.startswith(heads)
    return lambda t: (bool(heads) and t.pos1.startswith(heads)) or any(
        t.pos1 == p1 and t.pos2.startswith(p2) for p1, p2 in pairs)


def _field_in(attr: str, values: frozenset[str]) -> TokenPred:
    return lambda t: getattr(t, attr) in values


def _negated(pred: TokenPred) -> TokenPred:
    return lambda t: not pred(t)


def compile_token(spec: TokenSpec) -> TokenPred:
    """A predicate for one token spec; prefix fields use ``startswith`` on a tuple."""
    checks: list[TokenPred] = []
    exact = {"surface": spec.surface, "lemma": spec.lemma, "orth_base": spec.orth_base}
    for attr, val in exact.items():
        vals = _as_tuple(val)
        if vals is not None:
            vs = frozenset(vals)
            checks.append(_field_in(attr, vs))
    if spec.not_lemma is not None:
        nv = frozenset(_as_tuple(spec.not_lemma) or ())
        checks.append(lambda t: t.lemma not in nv)
    if spec.pos is not None:
        has_pos = _pos_test(_as_tuple(spec.pos) or ())
        checks.append(has_pos)
    if spec.not_pos is not None:
        has_not_pos = _pos_test(_as_tuple(spec.not_pos) or ())
        checks.append(_negated(has_not_pos))
    if spec.ctype is not None:
        cv = _as_tuple(spec.ctype) or ()
        checks.append(lambda t: t.ctype.startswith(cv))
    if spec.cform is not None:
        fv = _as_tuple(spec.cform) or ()
        checks.append(lambda t: t.cform.startswith(fv))
    if spec.lemma_ctype is not None:
        lv = _as_tuple(spec.lemma_ctype) or ()
        checks.append(lambda t: lemma_ctype(t.lemma).startswith(lv))
    if spec.lemma_differs is not None:
        want = spec.lemma_differs
        checks.append(lambda t: (t.orth_base != t.lemma.split("-", 1)[0] and lemma_ctype(t.lemma) != t.ctype) == want)
    if not checks:
        return lambda t: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        c0, c1 = checks
        return lambda t: c0(t) and c1(t)
    if len(checks) == 3:
        c0, c1, c2 = checks
        return lambda t: c0(t) and c1(t) and c2(t)
    return lambda t: all(c(t) for c in checks)


# A token field a sequence can be looked up by: (index of the token spec, field, values, key id).
# ``lemma``/``surface``/``orth_base`` are exact; ``pos1`` holds ``pos`` prefixes.
SeqKey = tuple[int, str, tuple[str, ...], int]


def _pos_holds(pos1: str, values: tuple[str, ...]) -> bool:
    """``pos`` (``pos1-pos2``) starts with one of ``values``, judged from ``pos1``: a value
    without ``-`` is a prefix of ``pos1``, else ``pos1`` is its head."""
    return any(pos1.startswith(v) if "-" not in v else pos1 == v.split("-", 1)[0] for v in values)


class KeyIndex:
    """Where in a doc the tokens are that each sequence key names, found in one pass.

    A key is a field and the values a sequence's token must have there (``lemma`` 伺う or
    参る, ``pos`` 動詞). Whether a token has a key depends only on its kind, so the keys of
    each kind are worked out once per index (one per linter); a doc's tokens are then read once for all
    keys of all sequences, instead of once per field and again per key.
    """

    _MAX_KINDS = 200_000

    def __init__(self) -> None:
        self.ids: dict[tuple[str, tuple[str, ...]], int] = {}
        self._exact: dict[str, dict[str, list[int]]] = {"lemma": {}, "surface": {}, "orth_base": {}}
        self._pos: list[tuple[int, tuple[str, ...]]] = []
        self._by_kind: dict[int, tuple[int, ...]] = {}
        self._owner = object()  # Docs are shared by linters: memo keys must name this index
        self._memo_key: tuple[object, int] = (self._owner, 0)

    def register(self, field: str, values: tuple[str, ...]) -> int:
        """The id of a key (a new one makes every cached answer stale)."""
        key_id = self.ids.get((field, values))
        if key_id is None:
            key_id = self.ids[(field, values)] = len(self.ids)
            if field == "pos1":
                self._pos.append((key_id, values))
            else:
                for v in values:
                    self._exact[field].setdefault(v, []).append(key_id)
            self._by_kind.clear()
            self._memo_key = (self._owner, len(self.ids))
        return key_id

    def _keys_of(self, t: Token) -> tuple[int, ...]:
        found: set[int] = set()
        for field, table in self._exact.items():
            found.update(table.get(getattr(t, field), ()))
        found.update(key_id for key_id, values in self._pos if _pos_holds(t.pos1, values))
        keys = tuple(sorted(found))
        if len(self._by_kind) >= self._MAX_KINDS:
            self._by_kind.clear()
        self._by_kind[t.kind] = keys
        return keys

    def positions(self, doc: Doc) -> dict[int, tuple[int, ...]]:
        """Key id → indices of the doc's tokens that have the key (kept on the doc, as tuples:
        a kept list is an object the collector tracks as long as the Doc lives, ~5 per Doc)."""
        cached: dict[int, tuple[int, ...]] | None = doc.memo.get(self._memo_key)  # type: ignore[assignment]
        if cached is not None:
            return cached
        index: dict[int, list[int]] = {}
        known = self._by_kind.get
        for i, t in enumerate(doc.tokens):
            keys = known(t.kind)
            if keys is None:
                keys = self._keys_of(t)
            for key_id in keys:
                at = index.get(key_id)
                if at is None:
                    index[key_id] = [i]
                else:
                    at.append(i)
        kept = doc.memo[self._memo_key] = {key_id: tuple(at) for key_id, at in index.items()}
        return kept


@dataclass(frozen=True)
class TokenSequence:
    """A sequence of token predicates; optional ones may be skipped.

    ``keys`` name the exact values (or POS prefixes) some required token must have; a match
    is only tried near the doc's tokens that have them, not at every token.
    """

    preds: tuple[TokenPred, ...]
    optional: tuple[bool, ...]
    keys: tuple[SeqKey, ...] = ()
    index: KeyIndex | None = dataclasses.field(default=None, compare=False, repr=False)
    cues: CueFilter | None = dataclasses.field(default=None, compare=False, repr=False)
    """Strings the text must hold for a required token to be there (see :mod:`replyguard.cues`):
    without one of them the text is not tokenised for this sequence."""
    _memo_key: object = dataclasses.field(default_factory=object, compare=False, repr=False)

    def starts(self, doc: Doc) -> Iterable[int]:
        """Token indices where a match may start (every index when the sequence has no key)."""
        if not self.keys or self.index is None:
            return range(len(doc.tokens))
        index = self.index.positions(doc)
        best: tuple[int, tuple[int, ...]] | None = None
        for k, _field, _values, key_id in self.keys:
            pos = index.get(key_id, _NONE)
            if best is None or len(pos) < len(best[1]):
                best = (k, pos)
                if not pos:
                    return ()
        k, pos = best  # type: ignore[misc]
        if k == 0:
            return pos
        # The keyed token is the k-th spec: the match starts at most k tokens before it.
        return sorted({p - d for p in pos for d in range(k + 1) if p - d >= 0})

    def spans(self, doc: Doc) -> tuple[Span, ...]:
        """Character spans of every match, by start. Kept on the doc, so a text checked again
        needs no tokens for it (a check releases its draft's tokens when done)."""
        found = doc.memo.get(self._memo_key)
        if found is None:
            found = doc.memo[self._memo_key] = self._spans(doc)
        return found  # type: ignore[return-value]

    def _spans(self, doc: Doc) -> tuple[Span, ...]:
        """:meth:`find`'s matches as character spans, without its generator: most sequences
        are ruled out by their cues or find none of their keys in the doc (8–10 a check)."""
        if self.cues is not None and self.cues.absent(doc):
            return ()  # the text is not tokenised for this sequence
        toks = doc.tokens
        starts = self.starts(doc)
        if not starts:
            return ()
        out: list[Span] = []
        match = self._match
        for i in starts:
            end = match(toks, i, 0)
            if end is not None and end > i:
                out.append((toks[i].start, toks[end - 1].end))
        return tuple(out)

    def find(self, doc: Doc) -> Iterable[tuple[int, int]]:
        """``(first, after_last)`` token indices of every non-empty match, by start."""
        if self.cues is not None and self.cues.absent(doc):
            return
        toks = doc.tokens
        for i in self.starts(doc):
            end = self._match(toks, i, 0)
            if end is not None and end > i:
                yield i, end

    def _match(self, toks: tuple[Token, ...], i: int, k: int) -> int | None:
        if k == len(self.preds):
            return i
        if i < len(toks) and self.preds[k](toks[i]):
            end = self._match(toks, i + 1, k + 1)
            if end is not None:
                return end
        if self.optional[k]:
            return self._match(toks, i, k + 1)
        return None


_NONE: tuple[int, ...] = ()


def _seq_key(k: int, spec: TokenSpec, index: KeyIndex) -> SeqKey | None:
    for field in ("lemma", "surface", "orth_base"):
        vals = _as_tuple(getattr(spec, field))
        if vals is not None:
            return (k, field, vals, index.register(field, vals))
    pos = _as_tuple(spec.pos)
    if pos is not None and all(pos):
        return (k, "pos1", pos, index.register("pos1", pos))
    return None


def compile_sequence(specs: list[TokenSpec], index: KeyIndex) -> TokenSequence:
    """A token sequence whose keys are registered in ``index`` (the linter's)."""
    keys = [key for k, s in enumerate(specs) if not s.optional and (key := _seq_key(k, s, index)) is not None]
    # Exact values first: they are the likeliest to be absent, which ends the search at once.
    keys.sort(key=lambda key: key[1] == "pos1")
    return TokenSequence(tuple(compile_token(s) for s in specs), tuple(s.optional for s in specs), tuple(keys), index,
                         _sequence_cues(specs))


def _sequence_cues(specs: list[TokenSpec]) -> CueFilter | None:
    """Cues of the first required token given by its written form: a ``surface`` is in the text
    as listed, an ``orth_base`` in one of its conjugated forms. (A ``lemma`` may be spelled in
    the dictionary's own way, 為る for する, so it gives no cue.)"""
    for s in specs:
        if s.optional:
            continue
        surfaces, written = _as_tuple(s.surface), _as_tuple(s.orth_base)
        if surfaces:
            return CueFilter(surfaces)
        if written:
            return CueFilter(c for w in written for c in word_cues(w))
    return None


class Matcher:
    """What a :class:`MatcherSpec` compiles to; ``find`` returns match spans in a Doc."""

    def __init__(self, spec: MatcherSpec, lexicons: dict[str, list[str]], keys: KeyIndex, group: str = "main"):
        """``group``: the pattern set its patterns join (:func:`~replyguard.regex.pattern_set`)."""
        self.group = group
        phrases = expand_phrases(spec.phrases, lexicons)
        parts = [quote(p) for p in sorted(set(phrases), key=len, reverse=True) if p]
        self.phrase_re = Regex("|".join(parts), ignorecase=True) if parts else None
        self.regexes = [compile_pattern(r, ignorecase=True) for r in spec.regex]
        self.sequences = [compile_sequence(seq, keys) for seq in spec.tokens if seq]
        lemmas = LemmaMatcher(expand_words(spec.lemmas, lexicons), expand_words(spec.negated_lemmas, lexicons))
        self.lemmas = lemmas if lemmas else None
        # hashtag words, normalised like the text (NFKC, lower case): #返信不要 in any width
        self.hashtags: tuple[str, ...] = tuple(sorted({normalize(w).text.lstrip("#").lower()
                                                       for w in expand_words(spec.hashtags, lexicons)} - {""}))
        # patterns alone (most matchers): one set scan answers them (scan_answer, exists_test)
        self._patterns_only = not self.sequences and self.lemmas is None and not self.hashtags
        self._keys: dict[int | None, tuple[Matcher, int | None]] = {}
        self._exists_key = (self, "exists")
        # Each pattern with the characters every match of it contains (see prefilter), and
        # their union for the whole matcher: most texts are ruled out by a set test.
        self._scans: list[tuple[Regex, prefilter.Grams | None]] = []
        if self.phrase_re is not None:
            self._scans.append((self.phrase_re, prefilter.union([prefilter.literal_grams(p) for p in phrases if p])))
        for source, rx in zip(spec.regex, self.regexes, strict=True):
            self._scans.append((rx, prefilter.pattern_grams(source, re.IGNORECASE)))
        self.grams = prefilter.union([need for _, need in self._scans]) if self._scans else None
        self._patterns = pattern_set(group)
        self._ids = tuple(self._patterns.add(rx) for rx, _ in self._scans)
        self._id_set = frozenset(self._ids)
        # Whether one set hit answers "is there a match" (a pattern that may match empty must
        # confirm with its spans, a relaxed one with its own search).
        self._set_decides = not any(rx.may_be_empty or rx.relaxed for rx, _ in self._scans)
        unless, requires = spec.unless, spec.requires
        self.unless = Matcher(unless, lexicons, keys, group) if unless and not unless.is_empty() else None
        self.requires = Matcher(requires, lexicons, keys, group) if requires and not requires.is_empty() else None
        # Whether answering may tokenise the text (a sequence or a lemma list, here or in
        # ``unless``/``requires``): what makes a fact of a text not yet tokenised dear.
        self.needs_tokens: bool = bool(self.sequences) or self.lemmas is not None or any(
            m is not None and m.needs_tokens for m in (self.unless, self.requires))

    def scan_answer(self, n: int = 1) -> tuple[PatternSet, frozenset[int], prefilter.Grams | None, bool] | None:
        """What one set scan of a text says of ``at_least(doc, n)``, for a matcher of patterns
        alone (no token sequence or lemma list): its set, the indices of its patterns there, the
        characters one of which a matching text contains, and whether a hit decides. A scan
        that hits none of the indices means no match: the patterns are all it has, and
        ``unless``/``requires`` only take matches away. A hit means a match only for one span
        and patterns the set decides (none relaxed or matching empty; see :meth:`_regex_hit`)
        with no ``unless``/``requires``. None for a matcher with sequences, lemmas or hashtags."""
        if not self._scans or not self._patterns_only:
            return None
        decides = n == 1 and self._set_decides and self.unless is None and self.requires is None
        return self._patterns, self._id_set, self.grams, decides

    def _raw(self, doc: Doc) -> list[Span]:
        spans: list[Span] = []
        if self._scans:
            hits = self._hits(doc)
            if (hits is None or not self._id_set.isdisjoint(hits)) and (
                    self.grams is None or not self.grams.isdisjoint(doc.grams)):
                text, data = doc.masked, doc.utf8
                for (rx, _), i in zip(self._scans, self._ids, strict=True):
                    if (hits is None or i in hits) and (not rx.relaxed or rx.may_match(text)):
                        spans.extend(rx.spans(text, data))
        for seq in self.sequences:
            spans.extend(seq.spans(doc))
        if self.lemmas is not None:
            spans.extend(self.lemmas.spans(doc))
        if self.hashtags:
            spans.extend(self._tag_spans(doc))
        return spans

    def _tag_spans(self, doc: Doc) -> list[Span]:
        """The hashtags of ``doc`` whose word contains one of this matcher's words."""
        return [(a, b) for a, b, word in doc.hashtags if any(w in word for w in self.hashtags)]

    def find(self, doc: Doc, limit: int | None = None) -> list[Span]:
        """Match spans sorted by position, overlapping ones merged, ``unless`` applied.

        Results depend only on the text, so they are kept on the Doc: a fact asked by several
        rules, or a history text seen again in the next case, is matched once.
        """
        key = self._keys.get(limit)
        if key is None:  # one key object per (matcher, limit), shared by every Doc's memo
            key = self._keys[limit] = (self, limit)
        found: tuple[Span, ...] | None = doc.memo.get(key)  # type: ignore[assignment]  # (no cast call: hot path)
        if found is None:
            found = tuple(self._find(doc, limit))
            doc.memo[key] = found
        return list(found)

    def _find(self, doc: Doc, limit: int | None) -> list[Span]:
        if self.requires is not None and not self.requires.at_least(doc):
            return []  # nothing can be kept; the cue is a cheap scan, the match may need tokens
        raw = self._raw(doc)
        if not raw:
            return raw
        spans = sorted(set(raw))
        if self.unless is not None and spans:
            blocked = {doc.sentence_at(a) for a, _ in self.unless.find(doc)}
            spans = [s for s in spans if doc.sentence_at(s[0]) not in blocked]
        if self.requires is not None and spans:
            allowed = {doc.sentence_at(a) for a, _ in self.requires.find(doc)}
            spans = [s for s in spans if doc.sentence_at(s[0]) in allowed]
        merged: list[Span] = []
        for a, b in spans:
            if merged and a < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
            if limit is not None and len(merged) > limit:
                break
        return merged[:limit] if limit is not None else merged

    def search(self, doc: Doc) -> Span | None:
        found = self.find(doc, limit=1)
        return found[0] if found else None

    def at_least(self, doc: Doc, n: int = 1) -> bool:
        """Whether ``find`` would return at least ``n`` spans.

        For one span and no ``requires`` (how most facts are asked), one scan of all the
        matcher's patterns answers it, without collecting every match; with ``unless``, too,
        when there is no match or ``unless`` has none (then it blocks no sentence).
        """
        if n != 1 or self.requires is not None:
            return len(self.find(doc, limit=n)) >= n
        key = self._exists_key
        found = doc.memo.get(key)
        if found is None:
            found = doc.memo[key] = self._exists(doc)
        if found and self.unless is not None and self.unless.at_least(doc):
            return len(self.find(doc, limit=1)) >= 1
        return found  # type: ignore[return-value]

    def exists_test(self, n: int = 1) -> Callable[[Doc], bool]:
        """:meth:`at_least` with ``n`` fixed, as the function a fact calls for each check: for
        one span and no ``unless``/``requires`` it reads the Doc's memo itself."""
        if n != 1 or self.unless is not None or self.requires is not None:
            return lambda doc: self.at_least(doc, n)
        key = self._exists_key
        # patterns alone (most facts): the set's answer, without _exists's call in between
        exists = self._regex_hit if self._patterns_only else self._exists

        def test(doc: Doc) -> bool:
            memo = doc.memo
            found = memo.get(key)
            if found is None:
                found = memo[key] = exists(doc)
            return found  # type: ignore[return-value]

        return test

    def _exists(self, doc: Doc) -> bool:
        if self._scans and self._regex_hit(doc):
            return True
        for seq in self.sequences:
            if seq.spans(doc):
                return True
        if self.hashtags and self._tag_spans(doc):
            return True
        return self.lemmas is not None and bool(self.lemmas.spans(doc))

    def _hits(self, doc: Doc) -> frozenset[int] | None:
        """Which patterns of the process's pattern set match the doc (one scan per doc, shared by
        every matcher); empty, without a scan, when the doc lacks the characters all of this
        matcher's patterns need; None if the scan could not be made. (A scanned doc's hits
        never hold a pattern whose characters it lacks, or only a relaxed one that its own
        search then rules out.)"""
        key = self._patterns.key
        hits = doc.memo.get(key, UNSCANNED)
        if hits is UNSCANNED:
            if self.grams is not None and self.grams.isdisjoint(doc.grams):
                return frozenset()
            hits = doc.memo[key] = self._patterns.scan(doc.utf8)
        return hits  # type: ignore[return-value]

    def _regex_hit(self, doc: Doc) -> bool:
        """Whether a phrase or regex has a non-empty match in the doc: read from the one set scan
        of the doc; a pattern that may match empty confirms with its spans."""
        if not self._scans:
            return False
        # _hits, inline (asked for every matcher of every fact); once the doc is scanned, its
        # hits answer at once (the test of required characters is for not scanning at all)
        memo = doc.memo
        key = self._patterns.key
        hits: frozenset[int] | None = memo.get(key, UNSCANNED)  # type: ignore[assignment]
        if hits is UNSCANNED:
            if self.grams is not None and self.grams.isdisjoint(doc.grams):
                return False
            hits = memo[key] = self._patterns.scan(doc.utf8)
        if hits is not None:
            if self._id_set.isdisjoint(hits):
                return False
            if self._set_decides:
                return True
        if self.grams is not None and self.grams.isdisjoint(doc.grams):
            return False  # a relaxed pattern's candidate that its own search would rule out
        for (rx, _), i in zip(self._scans, self._ids, strict=True):
            if hits is None or i in hits:
                if rx.relaxed and not rx.may_match(doc.masked):
                    continue  # a candidate whose later part is missing: no search
                if rx.may_be_empty:
                    if rx.spans(doc.masked, doc.utf8):
                        return True
                elif (hits is not None and not rx.relaxed) or rx.search(doc.utf8):
                    return True
        return False


def quote(phrase: str) -> str:
    """A phrase as an RE2 pattern that matches it literally."""
    out: list[str] = []
    for ch in phrase:
        if ord(ch) > 0x7F or ch.isalnum() or ch == "_":
            out.append(ch)
        elif ch.isprintable():
            out.append("\\" + ch)
        else:
            out.append(f"\\x{{{ord(ch):x}}}")
    return "".join(out)


def expand_words(words: list[str], lexicons: dict[str, list[str]]) -> list[str]:
    """``@name`` entries replaced by the lexicon's words, NFKC-normalised (KeyError names the lexicon)."""
    out: list[str] = []
    for w in words:
        out.extend(lexicons[w[1:]] if w.startswith("@") else [w])
    return [normalize(w).text for w in out]


def expand_phrases(phrases: list[str], lexicons: dict[str, list[str]]) -> list[str]:
    """Replace ``@name`` entries by the lexicon's phrases (KeyError names the missing one)."""
    out: list[str] = []
    for p in phrases:
        if p.startswith("@"):
            out.extend(normalize(x).text for x in lexicons[p[1:]])
        else:
            out.append(normalize(p).text)
    return out
