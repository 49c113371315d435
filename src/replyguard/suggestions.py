"""Reply templates rendered in a Jinja2 sandbox.

Templates come from repositories, so they render in a ``SandboxedEnvironment`` (no access
to Python internals such as ``__class__`` or ``__globals__``) with ``StrictUndefined`` (a
missing variable is an error naming it, never an empty hole in a reply sent to a customer).
"""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError
from .models import Conversation

ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

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


def render(source: str, template_id: str, variables: dict[str, Any]) -> str:
    """Render a template; a missing variable or a sandbox violation is a :class:`TemplateError`."""
    try:
        return ENV.from_string(source).render(**variables).strip()
    except UndefinedError as exc:
        raise TemplateError(f"template {template_id!r}: undefined variable: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateError(f"template {template_id!r}: not allowed in a template: {exc}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template {template_id!r}: line {exc.lineno}: {exc.message}") from None
