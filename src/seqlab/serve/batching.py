"""Micro-batching: concurrent single-word requests become one decoder call, as model servers batch requests.

A character RNN decodes 32 words in one batched beam search in little more time than one word (the cost is
per step, not per word), so the server collects the words that arrive close together and decodes them at once.
One decoding runs at a time, in the decoding thread; the words that arrive meanwhile wait in the queue and form
the next batch. When the queue holds fewer words than the last batch had (clients are about to send again), the
batcher waits up to `max_wait` seconds for them; after a batch of one (a single client) it does not wait at all,
so a lone typist never pays the wait.

The words of a batch that differ only in their group (type-ahead: each typist's previous word) still share the
decoder: `prefetch` decodes all of them in one call first (their candidates do not depend on the previous word),
then each group is ranked from what it left in the cache — all in one trip to the decoding thread. Decoding each
group apart made the decoder calls of many typists one word each, about three times the cost per word of a batch
of 32.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Awaitable, Callable, Hashable, Optional, Union

# (words, group) → candidates per word, in the decoding thread; the group is what the words share besides being
# words (the beam and the previous word of type-ahead): only words of one group are ranked together, and a batch's
# words of every group are decoded together first (`prefetch`).
Decode = Callable[[list[str], Hashable], list[list[str]]]
Prefetch = Callable[[list[tuple[str, Hashable]]], None]  # every (word, group) of a batch, before its groups decode
RunInThread = Callable[..., Awaitable]  # runs a blocking call in the decoding thread
Outcome = Union[dict[str, list[str]], Exception]  # a group's word → candidates, or why it failed


class MicroBatcher:
    """Queues (word, group) requests and decodes them in batches of at most `max_batch` words."""

    def __init__(self, decode: Decode, run: RunInThread, max_batch: int, max_wait: float,
                 on_batch: Optional[Callable[[int], None]] = None, prefetch: Optional[Prefetch] = None) -> None:
        self.decode, self.run, self.max_batch, self.max_wait = decode, run, max_batch, max_wait
        self.prefetch = prefetch
        self.on_batch = on_batch or (lambda size: None)
        self._pending: deque[tuple[str, Hashable, asyncio.Future]] = deque()
        self._arrived: Optional[asyncio.Event] = None
        self._task: Optional[asyncio.Task] = None
        self._last_size = 1

    async def submit(self, word: str, group: Hashable) -> list[str]:
        """The candidates of `word`, decoded with the words that arrive around the same time."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._arrived = asyncio.Event()
            self._task = loop.create_task(self._serve())
        future: asyncio.Future = loop.create_future()
        self._pending.append((word, group, future))
        self._arrived.set()
        return await future

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _serve(self) -> None:
        while True:
            while not self._pending:
                self._arrived.clear()
                await self._arrived.wait()
            await self._gather()
            batch = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
            self._last_size = len(batch)
            self.on_batch(len(batch))
            await self._decode_batch(batch)

    async def _gather(self) -> None:
        """Wait up to max_wait for as many words as the last batch had (none after a batch of one)."""
        target = min(self.max_batch, self._last_size)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while len(self._pending) < target:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                return

    async def _decode_batch(self, batch: list[tuple[str, Hashable, asyncio.Future]]) -> None:
        distinct: dict[Hashable, dict[str, None]] = {}
        for word, group, _ in batch:  # a word asked for twice in a group is decoded once
            distinct.setdefault(group, {})[word] = None
        groups = {group: list(words) for group, words in distinct.items()}
        try:
            outcomes = await self.run(self._decode_groups, groups)
        except Exception as exc:  # the thread itself failed: every request answers with the error
            outcomes = {group: exc for group in groups}
        for word, group, future in batch:
            if future.done():  # a client that disconnected cancelled its future
                continue
            outcome = outcomes[group]
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome[word])

    def _decode_groups(self, groups: dict[Hashable, list[str]]) -> dict[Hashable, Outcome]:
        """In the decoding thread: the batch's words decoded together (`prefetch`), then each group's lists; a
        group that fails (a word the model refuses) fails alone."""
        if self.prefetch is not None and len(groups) > 1:
            try:
                self.prefetch([(word, group) for group, words in groups.items() for word in words])
            except Exception:  # noqa: BLE001 — the group that holds the bad word reports it below
                pass
        outcomes: dict[Hashable, Outcome] = {}
        for group, words in groups.items():
            try:
                outcomes[group] = dict(zip(words, self.decode(words, group)))
            except Exception as exc:  # handed to each waiting request of the group, which answers with an error
                outcomes[group] = exc
        return outcomes
