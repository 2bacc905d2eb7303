"""The connection rules (connections.py) at their edges, on a real uvicorn server on 127.0.0.1 with a small ASGI
app whose requests wait until the test lets them go: when every connection waits on the server, a new one gets a
quick 503 (none can be evicted), and the held ones are answered once let go."""
from __future__ import annotations

import asyncio
import functools
import socket
import threading

import uvicorn
from serve_helpers import free_port, read_all

from seqlab.serve.connections import ConnectionLimits, GuardedProtocol

CAP_S = 20


class HoldingApp:
    """GET /hold waits for `release`; anything else answers at once."""

    def __init__(self) -> None:
        self.release: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.held = threading.Semaphore(0)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            self.loop, self.release = asyncio.get_running_loop(), asyncio.Event()
            await receive()  # lifespan.startup
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/hold":
            self.held.release()
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def _get(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=CAP_S)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    return sock



def test_when_every_connection_waits_on_the_server_a_new_one_gets_503_at_once():
    app, port = HoldingApp(), free_port()
    limits = ConnectionLimits(header_timeout=30, body_timeout=30, max_connections=2)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           http=functools.partial(GuardedProtocol, limits=limits)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(CAP_S * 20):
            if server.started:
                break
            thread.join(0.05)
        held = [_get(port, "/hold") for _ in range(2)]
        for _ in held:
            assert app.held.acquire(timeout=CAP_S)
        with _get(port, "/other") as refused:
            answer = read_all(refused)
        assert answer.startswith(b"HTTP/1.1 503 ") and b"every connection is busy" in answer, answer
        app.loop.call_soon_threadsafe(app.release.set)
        for sock in held:
            with sock:
                assert read_all(sock).startswith(b"HTTP/1.1 200 ")
        with _get(port, "/other") as again:
            assert read_all(again).startswith(b"HTTP/1.1 200 ")
    finally:
        server.should_exit = True
        thread.join(CAP_S)
