"""The draft is nothing but stock sentences: every sentence belongs to one of the `parts`,
and every part named in `requires` occurs.

Each sentence is judged on its own, without its URLs and @handles (they are not words; a
sentence of nothing else is skipped, as is one of only punctuation): it belongs to a part
when the part's matcher matches in it (anchor a regex with `^…$` to ask for the whole
sentence). One sentence that belongs to no part (an answer, a question back, a step) and
the draft is not boilerplate. Fields: `{does}` joins the `says` of the parts that occur, in
the order of `parts` (`apologises and sends the customer to a form`); `{parts}` their names.
Span: none (whole draft).

Example::

    - id: sorry-and-form-only
      kind: boilerplate
      category: copy_paste_apology
      severity: warning
      message: 定型文だけの返信です（{does}）
      parts:
        - name: apology
          says: 謝罪
          match: {phrases: [申し訳, お詫び]}
        - name: referral
          says: 窓口案内
          match: {regex: [フォーム, 窓口]}
        - name: formula
          match: {regex: ['^(よろしくお願い(いた)?します)[。!]*$']}
      requires: [apology, referral]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..context import Context
from ..matcher import Matcher
from ..schema import MatcherSpec, RuleBase
from . import BuildEnv, Hit, Kind, KindError

_PUNCTUATION = " \t\n\u3000。、．.,，!！?？・…"


class Part(BaseModel):
    """One kind of stock sentence."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="the part's name (for requires)")
    says: str = Field("", description="what a sentence of this part does, for the {does} field")
    match: MatcherSpec = Field(description="a sentence belongs to the part when this matches in it")


class BoilerplateRule(RuleBase):
    """Every sentence of the draft is one of the parts, and the required parts occur."""

    kind: Literal["boilerplate"]
    parts: list[Part] = Field(min_length=1, description="the kinds of stock sentence, in the order of {does}")
    requires: list[str] = Field(default_factory=list,
                                description="names of parts that must occur (none: any boilerplate-only draft)")


@dataclass
class BoilerplateChecker:
    parts: list[tuple[str, str, Matcher]]
    requires: frozenset[str]

    def run(self, ctx: Context) -> Iterable[Hit]:
        doc = ctx.draft
        cut = sorted([*doc.urls, *((a, b) for a, b, _ in doc.addresses)])
        present: set[str] = set()
        judged = False
        for a, b in doc.sentences:
            pieces, pos = [], a
            for x, y in cut:
                if y <= a or x >= b:
                    continue
                pieces.append(doc.text[pos:max(pos, x)])
                pos = max(pos, min(y, b))
            pieces.append(doc.text[pos:b])
            sentence = "".join(pieces).strip()
            if not sentence.strip(_PUNCTUATION):
                continue
            judged = True
            sdoc = ctx.doc(sentence)
            found = [name for name, _, m in self.parts if m.at_least(sdoc)]
            if not found:
                return
            present.update(found)
        if judged and self.requires <= present:
            names = [name for name, _, _ in self.parts if name in present]
            does = " and ".join(says for name, says, _ in self.parts if name in present and says)
            yield Hit(None, {"does": does, "parts": ", ".join(names)})


def build(spec: BoilerplateRule, env: BuildEnv) -> BoilerplateChecker:
    names = [p.name for p in spec.parts]
    for i, name in enumerate(spec.requires):
        if name not in names:
            raise KindError(f"requires names no part: {name!r} (parts: {', '.join(names)})",
                            at=("requires", i), value=name)
    parts = [(p.name, p.says, env.matcher(p.match, at=("parts", i, "match"))) for i, p in enumerate(spec.parts)]
    return BoilerplateChecker(parts, frozenset(spec.requires))


KIND = Kind(BoilerplateRule, build, {"does": "the `says` of the parts that occur, joined with 'and'",
                                     "parts": "the names of the parts that occur"}, __doc__ or "")
