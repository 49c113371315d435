"""Pack and built-in regular expressions, run by RE2: matching time is linear in the text.

Packs come from repositories and pull requests, and drafts from anyone; a backtracking
engine can be made to take exponential time by a pattern (``(a?){28}a{28}``) or quadratic
time by a text (20,000 characters before an ``@``). RE2 runs every pattern as an automaton
over the text, so a check costs at most (pattern size) × (text length), whatever either is.
It has no lookarounds and no backreferences (they are what makes a guarantee impossible);
a pattern that uses one is refused at load with the construct named. What lookarounds were
used for is written with a *hit group*: in ``(?:^|[^最])(?P<hit>高い)`` the finding is the
group ``hit``, the characters around it are context that must be there but are not part of
the match, and the next match may start where ``hit`` ends.

Texts are matched as UTF-8 bytes; a :class:`Doc` encodes its text once (:func:`utf8`), and
byte offsets become character offsets only for the matches found.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import NamedTuple

from re2 import _re2

from .prefilter import Needs, literal_needs, whole_text_width
from .set_source import set_entries, set_source, syntax_items

Span = tuple[int, int]

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
_NO_SPAN = (-1, -1)
_bytes_to_chars = _re2.BytesToCharLen
_chars_to_bytes = _re2.CharLenToBytes

HIT = re.compile(r"hit[0-9]*")
"""Names of the groups that are the reported match (``hit``, ``hit2``…: one per alternative
that needs context); the rest of the pattern is context."""

# Constructs RE2 lacks, by how they start in a pattern, and what to write instead.
_UNSUPPORTED = (
    ("(?<=", "lookbehind (?<=…)", "put the context before a hit group: X(?P<hit>…)"),
    ("(?<!", "negative lookbehind (?<!…)", "write the context as a character class before a hit group: "
                                           "(?:^|[^X])(?P<hit>…)"),
    ("(?=", "lookahead (?=…)", "put the context after a hit group: (?P<hit>…)X"),
    ("(?!", "negative lookahead (?!…)", "write the context as a character class after a hit group: "
                                        "(?P<hit>…)(?:[^X]|$)"),
    ("(?P=", "backreference (?P=name)", "backreferences cannot run in linear time"),
    ("(?>", "atomic group (?>…)", "an ordinary group (?:…) never backtracks in RE2"),
    ("(?(", "conditional group (?(…)…)", "use an alternation"),
    ("(?#", "comment group (?#…)", "remove the comment"),
)
_BACKREF = re.compile(r"\\[1-9]")
_POSSESSIVE = re.compile(r"[*+?]\+")


class PatternError(ValueError):
    """A pattern RE2 cannot compile; ``pattern`` is the pattern, the message names the construct."""

    def __init__(self, message: str, pattern: str = "") -> None:
        super().__init__(message)
        self.pattern = pattern


def _outside_classes(source: str) -> str:
    """``source`` with escapes and character classes blanked, so constructs are found only where
    they are syntax (``[(?=]`` is three literal characters); ``\\1``–``\\9`` and ``\\Z`` stay."""
    n = len(source)
    out: list[str] = []
    for i, end, kind, _ in syntax_items(source):
        kept = kind == "escape" and end == i + 2 and source[i + 1:i + 2] in tuple("123456789Z")
        if (kind == "escape" and not kept) or kind in ("class", "negated"):
            out.append("_" * (min(end, n) - i))
        else:
            out.append(source[i:end])
    return "".join(out)


def _unsupported(source: str) -> str | None:
    """Why RE2 refuses ``source`` when it is a construct of Python's ``re`` that RE2 lacks."""
    syntax = _outside_classes(source)
    for start, name, instead in _UNSUPPORTED:
        if start in syntax:
            return f"{name} is not supported (RE2 syntax; {instead})"
    m = _BACKREF.search(syntax)
    if m:
        return f"backreference {m.group()} is not supported (RE2 syntax; backreferences cannot run in linear time)"
    if _POSSESSIVE.search(syntax):
        return "possessive quantifier (like a++) is not supported (RE2 syntax; RE2 never backtracks, so use a+)"
    if "\\Z" in syntax:
        return "\\Z is not supported (RE2 syntax; write \\z for the end of the text)"
    if "{," in syntax:
        return "a repeat {,n} is read by RE2 as the literal text {,n}; write {0,n}"
    return None


def _options(ignorecase: bool, capture: bool) -> _re2.RE2.Options:
    opts = _re2.RE2.Options()
    opts.case_sensitive = not ignorecase
    opts.never_capture = not capture
    opts.log_errors = False
    return opts


def _settable(source: str, ignorecase: bool) -> bool:
    """Whether a pattern set takes ``source``: a relaxed pattern is checked before it joins a
    set shared by every matcher of its group, where one that does not parse would break the
    scan of all of them at check time."""
    probe = _re2.Set(_UNANCHORED, _options(ignorecase, False))
    return probe.Add(source.encode("utf-8", "surrogatepass")) >= 0


def utf8(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate (possible in JSON input) becomes U+FFFD, one
    character for one, so character offsets stay the same."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text).encode("utf-8")


class Match(NamedTuple):
    """One match: its span in characters and its groups' texts (for replacements)."""

    span: Span
    groups: tuple[str | None, ...]

    def expand(self, template: str) -> str:
        r"""``template`` with ``\1``–``\9`` and ``\g<N>`` replaced by the groups' texts."""
        return _GROUP_REF.sub(lambda m: self.groups[int(m.group(1) or m.group(2))] or "", template)


_GROUP_REF = re.compile(r"\\(?:([1-9])|g<([0-9]+)>)")


class Regex:
    """A compiled pattern. :meth:`spans` gives every match, :meth:`search` whether any exists."""

    __slots__ = ("_find", "_limits", "_rx", "hits", "ignorecase", "may_be_empty", "ngroups", "relaxed", "set_source",
                 "source")

    def __init__(self, source: str, ignorecase: bool = False, groups: bool = False) -> None:
        """Compile ``source``; ``groups``: the caller reads groups (a replacement), not only spans.

        Raises :class:`PatternError` naming what RE2 refused."""
        self.source = source
        self.ignorecase = ignorecase
        why = _unsupported(source)
        if why is None:
            probe = _re2.RE2(source.encode("utf-8", "surrogatepass"), _options(ignorecase, True))
            if not probe.ok():
                why = f"invalid regular expression: {probe.error().decode('utf-8', 'replace')}"
        if why is not None:
            raise PatternError(why, source)
        self.hits: tuple[int, ...] = tuple(sorted(
            i for name, i in probe.NamedCapturingGroups() if HIT.fullmatch(name.decode("utf-8", "replace"))))
        # Matches are found without groups (RE2's DFA); the groups, when needed, are then read
        # from the match alone (on a short text RE2 would otherwise backtrack over all of it).
        capture = groups or bool(self.hits)
        self._find = _re2.RE2(source.encode("utf-8", "surrogatepass"), _options(ignorecase, False))
        self._rx = probe if capture else self._find
        self.ngroups: int = probe.NumberOfCapturingGroups() if capture else 0
        # Whether some text has an empty match: an empty match needs only assertions, and all of
        # them but \b hold at the start of the empty text.
        # A hit group may be empty inside a non-empty match: such patterns are asked for spans.
        self.may_be_empty: bool = (self._rx.Match(_UNANCHORED, b"", 0, 0)[0] != _NO_SPAN or "\\b" in source
                                   or bool(self.hits))
        # What a pattern set scans for it: the pattern itself, or (with a gap such as [^。]{0,30})
        # a necessary condition, confirmed by a search of its own (see PatternSet).
        relaxed = set_source(source)
        if relaxed is not None and not _settable(relaxed, ignorecase):
            relaxed = None  # the relaxation left no valid pattern (a quantifier without its atom)
        self.relaxed: bool = relaxed is not None
        self.set_source: str = relaxed if relaxed is not None else source
        self._limits: tuple[int, int, Needs] | None = None  # see may_match; None: not read yet

    def may_match(self, text: str) -> bool:
        """False only when the pattern cannot match ``text`` (the string the search would read
        as UTF-8): its length is outside what a pattern anchored at both ends spans, or a
        literal part is missing (:func:`~replyguard.prefilter.literal_needs`). Asked before a
        relaxed pattern's own search confirms a set hit: within a check such a search walks
        automaton states long out of the processor's cache (10–30 µs, against ~3 µs warm), and
        ~40% of those candidates lack a later part. Read from the pattern on first use."""
        limits = self._limits
        if limits is None:
            limits = self._limits = _limits(self.source)
        lo, hi, needs = limits
        if not lo <= len(text) <= hi:
            return False
        for strings in needs:
            for s in strings:
                if s in text:
                    break
            else:
                return False
        return True

    def bad_reference(self, template: str) -> int | None:
        """The first group number ``template`` refers to that the pattern does not have."""
        for m in _GROUP_REF.finditer(template):
            n = int(m.group(1) or m.group(2))
            if n > self.ngroups:
                return n
        return None

    @property
    def pattern(self) -> str:
        return self.source

    def search(self, data: bytes) -> bool:
        """Whether the pattern matches anywhere in ``data`` (an empty match counts)."""
        return self._find.Match(_UNANCHORED, data, 0, len(data))[0] != _NO_SPAN

    def _raw(self, data: bytes, first: Span | None = None) -> Iterator[tuple[Span, list[Span]]]:
        """Every match, left to right, in bytes: the reported span (the first hit group that took
        part, else the whole match) and all spans (whole match first, then the groups).
        ``first``: the first whole match, when the caller has already searched for it."""
        find, rx, end, hits = self._find, self._rx, len(data), self.hits
        pos = 0
        whole = first
        while pos <= end:
            if whole is None:
                whole = find.Match(_UNANCHORED, data, pos, end)[0]
            if whole[0] < 0:
                return
            if rx is find:
                spans = [whole]
            else:
                spans = rx.Match(_ANCHOR_BOTH, data, whole[0], whole[1])
                if spans[0] != whole:  # pragma: no cover - the same match, read with its groups
                    spans = [whole] + [_NO_SPAN] * self.ngroups
            found = whole
            for h in hits:
                if spans[h][0] >= 0:
                    found = spans[h]
                    break
            yield found, spans
            nxt = found[1]  # the context after a hit may be the context before the next one
            if nxt <= pos or whole[1] == whole[0] == pos:  # no progress: step over one character
                if pos >= end:
                    return
                nxt = pos + max(1, _chars_to_bytes(data, pos, 1))
            pos = nxt
            whole = None

    def spans(self, text: str, data: bytes) -> list[Span]:
        """Character spans of every non-empty match (of its hit group when one took part)."""
        find = self._find
        end = len(data)
        whole = find.Match(_UNANCHORED, data, 0, end)[0]
        if whole[0] < 0:
            return []  # the common case: no match, one scan
        out: list[Span] = []
        ascii_only = end == len(text)
        last_b = last_c = 0
        if self._rx is find:  # no groups to read: the matches themselves, without a generator
            found = []
            pos = 0
            while True:
                a, b = whole
                if b > a:
                    found.append(whole)
                if b <= pos or b == a == pos:  # no progress: step over one character
                    if pos >= end:
                        break
                    b = pos + max(1, _chars_to_bytes(data, pos, 1))
                pos = b
                if pos > end:
                    break
                whole = find.Match(_UNANCHORED, data, pos, end)[0]
                if whole[0] < 0:
                    break
            if ascii_only:
                return found
        else:
            found = [(a, b) for (a, b), _ in self._raw(data, whole) if b > a]
            if ascii_only:
                return found
        for a, b in found:
            # Reported spans only move right, so each byte is counted once.
            ca = last_c + _bytes_to_chars(data, last_b, a)
            cb = ca + _bytes_to_chars(data, a, b)
            last_b, last_c = b, cb
            out.append((ca, cb))
        return out

    def matches(self, text: str, data: bytes) -> list[Match]:
        """Every non-empty match with its groups' texts (for replacements)."""
        whole = self._find.Match(_UNANCHORED, data, 0, len(data))[0]
        if whole[0] < 0:
            return []  # the common case: no match, one scan
        out: list[Match] = []
        ascii_only = len(data) == len(text)
        for (a, b), spans in self._raw(data, whole):
            if b <= a:
                continue
            groups = tuple(None if x < 0 else data[x:y].decode("utf-8", "replace") for x, y in spans)
            if ascii_only:
                out.append(Match((a, b), groups))
            else:
                ca = _bytes_to_chars(data, 0, a)
                out.append(Match((ca, ca + _bytes_to_chars(data, a, b)), groups))
        return out


def _limits(source: str) -> tuple[int, int, Needs]:
    """What :meth:`Regex.may_match` tests: the text lengths the pattern can match (any, unless
    it is anchored at both ends) and its literal needs (none when unknown)."""
    width = whole_text_width(source)
    lo, hi = width if width is not None else (0, sys.maxsize)
    # (not a need with U+FFFD: the UTF-8 searched has it for a lone surrogate of the text)
    needs = tuple(n for n in literal_needs(source) or () if not any("\ufffd" in s for s in n))
    return lo, hi, needs


def compile_pattern(source: str, ignorecase: bool = False, groups: bool = False) -> Regex:
    """A :class:`Regex`, or :class:`PatternError` naming the construct RE2 lacks.

    The same source with the same options is one shared object: packs repeat patterns (YAML
    anchors, the same regex in two facts; 50 of 466 in the shipped packs), and a pattern searched
    for two matchers in one text then reuses the automaton states its first search built. A
    :class:`Regex` is not changed after it is made."""
    key = (source, ignorecase, groups)
    rx = _COMPILED.get(key)
    if rx is None:
        rx = Regex(source, ignorecase, groups)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = rx
    return rx


_COMPILED: dict[tuple[str, bool, bool], Regex] = {}
_COMPILED_MAX = 4096


class PatternSet:
    """The case-insensitive patterns of a group of matchers, scanned together: one RE2 set
    scan per text says which of them match, for all those matchers at once (kept on the Doc).
    The groups (:func:`pattern_set`, :func:`gate_set`) keep apart patterns asked of different
    texts or in different ways: a set's automaton builds states for the combinations of its
    patterns, so one set of everything cost a new text about twice what its parts did
    (docs/performance.md, issue 11).

    Measured on the shipped packs (231 patterns): 2.5 µs per text once RE2 has built the
    states the text needs, ~20 µs on a text unlike those seen before; a set per matcher made
    whole checks slower (docs/design.md). Within a check (309 patterns, the automaton's
    states out of the processor's cache by then) a scan takes 16–27 µs; asking each matcher's
    patterns one by one instead (behind their required characters, memoised per Doc: ~23
    searches of ~4 µs per scanned text) made checks ~1.25× slower. A pattern with a *gap*
    (``A[^。]{0,30}B``) is scanned here only up to the gap (``A``), and a hit confirmed by its
    own search: a gap keeps "A was seen" alive to the end of the sentence, and the combinations
    of such pending patterns made
    most new texts build new automaton states (cold scans of dev, dev-hard and generated texts:
    122 → 45 µs per text). The automaton is built lazily within a memory
    budget; should it run out, the scan reports failure (a sentinel pattern that matches every
    text is then missing) and the caller asks each pattern alone: it fails closed, not open.

    The set holds each pattern as its alternatives (:func:`~replyguard.set_source.set_entries`:
    ``(?:A|B)|(C|D)E`` as ``A``, ``B``, ``CE``, ``DE``), mapped back to the pattern. RE2 sorts a
    set's patterns and shares the literal prefixes of neighbours; a pattern kept whole is one
    entry, whose alternatives' first characters no other pattern's could share (~2,300
    alternatives in 352 patterns): all were instructions of every state of the automaton, and
    every new state was built from all of them. Replaying a warm check's scans (after a 300-case warm-up) of the
    four sets: dev + dev-hard ×5 47–49 → 18 ms (main set 34–37 → 12), 3,000 generated cases
    58–65 → 35–38 ms; whole checks 0.78–0.96× main's on dev+dev-hard ×5, 0.88–1.08× on generated
    cases; building the sets once costs ~30 ms more. Cutting the main set into sets of 25–100
    patterns instead halved the scans of new texts (dev) but doubled those of familiar ones
    (generated: 25 → 48 ms with 50 a set), each set scanning every text.
    """

    MAX_PATTERNS = 4096
    _MEMORY = 64 << 20

    def __init__(self) -> None:
        self.patterns: list[Regex] = []
        self._index: dict[str, int] = {}
        self._set = None
        self._built = -1
        self._sentinel = -1
        self._owner: list[int] = []
        self.key: object = ("pattern-set", id(self), 0)

    def add(self, rx: Regex) -> int:
        """The index of what the set scans for ``rx`` (:attr:`Regex.set_source`; scanned once
        however many patterns share it). For a relaxed pattern a hit is only a candidate."""
        i = self._index.get(rx.set_source)
        if i is None:
            i = self._index[rx.set_source] = len(self.patterns)
            self.patterns.append(rx)
            self.key = ("pattern-set", id(self), len(self.patterns))
        return i

    def _build(self) -> None:
        opts = _options(True, False)
        opts.max_mem = self._MEMORY
        s = _re2.Set(_UNANCHORED, opts)
        owner: list[int] = []  # the pattern of each of the set's entries
        for i, p in enumerate(self.patterns):
            for entry in set_entries(p.set_source):
                if s.Add(entry.encode("utf-8", "surrogatepass")) < 0:  # pragma: no cover - compiled before
                    raise PatternError("cannot combine", p.set_source)
                owner.append(i)
        self._sentinel = s.Add(b"\\A")
        owner.append(-1)
        self._owner = owner
        self._set = s if s.Compile() else None
        self._built = len(self.patterns)

    def scan(self, data: bytes) -> frozenset[int] | None:
        """Indices of the patterns that match somewhere in ``data`` (an empty match counts; -1,
        the sentinel, is among them), or None when the scan could not be made."""
        if self._built != len(self.patterns):
            self._build()
        if self._set is None:  # pragma: no cover - the set did not fit its memory budget
            return None
        found = self._set.Match(data)
        if self._sentinel not in found:  # pragma: no cover - out of memory on this text
            return None
        return frozenset(map(self._owner.__getitem__, found))


_SETS: dict[str, list[PatternSet]] = {}
_GATE_SETS: dict[str, list[PatternSet]] = {}
UNSCANNED = object()
"""What a Doc's memo holds under a set's key before the set has scanned its text."""


class SetGate:
    """Whether a pattern can match a text, read from a scan of the text by the *gate set*: a set
    of its own for the patterns that are asked only "can this match here?" (the substitutions'
    swaps, the cue filters of token sequences and lemmas), scanned the first time a gate asks
    about a text and kept in its Doc's memo. The set scans case-insensitively (and a gapped
    pattern only up to its gap), so "no hit" means no match, whatever the pattern's own case
    mode; a hit must still be confirmed by the pattern's own search.

    Measured: the drafts' substitutions and the cue filters searched each pattern on its own,
    ~4–5 µs a search in a check. They then joined the matchers' set, which answered for free
    once the matchers had scanned a text; but their 22 patterns, in the set of 360, doubled
    what a scan of a new text costs (RE2 builds the states a text needs, and the states of a
    set grow with the combinations of its patterns: 32 → 17 µs per new text of dev, dev-hard
    and generated cases without them, 3 µs for the gates alone)."""

    __slots__ = ("_index", "_set")

    def __init__(self, rx: Regex, group: str = "masked") -> None:
        """``group``: which text of a Doc the gate's set scans — ``masked`` (:attr:`Doc.utf8`,
        what matchers read) or ``written`` (the text as written, what substitutions read); each
        group is a set of its own, so a Doc's memo keeps one scan of each."""
        self._set = gate_set(group)
        self._index = self._set.add(rx)

    def ruled_out(self, memo: dict[object, object], data: bytes) -> bool:
        """True when ``rx`` cannot match ``data`` (the UTF-8 of the Doc's text the gate's group
        scans; ``memo`` is that Doc's): the set's scan of it, made at the first question, has
        no hit for it."""
        key = self._set.key
        hits = memo.get(key, UNSCANNED)
        if hits is UNSCANNED:
            hits = memo[key] = self._set.scan(data)
        return hits is not None and self._index not in hits  # type: ignore[operator]


def _rotated(sets: list[PatternSet]) -> PatternSet:
    if len(sets[-1].patterns) >= PatternSet.MAX_PATTERNS:
        sets.append(PatternSet())
        del sets[:-1]
    return sets[-1]


def pattern_set(group: str = "main") -> PatternSet:
    """The set new matchers of ``group`` join: a fresh one once it holds ``MAX_PATTERNS``
    patterns (a process that loads many different packs, such as the tests), so no set grows
    without end. Groups keep the patterns asked of different texts apart: ``customer`` holds
    those of facts asked only of the customer's texts (``post.X``, ``history.X``), ``main`` the
    rest (see :func:`replyguard.packs.fact_groups`)."""
    return _rotated(_SETS.setdefault(group, [PatternSet()]))


def gate_set(group: str = "masked") -> PatternSet:
    """The set new :class:`SetGate` patterns of ``group`` join (rotated like :func:`pattern_set`)."""
    return _rotated(_GATE_SETS.setdefault(group, [PatternSet()]))
