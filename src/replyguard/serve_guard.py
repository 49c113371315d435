"""What keeps ``replyguard serve`` responsive under hostile clients (issue 14).

* **Header timeout** — a connection must send a complete request head within
  :data:`HEADER_TIMEOUT_S` of its first byte (of connecting, for the first request); else it is
  closed. uvicorn's h11 protocol waits forever for a partial head, so 600 such connections held
  600 file descriptors and, with a low file limit, made ``/healthz`` time out.
* **Connection cap** — at most :data:`MAX_CONNECTIONS` open connections (fewer when the file
  limit is lower). A new connection over the cap closes the oldest one that has not sent a
  complete request head (an idle or slow client), so a flood of idle connections cannot
  lock out a real request; only when every connection is busy is the new one refused.
* **Body timeout** — the body must arrive within :data:`BODY_TIMEOUT_S` (a 408 JSON error),
  enforced where the app reads it (:func:`replyguard.server._read_body`).
* **JSON only** — a ``POST`` whose ``Content-Type`` is not JSON is refused with 415 before it
  is read: a ``text/plain`` POST is a CORS "simple request", so without this any web page
  could make a visitor's browser spend the server's CPU.
* **Check budget** — a check that runs longer than :data:`CHECK_BUDGET_S` stops between two
  rules and answers 503 (see :meth:`replyguard.Linter.check`'s ``deadline``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 1_000
CHECK_BUDGET_S = 2.0
FD_RESERVE = 64  # file descriptors kept for the log, the packs, the audit log
MAX_BACKLOG = 2048


def _file_limit() -> int | None:
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # not POSIX
        return None
    return None if soft == resource.RLIM_INFINITY else soft


def accept_backlog() -> int:
    """How many connections asyncio accepts in one go (uvicorn's ``backlog``): it accepts a
    whole burst before any of them can close an idle one, so a burst must fit in the file
    descriptors the cap leaves free: an eighth of the file limit, at most 2048."""
    soft = _file_limit()
    return MAX_BACKLOG if soft is None else max(16, min(MAX_BACKLOG, soft // 8))


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """``wanted``, lowered to what the file limit leaves after :data:`FD_RESERVE` and one
    accept burst (:func:`accept_backlog`)."""
    soft = _file_limit()
    if soft is None:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE - accept_backlog()))


def guarded_protocol(*, header_timeout: float = HEADER_TIMEOUT_S, max_connections: int | None = None) -> type:
    """uvicorn's h11 protocol with a header timeout and a connection cap (pass it as ``http=``)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    cap = connection_cap() if max_connections is None else max_connections

    class GuardedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None
        _waiting_since = 0.0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._waiting_since = self.loop.time()
            self._arm_head_timer()
            if len(self.connections) > cap:
                self._make_room()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:  # still no complete request head
                if self._head_timer is None:
                    self._arm_head_timer()
            elif self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._waiting_since = self.loop.time()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def waiting_for_head(self) -> bool:
            return self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)

        def _arm_head_timer(self) -> None:
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.waiting_for_head() and not self.transport.is_closing():
                self.transport.close()

        def _make_room(self) -> None:
            """Close the longest-waiting connection without a request in progress (else this one)."""
            idle = [c for c in self.connections
                    if c is not self and isinstance(c, GuardedH11Protocol) and c.waiting_for_head()
                    and not c.transport.is_closing()]
            victim = min(idle, key=lambda c: c._waiting_since) if idle else self
            victim.transport.close()
            victim.connections.discard(victim)

    return GuardedH11Protocol


class JsonPostOnly:
    """ASGI middleware: a ``POST`` must say ``Content-Type: application/json`` (or ``…+json``);
    anything else is answered 415 with a JSON error before the body is read."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            ctype = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-type"), "")
            media = ctype.split(";", 1)[0].strip().lower()
            if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
                body = json.dumps({"error": "Content-Type must be application/json",
                                   "detail": {"content_type": ctype or None}}).encode()
                await send({"type": "http.response.start", "status": 415, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
