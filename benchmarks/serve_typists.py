"""Realistic type-ahead load for `serve_load.py --typists N,…`: N people typing at once into the editor.

Each typist types Dakshina Hindi dev sentences (the report half, as typeahead_keystrokes.py; never test sentences)
key by key exactly as serve/pages/editor.js does (typeahead_keystrokes.line_keys: one GET
/tl/hi/{word so far}?k=5&prev=… per new prefix, `prev` the up to two words committed before it, pass-through
tokens typed without requests, each typist's own cache sparing a prefix it has asked for with the same previous
words), one key every `interval` seconds (125 ms: 8 keys/s, a fast typist). Typists start at random sentences
and at random moments within the first interval, so they are not in lockstep, and go on with the next sentence.
A word's first candidate is committed at the key after it, and is the next words' `prev`: a request that needs
it waits for that answer, as the editor does.

Latency is counted from the key press to the answer (what the person sees), so it includes any wait for the
previous word's answer or for the typist's connection. Each typist has one keep-alive HTTP/1.1 connection (the
server allows 512 a process) and sends its requests on it one at a time, with a raw asyncio client: hundreds of
typists in one process cost the client little, and `lag` (how late the client woke for its keys) shows when it
is the bottleneck; `serve_load.py --typists … --hot` measures against a cache that already holds every answer.
"""
from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
from dataclasses import dataclass, field
from itertools import chain, cycle, islice
from typing import Iterator, Optional
from urllib.parse import quote

from seqlab.translit.evaluation.sentences import load_sentences
from typeahead_keystrokes import K, Key, committed_word, line_keys

INTERVAL = 0.125  # seconds between a typist's keys
DRAIN_S = 60.0  # how long the requests in flight at the end may take before they count as errors


@dataclass
class Tally:
    """One level's counters, shared by its typists (one event loop: no locks)."""

    request_cap: int
    stop_at: float
    late_s: float
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    last_answer: float = 0.0

    def over(self, now: float) -> bool:
        return now >= self.stop_at or self.sent >= self.request_cap


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time (a browser's connection to the page's server)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.lock = asyncio.Lock()
        self.reader: Optional[asyncio.StreamReader] = None
        self.writer: Optional[asyncio.StreamWriter] = None

    async def get(self, path: str) -> tuple[bool, bytes]:
        """(answered 200, body); a broken connection is reopened at the next request."""
        async with self.lock:
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
                head = await self.reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                body = await self.reader.readexactly(length)
            except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError,
                    ValueError):
                self.close()
                return False, b""
            if b"connection: close" in head.lower():
                self.close()
            return head.startswith(b"HTTP/1.1 200"), body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class TypistSession:
    """One editor page: its connection and its cache of (word so far, previous words) → answer."""

    def __init__(self, connection: Connection, tally: Tally) -> None:
        self.connection, self.tally = connection, tally
        self.cache: dict[tuple[str, tuple[str, ...]], asyncio.Future] = {}
        self.tasks: list[asyncio.Task] = []

    def candidates(self, word: str, prev: tuple[str, ...], pressed: float) -> asyncio.Future:
        """The editor's candidatesOf: the cached answer, or a new request (counted from the key `pressed`)."""
        key = (word, prev)
        if key not in self.cache:
            self.cache[key] = asyncio.ensure_future(self._ask(key, pressed))
            self.tasks.append(self.cache[key])
            self.tally.sent += 1
        return self.cache[key]

    async def _ask(self, key: tuple[str, tuple[str, ...]], pressed: float) -> list[str]:
        word, prev = key
        context = f"&prev={'+'.join(quote(w, safe='') for w in prev)}" if prev else ""
        ok, body = await self.connection.get(f"/tl/hi/{quote(word, safe='')}?k={K}{context}")
        now = asyncio.get_running_loop().time()
        self.tally.latencies.append(now - pressed)
        self.tally.last_answer = now
        if not ok:
            self.tally.errors += 1
            del self.cache[key]  # as the editor: a failed request is asked again next time
            return []
        return json.loads(body)["result"]

    async def _prefix(self, word: str, prev: list[asyncio.Future], pressed: float) -> None:
        await self.candidates(word, tuple([await p for p in prev]), pressed)

    async def _commit(self, key: Key, prev: list[asyncio.Future], pressed: float) -> Optional[str]:
        found = await self.candidates(key.commits.lower(), tuple([await p for p in prev]), pressed)
        return committed_word(key, found)

    async def type(self, lines: Iterator[list[Key]], start: float, interval: float, keys: int) -> None:
        """Type `keys` keys of `lines` from `start`, one every `interval` s (0: as fast as the loop goes), until the
        tally says stop; then wait for this typist's requests."""
        loop = asyncio.get_running_loop()
        pressed, typed = start, 0
        for line in lines:
            committed: list[asyncio.Future] = []  # the line's committed words (each waits for its answer)
            for key in line:
                if typed >= keys or self.tally.over(loop.time()):
                    await asyncio.gather(*self.tasks)
                    return
                if interval:
                    await asyncio.sleep(max(0.0, pressed - loop.time()))
                    self.tally.lags.append(loop.time() - pressed)
                prev = committed[-2:]
                if key.ask and all(p.done() for p in prev):  # the usual case: no task but the request's
                    self.candidates(key.ask, tuple(p.result() for p in prev), pressed)
                elif key.ask:
                    self.tasks.append(asyncio.ensure_future(self._prefix(key.ask, prev, pressed)))
                if key.kind == "word":
                    committed.append(asyncio.ensure_future(self._commit(key, prev, pressed)))
                    self.tasks.append(committed[-1])
                elif key.kind == "native":
                    committed.append(_ready(key.commits))
                pressed += interval
                typed += 1
        await asyncio.gather(*self.tasks)


def _ready(value: str) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


def _loop_factory():
    """uvloop where it is installed (a dependency of seqlab serve off Windows): the lighter client."""
    if sys.platform != "win32":
        import uvloop

        return uvloop.new_event_loop
    return None


def typist_lines() -> list[list[Key]]:
    """The keys of every report-half dev sentence."""
    romans, _ = load_sentences("hi", "report")
    return [line_keys(line) for line in romans]


def typist_plan(lines: int, typists: int, seed: int) -> list[tuple[int, float]]:
    """(first sentence, start offset in s within the first interval) per typist, the same for a given seed."""
    rng = random.Random(seed)
    return [(rng.randrange(lines), rng.random() * INTERVAL) for _ in range(typists)]


def _from(lines: list[list[Key]], first: int) -> Iterator[list[Key]]:
    return cycle(chain(islice(lines, first, None), islice(lines, first)))


async def _type_all(url: str, lines: list[list[Key]], plan: list[tuple[int, float]], tally: Tally,
                    interval: float, keys: int) -> float:
    host, port = url.removeprefix("http://").split(":")
    connections = [Connection(host, int(port)) for _ in plan]
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.2  # leave the set-up out of the first keys
    tally.stop_at += begin
    sessions = [TypistSession(c, tally) for c in connections]
    jobs = [s.type(_from(lines, first), begin + offset, interval, keys) for s, (first, offset) in zip(sessions, plan)]
    try:
        await asyncio.wait_for(asyncio.gather(*jobs), tally.stop_at - loop.time() + DRAIN_S)
    except asyncio.TimeoutError:
        tally.errors += tally.sent - len(tally.latencies)  # unanswered at the end
    finally:
        for connection in connections:
            connection.close()
    return (tally.last_answer or loop.time()) - begin


def run_typists(url: str, lines: list[list[Key]], typists: int, time_cap: float, request_cap: int, late_ms: float,
                seed: int, interval: float = INTERVAL) -> dict:
    """One level: `typists` typing for up to `time_cap` s or `request_cap` requests; interval 0 types the same keys
    (those a level of `time_cap` s reaches) as fast as possible, e.g. to fill the server's cache."""
    plan = typist_plan(len(lines), typists, seed)
    tally = Tally(request_cap, time_cap if interval else float("inf"), late_ms / 1000)
    keys = int(time_cap / INTERVAL) + 1
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        seconds = runner.run(_type_all(url, lines, plan, tally, interval, keys))
    ordered = sorted(tally.latencies) or [float("nan")]
    lags = sorted(tally.lags) or [0.0]

    def pct(values: list[float], share: float) -> float:
        return 1000 * values[min(len(values) - 1, int(share * len(values)))]

    return {"typists": typists, "requests": len(tally.latencies), "seconds": seconds,
            "requests_per_s": len(tally.latencies) / seconds if seconds > 0 else 0.0,
            "p50_ms": 1000 * statistics.median(ordered), "p90_ms": pct(ordered, 0.90), "p99_ms": pct(ordered, 0.99),
            "late": sum(latency > tally.late_s for latency in tally.latencies), "errors": tally.errors,
            "lag_p99_ms": pct(lags, 0.99)}


def describe(result: dict, late_ms: float) -> str:
    return (f"typists {result['typists']:4d}: {result['requests']:6d} requests in {result['seconds']:5.1f} s = "
            f"{result['requests_per_s']:7.1f} req/s, p50 {result['p50_ms']:6.1f} / p90 {result['p90_ms']:6.1f} / "
            f"p99 {result['p99_ms']:6.1f} ms, over {late_ms:g} ms {result['late']}, errors {result['errors']}, "
            f"client lag p99 {result['lag_p99_ms']:.1f} ms")
