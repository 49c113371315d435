"""``pii``: personal data in a public reply, found with check digits where they exist.

Texts are NFKC-normalised first, so ０９０ matches 090; dashes are matched as any of the
hyphen-like characters customers type (ー − ‐ －).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..context import Context
from ..matcher import Matcher
from ..safe_regex import compile_safe
from ..schema import PiiRule
from . import BuildEnv, Hit

D = r"[-‐‑‒–—―−ー]"  # hyphen-like characters after NFKC (－ becomes -)
_PHONE = re.compile(
    rf"(?<![\dA-Za-z-])(?:\+81{D}?)?(?:0[5789]0{D}?\d{{4}}{D}?\d{{4}}|0\d{{1,4}}{D}\d{{1,4}}{D}\d{{4}}|0\d{{9,10}})(?![\d-])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_POSTAL = re.compile(rf"〒\s?\d{{3}}{D}?\d{{4}}(?!\d)|(?<![\d-])\d{{3}}{D}\d{{4}}(?![\d-])")
_DIGIT_RUN = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])")
_PREFS = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|"
    "新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|"
    "奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|"
    "長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_ADDRESS = re.compile(
    rf"(?:{_PREFS})?[\u4E00-\u9FFF]{{1,6}}[市区町村][\u4E00-\u9FFF\u30A0-\u30FF]{{0,8}}"
    rf"(?:\d+丁目\d+(?:番地?|{D})\d+(?:号)?|\d+{D}\d+(?:{D}\d+)?)"
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


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _DIGIT_RUN.finditer(text):
        d = _digits(m.group())
        if 13 <= len(d) <= 19 and luhn_ok(d):
            yield m.span()


def _my_numbers(text: str) -> Iterable[tuple[int, int]]:
    for m in _DIGIT_RUN.finditer(text):
        if my_number_ok(_digits(m.group())):
            yield m.span()


Detector = Callable[[str], Iterable[tuple[int, int]]]


def _needs(pattern: str, finder: Detector) -> Detector:
    """``finder``, skipped on texts without a character its matches must contain.

    Every built-in detector needs a digit (``\\d``: any Unicode decimal digit, as in the
    patterns) or an ``@``; most drafts have neither, and one scan for it is cheaper than six.
    """
    need = re.compile(pattern)
    return lambda t: finder(t) if need.search(t) else ()


_DETECTORS: dict[str, tuple[str, Detector]] = {
    "phone": ("電話番号", _needs(r"\d", lambda t: (m.span() for m in _PHONE.finditer(t)))),
    "email": ("メールアドレス", _needs("@", lambda t: (m.span() for m in _EMAIL.finditer(t)))),
    "postal_code": ("郵便番号", _needs(r"\d", lambda t: (m.span() for m in _POSTAL.finditer(t)))),
    "card": ("カード番号", _needs(r"\d", _cards)),
    "my_number": ("個人番号", _needs(r"\d", _my_numbers)),
    "address": ("住所", _needs(r"\d", lambda t: (m.span() for m in _ADDRESS.finditer(t)))),
}


@dataclass
class PiiChecker:
    detectors: list[tuple[str, Detector]]
    allow: list[re.Pattern[str]]
    unless: Matcher | None = None

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        text = doc.text
        url_spans = doc.urls
        taken: list[tuple[int, int]] = []
        blocked: set[tuple[int, int]] | None = None
        for label, find in self.detectors:
            for a, b in find(text):
                if self.unless is not None:
                    if blocked is None:
                        blocked = {doc.sentence_at(x) for x, _ in self.unless.find(doc)}
                    if doc.sentence_at(a) in blocked:
                        continue
                value = text[a:b]
                if any(rx.search(value) for rx in self.allow) or ctx.is_brand_contact(value):
                    continue
                if any(x <= a < y for x, y in url_spans) or any(a < y and x < b for x, y in taken):
                    continue
                taken.append((a, b))
                yield Hit((a, b), {"kind": label, "match": value})


def build(spec: PiiRule, env: BuildEnv) -> PiiChecker:
    detectors = [_DETECTORS[d] for d in spec.detect if d != "order_number"]
    if "order_number" in spec.detect:
        rxs = [compile_safe(r) for r in spec.order_number]
        if not rxs:
            raise ValueError("detector 'order_number' needs at least one regex in 'order_number'")
        detectors.append(("注文番号・会員番号",
                          lambda t, rxs=rxs: (m.span() for rx in rxs for m in rx.finditer(t))))
    unless = Matcher(spec.unless, env.lexicons) if spec.unless and not spec.unless.is_empty() else None
    return PiiChecker(detectors, [compile_safe(r) for r in spec.allow], unless)
