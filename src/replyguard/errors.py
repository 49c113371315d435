"""Errors a user can cause and fix: they carry file and line, and never become tracebacks."""

from __future__ import annotations


class ReplyguardError(Exception):
    """Base class of user-facing errors (bad pack, bad config, bad input). CLI exit code 2."""


class PackError(ReplyguardError):
    """A guideline pack that cannot be loaded: names the file, the line and the rule."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, rule: str | None = None):
        self.file, self.line, self.rule, self.reason = file, line, rule, message
        where = file + (f":{line}" if line else "")
        who = f"rule {rule!r}: " if rule else ""
        super().__init__(f"{where}: {who}{message}" if where else f"{who}{message}")


class ConfigError(ReplyguardError):
    """A configuration file or option that is wrong."""


class InputError(ReplyguardError):
    """A conversation that cannot be checked (malformed JSON, missing fields)."""


class TemplateError(ReplyguardError):
    """A reply template that fails to render: names the template and the variable."""


class CheckTimeout(ReplyguardError):
    """A check that ran past its deadline (the server's per-request budget): answered 503."""
