"""SARIF 2.1.0 output, for GitHub code scanning (``upload-sarif``) and other CI viewers.

One run; ``tool.driver.rules`` lists every rule that has a result (plus any the caller
describes), ``results[].ruleIndex`` points into it. Paths are relative to the working
directory (``artifactLocation.uri``), lines and columns 1-based.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from ..models import Severity
from . import WholeRunFormat, register
from .located import TOOL_NAME, TOOL_URI, Run, relative_uri

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}


def _uri(path: str) -> str:
    rel = relative_uri(path)
    return Path(rel).as_uri() if rel.startswith("/") else quote(rel, safe="/")


def sarif_dict(run: Run) -> dict:
    suppressed = [s for u in run.units for s in u.suppressed]
    used = sorted({f.rule for f in run.findings()} | {s.finding.rule for s in suppressed} | set(run.rules))
    rules = []
    for rid in used:
        info = run.rules.get(rid)
        rule: dict = {
            "id": rid,
            "shortDescription": {"text": info.short if info else rid},
            "fullDescription": {"text": (info.full or info.short) if info else rid},
            "defaultConfiguration": {"level": LEVEL[info.severity] if info else "warning"},
        }
        if info and info.help_uri:
            rule["helpUri"] = info.help_uri
        rules.append(rule)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f, sup in [*((f, None) for f in run.findings()), *((s.finding, s) for s in suppressed)]:
        region: dict = {"startLine": f.line or 1, "startColumn": f.column or 1}
        result: dict = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},
                "region": region,
            }}],
        }
        if f.category:
            result["properties"] = {"category": f.category}
        if sup is not None:  # code scanning shows it as suppressed, with the reason
            result["suppressions"] = [{"kind": "inSource" if sup.source == "inline" else "external",
                                       "justification": sup.reason}]
        results.append(result)
    driver = {"name": TOOL_NAME, "version": run.version or "0", "informationUri": TOOL_URI, "rules": rules}
    return {
        "version": SARIF_VERSION,
        "$schema": SARIF_SCHEMA,
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def format_sarif(run: Run) -> str:
    return json.dumps(sarif_dict(run), ensure_ascii=False, indent=2)


@register
class Sarif(WholeRunFormat):
    name = "sarif"
    summary = "SARIF 2.1.0 for code scanning (CI)"
    order = 3
    media_type = "application/sarif+json"

    def render(self, run: Run) -> str:
        return format_sarif(run)
