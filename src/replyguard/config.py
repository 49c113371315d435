"""Project configuration: ``[tool.replyguard]`` in ``pyproject.toml`` or ``replyguard.toml``,
found by walking up from the working directory; ``--config`` names one explicitly."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .models import Action, Severity, Voice

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class Policy(BaseModel):
    """``[policy]``: what a finding means for sending. A finding's action is its rule's entry
    in ``rules``, else its category's in ``categories``, else its severity's."""

    model_config = ConfigDict(extra="forbid")

    error: Action = Action.block
    warning: Action = Action.warn
    info: Action = Action.allow
    rules: dict[str, Action] = Field(default_factory=dict, description="rule id → action")
    categories: dict[str, Action] = Field(default_factory=dict, description="category → action")


class Config(BaseModel):
    """Everything a :class:`~replyguard.Linter` is built from."""

    model_config = ConfigDict(extra="forbid")

    packs: list[str] = Field(
        default_factory=lambda: ["builtin"],
        description="'builtin' (all shipped packs), a shipped pack id, or a path to a pack file/folder")
    disable: list[str] = Field(default_factory=list, description="rule ids (pack/rule or rule) to turn off")
    severity: dict[str, Severity] = Field(default_factory=dict, description="rule id → severity override")
    brand_name: str = Field("", description="used when a conversation names no brand")
    brand_handles: list[str] = Field(default_factory=list, description="added to every conversation's handles")
    brand_contacts: list[str] = Field(
        default_factory=list,
        description="the brand's own e-mail addresses or @domains, phone numbers and URLs (never personal data)")
    brand_voice: Voice | None = Field(None, description="formal, friendly or playful; used when a case sets none")
    response_minutes: float = Field(60.0, gt=0, description="response-time target after the post")
    variables: dict[str, str] = Field(default_factory=dict,
                                      description="template variables: dm_link, form_url, help_url …")
    fail_on: Severity = Severity.error
    policy: Policy = Field(default_factory=Policy, description="finding → block/approve/warn/allow")
    per_file_ignores: dict[str, list[str]] = Field(
        default_factory=dict, validation_alias=AliasChoices("per-file-ignores", "per_file_ignores"),
        description="lint-templates: file glob → rule ids not reported for those files")
    max_text_chars: int = Field(20_000, gt=0, description="longer texts are refused as input errors")
    confidence: bool = Field(True, description=(
        "rate findings of the shipped rules with the shipped confidence model and move those below "
        "confidence_threshold to the report's suppressed list"))
    confidence_threshold: float = Field(0.5, ge=0, le=1, description="findings rated below this are suppressed")
    base_dir: Path | None = Field(None, exclude=True, description="where relative pack paths start")
    source: str | None = Field(None, exclude=True, description="the config file it was read from")

    def where(self) -> str:
        """``"FILE: "`` to put before an error about this config's entries ("" without a file)."""
        return f"{self.source}: " if self.source else ""


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1}); TOML files are UTF-8") from None


def config_from_mapping(data: dict[str, Any], source: str, base_dir: Path | None = None) -> Config:
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{source}: {where}: {err['msg']}") from None
    cfg.base_dir = base_dir
    cfg.source = source
    return cfg


def load_config_file(path: str | Path) -> Config:
    """Load ``replyguard.toml`` (top level) or ``pyproject.toml`` (``[tool.replyguard]``)."""
    p = Path(path)
    data = _read_toml(p)
    if p.name == "pyproject.toml":
        data = _tool_table(data, p).get("replyguard", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{p}: tool.replyguard: must be a table")
    return config_from_mapping(data, str(p), p.resolve().parent)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest config file at or above ``start``: replyguard.toml wins over pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        rg = d / "replyguard.toml"
        if rg.is_file():
            return rg
        pp = d / "pyproject.toml"
        # A pyproject.toml that cannot be read or parsed is an error, not skipped: it may hold
        # the [tool.replyguard] that turns rules off or on, and skipping it would fail open.
        if pp.is_file() and "replyguard" in _tool_table(_read_toml(pp), pp):
            return pp
    return None


def _tool_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool: must be a table")
    return tool


def resolve_config(explicit: str | Path | None = None) -> Config:
    """The config to use: the explicit file, else the nearest one found, else the defaults."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return load_config_file(explicit)
    found = find_config()
    return load_config_file(found) if found else Config()
