"""A trained `Seq2Seq` as ONNX graphs, exported with torch's own (TorchScript) exporter, opset 17:

- encoder: source (B, S), lengths (B,) → outputs (B, S, d), keys (B, S, k) with attention, h (L, B, k) [, c];
  the packed bidirectional RNN becomes the ONNX RNN/GRU/LSTM op with per-row sequence lengths;
- step: one decoder step, previous (B,), the encoder memory of W words (W, S, …), `rows` (B,) (the word whose
  memory each of the B state rows reads: a word's beams share one copy of its memory, gathered inside the graph
  rather than copied k times by the caller) and the state in → logits (B, V), the new state, the attention
  weights (B, S) and the log-probabilities (B, V) out — `Seq2Seq.step` with its fused RNN call
  (`cell_step_rows = 0`), plus the log-softmax the beam search ranks by (one graph op, not six numpy calls);
- forced: forced decoding from the encoder's memory (with `rows`, as in step) and state, target (B, T) →
  log P(y | x) (B,) —
  `Seq2Seq.forced_log_probs` in one call (apart from the encoder, so the runtime encodes each distinct input of
  a batch of candidates once); not for Bahdanau attention, whose decoder feeds each step's context into the next
  (a Python loop that tracing would unroll to one length), so there the runtime scores with the step graph;
- search: the step graph inside an ONNX Loop with the beam search's bookkeeping (search_graph.py), the whole
  search of a few words in one call.

Batch, word, source and target lengths are dynamic axes. Each graph records in its metadata the SHA-256 of the weights
it came from and the engine's format (graphs.py), so a graph of other weights or of an older exporter is never
used (cache.py).
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from torch import nn

from seqlab.io import atomic_path
from seqlab.translit.data.vocab import EOS_ID, SOS_ID
from seqlab.translit.engine.graphs import ENCODER, SEARCH, STEP, metadata
from seqlab.translit.engine.search_graph import search_graph
from seqlab.translit.model.network import Memory, Seq2Seq

OPSET = 17


def state_names(model: Seq2Seq, suffix: str = "") -> list[str]:
    return ["h" + suffix, "c" + suffix] if model.config.cell == "lstm" else ["h" + suffix]


class EncoderGraph(nn.Module):
    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(self, source: torch.Tensor, lengths: torch.Tensor):
        memory, state = self.model.encode(source, lengths)
        keys = () if memory.keys is None else (memory.keys,)
        return (memory.outputs, *keys, *(state if isinstance(state, tuple) else (state,)))


def _memory_rows(model: Seq2Seq, outputs, mask, keys, rows) -> Memory:
    """The memory of W words, (W, S, …), as the B decoder rows read it: (B, S, …) gathered by `rows` (B,) — one
    ONNX Gather in the graph. Without attention the decoder reads no memory: the inputs are left unused."""
    if model.config.attention == "none":
        return Memory(outputs, mask, None)
    return Memory(outputs.index_select(0, rows), mask.index_select(0, rows), keys.index_select(0, rows))


class StepGraph(nn.Module):
    """Inputs the network does not use (the memory and rows without attention, c without an LSTM) are placeholders
    that the exporter drops from the graph; the runtime feeds only the inputs a graph has."""

    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(self, previous, rows, outputs, mask, keys, h, c):
        lstm, attention = self.model.config.cell == "lstm", self.model.config.attention != "none"
        memory = _memory_rows(self.model, outputs, mask, keys, rows)
        logits, state, weights = self.model.step(previous, (h, c) if lstm else h, memory)
        log_probs = torch.log_softmax(logits.float(), dim=-1)  # what the beam search ranks by, as search.py takes it
        return (logits, *(state if lstm else (state,)), *((weights,) if attention else ()), log_probs)


class ForcedGraph(nn.Module):
    """Placeholder inputs as in StepGraph."""

    def __init__(self, model: Seq2Seq):
        super().__init__()
        self.model = model

    def forward(self, rows, outputs, mask, keys, h, c, target):
        memory = _memory_rows(self.model, outputs, mask, keys, rows)
        return self.model.forced_log_probs(memory, (h, c) if self.model.config.cell == "lstm" else h, target)


def _examples() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Two words of different lengths (so the packing is traced as it is used), read by three decoder rows (so the
    words and the rows are traced as different axes), the targets ending in <eos>."""
    source = torch.tensor([[4, 4, 4], [4, 4, 0]])
    rows = torch.tensor([0, 1, 1])
    return source, torch.tensor([3, 2]), rows, torch.tensor([[4, 4, EOS_ID], [4, EOS_ID, 0], [4, 4, EOS_ID]])


def _graph(model: Seq2Seq, name: str) -> tuple[nn.Module, tuple, list[str], list[str], dict]:
    """The module, example inputs, input and output names and dynamic axes of one graph."""
    source, lengths, rows, target = _examples()
    batch, src, tgt = {0: "batch"}, {0: "batch", 1: "source"}, {0: "batch", 1: "target"}
    attention = model.config.attention != "none"
    if name == ENCODER:
        outputs = ["outputs", *(["keys"] if attention else []), *state_names(model)]
        axes = {"source": src, "lengths": batch, "outputs": src, "keys": src, "h": {1: "batch"}, "c": {1: "batch"}}
        return EncoderGraph(model), (source, lengths), ["source", "lengths"], outputs, axes
    memory, state = model.encode(source, lengths)
    h, c = state if isinstance(state, tuple) else (state, state)
    h, c = h.index_select(1, rows), c.index_select(1, rows)  # (layers, W, hidden) → (layers, B, hidden)
    decoder_inputs = (rows, memory.outputs, memory.mask, memory.keys if attention else memory.outputs, h, c)
    words = {0: "words", 1: "source"}
    axes = {"previous": batch, "rows": batch, "outputs": words, "mask": words, "keys": words, "logits": batch,
            "weights": src, "target": tgt, "log_prob": batch, "log_probs": batch,
            **{n: {1: "batch"} for n in ("h", "c", "h_out", "c_out")}}
    names = ["rows", "outputs", "mask", "keys", "h", "c"]
    if name == STEP:
        outputs = ["logits", *state_names(model, "_out"), *(["weights"] if attention else []), "log_probs"]
        return StepGraph(model), (torch.full((3,), SOS_ID), *decoder_inputs), ["previous", *names], outputs, axes
    return ForcedGraph(model), (*decoder_inputs, target), [*names, "target"], ["log_prob"], axes


def export_graph(model: Seq2Seq, name: str, path: Path, weights_sha256: str, quantized: bool = False) -> None:
    """Write graph `name` of `model` to `path` atomically, with its metadata; int8 weights (ONNX Runtime's dynamic
    quantization of the matrix products and LSTM layers) when `quantized`. The search graph is the step graph,
    quantized first if asked, inside a Loop (search_graph.py)."""
    graph = _exported(model, STEP if name == SEARCH else name)
    if quantized:
        graph = _quantize(graph)
    if name == SEARCH:
        graph = search_graph(graph, model.config.target_vocab)
    onnx.helper.set_model_props(graph, metadata(name, weights_sha256, quantized))
    with atomic_path(path) as tmp:
        onnx.save(graph, str(tmp))


def _exported(model: Seq2Seq, name: str) -> onnx.ModelProto:
    """Graph `name` (encoder, step or forced) of `model` as torch's exporter writes it."""
    buffer = io.BytesIO()
    saved = model.cell_step_rows, model.training
    model.cell_step_rows = 0  # the fused RNN call becomes the ONNX RNN op; the cell-function loop would not
    model.eval()  # no dropout in the graph
    try:
        with torch.no_grad(), _quiet():
            module, example, inputs, outputs, axes = _graph(model, name)
            torch.onnx.export(module, example, buffer, dynamo=False, opset_version=OPSET, input_names=inputs,
                              output_names=outputs, dynamic_axes={k: v for k, v in axes.items()
                                                                  if k in inputs + outputs})
    finally:
        model.cell_step_rows = saved[0]
        model.train(saved[1])
    return onnx.load_from_string(buffer.getvalue())


def _quantize(graph: onnx.ModelProto) -> onnx.ModelProto:
    """quantize_dynamic works on files: through a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="seqlab-int8-") as folder:
        source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
        onnx.save(graph, str(source))
        with _quiet():
            quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
        return onnx.load(str(target))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter's deprecation notice, its warnings about shapes it cannot infer for packed sequences (the
    graphs are checked against PyTorch in the tests) and C++ log lines written straight to file descriptor 2 are
    noise to a user loading a model: hidden while exporting. An exception still propagates with its message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = os.dup(2)
        try:
            with open(os.devnull, "w", encoding="utf-8") as sink:
                os.dup2(sink.fileno(), 2)
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
