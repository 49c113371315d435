"""Reply templates rendered in a Jinja2 sandbox.

Templates come from repositories, so they render in a ``SandboxedEnvironment`` (no access
to Python internals such as ``__class__`` or ``__globals__``) with ``StrictUndefined`` (a
missing variable is an error naming it, never an empty hole in a reply sent to a customer).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError
from .models import Conversation

MAX_REPEAT = 10_000  # longest string/list a template may build with '*'


class ReplySandbox(ImmutableSandboxedEnvironment):
    """The sandbox, also bounding ``*`` and ``**`` (``{{ 'a' * 10**9 }}`` would exhaust memory)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator '**' is not allowed in a template")
        sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
        counts = [x for x in (left, right) if isinstance(x, int)]
        if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_REPEAT:
            raise SecurityError(f"repeating a text beyond {MAX_REPEAT} characters is not allowed")
        return super().call_binop(context, operator, left, right)


ENV = ReplySandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
for _name in ("lipsum", "cycler", "joiner", "namespace"):  # no use in a reply, only a way in
    ENV.globals.pop(_name, None)

CONVERSATION_VARIABLES = ("customer", "brand", "channel", "post_text")


def conversation_variables(conv: Conversation) -> dict[str, Any]:
    """Variables every template may use, taken from the conversation."""
    return {
        "customer": conv.post.author,
        "brand": conv.brand.name,
        "channel": conv.channel,
        "post_text": conv.post.text,
    }


def undeclared(source: str, template_id: str) -> set[str]:
    """Variables a template uses; raises :class:`TemplateError` on a syntax error."""
    try:
        return meta.find_undeclared_variables(ENV.parse(source))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template {template_id!r}: line {exc.lineno}: {exc.message}") from None


@lru_cache(maxsize=1024)
def _compiled(source: str) -> tuple[Template, dict[str, Any]]:
    """Templates are compiled once (compiling costs ~100× rendering); pack texts are few.

    Also returns the template's globals as one plain dict: ``Template.render`` merges them
    from a ChainMap on every call, which costs more than rendering a one-line reply.
    """
    template = ENV.from_string(source)
    return template, dict(template.globals)


def render(source: str, template_id: str, variables: dict[str, Any]) -> str:
    """Render a template; a missing variable or a sandbox violation is a :class:`TemplateError`."""
    template, template_globals = _compiled(source)
    try:
        # What Template.render does, with the globals merged ahead of time (``shared=True``:
        # the context holds exactly this dict). Variables override globals, as in render().
        context = template.new_context({**template_globals, **variables}, shared=True)
        return ENV.concat(template.root_render_func(context)).strip()  # type: ignore[attr-defined]
    except UndefinedError as exc:
        raise TemplateError(f"template {template_id!r}: undefined variable: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateError(f"template {template_id!r}: not allowed in a template: {exc}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template {template_id!r}: line {exc.lineno}: {exc.message}") from None
