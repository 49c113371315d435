"""Reply-template repositories: a folder of YAML files, each holding reply templates.

A template is a Jinja2 text (rendered in the sandbox of :mod:`replyguard.suggestions`) with
the intents it is meant for (names of facts the packs know: ``complaint``, ``question`` …),
the channels it is used on, the variables an agent fills in (each with an ``example`` and a
``max_length``) and ``samples``: small conversations it is meant to answer. ``replyguard
lint-templates`` renders every template against its samples and lints the result as a draft.

Loading keeps line numbers (:func:`replyguard.yamlsource.load_yaml`), so every problem names
the file and the line; ``replyguard schema --templates`` exports the format as JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import PackError
from .models import Brand, Channel, Conversation, Message
from .packs import _describe
from .schema import ExampleMessage
from .yamlsource import LineMap, load_yaml_mapping

TEMPLATE_SUFFIXES = (".yaml", ".yml")
DEFAULT_BRAND = Brand(name="サンプル", handles=("sample_support",))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplateVariable(_Spec):
    """A value the agent fills in when sending (an order item, a date, a store name)."""

    description: str = ""
    example: str = Field(description="a realistic value, used to render the samples")
    max_length: int = Field(ge=1, le=2000, description="longest value the agent may put in; "
                                                        "the channel length check fills this many characters")


class TemplateSample(_Spec):
    """A conversation the template is meant to answer: the post, optionally thread and history."""

    post: str | ExampleMessage
    thread: list[ExampleMessage] = Field(default_factory=list)
    history: list[ExampleMessage] = Field(default_factory=list)
    channel: Channel | None = Field(None, description="default: the template's first channel")
    variables: dict[str, str] = Field(default_factory=dict,
                                      description="values for this sample (override the examples)")
    note: str = ""


class ReplyTemplate(_Spec):
    """One reply template."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    intents: list[str] = Field(min_length=1,
                               description="facts of the post it answers: complaint, question, …")
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["x"]), min_length=1)
    text: str = Field(min_length=1,
                      description="the reply, Jinja2 (sandboxed, undefined variables are errors)")
    variables: dict[str, TemplateVariable] = Field(default_factory=dict)
    samples: list[TemplateSample] = Field(default_factory=list)


class TemplateFileSpec(_Spec):
    """One file of a template repository."""

    brand: Brand | None = Field(None, description="brand of the samples (default: the config's brand_name)")
    templates: list[ReplyTemplate] = Field(min_length=1)


@dataclass
class LoadedTemplate:
    spec: ReplyTemplate
    file: str
    index: int
    data: Any
    lines: LineMap
    text_line: int | None
    text_first_line: int | None  # file line of the first line of the Jinja source
    brand: Brand | None

    def line(self, *loc: Any) -> int | None:
        return self.lines.line(self.data, ("templates", self.index, *loc))

    def sample_line(self, j: int) -> int | None:
        return self.line("samples", j)

    def sample_conversation(self, j: int, draft: str, *, brand: Brand) -> Conversation:
        s = self.spec.samples[j]
        post = (Message(author="customer", text=s.post, id="post") if isinstance(s.post, str)
                else Message(author=s.post.author, text=s.post.text, id=s.post.id or "post"))
        conv_brand = self.brand or brand
        return Conversation(
            id=f"{self.spec.id}#{j + 1}",
            channel=s.channel or self.spec.channels[0],
            brand=conv_brand,
            post=post,
            thread=tuple(Message(author=m.author, text=m.text, id=m.id, in_reply_to=m.in_reply_to)
                         for m in s.thread),
            history=tuple(Message(author=m.author, text=m.text, id=m.id) for m in s.history),
            draft=Message(author=conv_brand.handles[0] if conv_brand.handles else "brand", text=draft,
                          in_reply_to=post.id),
        )


@dataclass
class FileProblem:
    """A file that could not be loaded: the message and where."""

    file: str
    line: int | None
    message: str


_BLOCK = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


def _first_text_line(source_lines: list[str], key_line: int | None) -> int | None:
    """File line of the Jinja source's first line: the key's line, or the next one for ``|``/``>``."""
    if key_line is None:
        return None
    if 0 < key_line <= len(source_lines) and _BLOCK.search(source_lines[key_line - 1]):
        return key_line + 1
    return key_line


def load_template_file(path: str | Path) -> list[LoadedTemplate]:
    """Read and validate one template file; raise :class:`PackError` naming the file and line."""
    yf = load_yaml_mapping(path, "template file", "'templates:'")
    data, lines, file, source = yf.data, yf.lines, yf.file, yf.text
    try:
        spec = TemplateFileSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()  # a misspelt key explains the 'missing' error it causes: report it first
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(err["loc"])
        who = None
        if len(loc) >= 2 and loc[0] == "templates" and isinstance(loc[1], int):
            items = data.get("templates")
            if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
                who = items[loc[1]].get("id")
        msg = _describe(err)
        raise PackError(f"template {who!r}: {msg}" if who else msg, file=file,
                        line=lines.line(data, loc)) from None
    src_lines = source.splitlines()
    out: list[LoadedTemplate] = []
    for i, t in enumerate(spec.templates):
        text_line = lines.line(data, ("templates", i, "text"))
        out.append(LoadedTemplate(t, file, i, data, lines, text_line, _first_text_line(src_lines, text_line),
                                  spec.brand))
    return out


def template_files(paths: Sequence[str | Path]) -> list[Path]:
    """The template files under ``paths`` (files as given, folders searched recursively), sorted."""
    files: list[Path] = []
    for entry in paths:
        p = Path(entry)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in TEMPLATE_SUFFIXES))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(str(p))
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique


def load_templates(paths: Sequence[str | Path]) -> tuple[list[LoadedTemplate], list[FileProblem]]:
    """Every template under ``paths``; files that fail to load become problems, not exceptions."""
    templates: list[LoadedTemplate] = []
    problems: list[FileProblem] = []
    for f in template_files(paths):
        try:
            templates.extend(load_template_file(f))
        except PackError as exc:
            problems.append(FileProblem(exc.file or str(f), exc.line, exc.reason))
    return templates, problems


def template_schema() -> dict[str, Any]:
    """JSON Schema of a template file (``replyguard schema --templates``)."""
    return TemplateFileSpec.model_json_schema(by_alias=True)
