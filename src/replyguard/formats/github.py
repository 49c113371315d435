"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per
finding, shown as annotations on the pull request.

Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the message
``%``, ``\\r``, ``\\n`` become ``%25``, ``%0D``, ``%0A``; in properties also ``:`` and ``,``
become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from ..models import Severity
from . import OutputFormat, register
from .located import Located, Run, Unit, relative_uri

COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(f: Located) -> str:
    """The workflow command of one finding."""
    props = [f"file={escape_property(relative_uri(f.file))}"]
    if f.line:
        props.append(f"line={f.line}")
    if f.column:
        props.append(f"col={f.column}")
    props.append(f"title={escape_property(f.rule)}")
    return f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(f.message)}"


def format_github(run: Run) -> str:
    return "\n".join(command(f) for f in run.findings())


@register
class Github(OutputFormat):
    """Written unit by unit; nothing at all when there is no finding."""

    name = "github"
    summary = "GitHub Actions annotations (CI)"
    order = 4

    def unit(self, unit: Unit) -> None:
        for f in unit.findings:
            self.out.write(command(f) + "\n")
