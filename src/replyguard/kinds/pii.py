"""Personal data in the draft, found by detectors that use check digits where they exist.

Texts are NFKC-normalised first, so ０９０ matches 090; dashes are matched as any of the
hyphen-like characters customers type (ー − ‐ －).

| detector | finds (after normalisation) | `{kind}` |
|---|---|---|
| `phone` | phone numbers: mobiles `0[5789]0-XXXX-XXXX`, landlines, 0 + 9–10 digits, `+81` | 電話番号 |
| `email` | e-mail addresses | メールアドレス |
| `postal_code` | `〒123-4567`, `〒1234567`, `123-4567` | 郵便番号 |
| `card` | 13–19 digit runs (spaces/hyphens allowed) that pass the **Luhn** check | カード番号 |
| `my_number` | 12-digit runs with a valid **My Number check digit** | 個人番号 |
| `address` | (prefecture) + city/ward/town + block (`1丁目2番3号`, `1-2-3`); with a prefecture, `3丁目` too | 住所 |
| `order_number` | the `order_number` regexes | 注文番号・会員番号 |

Values inside URLs are not reported; overlapping values are reported once. Span: the value.

Example::

    - id: personal-data
      kind: pii
      category: pii_public
      severity: error
      message: 公開の返信に個人情報（{kind}）が含まれています
      when: public
      detect: [phone, email, postal_code, card, my_number, address]
      allow: ['^(0120|0800|0570)']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from .. import prefilter
from ..context import Context
from ..doc import Doc
from ..matcher import Matcher
from ..regex import Regex, Span, utf8
from ..schema import MatcherSpec, RuleBase, StrList
from . import BuildEnv, Hit, Kind, KindError

PiiDetector = Literal["phone", "email", "postal_code", "card", "my_number", "address", "order_number"]


class PiiRule(RuleBase):
    """Personal data in the draft, found by detectors with check digits where they exist."""

    kind: Literal["pii"]
    detect: list[PiiDetector] = Field(min_length=1, description="the detectors to run")
    order_number: StrList = Field(description="regexes of the brand's own order/member numbers; required "
                                              "when `detect` has `order_number`")
    allow: StrList = Field(description="a found value matching one of these regexes is public and passes "
                                       "(toll-free numbers...)")
    unless: MatcherSpec | None = Field(
        None, description="a finding is dropped when this matcher matches its sentence (a shop's own address)")

Detector = Callable[[str, bytes], Iterable[Span]]

D = r"[-‐‑‒–—―−ー]"  # hyphen-like characters after NFKC (－ becomes -)
N = r"\p{Nd}"  # a decimal digit of any script, as int() reads them
# RE2 patterns (linear time). The group ``hit`` is the value; the characters around it are
# context (what lookarounds would be in Python's re): see replyguard.regex.
_PHONE = Regex(
    rf"(?:^|[^{N}A-Za-z-])(?P<hit>(?:\+81{D}?)?(?:0[5789]0{D}?{N}{{4}}{D}?{N}{{4}}|0{N}{{1,4}}{D}{N}{{1,4}}{D}{N}{{4}}"
    rf"|0{N}{{9,10}}))(?:[^{N}-]|$)"
)
_EMAIL = Regex(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_POSTAL = (Regex(rf"(?P<hit>〒\s?{N}{{3}}{D}?{N}{{4}})(?:[^{N}]|$)"),
           Regex(rf"(?:^|[^{N}-])(?P<hit>{N}{{3}}{D}{N}{{4}})(?:[^{N}-]|$)"))
_DIGIT_RUN = Regex(rf"(?:^|[^{N}-])(?P<hit>{N}(?:[ -]?{N}){{11,18}})(?:[^{N}-]|$)")
_PREFS = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|"
    "新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|"
    "奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|"
    "長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_ADDRESS = Regex(
    rf"(?:{_PREFS})?[\x{{4E00}}-\x{{9FFF}}]{{1,6}}[市区町村][\x{{4E00}}-\x{{9FFF}}\x{{30A0}}-\x{{30FF}}]{{0,8}}"
    rf"(?:{N}+丁目{N}+(?:番地?|{D}){N}+(?:号)?|{N}+{D}{N}+(?:{D}{N}+)?)"
    # prefecture, city and town down to the 丁目 already narrow a home to a few streets
    rf"|(?:{_PREFS})[\x{{4E00}}-\x{{9FFF}}]{{1,6}}[市区町村][\x{{4E00}}-\x{{9FFF}}\x{{30A0}}-\x{{30FF}}]{{1,8}}{N}+丁目"
)


def luhn_ok(digits: str) -> bool:
    """The Luhn check digit of payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def my_number_ok(digits: str) -> bool:
    """The check digit of a 12-digit 個人番号 (My Number)."""
    if len(digits) != 12:
        return False
    body = [int(c) for c in digits[:11]]
    s = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(body), start=1))
    r = s % 11
    return int(digits[11]) == (0 if r <= 1 else 11 - r)


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _spans(*patterns: Regex) -> Detector:
    """The matches of ``patterns``, by start, leaving out any that overlaps an earlier one (as
    one alternation of them would)."""
    if len(patterns) == 1:
        return patterns[0].spans
    def find(text: str, data: bytes) -> list[Span]:
        out: list[Span] = []
        for a, b in sorted(sp for p in patterns for sp in p.spans(text, data)):
            if not out or a >= out[-1][1]:
                out.append((a, b))
        return out
    return find


def _cards(text: str, data: bytes) -> Iterable[Span]:
    for a, b in _DIGIT_RUN.spans(text, data):
        d = _digits(text[a:b])
        if 13 <= len(d) <= 19 and luhn_ok(d):
            yield a, b


def _my_numbers(text: str, data: bytes) -> Iterable[Span]:
    for a, b in _DIGIT_RUN.spans(text, data):
        if my_number_ok(_digits(text[a:b])):
            yield a, b


class _Needs:
    """A detector skipped on texts without a character its matches must contain, or with fewer
    decimal digits than a match holds.

    Every built-in detector needs a digit (``\\d``: any Unicode decimal digit, as in the
    patterns) or an ``@``; most drafts have neither, and one scan for it is cheaper than six
    (a check makes each scan once for all the detectors that need it: :class:`PiiChecker`).
    A phone or postal number has at least 7 digits and a card or My Number 12, where a draft
    with a digit mostly has a time or a price: counting them (once per text) spares the
    pattern searches, which within a check cost ~10 µs each.
    """

    __slots__ = ("digits", "finder", "need")

    def __init__(self, pattern: str, finder: Detector, digits: int = 0) -> None:
        self.need = re.compile(pattern)
        self.finder = finder
        self.digits = digits

    def __call__(self, text: str, data: bytes) -> Iterable[Span]:
        return self.finder(text, data) if self.need.search(text) else ()


def _needs(pattern: str, finder: Detector, digits: int = 0) -> Detector:
    return _Needs(pattern, finder, digits)


_DIGIT = re.compile(r"\d")

_DETECTORS: dict[str, tuple[str, Detector]] = {
    "phone": ("電話番号", _needs(r"\d", _PHONE.spans, 7)),  # 0N-N-NNNN at the shortest
    "email": ("メールアドレス", _needs("@", _EMAIL.spans)),
    "postal_code": ("郵便番号", _needs(r"\d", _spans(*_POSTAL), 7)),  # NNN-NNNN
    "card": ("カード番号", _needs(r"\d", _cards, 12)),  # _DIGIT_RUN: N(?:[ -]?N){11,18}
    "my_number": ("個人番号", _needs(r"\d", _my_numbers, 12)),
    "address": ("住所", _needs(r"\d", _ADDRESS.spans)),
}


@dataclass
class PiiChecker:
    detectors: list[tuple[str, Detector]]
    allow: list[Regex]
    unless: Matcher | None = None
    _memo_key: object = field(default_factory=object, compare=False, repr=False)

    def _found(self, doc: Doc) -> tuple[tuple[str, int, int], ...]:
        """What the detectors find in the draft's text, in their order (kept on its Doc: it
        depends on the text only; what the brand's contacts allow is decided per check). Kept as
        a tuple, nearly always the shared empty one: a kept list is tracked by the collector for
        as long as the Doc is cached."""
        kept: tuple[tuple[str, int, int], ...] | None = doc.memo.get(self._memo_key)  # type: ignore[assignment]
        if kept is not None:
            return kept
        found: list[tuple[str, int, int]] = []
        text = doc.text
        data: bytes | None = None  # the text as written (Doc.utf8 has its addresses masked), when read
        has: dict[str, bool] = {}  # required character pattern → whether the text has one
        digits = -1  # how many decimal digits the text has, once counted
        for label, find in self.detectors:
            if isinstance(find, _Needs):
                ok = has.get(find.need.pattern)
                if ok is None:
                    ok = has[find.need.pattern] = find.need.search(text) is not None
                if not ok:
                    continue
                if find.digits:
                    if digits < 0:
                        digits = len(_DIGIT.findall(text))
                    if digits < find.digits:
                        continue
                find = find.finder
            if data is None:
                data = utf8(text)
            found.extend((label, a, b) for a, b in find(text, data))
        kept = doc.memo[self._memo_key] = tuple(found)
        return kept

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        text = doc.text
        url_spans = doc.urls
        taken: list[tuple[int, int]] = []
        blocked: set[tuple[int, int]] | None = None
        for label, a, b in self._found(doc):
            if self.unless is not None:
                if blocked is None:
                    blocked = {doc.sentence_at(x) for x, _ in self.unless.find(doc)}
                if doc.sentence_at(a) in blocked:
                    continue
            value = text[a:b]
            if (self.allow and any(rx.search(utf8(value)) for rx in self.allow)) or ctx.is_brand_contact(value):
                continue
            if any(x <= a < y for x, y in url_spans) or any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            yield Hit((a, b), {"kind": label, "match": value})


def _order_numbers(rxs: list[Regex]) -> Detector:
    """Each pattern's matches, skipped on a text without a character every match of it contains
    (番 or -, for the shipped patterns: most drafts with a digit have neither)."""
    needs = [(rx, prefilter.pattern_grams(rx.pattern)) for rx in rxs]
    return lambda t, b: [sp for rx, need in needs if need is None or any(ch in t for ch in need)
                         for sp in rx.spans(t, b)]


def build(spec: PiiRule, env: BuildEnv) -> PiiChecker:
    detectors = [_DETECTORS[d] for d in spec.detect if d != "order_number"]
    if "order_number" in spec.detect:
        rxs = [env.regex(r, at=("order_number",)) for r in spec.order_number]
        if not rxs:
            raise KindError("detector 'order_number' needs at least one regex in 'order_number'", at=("detect",))
        detectors.append(("注文番号・会員番号", _order_numbers(rxs)))
    unless = env.matcher(spec.unless, at=("unless",)) if spec.unless and not spec.unless.is_empty() else None
    return PiiChecker(detectors, [env.regex(r, at=("allow",)) for r in spec.allow], unless)


KIND = Kind(PiiRule, build, {"kind": "what was found: 電話番号, メールアドレス, ...",
                             "match": "the value found"}, __doc__ or "")
