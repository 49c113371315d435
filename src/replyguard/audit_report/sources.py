"""Where audited cases come from: JSON Lines (the case format), or CSV / Parquet exports whose
columns are mapped onto case fields (``--map draft.text=reply_body``).

Every reader yields ``(source, line, case_json)``: the case as JSON text, so one parser checks
and reports all of them alike. ``line`` is the file's line for JSON Lines and CSV, the 1-based
row for Parquet.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from ..batch import MAX_LINE_BYTES, bounded_lines, line_error
from ..errors import InputError

#: The case fields a column can be mapped to. ``thread``/``history`` take a JSON list (or a
#: Parquet list of structs); ``brand.handles`` a JSON list or comma-separated handles.
FIELDS = ("id", "channel", "brand.name", "brand.handles", "post.id", "post.author", "post.text",
          "post.created_at", "draft.author", "draft.text", "draft.created_at", "thread", "history")
#: Fields a case cannot do without (the others are optional).
REQUIRED = ("post.text", "draft.text")
CASE_COLUMN = "case"  # a column holding a whole case as JSON text

Case = tuple[str, int, str]


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``FIELD=COLUMN`` options as a dict; a bad one is a one-line error."""
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not column:
            raise InputError(f"--map {item!r}: expected FIELD=COLUMN, e.g. draft.text=reply_body")
        if field not in FIELDS and field != CASE_COLUMN:
            raise InputError(f"--map {item!r}: unknown field {field!r}; fields: {', '.join(FIELDS)}, case")
        mapping[field] = column
    return mapping


def input_format(path: str, given: str = "auto") -> str:
    if given != "auto":
        return given
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "jsonl"


def resolve_columns(columns: Iterable[str], mapping: Mapping[str, str], where: str) -> dict[str, str]:
    """Field → column for a table with these columns: the mapping, else same-named columns.

    A table with a ``case`` column (and no field mapping) is read as whole cases in JSON."""
    cols = list(columns)
    present = set(cols)
    if CASE_COLUMN in mapping or (not mapping and CASE_COLUMN in present):
        column = mapping.get(CASE_COLUMN, CASE_COLUMN)
        if column not in present:
            raise InputError(f"{where}: no column {column!r} (mapped to case); columns: {', '.join(cols)}")
        return {CASE_COLUMN: column}
    resolved: dict[str, str] = {}
    for field in FIELDS:
        column = mapping.get(field, field)
        if column in present:
            resolved[field] = column
        elif field in mapping:
            raise InputError(f"{where}: no column {column!r} (mapped to {field}); columns: {', '.join(cols)}")
    missing = [f for f in REQUIRED if f not in resolved]
    if missing:
        raise InputError(f"{where}: no column for {', '.join(missing)}; map one with --map FIELD=COLUMN "
                         f"(columns: {', '.join(cols)})")
    return resolved


def _value(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if hasattr(v, "isoformat") and callable(v.isoformat):  # pandas Timestamp
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    return v


def _messages(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return json.loads(v) if v else []
    if hasattr(v, "tolist"):  # numpy arrays from pandas
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [{k: _value(x) for k, x in m.items() if _value(x) is not None} if isinstance(m, dict) else m
                for m in v]
    return v


def _handles(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if s.startswith("["):
            return json.loads(s)
        return [h.strip().lstrip("@") for h in s.replace(" ", ",").split(",") if h.strip()]
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def case_from_row(row: Mapping[str, Any], columns: Mapping[str, str]) -> str:
    """One table row as case JSON text (what a JSON Lines file would hold on that line)."""
    if CASE_COLUMN in columns:
        value = row[columns[CASE_COLUMN]]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    case: dict[str, Any] = {}
    for field, column in columns.items():
        value = _value(row[column])
        if value is None or value == "":
            continue
        try:
            if field in ("thread", "history"):
                value = _messages(value)
            elif field == "brand.handles":
                value = _handles(value)
        except json.JSONDecodeError as exc:
            value = f"<invalid JSON in column {column}: {exc.msg}>"
        head, _, tail = field.partition(".")
        if tail:
            case.setdefault(head, {})[tail] = value
        else:
            case[head] = str(value) if field == "id" else value
    # exports often leave out who wrote what: the customer wrote the post, the brand the reply
    if "post" in case:
        case["post"].setdefault("author", "customer")
    if "draft" in case:
        handles = case.get("brand", {}).get("handles")
        case["draft"].setdefault("author", handles[0] if isinstance(handles, list) and handles else "brand")
    return json.dumps(case, ensure_ascii=False, default=str)


# -- readers -----------------------------------------------------------------------------------
def _jsonl(path: str) -> Iterator[Case]:
    """Bounded lines (see :func:`~replyguard.batch.bounded_lines`): an overlong line is an error
    row and the file goes on; an endless one (``/dev/zero``) ends the file with an error row."""
    try:
        stream = getattr(sys.stdin, "buffer", sys.stdin) if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    with stream:
        for i, raw in enumerate(bounded_lines(stream), start=1):
            if not raw.strip():
                continue
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError(f"{path}:{i}: not UTF-8 text (is it a CSV or Parquet file? "
                                     "see --input-format)") from None
            yield path, i, raw.removeprefix("\ufeff") if i == 1 else raw


def _csv_lines(stream: TextIO, path: str) -> Iterator[str]:
    """The physical lines of a CSV file, each at most MAX_LINE_BYTES characters: a longer one
    (a binary file, ``/dev/zero``) is a malformed file, not read to its end."""
    for i, line in enumerate(bounded_lines(stream), start=1):
        if not isinstance(line, str) or line_error(line) is not None:
            raise InputError(f"{path}:{i}: malformed CSV: a line longer than {MAX_LINE_BYTES:,} characters")
        yield line


def _csv(path: str, mapping: Mapping[str, str]) -> Iterator[Case]:
    try:
        stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    with stream:
        reader = csv.reader(_csv_lines(stream, path))
        try:
            header = next(reader, None)
            if header is None:
                return
            columns = resolve_columns(header, mapping, path)
            index = {name: i for i, name in enumerate(header)}
            start = reader.line_num + 1
            for record in reader:
                if any(cell.strip() for cell in record):
                    row = {name: record[i] if i < len(record) else None for name, i in index.items()}
                    yield path, start, case_from_row(row, columns)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None


def _parquet(path: str, mapping: Mapping[str, str], batch_rows: int = 4096) -> Iterator[Case]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow: pip install 'replyguard[audit]'") from None
    try:
        pf = pq.ParquetFile(path)
    except OSError as exc:
        raise InputError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    except Exception as exc:  # pyarrow raises its own types for a file that is not Parquet
        raise InputError(f"{path}: not a Parquet file ({exc})") from None
    columns = resolve_columns(pf.schema_arrow.names, mapping, path)
    n = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=sorted(set(columns.values()))):
        for row in batch.to_pylist():
            n += 1
            yield path, n, case_from_row(row, columns)


def read_cases(paths: Iterable[str], mapping: Mapping[str, str] | None = None, fmt: str = "auto") -> Iterator[Case]:
    """Every case of every file, in order."""
    for path in paths:
        kind = input_format(path, fmt)
        if kind == "csv":
            yield from _csv(path, mapping or {})
        elif kind == "parquet":
            yield from _parquet(path, mapping or {})
        else:
            yield from _jsonl(path)


def count_cases(paths: Iterable[str], fmt: str = "auto") -> int | None:
    """How many cases the files hold, when that is cheap to know (for the progress bar)."""
    from ..progress import count_cases as count_lines

    total = 0
    for path in paths:
        kind = input_format(path, fmt)
        try:
            if path == "-" or kind == "csv":
                return None
            if kind == "parquet":
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            else:
                n = count_lines(path)
                if n is None:  # not a regular file (a FIFO, a device)
                    return None
                total += n
        except Exception:
            return None
    return total
