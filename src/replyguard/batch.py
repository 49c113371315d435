"""Batch checking of JSON Lines case files, streamed: a line in, a result out.

A malformed line becomes an error record naming its line number; the other cases are still
checked, and the output has one record per input case, in input order. "Malformed" covers
anything a file can hold: bytes that are not UTF-8 (a Shift_JIS export), JSON nested too
deeply for the parser, and a line longer than :data:`MAX_LINE_BYTES` (read in bounded pieces,
so an endless line never fills memory). An input that has no newline for
:data:`MAX_SKIP_BYTES` more (``/dev/zero``) ends with one error record naming the byte offset.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from pydantic import ValidationError

from .config import Config
from .errors import ReplyguardError
from .gc_tuning import tune_gc
from .linter import Linter
from .models import Conversation, Report, Severity

# the C encoder behind json.dumps(obj, ensure_ascii=False), made once (json.dumps makes it anew
# for every call); None without the _json accelerator
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_ENCODE, _COMPACT = ((_c_make_encoder(None, json.JSONEncoder().default, json.encoder.encode_basestring, None,
                                      colon, comma, False, False, True) for colon, comma in ((": ", ", "), (":", ",")))
                      if _c_make_encoder is not None else (None, None))


def record_line(record: dict[str, Any]) -> str:
    """``json.dumps(record, ensure_ascii=False)``, byte for byte, at about half its cost: the
    ``--format jsonl`` line of a record (JSON data from ``model_dump(mode="json")``, no cycles)."""
    if _ENCODE is None:  # pragma: no cover
        return json.dumps(record, ensure_ascii=False)
    return "".join(_ENCODE(record, 0))


def _compact(fields: dict[str, Any]) -> str:
    """``fields`` as JSON without spaces (as pydantic writes it)."""
    if _COMPACT is None:  # pragma: no cover
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return "".join(_COMPACT(fields, 0))


@dataclass
class CaseResult:
    """One checked case (or draft): its report, or the error that kept it from being checked.
    ``compact``: its :meth:`json_line` is the report as pydantic encodes it — the same JSON
    without a space after ``,`` and ``:``, at about half the cost; the server answers with it.
    Otherwise the line is ``json.dumps``'s, which ``check --format jsonl`` keeps byte-stable."""

    line: int
    id: str | None
    draft: str = ""
    report: Report | None = None
    error: str | None = None
    compact: bool = False

    def record(self) -> dict:
        if self.report is not None:
            return self.report.model_dump(mode="json")
        return {"id": self.id, "line": self.line, "error": self.error, "findings": []}

    def severities(self) -> list[Severity]:
        """The severity of each finding (none for an error record)."""
        return [f.severity for f in self.report.findings] if self.report is not None else []

    def json_line(self, meta: dict[str, Any] | None = None, tail: dict[str, Any] | None = None) -> str:
        """The ``--format jsonl`` line of this result (without the newline): the fields of
        ``meta`` first, then the record's, then those of ``tail``."""
        if self.compact and self.report is not None:
            line = self.report.model_dump_json()
            if meta:
                line = _compact(meta)[:-1] + "," + line[1:]
            if tail:
                line = line[:-1] + "," + _compact(tail)[1:]
            return line
        rec = self.record()
        return record_line({**(meta or {}), **rec, **(tail or {})} if meta or tail else rec)


_SEVERITY = {s.value: s for s in Severity}


class _Shipped(CaseResult):
    """A worker's result as it arrives in the parent process: the output record as the worker
    made it; the :class:`Report` is rebuilt only if someone asks for it (text output, --fix).
    Rebuilding a Report costs more than checking a case is worth in the parent."""

    def __init__(self, line: int, id: str | None, draft: str, json_line: str, severities: tuple[str, ...]):
        self.line, self.id, self.draft, self.error = line, id, draft, None
        self._json = json_line
        self._severities = severities
        self._record: dict | None = None
        self._report: Report | None = None

    @property  # type: ignore[override]
    def report(self) -> Report:
        if self._report is None:
            self._report = Report.model_validate(self.record())
        return self._report

    @report.setter
    def report(self, value: Report) -> None:
        self._report = value

    def record(self) -> dict:
        if self._record is None:
            self._record = json.loads(self._json)
        return self._record

    def severities(self) -> list[Severity]:
        return [_SEVERITY[s] for s in self._severities]

    def json_line(self, meta: dict[str, Any] | None = None, tail: dict[str, Any] | None = None) -> str:
        return super().json_line(meta, tail) if meta or tail else self._json


def _ship(res: CaseResult) -> tuple:
    """What a worker sends back: the finished output line, not the Report (cheap to pickle)."""
    if res.report is None:
        return (res.line, res.id, res.draft, res.error, None, ())
    return (res.line, res.id, res.draft, None, res.json_line(), tuple(s.value for s in res.severities()))


def _unship(item: tuple) -> CaseResult:
    line, case_id, draft, error, json_line, severities = item
    if json_line is None:
        return CaseResult(line, case_id, draft, error=error)
    return _Shipped(line, case_id, draft, json_line, severities)


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"]) or "case"
    return f"{where}: {err['msg']}"


# A case holds at most a handful of texts of max_text_chars (20,000) each; even written
# with \uXXXX escapes (6 bytes a character) a real case stays far below this.
MAX_LINE_BYTES = 4 * 1024 * 1024
#: How far past :data:`MAX_LINE_BYTES` an overlong line is skipped in search of its end. An
#: input with no newline in ``MAX_LINE_BYTES + MAX_SKIP_BYTES`` (68 MiB) is not JSON Lines
#: (``/dev/zero``, a disk image, a JSON array on one line): reading stops there, with one error
#: record naming the byte offset, instead of reading for ever.
MAX_SKIP_BYTES = 64 * 1024 * 1024
_READ_BYTES = 64 * 1024
# A line that stands for an error found while reading (its bytes are not kept). It is a str,
# so it travels wherever a line of text does (a worker process, a Spark column); no JSON text
# starts with a NUL, so it is never mistaken for a case.
_ERROR_MARK = "\0replyguard-error\0"

Line = str | bytes  # a text line (library callers, the audit's readers) or a raw one (the CLI)


def error_line(message: str) -> str:
    """A line that :func:`parse_case` turns into an error record with ``message``."""
    return _ERROR_MARK + message


def line_error(line: Line) -> str | None:
    """The message of an :func:`error_line`, None for any other line."""
    if isinstance(line, str) and line.startswith(_ERROR_MARK):
        return line[len(_ERROR_MARK):]
    return None


def _ends_line(piece: Line) -> bool:
    # a text stream opened with newline="" (CSV) ends its lines with "\r" as well
    return piece[-1:] == b"\n" if isinstance(piece, bytes) else piece[-1:] in ("\n", "\r")


def bounded_lines(stream: BinaryIO | TextIO, limit: int = MAX_LINE_BYTES, *,
                  skip: int | None = None) -> Iterator[Line]:
    """The lines of a stream (binary; a text one is accepted too, counted in characters), read
    in bounded pieces so that memory stays bounded whatever the input.

    A line over ``limit`` bytes is not kept: it is skipped to its end and yielded as an
    :func:`error_line`. Skipping is bounded too: when no newline comes within ``skip`` bytes
    (default :data:`MAX_SKIP_BYTES`) past the limit, the last item is an error line naming the
    byte offset where that line began, and reading stops (an endless input ends)."""
    skip = MAX_SKIP_BYTES if skip is None else skip
    offset = 0  # of the current line's first byte
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or _ends_line(line):
            offset += len(line)
            yield line
            continue
        start, size = offset, len(line)
        while line and not _ends_line(line) and size - limit < skip:  # skip to the end of the line
            line = stream.readline(min(_READ_BYTES, limit + skip - size))
            size += len(line)
        offset += size
        if not line or _ends_line(line):  # the line (or the input) ended: one bad line
            yield error_line(f"the line is longer than {limit:,} bytes")
            continue
        yield error_line(f"no newline in {size:,} bytes from byte offset {start:,} (a line holds at most "
                         f"{limit:,}); stopped reading the input there")
        return


def _decode(line_no: int, raw: Line) -> str | CaseResult:
    if isinstance(raw, str):
        error = line_error(raw)
        if error is not None:
            return CaseResult(line_no, None, error=f"line {line_no}: {error}")
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return CaseResult(line_no, None, error=f"line {line_no}: not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                                               f"at byte {exc.start + 1}); save the file as UTF-8")
    return text.removeprefix("\ufeff") if line_no == 1 else text  # a BOM from a Windows export


def parse_case(line_no: int, raw: Line) -> Conversation | CaseResult:
    """A conversation from one JSONL line, or an error result that says what is wrong."""
    text = _decode(line_no, raw)
    if isinstance(text, CaseResult):
        return text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return CaseResult(line_no, None,
                          error=f"line {line_no}: invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return CaseResult(line_no, None, error=f"line {line_no}: invalid JSON: nested too deeply")
    case_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(data, dict):
        return CaseResult(line_no, None, error=f"line {line_no}: a case must be a JSON object")
    try:
        return Conversation.model_validate(data)
    except RecursionError:
        return CaseResult(line_no, str(case_id) if case_id is not None else None,
                          error=f"line {line_no}: case: nested too deeply")
    except ValidationError as exc:
        return CaseResult(line_no, str(case_id) if case_id is not None else None,
                          error=f"line {line_no}: {_validation_message(exc)}")


def check_one(linter: Linter, line_no: int, raw: Line) -> CaseResult:
    parsed = parse_case(line_no, raw)
    if isinstance(parsed, CaseResult):
        return parsed
    try:
        report = linter.check(parsed)
    except ReplyguardError as exc:
        return CaseResult(line_no, parsed.id, parsed.draft.text, error=f"line {line_no}: {exc}")
    return CaseResult(line_no, parsed.id, parsed.draft.text, report=report)


def numbered_lines(lines: Iterable[Line]) -> Iterator[tuple[int, Line]]:
    """Non-blank lines with their 1-based line numbers."""
    for i, raw in enumerate(lines, start=1):
        if raw.strip():
            yield i, raw


def run_batch(linter: Linter, lines: Iterable[Line]) -> Iterator[CaseResult]:
    """Check every case of a JSONL stream, in order."""
    for line_no, raw in numbered_lines(lines):
        yield check_one(linter, line_no, raw)


# -- parallel batches ------------------------------------------------------------------------
_worker_linter: Linter | None = None


def _init_worker(config: Config) -> None:
    """Pool initializer: each worker process builds its own linter once."""
    global _worker_linter
    _worker_linter = Linter(config)
    tune_gc()


def _check_chunk(items: list[tuple[int, Line]]) -> list[tuple]:
    assert _worker_linter is not None
    return [_ship(check_one(_worker_linter, line_no, raw)) for line_no, raw in items]


def _chunks(lines: Iterable[Line], size: int) -> Iterator[list[tuple[int, Line]]]:
    chunk: list[tuple[int, Line]] = []
    for item in numbered_lines(lines):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def run_batch_parallel(config: Config, lines: Iterable[Line], jobs: int, chunksize: int = 128
                       ) -> Iterator[CaseResult]:
    """Like :func:`run_batch`, with up to ``jobs`` worker processes; results stay in input order.

    Lines are read and handed out lazily in chunks, so memory stays flat on large files. The
    workers are capped by the usable CPUs (a check is CPU-bound: more processes only cost
    memory, a linter each) and by the chunks there are (the first ``jobs`` are read first).
    """
    import multiprocessing

    chunks = _chunks(lines, chunksize)
    first = list(itertools.islice(chunks, max(1, min(jobs, usable_cpus()))))
    if not first:
        return
    pool = multiprocessing.Pool(len(first), initializer=_init_worker, initargs=(config,))
    try:
        for chunk in pool.imap(_check_chunk, itertools.chain(first, chunks)):
            for item in chunk:
                yield _unship(item)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
