"""What the Jinja parser finds in a template's source (a template entry of `lint-templates`).

* `syntax`: the source is not valid Jinja2. Fields: `{error}`.
* `unsafe`: it reaches for Python internals — `_`-attributes and items (`__class__`),
  `self`, `lipsum`/`cycler`/`joiner`/`namespace`, the `attr` filter, numbers above 10000.
  One finding each. Fields: `{what}`.
* `undefined`: it uses a variable that is neither declared under `variables:`, nor the
  conversation's (`customer`, `brand`, `channel`, `post_text`), nor the config's. One
  finding per name, in name order. Fields: `{name}`, `{hint}` (the rule's `hint`, except
  for a name of Jinja's own globals such as `range`).
* `unused`: a declared variable the source does not use. Fields: `{name}`.

A template with a syntax error, an unsafe construct or an undefined variable is never
rendered (whatever the rules say), so its samples are not linted. Place: the line inside
`text` (`unused`: the variable's key). Only in packs with `scope: templates`.

Example::

    - id: undefined-variable
      kind: template_source
      check: undefined
      category: template
      severity: error
      message: "undefined variable '{name}'{hint}"
      hint: " (declare it under variables:)"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..context import Context
from ..schema import RuleBase
from ..template_subject import template_of
from . import BuildEnv, Hit, Kind


class TemplateSourceRule(RuleBase):
    """A finding of the Jinja parser in a template's source."""

    kind: Literal["template_source"]
    check: Literal["syntax", "unsafe", "undefined", "unused"] = Field(
        description="syntax: not valid Jinja2; unsafe: reaches for Python internals; undefined: a variable "
                    "nobody provides; unused: a declared variable the text does not use")
    hint: str = Field("", description="for check undefined: the {hint} field (not given for Jinja's globals)")


@dataclass
class TemplateSourceChecker:
    check: str
    hint: str

    def run(self, ctx: Context) -> Iterable[Hit]:
        t = template_of(ctx)
        if self.check == "syntax":
            if t.syntax_error is not None:
                line, error = t.syntax_error
                yield Hit(fields={"error": error}, at=("text", line))
        elif self.check == "unsafe":
            for line, what in t.unsafe:
                yield Hit(fields={"what": what}, at=("text", line))
        elif self.check == "undefined":
            for u in t.undefined:
                yield Hit(fields={"name": u.name, "hint": "" if u.jinja_global else self.hint}, at=("text", u.line))
        else:
            for name in t.unused:
                yield Hit(fields={"name": name}, at=("variables", name))


def build(spec: TemplateSourceRule, env: BuildEnv) -> TemplateSourceChecker:
    return TemplateSourceChecker(spec.check, spec.hint)


KIND = Kind(TemplateSourceRule, build, {
    "error": "syntax: the parser's message", "what": "unsafe: what was found ('lipsum', attribute '__class__')",
    "name": "undefined, unused: the variable", "hint": "undefined: the rule's hint, or empty for a Jinja global",
}, __doc__ or "", scope="templates")
