"""The audit log of the pre-send gate: an append-only JSON Lines file of checks and decisions.

Durability: records are written by *group commit*. The records appended during one pass of
the event loop are handed to the writer thread together at the end of the pass and join the
batch that is pending; the thread writes each batch with a single ``write()`` on an
``O_APPEND | O_DSYNC`` descriptor (the data is on disk when the call returns, as with ``write``
+ ``fdatasync``; ``fsync()`` where ``O_DSYNC`` is missing), and only then are the requests of
that batch answered; the thread starts the next batch as soon as one is on disk. So a record
the server acknowledged is on disk, a crash (even SIGKILL) never leaves half a line from a
finished write, and under load a batch holds many records for one sync.

Several ``serve --workers`` processes may append to the same file: a single ``write()`` to an
``O_APPEND`` file is placed at the end as a whole. Rotation by size renames ``PATH`` to
``PATH.1`` (``PATH.1`` to ``PATH.2``, ...) under an ``flock`` on ``PATH.lock``; a process that
finds its descriptor no longer names ``PATH`` reopens it before its next write.

Privacy: a record holds ids, rule ids, actions, reasons and the SHA-256 of the draft; the texts
(post and draft) only when the log is opened with ``text=True`` (``--audit-log-text``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .models import Conversation, Report

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: rotation without the cross-process lock
    fcntl = None  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_BACKUPS = 5
STAT_INTERVAL_S = 1.0  # how often a writer looks for another process's rotation and growth
LOG_VERSION = 1


def draft_hash(text: str) -> str:
    """SHA-256 (hex) of the draft text: matches a record to a draft without storing the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_record(check_id: str, conv: Conversation, report: Report, *, text: bool,
                 draft_sha256: str | None = None) -> dict[str, Any]:
    """The log record of one check (``draft_sha256``: the draft's hash, when the caller has it)."""
    rec: dict[str, Any] = {
        "v": LOG_VERSION, "ts": now_iso(), "type": "check", "check_id": check_id, "case_id": conv.id,
        "channel": conv.channel, "author": conv.draft.author,
        "draft_sha256": draft_sha256 or draft_hash(conv.draft.text),
        "decision": report.decision.value,
        "findings": [{"rule": f.rule, "severity": f.severity.value, "action": f.action.value}
                     for f in report.findings],
        "suppressed": [{"rule": s.rule, "reason": s.reason, "source": s.source, "count": len(s.findings)}
                       for s in report.suppressed],
    }
    if text:
        rec["text"] = {"post": conv.post.text, "draft": conv.draft.text}
    return rec


def _encode(record: dict[str, Any]) -> bytes:
    # ensure_ascii: a record is pure ASCII, so no line separator inside a text can split it
    return json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


class AuditLog:
    """An append-only JSON Lines file written by group commit (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, text: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS, fsync: bool = True):
        self.path = Path(path)
        self.text = text
        self.max_bytes = max_bytes
        self.backups = max(1, backups)
        self.fsync = fsync
        # O_DSYNC: each write() returns once its data is on disk (write + fdatasync in one call).
        # One system call per batch matters: every call that releases the GIL costs the writer
        # thread a wait of up to the switch interval while the event loop is busy checking.
        self._dsync = fsync and hasattr(os, "O_DSYNC")
        self._size = 0
        self._next_stat = 0.0
        self._lock = threading.Lock()
        self._wakeup = threading.Condition()
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._writer: threading.Thread | None = None
        # records of the running pass of each event loop, not yet handed to the writer
        self._collecting: dict[asyncio.AbstractEventLoop, list[tuple[bytes, asyncio.Future[None]]]] = {}
        self._closing = False
        self.records = 0
        self.batches = 0
        self.write_seconds = 0.0
        self._fd = self._open()

    # -- file ---------------------------------------------------------------------------
    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags | (os.O_DSYNC if self._dsync else 0), 0o600)
        size = os.fstat(fd).st_size
        if size:  # a torn last line (power loss mid-write): end it, so the next record starts clean
            with open(self.path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    os.write(fd, b"\n")
        return fd

    def _reopen_if_rotated(self) -> None:
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            current = None
        if current != os.fstat(self._fd).st_ino:
            old, self._fd = self._fd, self._open()
            os.close(old)

    def _rotate(self) -> None:
        lock_fd = os.open(f"{self.path}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
            try:
                st = os.stat(self.path)
            except FileNotFoundError:
                st = None
            # another process may have rotated already: then only reopen
            if st is not None and st.st_ino == os.fstat(self._fd).st_ino and st.st_size >= self.max_bytes:
                for i in range(self.backups - 1, 0, -1):
                    src = Path(f"{self.path}.{i}")
                    if src.exists():
                        os.replace(src, f"{self.path}.{i + 1}")
                os.replace(self.path, f"{self.path}.1")
            self._reopen_if_rotated()
        finally:
            os.close(lock_fd)

    def write_batch(self, lines: list[bytes]) -> None:
        """Append ``lines`` (each ending in a newline) with one durable write; thread-safe."""
        data = b"".join(lines)
        start = time.perf_counter()
        with self._lock:
            now = time.monotonic()
            if now >= self._next_stat:  # other workers append to (and may rotate) the same file
                self._next_stat = now + STAT_INTERVAL_S
                self._reopen_if_rotated()
                self._size = os.fstat(self._fd).st_size
            written = os.write(self._fd, data)
            if written != len(data):  # disk full and the like: never report a record as logged
                raise OSError(f"audit log {self.path}: short write ({written} of {len(data)} bytes)")
            if self.fsync and not self._dsync:
                os.fsync(self._fd)
            self._size += written
            if self._size >= self.max_bytes:
                self._rotate()
                self._size = os.fstat(self._fd).st_size
            self.records += len(lines)
            self.batches += 1
            self.write_seconds += time.perf_counter() - start

    def write(self, record: dict[str, Any]) -> None:
        """Append one record durably (blocking): for callers without an event loop."""
        self.write_batch([_encode(record)])

    # -- asyncio group commit ---------------------------------------------------------------
    async def append(self, record: dict[str, Any]) -> None:
        """Append ``record``; returns once it is on disk (raises OSError if it could not be).

        The records appended during one pass of the event loop are handed to the writer thread
        together, by one callback at the end of the pass: waking the thread (and the GIL
        hand-offs that follow) cost ~0.1 ms of CPU per wake-up, once per record before."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        line = _encode(record)
        collected = self._collecting.get(loop)
        if collected is None:
            collected = self._collecting[loop] = []
            loop.call_soon(self._hand_over, loop)
        collected.append((line, fut))
        await fut

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give the records ``loop`` collected in its last pass to the writer thread."""
        batch = self._collecting.pop(loop)
        with self._wakeup:
            if self._closing:  # never wait for a writer that is gone
                _settle([fut for _, fut in batch], OSError(f"audit log {self.path} is closed"))
                return
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="replyguard-audit", daemon=True)
                self._writer.start()
            self._pending.extend(batch)
            self._wakeup.notify()

    def _write_loop(self) -> None:
        """The writer thread: writes whatever is pending as one batch, as soon as the previous
        batch is on disk, so the disk and the event loop work in parallel and a batch is never
        held back waiting for the event loop to get round to it."""
        while True:
            with self._wakeup:
                while not self._pending and not self._closing:
                    self._wakeup.wait()
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            error: BaseException | None = None
            try:
                self.write_batch([line for line, _ in batch])
            except Exception as exc:  # every waiting request gets the error
                error = exc
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for _, fut in batch:
                by_loop.setdefault(fut.get_loop(), []).append(fut)
            for loop, futs in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                    loop.call_soon_threadsafe(_settle, futs, error)

    def close(self) -> None:
        """Write what is pending, stop the writer thread, close the file."""
        with self._wakeup:
            self._closing = True
            self._wakeup.notify()
        if self._writer is not None:
            self._writer.join()
        os.close(self._fd)


def _settle(futs: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for fut in futs:
        if not fut.done():
            if error is None:
                fut.set_result(None)
            else:
                fut.set_exception(error)


# -- summary (replyguard audit-log PATH) ------------------------------------------------------
@dataclass
class Summary:
    """What ``replyguard audit-log`` prints: counts over one or more log files."""

    files: list[str] = field(default_factory=list)
    lines: int = 0
    bad_lines: list[str] = field(default_factory=list)
    checks: int = 0
    decisions_by_value: Counter[str] = field(default_factory=Counter)
    findings_by_rule: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    suppressed_by_rule: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    overrides_by_agent: Counter[str] = field(default_factory=Counter)
    overrides_by_rule: Counter[str] = field(default_factory=Counter)
    override_reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    first: str | None = None
    last: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "lines": self.lines, "bad_lines": self.bad_lines, "checks": self.checks,
            "decisions": dict(self.decisions_by_value),
            "findings_by_rule": {r: dict(c) for r, c in sorted(self.findings_by_rule.items())},
            "suppressed_by_rule": dict(self.suppressed_by_rule), "agent_actions": dict(self.actions),
            "overrides_by_agent": dict(self.overrides_by_agent), "overrides_by_rule": dict(self.overrides_by_rule),
            "override_reasons": [{"agent": a, "reason": r, "count": n}
                                 for (a, r), n in self.override_reasons.most_common()],
            "first": self.first, "last": self.last,
        }


def read_records(path: str | os.PathLike[str], summary: Summary | None = None) -> Iterator[dict[str, Any]]:
    """The records of one log file; a line that does not parse (overlong, nested too deeply,
    not JSON) is noted in ``summary``. Lines are read bounded: ``/dev/zero`` ends."""
    from .batch import bounded_lines

    with open(path, "rb") as fh:
        for n, raw in enumerate(bounded_lines(fh), start=1):
            if not raw.strip():
                continue
            if summary is not None:
                summary.lines += 1
            try:
                if not isinstance(raw, bytes):  # an overlong line (bounded_lines' error line)
                    raise ValueError("overlong")
                rec = json.loads(raw)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                if summary is not None:
                    summary.bad_lines.append(f"{path}:{n}")
                continue
            yield rec


def summarise(paths: Iterable[str | os.PathLike[str]]) -> Summary:
    """Decisions per rule, suppressions, and overrides per agent and reason, over ``paths``."""
    s = Summary()
    for path in paths:
        s.files.append(str(path))
        for rec in read_records(path, s):
            ts = rec.get("ts")
            if isinstance(ts, str):
                s.first = ts if s.first is None or ts < s.first else s.first
                s.last = ts if s.last is None or ts > s.last else s.last
            if rec.get("type") == "check":
                s.checks += 1
                s.decisions_by_value[str(rec.get("decision"))] += 1
                for f in rec.get("findings") or []:
                    s.findings_by_rule[str(f.get("rule"))][str(f.get("action"))] += 1
                for sup in rec.get("suppressed") or []:
                    s.suppressed_by_rule[str(sup.get("rule"))] += 1
            elif rec.get("type") == "decision":
                agent, action = str(rec.get("agent")), str(rec.get("action"))
                s.actions[action] += 1
                if action == "overridden" or rec.get("rules"):
                    s.overrides_by_agent[agent] += 1
                    for rule in rec.get("rules") or []:
                        s.overrides_by_rule[str(rule)] += 1
                    s.override_reasons[(agent, str(rec.get("reason") or ""))] += 1
    return s


def format_summary(s: Summary) -> str:
    """The text report of ``replyguard audit-log``."""
    out = [f"{', '.join(s.files)}: {s.lines} record(s), {s.checks} check(s), "
           f"{sum(s.actions.values())} decision(s)" + (f", from {s.first} to {s.last}" if s.first else "")]
    if s.bad_lines:
        out.append(f"unparsable lines: {len(s.bad_lines)} ({', '.join(s.bad_lines[:5])}"
                   + (", ..." if len(s.bad_lines) > 5 else "") + ")")
    if s.decisions_by_value:
        out.append("check decisions: " + ", ".join(f"{k} {n}" for k, n in s.decisions_by_value.most_common()))
    if s.findings_by_rule:
        out.append("findings per rule (by action):")
        for rule, c in sorted(s.findings_by_rule.items(), key=lambda kv: -sum(kv[1].values())):
            out.append(f"  {rule:48} " + ", ".join(f"{a} {n}" for a, n in c.most_common()))
    if s.suppressed_by_rule:
        out.append("suppressed per rule: " + ", ".join(f"{r} {n}" for r, n in s.suppressed_by_rule.most_common()))
    if s.actions:
        out.append("agent actions: " + ", ".join(f"{a} {n}" for a, n in s.actions.most_common()))
    if s.overrides_by_agent:
        out.append("overrides per agent: " + ", ".join(f"{a} {n}" for a, n in s.overrides_by_agent.most_common()))
        out.append("overrides per rule: " + ", ".join(f"{r} {n}" for r, n in s.overrides_by_rule.most_common()))
        out.append("override reasons:")
        for (agent, reason), n in s.override_reasons.most_common(20):
            out.append(f"  {n:5}  {agent}: {reason or '(none)'}")
    return "\n".join(out)
