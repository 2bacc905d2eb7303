"""Who may talk to the server: the Host names it answers to, and which browser pages may change its state.

A server on 127.0.0.1 with an unauthenticated POST /learn is reachable from any web page the user opens, by DNS
rebinding: the page's own name is made to resolve to 127.0.0.1, and the browser then sends requests whose `Host`
is that name. So a server bound to loopback answers only to loopback names (127.0.0.1, localhost, ::1) unless
`--allowed-host` names others; bound elsewhere, it answers to any name unless `--allowed-host` lists them.
And a browser page of another origin may read answers only where `--cors-origin` allows it, but could still
*send* a POST or DELETE: requests that change state (every method but GET, HEAD and OPTIONS) from a browser
must come from the server's own origin or the `--cors-origin` one (`Origin`; without one, `Sec-Fetch-Site`).
Clients that are not browsers (curl, scripts) send neither header and are not affected.

Starlette's TrustedHostMiddleware is not used: it cuts `Host` at the first colon, so `[::1]:8000` never matches.
"""
from __future__ import annotations

import json
from typing import Optional, Sequence
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def default_allowed_hosts(bind_host: str, allowed: Optional[Sequence[str]]) -> Optional[list[str]]:
    """The Host names to answer: `--allowed-host` values, else the loopback names for a loopback server; None:
    any name (a server bound to another address, with none given)."""
    if allowed:
        return None if "*" in allowed else [h.lower() for h in allowed]
    return list(LOOPBACK_HOSTS) if bind_host in LOOPBACK_HOSTS else None


def host_name(host_header: str) -> str:
    """`Host` without its port, lower-case: `[::1]:8000` → `::1`, `Example.org:80` → `example.org`."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _host_allowed(name: str, allowed: Sequence[str]) -> bool:
    return any(name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])) for pattern in allowed)


class RequestGuards:
    """ASGI middleware: 400 for a Host not served, 403 for a state-changing request from another site's page."""

    def __init__(self, app, allowed_hosts: Optional[list[str]], cors_origin: Optional[str]) -> None:
        self.app, self.allowed_hosts, self.cors_origin = app, allowed_hosts, cors_origin

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers") or ()}
        host = headers.get("host", "")
        if self.allowed_hosts is not None and not _host_allowed(host_name(host), self.allowed_hosts):
            return await _refuse(send, 400, f"host {host[:60]!r} is not served here (a DNS-rebinding guard); start "
                                            "the server with --allowed-host NAME to answer to it")
        if scope["method"] not in SAFE_METHODS:
            problem = self._cross_site(headers, host)
            if problem:
                return await _refuse(send, 403, f"{problem}: a page of another site may not change this server's "
                                                "state; allow a front end with --cors-origin")
        await self.app(scope, receive, send)

    def _cross_site(self, headers: dict[str, str], host: str) -> Optional[str]:
        """Why a state-changing request came from another site's page, or None."""
        origin = headers.get("origin")
        if origin is not None:
            if self.cors_origin in ("*", origin) or urlsplit(origin).netloc.lower() == host.strip().lower():
                return None
            return f"Origin {origin[:60]!r}"
        site = headers.get("sec-fetch-site")
        if site in ("cross-site", "same-site"):
            return f"Sec-Fetch-Site {site}"
        return None


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
