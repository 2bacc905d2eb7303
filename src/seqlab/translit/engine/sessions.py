"""ONNX Runtime sessions, with explicit thread settings, only for a graph whose metadata says it came from the
expected weights (export.py). A loaded model holds its sessions for the life of the process: they are created
once, when the model loads, never per call."""
from __future__ import annotations

from pathlib import Path

import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

from seqlab.errors import first_line
from seqlab.translit.engine.graphs import metadata

LOAD_ERRORS = (OSError, ort_errors.Fail, ort_errors.InvalidProtobuf, ort_errors.InvalidGraph, ort_errors.NoSuchFile,
               ort_errors.InvalidArgument, ort_errors.RuntimeException)


class GraphError(Exception):
    """Why a graph file cannot be used (missing, corrupt, of other weights or another format), in one line."""


def session_options(threads: int) -> ort.SessionOptions:
    """`threads` intra-op threads that sleep when idle: spinning threads would take the CPU from the PyTorch and
    Python work (beam bookkeeping, ranking, the server's event loop) that runs between two graph calls
    (onnxruntime issue 13808). The graphs are small and sequential: one inter-op thread."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: ORT's warnings about unused initializers are not the user's concern
    return options


def open_graph(path: Path, name: str, weights_sha256: str, quantized: bool, threads: int) -> ort.InferenceSession:
    """The session of graph `name` at `path`, if the file is whole and was exported from weights with
    `weights_sha256` in the current format; else GraphError."""
    if not path.is_file():
        raise GraphError(f"{path} is missing")
    try:
        session = ort.InferenceSession(str(path), session_options(threads), providers=["CPUExecutionProvider"])
    except LOAD_ERRORS as exc:
        raise GraphError(f"{path} is corrupt ({first_line(exc)})") from None
    found = session.get_modelmeta().custom_metadata_map
    for meta_key, value in metadata(name, weights_sha256, quantized).items():
        if found.get(meta_key) != value:
            raise GraphError(f"{path} is stale: its {meta_key} is {found.get(meta_key)!r}, not {value!r}")
    return session
