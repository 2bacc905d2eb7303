"""`transliterate_files`: a corpus through `predict`'s decoding on a Dask cluster, resumable shard by shard.

The client (this process) does everything that must happen once and in order: it checks inputs, options and
model before any cluster starts (every bad input is found by reading each file through once), holds the output
folder's RunLock, reads the shards of each file in order and submits them, at most a few per worker thread at a
time so memory stays flat, and writes each finished shard and the manifest itself. Workers only decode, so they
need neither the input files nor the output folder: a cluster of other machines works without a shared
filesystem. A worker that dies loses only its running shard, which Dask gives to another worker.
Before the shards of each group (as many as are in flight) are submitted, their distinct words are decoded once for
the whole cluster and sent to every worker (sharing.py), so no two workers run the model for the same word.
"""
from __future__ import annotations

import os
import queue
import time
import uuid
from typing import Iterable, Iterator

from distributed import CancelledError, Client, Future, KilledWorker

from seqlab.errors import SeqlabError
from seqlab.io import RunLock, output_dir
from seqlab.translit.batch.cluster import (
    POLL_S,
    ShardResult,
    WorkerWatch,
    connect_cluster,
    decode_shard,
    register_model,
    total_threads,
)
from seqlab.translit.batch.inputs import STATE_DIR, InputFile, find_inputs
from seqlab.translit.batch.manifest import Manifest
from seqlab.translit.batch.model import ModelSpec, resolve_model
from seqlab.translit.batch.options import BatchOptions
from seqlab.translit.batch.progress import BatchSummary, Progress
from seqlab.translit.batch.shards import Shard, count_shards, read_shards
from seqlab.translit.batch.sharing import GROUP_WORDS, WordSharing

# in flight per worker thread (none idles between shards, few wait in memory), and a group's size (sharing.py)
SHARDS_PER_THREAD = 2


def transliterate_files(inputs: Iterable[str | os.PathLike], output: str | os.PathLike,
                        progress: Progress | None = None, **options) -> BatchSummary:
    """Transliterate text files, .gz files and folders of them into `output` (see `BatchOptions` for `options`:
    lang, model, direction, beam_size, context, rescorers, device, user_dictionary, no_user_dictionary, workers,
    scheduler, shard_lines, skip_bad_lines). Running it again on the same folder finishes an interrupted run."""
    return run_batch(inputs, BatchOptions(output=output, **options), progress)


def run_batch(inputs: Iterable[str | os.PathLike], options: BatchOptions,
              progress: Progress | None = None) -> BatchSummary:
    """`transliterate_files` for options already built (the CLI's)."""
    options.validate()
    sources = find_inputs(inputs, options.output)
    spec = resolve_model(options)
    counts = [count_shards(source, options.shard_lines, options.skip_bad_lines) for source in sources]
    out = output_dir(options.output, "--output")
    (out / STATE_DIR).mkdir(exist_ok=True)
    with RunLock(out / STATE_DIR, "--output folder"):
        manifest = Manifest.open(out, sources, fingerprint(options, spec, sources), [shards for shards, _ in counts])
        return _run(manifest, options, spec, sum(lines for _, lines in counts), progress or Progress())


def fingerprint(options: BatchOptions, spec: ModelSpec, sources: list[InputFile]) -> dict:
    """What the output depends on, as the manifest records it (the resolved model, not how it was named)."""
    return {"model": spec.sha256, "user_dictionary": spec.user_sha256,
            "options": {**options.output_options(), "lang": spec.lang, "direction": spec.direction},
            "inputs": [source.identity() for source in sources]}


def _run(manifest: Manifest, options: BatchOptions, spec: ModelSpec, total_lines: int,
         progress: Progress) -> BatchSummary:
    todo = sum(len(manifest.missing(file_no)) for file_no in range(len(manifest.files)))
    began, words, job = time.monotonic(), 0, None
    if todo:
        with connect_cluster(options) as client:
            plugin = register_model(client, spec)
            progress.start(total_lines, manifest.totals()["lines"])
            job = _Job(client, plugin, manifest, options, progress, spec)
            try:
                words = job.run()
            finally:
                progress.close()
                job.sharing.close()
    totals, shards = manifest.totals(), sum(entry["shards"] for entry in manifest.files)
    return BatchSummary(str(manifest.out), len(manifest.files), totals["lines"], totals["words"],
                        "".join(sorted(totals["unknown"])), sum(totals["unknown"].values()), totals["too_long"],
                        totals["skipped"], shards, todo, shards - todo, words, time.monotonic() - began,
                        job.model_words if job else 0)


class _Job:
    """The submit-and-collect loop of one run: shards go out in file order, a group at a time after the group's
    words are shared (sharing.py), and results are recorded as they come."""

    def __init__(self, client: Client, plugin: str, manifest: Manifest, options: BatchOptions, progress: Progress,
                 spec: ModelSpec):
        self.client, self.plugin, self.manifest = client, plugin, manifest
        self.options, self.progress = options, progress
        self.finished: queue.Queue = queue.Queue()  # futures, put there by Dask's done-callbacks
        self.pending: dict[Future, tuple[int, Shard]] = {}
        self.run_id, self.words = uuid.uuid4().hex[:8], 0
        self.watch = WorkerWatch(client)
        self.sharing = WordSharing(client, plugin, spec, options.beam_size, self.run_id, self.watch)
        self.shard_model_words = 0  # decoded by the model inside shard tasks (words the shared table lacked)

    @property
    def model_words(self) -> int:
        """Words the model decoded in this run, on all workers together."""
        return self.sharing.model_words + self.shard_model_words

    def run(self) -> int:
        """Decode every missing shard; returns the words decoded."""
        for group in self._groups():
            self.sharing.share([forms for _, _, forms in group])
            for file_no, shard, forms in group:
                while len(self.pending) >= self._window():
                    self._collect()
                self._submit(file_no, shard, forms)
        while self.pending:
            self._collect()
        return self.words

    def _groups(self) -> Iterator[list[tuple[int, Shard, list[str]]]]:
        """The missing shards with their words, in groups of as many as are in flight, or fewer once a group has
        GROUP_WORDS distinct words (so that a group's words and the next's fit in the shared table together)."""
        group: list[tuple[int, Shard, list[str]]] = []
        words: set[str] = set()
        for file_no, shard in self._missing():
            forms = self.sharing.forms(shard.text)
            group.append((file_no, shard, forms))
            words.update(forms)
            if len(group) >= self._window() or len(words) >= GROUP_WORDS:
                yield group
                group, words = [], set()
        if group:
            yield group

    def _window(self) -> int:
        """Shards in flight at most, and in a group at most."""
        return max(2, SHARDS_PER_THREAD * total_threads(self.client))

    def _submit(self, file_no: int, shard: Shard, forms: list[str]) -> None:
        future = self.client.submit(decode_shard, self.plugin, shard.text, self.options.beam_size,
                                    self.options.context, self.sharing.table_id, forms,
                                    key=f"translit-{self.run_id}-{file_no}-{shard.index}")
        self.pending[future] = (file_no, Shard(shard.index, shard.first_line, shard.lines, "", shard.skipped))
        future.add_done_callback(self.finished.put)

    def _missing(self) -> Iterator[tuple[int, Shard]]:
        """The shards no earlier run finished, read in order (a file is read only as far as its last one)."""
        for file_no, source in enumerate(self.manifest.sources):
            missing = self.manifest.missing(file_no)
            for shard in (read_shards(source, self.options.shard_lines, self.options.skip_bad_lines)
                          if missing else ()):
                if shard.index in missing:
                    yield file_no, shard
                if shard.index >= max(missing):
                    break

    def _collect(self) -> None:
        """Wait for one result and record it."""
        future = self._next_finished()
        file_no, shard = self.pending.pop(future)
        result = self._result(future, file_no, shard)
        counts = {"lines": shard.lines, "words": result.words, "too_long": result.too_long, "skipped": shard.skipped}
        self.manifest.record(file_no, shard.index, result.text, counts, result.unknown)
        self.words += result.words
        self.shard_model_words += result.model_words
        self.progress.update(shard.lines, result.words)

    def _next_finished(self) -> Future:
        while True:
            try:
                return self.finished.get(timeout=POLL_S)
            except queue.Empty:
                self.watch.check()

    def _result(self, future: Future, file_no: int, shard: Shard) -> ShardResult:
        where = (f"{self.manifest.sources[file_no].path} lines {shard.first_line:,}–"
                 f"{shard.first_line + shard.lines - 1:,}")
        try:
            return future.result()
        except KilledWorker:
            raise SeqlabError(f"{where}: every worker that decoded them died (out of memory?); run the same command "
                              "again to retry, with --shard-lines smaller") from None
        except CancelledError:
            raise SeqlabError(f"{where}: the cluster dropped the work (scheduler gone?); run the same command again "
                              "to go on where it stopped") from None
