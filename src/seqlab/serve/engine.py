"""The served transliterator: the model in one decoding thread, an LRU cache of word → candidates, and the
micro-batcher in front of it. Everything the endpoints decode goes through here, so the event loop never runs
the model and no two decodings share the model at once.

Every word is ranked as running text (text/typeahead.py) after the previous word a request gives (`prev`), so
the cache key is (word, beam, previous word): a word's list after मुझे is not its list after और. The costly part,
the word's decoded candidates, is shared by all previous words (Transliterator.cached_scored).
The cache holds the model's lists only; the user dictionary's words are put first on every request, so a pick
learned by any worker process is offered at once by all. The dictionary file is checked (one stat) per request
and reloaded, when it changed, in a thread of its own; learning and forgetting run in another, so neither a large
file nor another process holding the file's lock ever holds up decoding or the event loop.
"""
from __future__ import annotations

import asyncio
import copy
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, Sequence

from seqlab.cache import LruCache
from seqlab.serve.batching import MicroBatcher
from seqlab.serve.config import ServeOptions
from seqlab.translit.decoding.word_form import model_form
from seqlab.translit.text.reread import Reread, reread
from seqlab.translit.text.tokens import distinct_forms
from seqlab.translit.text.typeahead import context_word
from seqlab.translit.transliterator import Transliterator

WARM_UP_LENGTH = 20  # Dakshina's longest Hindi romanization has 20 characters


class TranslitEngine:
    """Candidates and sentences for the endpoints: cache first, then the micro-batcher or one batched call."""

    def __init__(self, translit: Transliterator, options: ServeOptions,
                 on_batch: Optional[Callable[[int], None]] = None,
                 on_cache: Optional[Callable[[bool], None]] = None) -> None:
        self.translit, self.options = translit, options
        self.model_only = copy.copy(translit)  # the same model, prior and lexicon, without the user dictionary
        self.model_only.user_dictionary = None
        self.cache = LruCache(options.cache_size)
        self._on_cache = on_cache or (lambda hit: None)
        self._on_batch = on_batch or (lambda size: None)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqlab-decode")
        self._dictionary_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqlab-dictionary-read")
        self._dictionary_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqlab-dictionary-write")
        self.batcher = MicroBatcher(self._decode, self.run, options.max_batch, options.max_wait_ms / 1000, on_batch,
                                    self._prefetch)

    def warm_up(self) -> None:
        """Decode one made-up word of every common length before the port opens: oneDNN builds its kernels per
        shape on first use, which a lone typist's first words would otherwise pay for (1-client p50 over the first
        400 requests with --dtype bfloat16: 11.2 ms without, 9.6–10.0 ms with; about 0.3 s at start). Warming
        batches of every size as well did not change the first 400 requests at 32 clients, so it is not done."""
        letters = sorted(c for c in self.translit.vocabs.source.stoi if len(c) == 1 and c.isalpha())
        if not letters:
            return
        words = ["".join(letters[(start + i) % len(letters)] for i in range(length))
                 for start, length in enumerate(range(1, WARM_UP_LENGTH + 1))]
        for word in words:
            self.model_only.candidates([word], beam_size=self.options.beam_size, previous=[])

    async def run(self, function: Callable, *args):
        """Run a blocking call in the decoding thread (the only thread that touches the model)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(function, *args))

    async def fresh_dictionary(self) -> None:
        """Reload the user dictionary if its file changed (another process learned), off the event loop."""
        dictionary = self.translit.user_dictionary
        if dictionary is not None and dictionary.stale():
            await asyncio.get_running_loop().run_in_executor(self._dictionary_reader, dictionary.refresh)

    async def change_dictionary(self, function: Callable, *args):
        """Run a user-dictionary write (learn, forget) in the writing thread: it may wait up to the lock timeout
        for another process, and decoding must not wait with it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._dictionary_writer, functools.partial(function, *args))

    def beam_for(self, k: int) -> int:
        return max(self.options.beam_size, k)

    def _decode(self, words: list[str], group: tuple[int, Optional[str]]) -> list[list[str]]:
        """In the decoding thread: decode and rank after the group's previous word, then remember the lists."""
        beam, before = group
        results = self.model_only.candidates_in_context(words, [before] if before else [], beam)  # words checked
        for word, result in zip(words, results):
            self.cache.put((word, beam, before), result)
        return results

    def _prefetch(self, requests: list[tuple[str, tuple[int, Optional[str]]]]) -> None:
        """In the decoding thread: the candidates of every word of a micro-batch, one decoder call per beam, into
        the transliterator's cache, where `_decode` then finds them whatever the previous word."""
        by_beam: dict[int, list[str]] = {}
        for word, (beam, _) in requests:
            by_beam.setdefault(beam, []).append(word)
        for beam, words in by_beam.items():
            self.model_only.cached_scored(list(dict.fromkeys(words)), beam)

    async def word(self, word: str, k: int, previous: Sequence[str] = ()) -> list[str]:
        """The k best candidates of one word (a GET /tl request) after the words `previous`."""
        await self.fresh_dictionary()
        group = (self.beam_for(k), context_word(previous, self.translit.lang))
        key = (model_form(word), *group)
        cached = self.cache.get(key)
        self._on_cache(cached is not None)
        if cached is None:
            if self.options.micro_batching:
                cached = await self.batcher.submit(key[0], group)
            else:
                self._on_batch(1)
                cached = (await self.run(self._decode, [key[0]], group))[0]
        return self._learned_first([word], [cached], k)[0]

    async def words(self, words: Sequence[str], k: int, previous: Sequence[str] = ()) -> list[list[str]]:
        """The k best candidates of many words, the uncached ones decoded in batches of up to --max-batch words:
        between two batches the decoding thread serves the single-word requests waiting meanwhile, so a large
        request never holds up the type-ahead ones for long."""
        await self.fresh_dictionary()
        group = (self.beam_for(k), context_word(previous, self.translit.lang))
        keys = [model_form(w) for w in words]
        found = {key: self.cache.get((key, *group)) for key in dict.fromkeys(keys)}
        missing = [key for key, value in found.items() if value is None]
        for key in found:
            self._on_cache(key not in missing)
        step = self.options.max_batch
        for start in range(0, len(missing), step):
            chunk = missing[start : start + step]
            self._on_batch(len(chunk))
            found.update(zip(chunk, await self.run(self._decode, chunk, group)))
        return self._learned_first(words, [found[key] for key in keys], k)

    async def text(self, text: str) -> tuple[str, list[str], int]:
        """Sentence mode: `Transliterator.transliterate_text` (digits, punctuation and spacing kept), a few lines
        at a time (sentence context is per line, so the result is the same) for the reason given in `words`."""
        await self.fresh_dictionary()
        pieces, words, long_words = [], [], 0
        for chunk in _line_chunks(text, self.options.max_batch * 8):
            await self._decode_in_pieces(chunk)
            result, decoded, left = await self.run(self.translit.transliterate_text, chunk)
            pieces.append(result)
            words += decoded
            long_words += left
        return "".join(pieces), words, long_words

    async def reread(self, words: Sequence[str], committed: Sequence[str], before: Optional[str]) -> list[Reread]:
        """The earlier of the last few committed words that sentence mode reads otherwise (text/reread.py)."""
        await self.fresh_dictionary()
        return await self.run(reread, self.translit, words, committed, before)

    async def _decode_in_pieces(self, chunk: str) -> None:
        """A chunk is whole lines, and one line may be long (20,000 characters, thousands of words): its words are
        decoded first, --max-batch at a time, into sentence mode's cache, so that `transliterate_text` then only
        chooses among cached candidates and other requests are served between the pieces. (Greedy decoding, beam
        1, keeps no cache and is fast: it stays one call.)"""
        if self.translit.settings().beam_size == 1:
            return
        distinct = await self.run(distinct_forms, chunk, self.translit.direction, self.translit.lang)
        step = self.options.max_batch
        if len(distinct) <= step:
            return
        for start in range(0, len(distinct), step):
            decoded = await self.run(self.translit.cache_candidates, distinct[start : start + step])
            if decoded:
                self._on_batch(decoded)

    def _learned_first(self, words: Sequence[str], lists: list[list[str]], k: int) -> list[list[str]]:
        """The first k of each list, after the user's learned spellings (Transliterator's own rule)."""
        lists = [found[:k] for found in lists]
        return self.translit.learned_first(words, lists, k) if self.translit.user_dictionary is not None else lists

    def unknown_characters(self, words: Sequence[str]) -> list[str]:
        return sorted(self.translit.unknown_characters(words))

    async def close(self) -> None:
        await self.batcher.close()
        for thread in (self._thread, self._dictionary_reader, self._dictionary_writer):
            thread.shutdown(wait=False, cancel_futures=True)


def _line_chunks(text: str, size: int) -> list[str]:
    """`text` cut after line ends into pieces of about `size` characters (a longer line stays whole)."""
    chunks, start = [], 0
    while start < len(text):
        cut = text.rfind("\n", start, start + size) + 1
        end = cut if cut > start else (text.find("\n", start + size) + 1 or len(text))
        chunks.append(text[start:end])
        start = end
    return chunks
