"""The first phase of each group of shards: every distinct word decoded by the model once for the whole cluster.

Why: a corpus's model time is about one decoding per distinct word (running text reuses its words, and sentence
mode caches each word's candidates), and with a cache per worker N workers decoded every frequent word N times:
two workers ran 1.23× one on the benchmark instead of about 2×. So before a group of shards (those submitted
together: a few per worker thread, fewer once they hold GROUP_WORDS words) is decoded, the client lists the
words the group needs (`distinct_forms`), leaves out those already shared, splits the rest into one part per
worker thread, has the parts decoded in parallel (`decode_words`, ahead of queued shards), and sends the
candidates to every worker's table (word_table.py) with `Client.run`, before it submits the group's shards. A
shard then runs the model only for a word the table lacks, and the Viterbi over each line is `predict`'s as
before: a word's candidates do not depend on which words were decoded with it, so the output stays the same bytes.

Memory stays bounded however large the corpus: the client keeps an exact copy of the table's words (the same
additions and removals, in the same order), at most TABLE_WORDS of them, the least recently needed by a group
dropped first, and the workers drop the same ones. A word dropped and needed again is decoded again, once.
A worker that joins or is restarted during the job starts with an empty table and decodes what it lacks itself;
the summary's `model_words` counts those too.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional

from distributed import CancelledError, Client, Future, KilledWorker

from seqlab.translit.batch.cluster import POLL_S, WorkerWatch, decode_words, total_threads
from seqlab.translit.batch.model import ModelSpec
from seqlab.translit.batch.word_table import forget, remember
from seqlab.translit.text.tokens import distinct_forms

# words each worker holds for a job: about 4 KB each (10 candidates with their rescores), so about 170 MB; enough
# for the words that make up most of running text, and a word dropped is only decoded again, once
TABLE_WORDS = 40_000
GROUP_WORDS = TABLE_WORDS // 2  # a group ends at this many distinct words: the next group's fit in the table too
MIN_PART = 64  # words per first-phase task at least: fewer would decode in batches too small to be efficient
PRIORITY = 1  # first-phase tasks run before queued shards (priority 0), so a group's shards never wait long


class WordSharing:
    """The client's side of one job's shared table (see the module)."""

    def __init__(self, client: Client, plugin: str, spec: ModelSpec, beam_size: Optional[int], run_id: str,
                 watch: WorkerWatch):
        self.client, self.plugin, self.beam_size, self.run_id, self.watch = client, plugin, beam_size, run_id, watch
        self.direction, self.lang = spec.direction, spec.lang
        self.table_id = f"{plugin}-{run_id}"
        self.known: OrderedDict[str, None] = OrderedDict()  # the workers' table's words, least recently needed first
        self.enabled = beam_size != 1  # greedy decoding reads no candidates: nothing to share
        self.model_words = 0  # decoded by the model in the first phase
        self.groups = 0

    def forms(self, text: str) -> list[str]:
        """A shard's distinct words (none where nothing is shared)."""
        return distinct_forms(text, self.direction, self.lang) if self.enabled else []

    def share(self, forms: list[list[str]]) -> None:
        """Phase one for shards with these `forms`: on return every worker's table holds their words (unless a
        worker died meanwhile)."""
        needed = dict.fromkeys(form for shard in forms for form in shard)
        for form in needed:
            if form in self.known:
                self.known.move_to_end(form)
        new = [form for form in needed if form not in self.known][:TABLE_WORDS]
        if new:
            self._publish(self._decode(new))

    def _decode(self, forms: list[str]) -> dict[str, list]:
        """`forms` decoded in parallel, one interleaved part (alike in word lengths) per worker thread."""
        parts = max(1, min(total_threads(self.client), len(forms) // MIN_PART))
        self.groups += 1
        futures = [self.client.submit(decode_words, self.plugin, forms[i::parts], self.beam_size, priority=PRIORITY,
                                      key=f"translit-words-{self.run_id}-{self.groups}-{i}") for i in range(parts)]
        try:
            results = self._gather(futures)
        except (KilledWorker, CancelledError):  # this group goes unshared: each worker decodes what it lacks
            return {}
        found: dict[str, list] = {}
        for part in results:
            found.update(part)
            self.model_words += len(part)
        if not found:
            self.enabled = False  # the model decodes greedily by default
        return found

    def _gather(self, futures: list[Future]) -> list:
        """The results, waited for in polls that notice a cluster left without workers."""
        results = []
        for future in futures:
            while True:
                try:
                    results.append(future.result(timeout=POLL_S))
                    break
                except TimeoutError:
                    self.watch.check()
        return results

    def _publish(self, adds: dict[str, list]) -> None:
        """Into the client's copy and every worker's table: the additions, then the same removals."""
        for form in adds:
            self.known[form] = None
        drops = [self.known.popitem(last=False)[0] for _ in range(len(self.known) - TABLE_WORDS)]
        if adds or drops:
            try:
                self.client.run(remember, self.table_id, adds, drops, on_error="ignore")  # a dead worker has none
            except OSError:  # the scheduler is gone: the shards' own wait says so in one line
                pass

    def close(self) -> None:
        """The job is over: the workers free its table (a worker that cannot be reached keeps at most two)."""
        if self.known:
            try:
                self.client.run(forget, self.table_id, on_error="ignore")
            except Exception:  # noqa: BLE001 - the cluster may be gone already; the job's own outcome stands
                pass
