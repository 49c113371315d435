"""YAML that remembers where each value came from, so errors can name a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml

from .errors import PackError

Path = tuple[Any, ...]


class LineMap:
    """Line numbers (1-based) of the values of a YAML document, keyed by their path."""

    def __init__(self) -> None:
        self.lines: dict[Path, int] = {}

    def line(self, data: Any, loc: Sequence[Any]) -> int | None:
        """The line of the deepest value of ``loc`` that exists in ``data``.

        ``loc`` may hold steps that are not keys (pydantic's union tags); they are skipped.
        """
        path: list[Any] = []
        node = data
        best = self.lines.get(())
        for step in loc:
            in_dict = isinstance(node, dict) and step in node
            in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
            if not (in_dict or in_list):
                continue  # a step that is not a key: pydantic's union tag
            node = node[step]
            path.append(step)
            best = self.lines.get(tuple(path), best)
        return best


# libyaml's parser is ~7x faster (start-up reads every pack); the pure-Python one words the
# errors, so a file libyaml rejects is parsed again by it to report the usual message and line.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


# Limits checked before anything is expanded or built (issue 14: nine levels of aliases took
# 120 s and 9.4 GB; 5,000 levels of nesting overflowed the stack). The largest shipped pack
# has ~1,500 values and nests 8 levels deep; these leave ample room for real packs.
MAX_DEPTH = 50
MAX_NODES = 200_000  # values in the document as the reader would see it, aliases expanded
MAX_ALIASES = 1_000


class YamlLimitError(PackError):
    """A document over one of the limits: reported as is, never re-parsed."""


def load_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse one YAML document safely; raise :class:`PackError` with the line on bad YAML,
    and on a document nested deeper than :data:`MAX_DEPTH`, with more than
    :data:`MAX_ALIASES` aliases or more than :data:`MAX_NODES` values once aliases are expanded."""
    if _FAST_LOADER is not None:
        try:
            return _load(text, file, _FAST_LOADER)
        except YamlLimitError:
            raise
        except (PackError, yaml.YAMLError):
            pass
    return _load(text, file, yaml.SafeLoader, scan_depth=True)


def _scan_depth(loader: Any, file: str) -> None:
    """Walk the events (the pure-Python composer recurses once per level: check first)."""
    depth = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlLimitError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file,
                                     line=event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


class _Budget:
    """Counts the values and aliases :func:`_index` visits (an alias's target once per use)."""

    def __init__(self, file: str):
        self.file, self.nodes, self.aliases = file, 0, 0
        self.seen: set[int] = set()

    def visit(self, node: yaml.Node, depth: int, inside_alias: bool) -> bool:
        """Count one visit; whether the node was reached before (through an alias)."""
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise YamlLimitError(f"YAML nested deeper than {MAX_DEPTH} levels (or an alias refers to "
                                 "its own anchor)", file=self.file, line=line)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlLimitError(f"YAML too large: more than {MAX_NODES:,} values once aliases are "
                                 "expanded", file=self.file, line=line)
        if id(node) in self.seen:  # the same node reached again: an alias
            if not inside_alias:  # its children are part of the same alias
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise YamlLimitError(f"more than {MAX_ALIASES:,} YAML aliases", file=self.file, line=line)
            return True
        self.seen.add(id(node))
        return False


def _load(text: str, file: str, loader_class: Any, *, scan_depth: bool = False) -> tuple[Any, LineMap]:
    loader = loader_class(text)
    try:
        if scan_depth:
            _scan_depth(loader, file)
            loader.dispose()
            loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            raise PackError("the file is empty", file=file, line=1)
        lines = LineMap()
        _index(node, (), lines, file, node, _Budget(file))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PackError(f"invalid YAML: {exc.problem or exc}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise PackError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    return data, lines


def _index(node: yaml.Node, path: Path, lines: LineMap, file: str, root: yaml.Node, budget: _Budget,
           inside_alias: bool = False) -> None:
    inside_alias = budget.visit(node, len(path), inside_alias) or inside_alias
    lines.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise PackError(f"duplicate key {key!r}", file=file, line=key_node.start_mark.line + 1,
                                rule=_rule_id(root, path))
            seen.add(key)
            _index(value_node, (*path, key), lines, file, root, budget, inside_alias)
            lines.lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines, file, root, budget, inside_alias)


def _child(node: yaml.Node | None, step: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]
    return None


def _rule_id(root: yaml.Node, path: Path) -> str | None:
    """The ``id`` of the rule a path lies in (``rules``, i, …), for error messages."""
    if len(path) < 2 or path[0] != "rules":
        return None
    found = _child(_child(_child(root, "rules"), path[1]), "id")
    return found.value if isinstance(found, yaml.ScalarNode) else None


@dataclass(frozen=True)
class YamlFile:
    """A YAML file read as a mapping: its text, data, line map and name for errors."""

    file: str
    text: str
    data: dict[str, Any]
    lines: LineMap


def load_yaml_mapping(path: str | FilePath, what: str, shape: str) -> YamlFile:
    """Read a UTF-8 YAML file that must hold a mapping (a pack, a template file).

    ``what`` names the file in errors ("pack", "template file"); ``shape`` says what the
    mapping must contain. Every failure is a :class:`PackError` with the file and line.
    """
    file = str(path)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(f"cannot read {what}: {exc.strerror}", file=file) from None
    except UnicodeDecodeError:
        raise PackError(f"{what} is not UTF-8 text", file=file) from None
    data, lines = load_yaml(text, file)
    if not isinstance(data, dict):
        raise PackError(f"a {what} must be a mapping with {shape}", file=file, line=1)
    return YamlFile(file, text, data, lines)
