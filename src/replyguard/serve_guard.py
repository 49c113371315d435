"""What keeps ``replyguard serve`` responsive under hostile clients (issue 14).

* **Header timeout** — a connection must send a complete request head within
  :data:`HEADER_TIMEOUT_S` of its first byte (of connecting, for the first request); else it is
  closed. uvicorn's h11 protocol waits forever for a partial head, so 600 such connections held
  600 file descriptors and, with a low file limit, made ``/healthz`` time out.
* **Connection cap** — at most :data:`MAX_CONNECTIONS` open connections (fewer when the file
  limit is lower). A new connection over the cap closes the oldest one that has not sent a
  complete request head (an idle or slow client), so a flood of idle connections cannot
  lock out a real request; only when every connection is busy is the new one refused.
* **Accepting** — the kernel queues up to :data:`LISTEN_BACKLOG` connections not yet accepted
  (a small queue overflowed under a flood: the kernel dropped the SYNs and every client that
  came then, ``/healthz`` too, waited a whole second to retry), while asyncio accepts only
  :func:`accept_burst` connections per wake-up. Up to :data:`BURSTS_IN_FLIGHT` bursts are
  accepted before the first one has closed its idle victims, and the cap leaves room for them:
  running out of file descriptors made asyncio stop accepting for one second.
* **Malformed HTTP** — answered ``400`` with the JSON error of every other answer (uvicorn's
  own answer is plain text).
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
import socket
from typing import Any

HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 1_000
CHECK_BUDGET_S = 2.0
FD_RESERVE = 64  # file descriptors kept for the log, the packs, the audit log, static files
LISTEN_BACKLOG = 2048  # the kernel's queue of connections not yet accepted (capped by somaxconn)
MAX_ACCEPT_BURST = 128
BURSTS_IN_FLIGHT = 4  # accepted before the first burst's idle victims are closed (3), plus one


def _file_limit() -> int | None:
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # not POSIX
        return None
    return None if soft == resource.RLIM_INFINITY else soft


def accept_burst() -> int:
    """How many connections asyncio accepts per wake-up (uvicorn's ``backlog``; the kernel's
    queue is set apart, :data:`LISTEN_BACKLOG`): a sixteenth of the file limit, 8 to 128.

    asyncio accepts a burst in one callback; the new connections' transports and protocols
    come one loop iteration later, the idle connections they evict are closed one more later,
    and meanwhile the listening socket can be read again: three bursts are open before the
    first burst's victims are closed."""
    soft = _file_limit()
    return MAX_ACCEPT_BURST if soft is None else max(8, min(MAX_ACCEPT_BURST, soft // 16))


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """``wanted``, lowered to what the file limit leaves after :data:`FD_RESERVE` and
    :data:`BURSTS_IN_FLIGHT` accept bursts."""
    soft = _file_limit()
    if soft is None:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE - BURSTS_IN_FLIGHT * accept_burst()))


def guarded_server(app: Any, **options: Any) -> Any:
    """A uvicorn ``Server`` for ``app`` with the guarded protocol, small accept bursts and a
    wide kernel queue; ``options`` are uvicorn's (host, port, log_level, ...)."""
    import uvicorn

    class GuardedServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            for server in self.servers:  # asyncio listened with the burst size: widen the queue
                for sock in server.sockets or ():
                    with sock.dup() as listening:  # the same socket; the dup is closed after
                        listening.listen(LISTEN_BACKLOG)

    # ws="none": the service has no WebSocket route, so an Upgrade request is plain HTTP
    return GuardedServer(uvicorn.Config(app, http=guarded_protocol(), backlog=accept_burst(), ws="none",
                                        **options))


def run_server(app: Any, *, sockets: list[socket.socket] | None = None, **options: Any) -> bool:
    """Serve ``app`` (:func:`guarded_server`) until stopped: ``serve`` and each ``--workers``
    process. Returns whether it started (uvicorn exits with 1 when it cannot bind)."""
    server = guarded_server(app, **options)
    server.run(sockets=sockets)
    return bool(server.started)


def guarded_protocol(*, header_timeout: float = HEADER_TIMEOUT_S, max_connections: int | None = None) -> type:
    """uvicorn's h11 protocol with a header timeout and a connection cap (pass it as ``http=``)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    cap = connection_cap() if max_connections is None else max_connections

    # the connections waiting for a request head, the longest-waiting first (dicts keep order):
    # the connection to close over the cap is the first, found without scanning them all
    waiting: dict[Any, None] = {}

    class GuardedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            waiting[self] = None
            self._arm_head_timer()
            if len(self.connections) > cap:
                self._make_room()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE:  # still no complete request head
                if self._head_timer is None:
                    self._arm_head_timer()
            else:
                waiting.pop(self, None)
                if self._head_timer is not None:
                    self._head_timer.cancel()
                    self._head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            waiting.pop(self, None)
            if self.waiting_for_head() and not self.transport.is_closing():
                waiting[self] = None  # waits again (keep-alive): the newest

        def connection_lost(self, exc: Exception | None) -> None:
            waiting.pop(self, None)
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            """A request h11 cannot parse (a bad request line or header, a head over 16 KiB):
            uvicorn answers it in plain text; this is the JSON of every other error."""
            body = json.dumps({"error": "malformed HTTP request", "detail": None}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close")]
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                data = self.conn.send(event)
                if data:
                    self.transport.write(data)
            self.transport.close()

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
            victim, stale = self, []
            for c in waiting:
                if c is self:  # the newest: no other connection is waiting
                    break
                if c.transport.is_closing() or not c.waiting_for_head():
                    stale.append(c)
                    continue
                victim = c
                break
            for c in stale:
                del waiting[c]
            waiting.pop(victim, None)
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
