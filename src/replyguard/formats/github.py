"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per
finding, shown as annotations on the pull request.

Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the message
``%``, ``\\r``, ``\\n`` become ``%25``, ``%0D``, ``%0A``; in properties also ``:`` and ``,``
become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from ..models import Severity
from .located import Run, relative_uri

COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def format_run(run: Run, fail_on: Severity = Severity.error) -> str:
    """The registered run format (``--format github``)."""
    return format_github(run)


def format_github(run: Run) -> str:
    lines = []
    for f in run.findings():
        props = [f"file={escape_property(relative_uri(f.file))}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={escape_property(f.rule)}")
        lines.append(f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(f.message)}")
    return "\n".join(lines)
