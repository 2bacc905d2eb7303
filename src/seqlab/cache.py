"""One bounded, thread-safe least-recently-used cache, for the word → candidates caches of sentence mode
(`Transliterator.candidate_cache`, translit/transliterator.py) and of the server (serve/engine.py): running text
and type-ahead repeat their words, and the server fills its cache from the decoding thread while the event loop
reads it."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional, Sequence


class LruCache:
    """key → value, at most `size` entries (0: nothing is kept), least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()
        self.computed = 0  # values `get_many` had to compute: what callers report as work the cache did not save

    def get(self, key: Hashable) -> Optional[Any]:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if not self.size:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_many(self, keys: Sequence[Hashable], compute: Callable[[list], list]) -> list:
        """The value of every key, computing the missing ones in one `compute(missing keys)` call."""
        found = {key: self.get(key) for key in dict.fromkeys(keys)}
        missing = [key for key, value in found.items() if value is None]
        if missing:
            with self._lock:  # two threads may compute at once (the server's decoding thread and a reader)
                self.computed += len(missing)
            for key, value in zip(missing, compute(missing)):
                found[key] = value
                self.put(key, value)
        return [found[key] for key in keys]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
