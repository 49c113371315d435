"""One checked case as the audit sees it: who replied, where, when, and what was found.

A :class:`CaseRow` is what every engine (local, Dask, Spark) produces per case, and all the
audit's numbers are computed from CaseRows only. It converts losslessly to and from the flat
*findings table* (one row per finding; a case without findings is one row with no rule), so a
row that went through Arrow, pandas or Spark gives the same aggregates as one that did not.
A case's ``decision`` (the strictest policy action of its findings, as ``check`` reports it) is
a case column: every finding row of the case repeats it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..batch import parse_case
from ..errors import ReplyguardError
from ..linter import Linter
from ..models import Conversation, Report

# (rule, category, severity, message, span start or None, span end or None)
FindingRow = tuple[str, str, str, str, "int | None", "int | None"]

#: Columns of the findings table, in order, with their Arrow type names.
FINDINGS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "string"), ("line", "int64"), ("id", "string"), ("channel", "string"), ("agent", "string"),
    ("posted_at", "string"), ("replied_at", "string"), ("response_minutes", "float64"), ("error", "string"),
    ("draft", "string"), ("decision", "string"), ("rule", "string"), ("category", "string"), ("severity", "string"),
    ("message", "string"), ("span_start", "int64"), ("span_end", "int64"),
)
CASE_COLUMNS = tuple(name for name, _ in FINDINGS_COLUMNS[:11])


@dataclass(frozen=True)
class CaseRow:
    """One case's outcome. ``error`` is set (and ``findings`` empty) when it could not be checked."""

    source: str
    line: int
    id: str | None
    channel: str | None = None
    agent: str | None = None  # the draft's author
    posted_at: str | None = None  # ISO 8601 as given, with its offset
    replied_at: str | None = None
    response_minutes: float | None = None
    error: str | None = None
    draft: str = ""
    findings: tuple[FindingRow, ...] = ()
    decision: str | None = None  # block / approve / warn / allow (the report's); None for an error row

    def severities(self) -> set[str]:
        return {f[2] for f in self.findings}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def response_minutes(conv: Conversation) -> float | None:
    """Minutes from the post to the reply; None when a time is missing, naive against aware,
    or the reply is dated before the post (a data error, not a fast reply)."""
    posted, replied = conv.post.created_at, conv.draft.created_at
    if posted is None or replied is None or (posted.tzinfo is None) != (replied.tzinfo is None):
        return None
    minutes = (replied - posted).total_seconds() / 60.0
    return minutes if minutes >= 0 else None


def case_row(source: str, line: int, conv: Conversation, report: Report) -> CaseRow:
    return CaseRow(
        source=source, line=line, id=conv.id, channel=conv.channel, agent=conv.draft.author,
        posted_at=_iso(conv.post.created_at), replied_at=_iso(conv.draft.created_at),
        response_minutes=response_minutes(conv), draft=conv.draft.text,
        findings=tuple((f.rule, f.category, f.severity.value, f.message,
                        f.span.start if f.span else None, f.span.end if f.span else None)
                       for f in report.findings),
        decision=report.decision.value)


def check_case(linter: Linter, source: str, line: int, raw: str) -> CaseRow:
    """Check one case given as its JSON text; a malformed case becomes an error row."""
    parsed = parse_case(line, raw)
    if not isinstance(parsed, Conversation):
        return CaseRow(source, line, parsed.id, error=parsed.error)
    try:
        report = linter.check(parsed)
    except ReplyguardError as exc:
        return CaseRow(source, line, parsed.id, channel=parsed.channel, agent=parsed.draft.author,
                       draft=parsed.draft.text, error=f"line {line}: {exc}")
    return case_row(source, line, parsed, report)


# -- the findings table ------------------------------------------------------------------------
def to_columns(rows: Iterable[CaseRow]) -> dict[str, list[Any]]:
    """The findings table as plain column lists (for ``pyarrow.table`` or ``pandas.DataFrame``)."""
    cols: dict[str, list[Any]] = {name: [] for name, _ in FINDINGS_COLUMNS}
    case_cols = [cols[name] for name in CASE_COLUMNS]
    finding_cols = [cols[name] for name in ("rule", "category", "severity", "message", "span_start", "span_end")]
    for r in rows:
        values = (r.source, r.line, r.id, r.channel, r.agent, r.posted_at, r.replied_at, r.response_minutes,
                  r.error, r.draft, r.decision)
        for f in r.findings or (None,):
            for col, v in zip(case_cols, values, strict=True):
                col.append(v)
            for col, v in zip(finding_cols, f or (None,) * 6, strict=True):
                col.append(v)
    return cols


def _clean(v: Any) -> Any:
    """None for the missing-value markers that pandas puts in object and float columns."""
    if v is None:
        return None
    if isinstance(v, float) and v != v:  # NaN
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    return v


def _int(v: Any) -> int | None:
    v = _clean(v)
    return None if v is None else int(v)


def from_columns(cols: dict[str, list[Any]]) -> Iterator[CaseRow]:
    """CaseRows back from a findings table's columns (rows of one case are consecutive)."""
    n = len(cols["line"])
    i = 0
    while i < n:
        source, line = cols["source"][i], int(cols["line"][i])
        findings: list[FindingRow] = []
        j = i
        while j < n and cols["source"][j] == source and int(cols["line"][j]) == line:
            rule = _clean(cols["rule"][j])
            if rule is not None:
                findings.append((rule, cols["category"][j], cols["severity"][j], cols["message"][j],
                                 _int(cols["span_start"][j]), _int(cols["span_end"][j])))
            j += 1
        minutes = _clean(cols["response_minutes"][i])
        yield CaseRow(source=source, line=line, id=_clean(cols["id"][i]), channel=_clean(cols["channel"][i]),
                      agent=_clean(cols["agent"][i]), posted_at=_clean(cols["posted_at"][i]),
                      replied_at=_clean(cols["replied_at"][i]),
                      response_minutes=None if minutes is None else float(minutes),
                      error=_clean(cols["error"][i]), draft=_clean(cols["draft"][i]) or "",
                      findings=tuple(findings), decision=_clean(cols["decision"][i]))
        i = j


def finding_records(row: CaseRow) -> list[dict[str, Any]]:
    """The findings of a row in the shape of ``check --format jsonl`` (without suggestions/fixes)."""
    return [{"rule": f[0], "category": f[1], "severity": f[2], "message": f[3],
             "span": None if f[4] is None else {"start": f[4], "end": f[5]}} for f in row.findings]
