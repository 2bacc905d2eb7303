"""Prometheus metrics (prometheus-client): requests, latency, micro-batch sizes and cache hits, served at /metrics.

Each app gets its own registry, so several apps in one process (tests) never clash. Requests are labelled by
route template (`/tl/{lang}/{word}`), never by the raw path, so the label set stays bounded whatever clients send;
a client that leaves before its answer (mid-body, say) is counted as 499, not as a server error.
With --workers N each worker process counts its own requests (a scrape reaches one of them); run one replica
per process behind the load balancer, or prometheus-client's multiprocess mode, to see them all.
"""
from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that closed the connection before the answer


class Metrics:
    """The server's counters and histograms, and the ASGI middleware that fills the request ones."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("seqlab_http_requests", "HTTP requests answered.", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("seqlab_http_request_seconds", "Time to answer a request (to its last byte).",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_size = Histogram("seqlab_decode_batch_words", "Words per decoder call (micro-batches and batch "
                                    "requests).", buckets=BATCH_BUCKETS, registry=self.registry)
        self.cache = Counter("seqlab_candidate_cache_lookups", "Candidate cache lookups.", ["result"],
                             registry=self.registry)
        self.lyrics_streams = Counter("seqlab_lyrics_streams", "Lyrics generations.", ["outcome"],
                                     registry=self.registry)

    def observe_batch(self, size: int) -> None:
        self.batch_size.observe(size)

    def observe_cache(self, hit: bool) -> None:
        self.cache.labels("hit" if hit else "miss").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by route template. Pure ASGI: no BaseHTTPMiddleware, which costs a task
    per request."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, disconnected = time.perf_counter(), [0], [False]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        async def watch_receive():
            message = await receive()
            disconnected[0] = disconnected[0] or message["type"] == "http.disconnect"
            return message

        try:
            await self.app(scope, watch_receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            # No answer started: the client left first (499, not a server error), or the app failed (500).
            code = status[0] or (CLIENT_CLOSED_REQUEST if disconnected[0] else 500)
            self.metrics.requests.labels(scope["method"], route, str(code)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
