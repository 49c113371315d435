"""Reply templates rendered in a Jinja2 sandbox.

Templates come from repositories, so they render in a ``SandboxedEnvironment`` (no access
to Python internals such as ``__class__`` or ``__globals__``) with ``StrictUndefined`` (a
missing variable is an error naming it, never an empty hole in a reply sent to a customer).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache, update_wrapper
from itertools import islice
from string import Formatter
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError
from .models import Conversation

MAX_REPEAT = 10_000  # longest string/list a template may build with '*'
# The budget of one rendering (issue 14: nested range(9999) loops hung lint-templates; chained
# replace filters built 10⁹ characters). A reply is a few hundred characters and loops over a
# handful of items, so these are far above any real template and far below harm.
MAX_VALUE = 100_000  # characters (or items) of any value a template builds, and of the output
MAX_STEPS = 20_000  # loop iterations plus calls (functions, methods, macros) per rendering
MAX_INT_BITS = 256  # integers a template computes (the number a reply shows is small)

_FORMAT_NUMBER = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")  # width and precision of %-formats


class BudgetExceeded(SecurityError):
    """A template went over its rendering budget."""


class _Budget:
    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps = 0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(f"more than {MAX_STEPS:,} loop iterations and calls")


_BUDGET: ContextVar[_Budget | None] = ContextVar("replyguard_template_budget", default=None)


def _step(n: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.step(n)


def _sized(value: Any, what: str = "a value") -> Any:
    """``value``, refused when it is a text or list over :data:`MAX_VALUE` or a huge integer."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_VALUE:
        raise BudgetExceeded(f"{what} of {len(value):,} characters or items (limit {MAX_VALUE:,})")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"{what}: a number over {MAX_INT_BITS} bits")
    return value


def _check_ints(args: Any, what: str) -> None:
    """Widths and counts (center(10**9), indent(10**9), batch(10**9)) build values that big."""
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_VALUE:
            raise BudgetExceeded(f"{what}: the number {a} is over {MAX_VALUE:,}")


def _check_format(fmt: str) -> None:
    for m in _FORMAT_NUMBER.finditer(fmt):
        for part in m.groups():
            if part == "*" or (part and int(part) > MAX_VALUE):
                raise BudgetExceeded(f"the format {m.group(0)!r} is too wide")


def _check_join(sep: Any, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        size = len(str(sep)) * max(len(items) - 1, 0) + sum(len(str(x)) for x in items)
        if size > MAX_VALUE:
            raise BudgetExceeded(f"joining to {size:,} characters (limit {MAX_VALUE:,})")


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        n = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            n = min(n, count)
        size = len(text) + n * max(len(new) - len(old), 0)
        if size > MAX_VALUE:
            raise BudgetExceeded(f"replacing to {size:,} characters (limit {MAX_VALUE:,})")


def _budgeted_filter(name: str, func: Any) -> Any:
    """A filter that checks what could make its result huge before it runs, and its result after."""

    def run(*args: Any, **kwargs: Any) -> Any:
        _step()
        values = [a for a in args if not isinstance(a, (Context, EvalContext, Environment))]
        _check_ints([*values[1:], *kwargs.values()], f"the filter {name!r}")
        if name == "join" and values:
            items = values[0]
            if not isinstance(items, (list, tuple, str)):
                items = list(islice(items, MAX_VALUE + 1))  # bounded: it may be endless
                args = tuple(items if a is values[0] else a for a in args)
            sep = values[1] if len(values) > 1 else kwargs.get("d", "")
            _check_join(sep, list(items))
        elif name == "replace" and len(values) >= 3:
            _check_replace(*values[:4])
        elif name == "format" and values and isinstance(values[0], str):
            _check_format(values[0])
        elif name == "indent" and values and isinstance(values[0], str):
            width = values[1] if len(values) > 1 else kwargs.get("width", 4)
            size = len(values[0]) + (values[0].count("\n") + 1) * (len(width) if isinstance(width, str) else width)
            if size > MAX_VALUE:
                raise BudgetExceeded(f"indenting to {size:,} characters (limit {MAX_VALUE:,})")
        return _sized(func(*args, **kwargs), f"the filter {name!r} built a value")

    return update_wrapper(run, func)


def _for_iterations(iterable: Any) -> Any:
    """Wraps every ``{% for %}`` iterable: each iteration is a step of the budget."""
    for item in iterable:
        _step()
        yield item


class ReplySandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with a budget per rendering: ``*`` and ``**`` bounded (``{{ 'a' * 10**9 }}``
    would exhaust memory), every value a template builds at most :data:`MAX_VALUE` long, and
    at most :data:`MAX_STEPS` loop iterations and calls (nested loops, recursive macros)."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/", "-"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator '**' is not allowed in a template")
        if operator == "*":
            sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
            counts = [x for x in (left, right) if isinstance(x, int)]
            if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_REPEAT:
                raise SecurityError(f"repeating a text beyond {MAX_REPEAT} characters is not allowed")
            if all(isinstance(x, int) for x in (left, right)) \
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise BudgetExceeded(f"a number over {MAX_INT_BITS} bits")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        elif operator == "+" and all(isinstance(x, (str, list, tuple)) for x in (left, right)) \
                and len(left) + len(right) > MAX_VALUE:
            raise BudgetExceeded(f"a value of {len(left) + len(right):,} characters (limit {MAX_VALUE:,})")
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        _check_ints([*args, *kwargs.values()], f"calling {getattr(__obj, '__name__', 'a function')!r}")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name == "join" and args:
                _check_join(owner, list(args[0]) if not isinstance(args[0], (list, tuple, str)) else args[0])
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, *args[:3])
        return _sized(super().call(__context, __obj, *args, **kwargs), "a call returned a value")

    def wrap_str_format(self, value: Any) -> Any:
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            for _, _, spec, _ in Formatter().parse(owner):
                if spec and (re.search(r"\d{6,}", spec) or "{" in spec):
                    raise BudgetExceeded(f"the format spec {spec!r} is too wide")
        return super().wrap_str_format(value)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every ``{% for %}`` counts its iterations, every ``~`` concatenation is sized."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
        for parent in list(tree.find_all(nodes.Node)):
            for field in parent.fields:
                child = getattr(parent, field, None)
                if isinstance(child, nodes.Concat):
                    setattr(parent, field, _sized_node(child))
                elif isinstance(child, list):
                    setattr(parent, field, [_sized_node(c) if isinstance(c, nodes.Concat) else c for c in child])
        return tree


LOOP_FILTER, SIZE_FILTER = "replyguard_loop", "replyguard_sized"


def _sized_node(node: nodes.Expr) -> nodes.Filter:
    return nodes.Filter(node, SIZE_FILTER, [], [], None, None, lineno=node.lineno)


ENV = ReplySandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
for _name in ("lipsum", "cycler", "joiner", "namespace"):  # no use in a reply, only a way in
    ENV.globals.pop(_name, None)
ENV.filters = {name: _budgeted_filter(name, f) for name, f in ENV.filters.items()}
ENV.filters[LOOP_FILTER], ENV.filters[SIZE_FILTER] = _for_iterations, _sized

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


_UNBOUNDED = (nodes.For, nodes.Call, nodes.Filter, nodes.Macro, nodes.CallBlock, nodes.FilterBlock,
              nodes.BinExpr, nodes.Concat)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> tuple[Template, dict[str, Any], bool]:
    """Templates are compiled once (compiling costs ~100× rendering); pack texts are few.

    Also returns the template's globals as one plain dict: ``Template.render`` merges them
    from a ChainMap on every call, which costs more than rendering a one-line reply; and
    whether the template is plain text with variables (no loop, call, filter or operator),
    which cannot go over the budget and renders without its bookkeeping (a third faster).
    """
    template = ENV.from_string(source)
    plain = not any(ENV.parse(source).find_all(_UNBOUNDED))
    return template, dict(template.globals), plain


def render(source: str, template_id: str, variables: dict[str, Any]) -> str:
    """Render a template; a missing variable or a sandbox violation is a :class:`TemplateError`."""
    template, template_globals, plain = _compiled(source)
    try:
        # What Template.render does, with the globals merged ahead of time (``shared=True``:
        # the context holds exactly this dict). Variables override globals, as in render().
        context = template.new_context({**template_globals, **variables}, shared=True)
        if plain:
            return ENV.concat(template.root_render_func(context)).strip()  # type: ignore[attr-defined]
        token = _BUDGET.set(_Budget())
        try:
            parts: list[str] = []
            size = 0
            for part in template.root_render_func(context):  # type: ignore[attr-defined]
                size += len(part)
                if size > MAX_VALUE:
                    raise BudgetExceeded(f"an output over {MAX_VALUE:,} characters")
                parts.append(part)
        finally:
            _BUDGET.reset(token)
        return "".join(parts).strip()
    except BudgetExceeded as exc:
        raise TemplateError(f"template {template_id!r}: over the rendering budget: {exc}") from None
    except RecursionError:
        raise TemplateError(f"template {template_id!r}: over the rendering budget: calls nested too "
                            "deeply (a macro that calls itself?)") from None
    except UndefinedError as exc:
        raise TemplateError(f"template {template_id!r}: undefined variable: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateError(f"template {template_id!r}: not allowed in a template: {exc}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template {template_id!r}: line {exc.lineno}: {exc.message}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError) as exc:
        # a template's own mistake ({{ 1 / 0 }}, {{ "%d" % "x" }}): a finding, not a crash
        raise TemplateError(f"template {template_id!r}: {type(exc).__name__}: {exc}") from None
