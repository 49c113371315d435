"""A third-party output format in one module: tab-separated located findings, one per line,
written as each unit arrives. Registered through the ``replyguard.formats`` entry point."""

from __future__ import annotations

from replyguard.formats import OutputFormat, register
from replyguard.formats.located import Unit, relative_uri


@register
class Tsv(OutputFormat):
    name = "tsv"
    summary = "tab-separated findings (test plugin)"
    media_type = "text/tab-separated-values"

    def unit(self, unit: Unit) -> None:
        for f in unit.findings:
            self.out.write(f"{relative_uri(f.file)}\t{f.line or 1}\t{f.severity.value}\t{f.rule}\t{unit.name}\n")

    def end(self) -> None:
        self.out.write("# end\n")
