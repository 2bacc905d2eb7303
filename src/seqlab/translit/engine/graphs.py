"""Which ONNX graphs a model has, what their files are called and what their metadata records (export.py writes
them, sessions.py checks them). Kept apart from the exporter so that loading graphs already built never imports
the `onnx` package (seconds at start-up)."""
from __future__ import annotations

from pathlib import Path

from seqlab.translit.config import ModelConfig

# Bump when what the graphs compute or how their inputs are named changes: graphs of another format are rebuilt.
# 2: the decoder graphs gather the memory rows themselves (`rows`); 3: log_probs out; 4: the search graph
ENGINE_FORMAT = "4"
WEIGHTS_KEY, FORMAT_KEY, GRAPH_KEY, QUANTIZED_KEY = ("seqlab_weights_sha256", "seqlab_engine_format",
                                                     "seqlab_graph", "seqlab_int8")
ENCODER, STEP, FORCED, SEARCH = "encoder", "step", "forced", "search"


def graph_names(config: ModelConfig) -> tuple[str, ...]:
    """The graphs a model needs: no forced graph with Bahdanau attention, whose decoder feeds each step's context
    into the next (a Python loop that tracing would unroll to one length); the step graph scores there. The
    search graph (search_graph.py) runs the beam search of a few words in one call."""
    return (ENCODER, STEP, SEARCH) if config.attention == "bahdanau" else (ENCODER, STEP, FORCED, SEARCH)


def graph_path(folder: Path, name: str, quantized: bool) -> Path:
    return folder / (f"{name}.int8.onnx" if quantized else f"{name}.onnx")


def metadata(name: str, weights_sha256: str, quantized: bool) -> dict[str, str]:
    """What a graph records about itself, and what a graph must record to be used."""
    return {FORMAT_KEY: ENGINE_FORMAT, GRAPH_KEY: name, WEIGHTS_KEY: weights_sha256,
            QUANTIZED_KEY: str(quantized).lower()}
