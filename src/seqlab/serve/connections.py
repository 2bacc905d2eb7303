"""Connections that wait on their client are bounded in time and in number (slow-client defence).

uvicorn times out only idle kept-alive connections: a client that sends half its headers, half its body or an
unfinished chunked body holds a connection (a file descriptor, buffers, an ASGI task) for ever, and 20,500 of them
once filled the process's descriptors so that not even /healthz was answered. `GuardedProtocol` is uvicorn's
httptools protocol with three rules (ServeOptions: --header-timeout, --body-timeout, --max-connections):

* headers must arrive in full within `header_timeout` seconds of the connection (or of the previous response on
  a kept-alive connection); the body within `body_timeout` seconds of the headers. Otherwise the client gets 408
  and the connection is closed.
* at most `max_connections` connections per process: a new one over the limit first closes the connection that
  has waited longest on its client (unfinished headers or body, or idle), so slow clients can never lock out
  /healthz or a typist; only when every connection is waiting on the server does the new one get a quick 503.
* a client that half-closes its side after a whole request still gets its answer (the connection closes after
  it); one that half-closes mid-request is a disconnect.
"""
from __future__ import annotations

import json
from asyncio import TimerHandle
from dataclasses import dataclass
from typing import Optional

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float
    body_timeout: float
    max_connections: int


def _response(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response with the API's JSON error shape; the connection closes after it."""
    body = json.dumps({"error": message}).encode()
    return (STATUS_LINE[status] + b"content-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)


FULL = "the server is at its connection limit (--max-connections): every connection is busy; try again"


async def _service_unavailable(scope, receive, send) -> None:
    """The app of a connection refused at the limit: 503 as soon as its headers are in."""
    body = json.dumps({"error": FULL}).encode()
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": body})


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body deadlines, a connection bound and half-close support."""

    def __init__(self, *args, limits: ConnectionLimits, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._timer: Optional[TimerHandle] = None
        self.waiting_since: Optional[float] = None  # since when it waits on its client; None: on the server
        self._half_closed = False
        self._partial = False  # some of a request has arrived, not all of it

    # --- waiting on the client, or on the server ---

    def _wait_on_client(self, seconds: float, what: str) -> None:
        self._cancel_timer()
        self.waiting_since = self.loop.time()
        self._timer = self.loop.call_later(seconds, self._expire, 408, f"the request {what} did not arrive within "
                                           f"{seconds:g} s")

    def _server_works(self) -> None:
        self._cancel_timer()
        self.waiting_since = None

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self, status: int, message: str) -> None:
        """Close the connection. A request partly received gets `status` first; an idle connection is closed
        silently (as uvicorn's keep-alive timeout does: a client may be about to reuse it, and would read an
        unasked-for answer), and a started answer is cut."""
        self._cancel_timer()
        self.waiting_since = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._partial and (cycle is None or cycle.response_complete or not cycle.response_started):
            self.transport.write(_response(status, message))
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app sees http.disconnect and its sends are dropped
            cycle.message_event.set()
        self.transport.close()

    def _evict_oldest_waiting(self) -> bool:
        """Close the connection that has waited longest on its client, if any does."""
        waiting = [c for c in self.connections if c is not self and isinstance(c, GuardedProtocol)
                   and c.waiting_since is not None and not c.transport.is_closing()]
        if not waiting:
            return False
        min(waiting, key=lambda c: c.waiting_since)._expire(
            503, "closed to make room: this connection waited longest on its client while the server was full")
        return True

    # --- uvicorn's protocol, with the rules above ---

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._evict_oldest_waiting():
            self.app = _service_unavailable  # answered as soon as its headers are in (closing now resets it)
        self._wait_on_client(self.limits.header_timeout, "headers")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._partial = True

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._wait_on_client(self.limits.body_timeout, "body")  # a request without one completes at once

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._partial = False
        self._server_works()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.cycle is None or self.cycle.response_complete:  # not a pipelined request being answered
            if self._half_closed and not self.pipeline:
                self.transport.close()
            elif not self.transport.is_closing():
                self._wait_on_client(self.limits.header_timeout, "headers")

    def eof_received(self) -> Optional[bool]:
        """The client closed its sending side: keep the connection open to write the answer to a whole request;
        otherwise (no request, or half a request that can never complete) close it."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._half_closed = True
            return True
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel_timer()
        self.waiting_since = None
        super().connection_lost(exc)
