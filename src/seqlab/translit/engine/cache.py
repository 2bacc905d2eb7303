"""Where a model's graphs live and how they are built: once, at the first load, into the user cache
(`seqlab.datadir.cache_dir()`, i.e. $SEQLAB_CACHE_DIR or ~/.cache/seqlab), one folder per weights file.

Several processes may load the same model at once (`seqlab serve --workers N`): a file lock next to the graphs
makes one of them build while the others wait and then load what it built. Every graph is written atomically and
records the SHA-256 of the weights it came from (export.py): a graph that is missing, truncated, corrupt, of other
weights (the run was trained further) or of an older format is rebuilt; if even the rebuilt one cannot be used,
loading stops with a one-line error. A stale graph is never used.
"""
from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

from filelock import FileLock, Timeout

from seqlab.datadir import cache_dir
from seqlab.errors import SeqlabError, first_line
from seqlab.translit.engine.graphs import graph_names, graph_path
from seqlab.translit.engine.runtime import OnnxSeq2Seq
from seqlab.translit.engine.sessions import GraphError, open_graph
from seqlab.translit.model.network import Seq2Seq

GRAPHS_DIR = "translit-onnx"
LOCK_TIMEOUT_S = 600  # another process building the graphs of a model takes seconds; this much means it hangs
CHUNK = 1 << 20
log = logging.getLogger(__name__)


def weights_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def graph_folder(weights: Path) -> Path:
    """One folder per weights file (by its absolute path): the graphs of a run that is trained further replace
    the old ones rather than piling up."""
    key = hashlib.sha256(str(Path(weights).resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir() / GRAPHS_DIR / f"{Path(weights).parent.name}-{key}"


def load_network(model: Seq2Seq, weights: Path, quantized: bool = False, threads: int = 1) -> OnnxSeq2Seq:
    """`model` (loaded from `weights`, float32 on the CPU) as an ONNX Runtime network with `threads` intra-op
    threads; the graphs are built first if needed. One thread by default: a decoder call's matrices are too small
    to split (one word with the CLI's decoding took 3.8 ms with one thread, 4.1 ms with two, README), so more
    cores decode more batches at once instead (Transliterator.decode_threads)."""
    digest, folder = weights_sha256(weights), graph_folder(weights)
    try:
        return _open(model, folder, digest, quantized, threads)
    except GraphError as exc:
        reason = exc
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / ".lock"), timeout=LOCK_TIMEOUT_S):
            try:  # another process may have built them while this one waited for the lock
                return _open(model, folder, digest, quantized, threads)
            except GraphError as exc:
                reason = exc
            _notice(f"building the ONNX Runtime graphs of {weights} in {folder}, once per model ({reason})")
            _build(model, folder, digest, quantized)
    except Timeout:
        raise SeqlabError(f"{folder}: another process has been building these graphs for over {LOCK_TIMEOUT_S} s; "
                          f"if none is running, delete {folder / '.lock'}") from None
    except OSError as exc:
        raise SeqlabError(f"cannot write the ONNX Runtime graphs to {folder} ({exc.strerror or exc}); set "
                          "SEQLAB_CACHE_DIR to a writable folder, or use --backend torch") from None
    try:
        return _open(model, folder, digest, quantized, threads)
    except GraphError as exc:
        raise SeqlabError(f"{exc}, even after rebuilding it; delete {folder} and try again, or use --backend "
                          "torch") from None


def _build(model: Seq2Seq, folder: Path, digest: str, quantized: bool) -> None:
    """Export every graph of `model`. The exporter's modules (the `onnx` package, ONNX Runtime's quantizer) take
    seconds to import, so they are imported here, only when graphs are built, not at every load."""
    try:
        from seqlab.translit.engine.export import export_graph
    except ImportError as exc:
        raise SeqlabError(f"building ONNX Runtime graphs needs the onnx package ({exc}); install seqlab's "
                          "dependencies (pip install -e .) or use --backend torch") from None
    for name in graph_names(model.config):
        try:
            export_graph(model, name, graph_path(folder, name, quantized), digest, quantized)
        except (RuntimeError, ValueError, TypeError) as exc:  # what torch.onnx and onnx raise on a graph they refuse
            raise SeqlabError(f"cannot export the {name} of {folder.name} to ONNX ({first_line(exc)}); use "
                              "--backend torch") from None


def _notice(message: str) -> None:
    """Logged, and said on a terminal (a few seconds' wait at a first load): never in a pipe's or test's stderr."""
    log.info(message)
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def _open(model: Seq2Seq, folder: Path, digest: str, quantized: bool, threads: int) -> OnnxSeq2Seq:
    sessions = {name: open_graph(graph_path(folder, name, quantized), name, digest, quantized, threads)
                for name in graph_names(model.config)}
    return OnnxSeq2Seq(model.config, sessions, quantized)
