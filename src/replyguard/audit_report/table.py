"""Check a batch of conversations given as a table; get the findings back as a table.

:func:`check_table` is the unit of work of every distributed engine: it takes an Arrow table
or a pandas DataFrame and returns the same kind of table, one row per finding (see
:data:`~replyguard.audit_report.rows.FINDINGS_COLUMNS`). The input holds either a ``case`` column of
case JSON (a JSON Lines line per row) or one column per case field (``post.text``,
``draft.text``, …, or other names through ``mapping``), plus optional ``source`` and ``line``.
Each worker process builds its :class:`~replyguard.Linter` once and keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..config import Config
from ..linter import Linter
from .rows import FINDINGS_COLUMNS, CaseRow, check_case, from_columns, to_columns
from .sources import case_from_row, resolve_columns

_linters: dict[str, Linter] = {}


def _key(cfg: Config) -> str:
    return json.dumps([cfg.model_dump(mode="json"), str(cfg.base_dir)], sort_keys=True)


def remember_linter(linter: Linter) -> None:
    """Use an already built linter for its config in this process (the CLI built one)."""
    _linters[_key(linter.config)] = linter


def worker_linter(config: Config | None) -> Linter:
    """This process's linter for ``config``, built on first use (a worker's life, not a batch's)."""
    cfg = config or Config()
    key = _key(cfg)
    linter = _linters.get(key)
    if linter is None:
        from ..batch import tune_gc

        linter = _linters[key] = Linter(cfg)
        tune_gc()
    return linter


def _is_arrow(table: Any) -> bool:
    return type(table).__module__.split(".")[0] == "pyarrow"


def arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in FINDINGS_COLUMNS])


def spark_schema() -> str:
    """The findings table's schema as a Spark DDL string."""
    kinds = {"string": "string", "int64": "long", "float64": "double"}
    return ", ".join(f"`{name}` {kinds[kind]}" for name, kind in FINDINGS_COLUMNS)


def rows_to_table(rows: Iterable[CaseRow], like: str = "arrow") -> Any:
    """CaseRows as a findings table: ``like`` is ``"arrow"`` or ``"pandas"``."""
    cols = to_columns(rows)
    if like == "arrow":
        import pyarrow as pa

        return pa.table(cols, schema=arrow_schema())
    import pandas as pd

    dtypes = {"int64": "Int64", "float64": "float64", "string": "object"}
    return pd.DataFrame({name: pd.array(cols[name], dtype=dtypes[kind]) if kind == "int64"
                         else pd.Series(cols[name], dtype=dtypes[kind]) for name, kind in FINDINGS_COLUMNS})


def table_columns(table: Any) -> dict[str, list[Any]]:
    """A findings table (Arrow or pandas) as column lists."""
    if _is_arrow(table):
        return {name: table.column(name).to_pylist() for name, _ in FINDINGS_COLUMNS}
    return {name: table[name].tolist() for name, _ in FINDINGS_COLUMNS}


def table_rows(table: Any) -> Iterator[CaseRow]:
    return from_columns(table_columns(table))


def rows_from_tables(tables: Iterable[Any]) -> Iterator[CaseRow]:
    """CaseRows from consecutive pieces of one findings table. An engine may cut a case's
    finding rows across two pieces (Spark's Arrow batches); those are joined again."""
    held: CaseRow | None = None
    for table in tables:
        for row in table_rows(table):
            if held is not None and (held.source, held.line) == (row.source, row.line):
                from dataclasses import replace

                held = replace(held, findings=held.findings + row.findings)
                continue
            if held is not None:
                yield held
            held = row
    if held is not None:
        yield held


def check_table(table: Any, config: Config | None = None, *, mapping: Mapping[str, str] | None = None) -> Any:
    """Check every conversation of ``table`` (pyarrow.Table or pandas.DataFrame); returns the
    findings table of the same kind. A malformed case becomes a row with ``error`` set."""
    arrow = _is_arrow(table)
    names = list(table.column_names if arrow else table.columns)
    records = table.to_pylist() if arrow else table.to_dict("records")
    fields = resolve_columns([n for n in names if n not in ("source", "line")], mapping or {}, "table")
    linter = worker_linter(config)
    rows = []
    for i, rec in enumerate(records, start=1):
        source = rec.get("source") or ""
        line = rec.get("line")
        line = i if line is None or line != line else int(line)
        rows.append(check_case(linter, str(source), line, case_from_row(rec, fields)))
    return rows_to_table(rows, "arrow" if arrow else "pandas")
