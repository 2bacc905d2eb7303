"""The inference engine: trained networks exported to ONNX graphs (export.py), built once into the user cache
(cache.py) and run by ONNX Runtime sessions (sessions.py) behind the decoding interface of `Seq2Seq`
(runtime.py; its beam search over numpy arrays in beams.py), so greedy decoding, beam search, forced scoring and
the rescorers skip PyTorch's per-call overhead on the CPU. Which backend runs is chosen here (`resolve_backend`);
training always uses PyTorch.

This module imports neither torch nor ONNX Runtime: the runtime is imported when a model is loaded with it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from seqlab.errors import SeqlabError
from seqlab.options import check_value
from seqlab.translit.config import LoadOptions

if TYPE_CHECKING:
    from pathlib import Path

    from seqlab.translit.engine.runtime import OnnxSeq2Seq
    from seqlab.translit.model.network import Seq2Seq

MISSING_RUNTIME = "--backend {} needs ONNX Runtime, which cannot be imported here ({}); install seqlab's " \
                  "dependencies (pip install -e .) or use --backend torch"


def runtime_available() -> str | None:
    """None when ONNX Runtime imports; else why not."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def resolve_backend(name: str, device_type: str, dtype: str) -> str:
    """The backend that runs (config.BACKENDS less auto) for --backend `name` on a `device_type` device decoding in
    `dtype` (as --dtype gives it).

    auto is ONNX Runtime on a CPU in float32 and PyTorch otherwise (CUDA, or bfloat16, which is PyTorch's); it
    falls back to PyTorch when ONNX Runtime cannot be imported. An explicit onnx that cannot run is an error."""
    check_value(LoadOptions, "backend", name)
    if name == "auto":
        return "onnx" if device_type == "cpu" and dtype != "bfloat16" and runtime_available() is None else "torch"
    if name != "torch":
        if device_type != "cpu":
            raise SeqlabError(f"--backend {name} runs on the CPU; use --device cpu, or --backend torch on a GPU")
        if dtype == "bfloat16":
            raise SeqlabError(f"--dtype bfloat16 is PyTorch's; with --backend {name} use --dtype float32")
        missing = runtime_available()
        if missing is not None:
            raise SeqlabError(MISSING_RUNTIME.format(name, missing))
    return name


def onnx_network(model: Seq2Seq, weights: Path, quantized: bool = False) -> OnnxSeq2Seq:
    """`model`, loaded from `weights`, as an ONNX Runtime network (graphs built at the first load), with int8
    weights when `quantized`."""
    from seqlab.translit.engine.cache import load_network  # ONNX Runtime: imported only when it is used

    return load_network(model, weights, quantized)
