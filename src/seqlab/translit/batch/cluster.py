"""The Dask side of a batch job: the cluster it runs on, the plugin that loads the model on every worker once,
and the tasks: the candidates of a group's new words (the first phase, sharing.py) and the decoding of one shard.

Without --scheduler the job starts a local cluster of worker processes, one thread each (PyTorch decodes a word
batch on one core best, and processes scale where threads would share the GIL). With it, the job first asks the
address for the scheduler's identity, with a timeout, so a wrong or dead address is a one-line error within
CONNECT_TIMEOUT_S instead of a hang or a stack of retries; a scheduler without workers is an error after
WORKER_WAIT_S. A worker decodes one shard at a time with its one model (a lock guards the model, whatever
--nthreads it was started with, and PyTorch gets that many threads), so start workers as `dask worker ADDR
--nworkers N --nthreads 1`.
"""
from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

from distributed import Client, LocalCluster, WorkerPlugin, get_worker
from distributed.comm import connect

from seqlab.errors import SeqlabError, first_line
from seqlab.translit.batch.model import ModelSpec
from seqlab.translit.batch.options import BatchOptions
from seqlab.translit.batch.word_table import prefill
from seqlab.translit.cli.stream import TextStream
from seqlab.translit.text.tokens import word_matches
from seqlab.translit.transliterator import Transliterator

CONNECT_TIMEOUT_S = 5.0
WORKER_WAIT_S = 60.0
POLL_S = 5.0  # how often a wait for results checks that the cluster still has workers
PLUGIN_PREFIX = "seqlab-translit-"
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (glibc malloc.h)

_model_lock = threading.Lock()  # per worker process: one load, and one decoding at a time
_loaded: dict[str, Transliterator] = {}  # {ModelSpec.key: model}; one model per process, whatever jobs ran before


@dataclass
class ShardResult:
    """What a worker sends back for one shard: its output text and what `predict` would report about it."""

    text: str
    words: int
    too_long: int
    unknown: dict[str, int] = field(default_factory=dict)
    model_words: int = 0  # words the model decoded for it: those the shared table lacked (sharing.py)


class TranslitPlugin(WorkerPlugin):
    """Loads the job's model when a worker starts or joins (and again on a worker restarted after a crash)."""

    idempotent = True  # registered again by the next job with the same model: the loaded one is kept

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.name = PLUGIN_PREFIX + spec.key

    def setup(self, worker) -> None:
        import torch

        torch.set_num_threads(max(1, worker.state.nthreads))  # decoding is serialized: the worker's cores are ours
        _undo_malloc_trim()
        with _model_lock:
            _model(self.spec)


def _undo_malloc_trim() -> None:
    """Give glibc back its adaptive malloc thresholds in a worker that a Dask nanny started.

    The nanny sets MALLOC_TRIM_THRESHOLD_=65536 so that workers return freed memory to the system; setting it also
    freezes glibc's mmap threshold at 128 KiB, so every tensor larger than that is mmapped and unmapped again, and
    decoding took 40 % more CPU time (measured: 9.8 s against 7.1 s for 300 dev sentences). The thresholds glibc
    itself settles on (32 MiB mmap, twice that trim) make it as fast as `predict` again. Nothing to do elsewhere."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 64 << 20)


def _model(spec: ModelSpec) -> Transliterator:
    """The loaded model of `spec` (call with _model_lock held)."""
    if spec.key not in _loaded:
        _loaded.clear()  # another job's model goes: memory stays one model per worker
        _loaded[spec.key] = spec.load()
    return _loaded[spec.key]


def decode_words(plugin_name: str, forms: list[str], beam_size: Optional[int]) -> dict[str, list]:
    """The first-phase task (sharing.py): the scored candidates of `forms` (model forms), as sentence mode's cache
    holds them; none when the decoding is greedy (it reads no candidates). Always decoded, never taken from this
    worker's cache: the client counts them as the job's own decodings whichever worker ran them before."""
    with _model_lock:
        translit = _model(_plugin(plugin_name).spec)
        beam = translit.settings(beam_size).beam_size
        return {} if beam == 1 else dict(zip(forms, translit.scored_candidates(forms, beam)))


def decode_shard(plugin_name: str, text: str, beam_size: Optional[int], context: bool, table_id: str,
                 forms: Sequence[str]) -> ShardResult:
    """The task: `text` (whole lines) through `predict`'s TextStream, on this worker's model, after its words
    `forms` are copied from the job's shared table (word_table.py) into the model's cache."""
    plugin = _plugin(plugin_name)
    written: list[str] = []
    with _model_lock:
        translit = _model(plugin.spec)
        prefill(translit, table_id, forms, translit.settings(beam_size).beam_size)
        computed = translit.candidate_cache.computed
        stream = TextStream(translit, written.append, beam_size, 1, context=context)
        stream.feed(text)
        stream.finish()
        computed = translit.candidate_cache.computed - computed
    words = sum(1 for _ in word_matches(text, translit.direction, translit.lang))
    return ShardResult("".join(written), words, stream.too_long, dict(stream.unknown), computed)


def _plugin(plugin_name: str) -> TranslitPlugin:
    plugin = get_worker().plugins.get(plugin_name)
    if plugin is None:
        raise SeqlabError(f"worker {get_worker().address} lacks the seqlab plugin {plugin_name}; is it a worker of "
                          "this scheduler with seqlab installed?")
    return plugin


@contextmanager
def connect_cluster(options: BatchOptions) -> Iterator[Client]:
    """A client of the --scheduler's cluster, else of a local cluster started (and stopped) here."""
    if options.scheduler is not None:
        _probe(options.scheduler)
        with Client(options.scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False) as client:
            _wait_for_workers(client, options.scheduler)
            yield client
        return
    with local_cluster(options.local_workers) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


def local_cluster(workers: int) -> LocalCluster:
    """Worker processes on this machine, one thread each, all listening on 127.0.0.1 only; no dashboard, and the
    scheduler's HTTP routes on a free port (not 8787, which another cluster may hold)."""
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.CRITICAL)  # not a worker's heartbeat failing at shutdown


def _probe(address: str) -> None:
    """Ask `address` who it is, within CONNECT_TIMEOUT_S (one line whatever answers, or nothing)."""
    async def identity() -> dict:
        comm = await connect(address, timeout=CONNECT_TIMEOUT_S)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    hint = "start one with `dask scheduler`, or leave --scheduler out to run on this machine"
    try:
        with ThreadPoolExecutor(1) as thread:  # a loop of its own, even when the caller's (Jupyter) is running
            answer = thread.submit(asyncio.run, asyncio.wait_for(identity(), CONNECT_TIMEOUT_S + 1)).result()
    except (OSError, asyncio.TimeoutError) as exc:
        raise SeqlabError(f"--scheduler {address}: no Dask scheduler answers ({first_line(exc)}); {hint}") from None
    except Exception as exc:  # noqa: BLE001 - whatever a non-Dask server's bytes make of the protocol
        raise SeqlabError(f"--scheduler {address}: did not answer as a Dask scheduler ({type(exc).__name__}); "
                          f"{hint}") from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise SeqlabError(f"--scheduler {address}: that is not a Dask scheduler; {hint}")


def _wait_for_workers(client: Client, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (TimeoutError, asyncio.TimeoutError):  # the same class from Python 3.11 on
        raise SeqlabError(f"--scheduler {address} has had no workers for {WORKER_WAIT_S:.0f} s; start some with "
                          f"`dask worker {address} --nthreads 1` on machines with seqlab installed") from None


def register_model(client: Client, spec: ModelSpec) -> str:
    """Load the model on every worker (and on any that joins later); returns the plugin's name for the tasks."""
    plugin = TranslitPlugin(spec)
    client.register_plugin(plugin)
    return plugin.name


def total_threads(client: Client) -> int:
    return sum(client.nthreads().values())


class WorkerWatch:
    """For a client that waits on results in polls: one line once the cluster has had no workers for
    WORKER_WAIT_S (they all died, or were stopped), instead of waiting for ever."""

    def __init__(self, client: Client):
        self.client, self.idle_since = client, None

    def check(self) -> None:
        if total_threads(self.client):
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = time.monotonic()
        elif time.monotonic() - self.idle_since > WORKER_WAIT_S:
            raise SeqlabError(f"the cluster has had no workers for {WORKER_WAIT_S:.0f} s; start some (`dask "
                              "worker`) and run the same command again to go on where it stopped")
