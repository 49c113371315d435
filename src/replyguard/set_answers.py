"""Facts one set scan answers, answered together for a text the check has not seen before.

Most matched facts are patterns only (no token sequence or lemma list). Once the pattern set
has scanned a text, such a fact is false when the scan hit none of its patterns, and for most
of those whose patterns the set decides, true when it hit one
(:meth:`replyguard.matcher.Matcher.scan_answer`). A check asks ~50 facts of its draft and post,
each through the fact cache, its compiled test and the matcher: a few Python calls apiece, and
most of the answers are "no". :class:`SetAnswers` answers all it can from a text's scan at once
into the answers the Doc keeps (:meth:`replyguard.facts.FactTable.known_answers`), before a
check asks any; a fact whose candidate needs confirming is left to be asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import prefilter
from .doc import Doc
from .matcher import Matcher
from .regex import UNSCANNED, PatternSet


class SetAnswers:
    """The scan-answered facts of one scope (``draft.X`` or ``post.X``) whose matchers share the
    pattern set most of them use; facts of other sets are left to be asked one by one."""

    __slots__ = ("_all_false", "_grams", "_open", "_set", "_true")

    def __init__(self, facts: Iterable[tuple[str, Matcher, int]]) -> None:
        """``facts``: full fact names (``draft.apology``) with the matcher each is asked with and
        the number of matches it needs."""
        answered = [(name, found) for name, m, n in facts if (found := m.scan_answer(n)) is not None]
        counts: dict[int, int] = {}
        for _, (pset, *_rest) in answered:
            counts[id(pset)] = counts.get(id(pset), 0) + 1
        best = max(counts, key=counts.__getitem__, default=None)
        chosen = [(name, found) for name, found in answered if id(found[0]) == best]
        self._set: PatternSet | None = chosen[0][1][0] if chosen else None
        self._all_false: dict[str, bool] = {name: False for name, _ in chosen}
        # per index of the set: the facts a hit makes true, and those it leaves to be asked
        self._true: dict[int, list[str]] = {}
        self._open: dict[int, list[str]] = {}
        for name, (_, ids, _, decides) in chosen:
            for i in ids:
                (self._true if decides else self._open).setdefault(i, []).append(name)
        # a text with none of these characters matches none of the facts, scanned or not
        self._grams: prefilter.Grams | None = prefilter.union([found[2] for _, found in chosen])

    def fill(self, doc: Doc, known: dict[str, bool]) -> None:
        """Put the answers for ``doc`` in ``known`` (scanning it if the set has not yet); nothing
        when the scan could not be made (each fact is then asked as usual)."""
        pset = self._set
        if pset is None:
            return
        memo = doc.memo
        hits = memo.get(pset.key, UNSCANNED)
        if hits is UNSCANNED:
            if self._grams is not None and self._grams.isdisjoint(doc.grams):
                known.update(self._all_false)
                return
            hits = memo[pset.key] = pset.scan(doc.utf8)
        if hits is None:
            return
        known.update(self._all_false)
        true, open_ = self._true, self._open
        for i in hits:  # type: ignore[attr-defined]
            names = true.get(i)
            if names is not None:
                known.update(dict.fromkeys(names, True))
            names = open_.get(i)
            if names is not None:
                for name in names:
                    known.pop(name, None)
