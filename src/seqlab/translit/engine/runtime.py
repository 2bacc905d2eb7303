"""`OnnxSeq2Seq`: the decoding interface of `Seq2Seq` (network.Network: encode, one decoder step, forced scoring)
over ONNX Runtime sessions of its exported graphs (export.py).

The search (decoding/search.py: `Beams`, greedy decoding, the one ranking rule) runs unchanged on top: it keeps
its bookkeeping in torch tensors, and the network's inputs and outputs cross to ONNX Runtime as numpy arrays that
share memory with those tensors (`Tensor.numpy()` and `torch.from_numpy` copy nothing), so a decoding step costs
one session call and no copies beyond the ones the search itself makes.
"""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np
import onnxruntime as ort
import torch

from seqlab.translit.config import ModelConfig
from seqlab.translit.data.vocab import PAD_ID, SOS_ID
from seqlab.translit.engine.graphs import ENCODER, FORCED, STEP
from seqlab.translit.model.network import Memory, State, reorder_state


def _array(tensor: Optional[torch.Tensor]) -> Optional[np.ndarray]:
    return None if tensor is None else tensor.numpy()


class OnnxSeq2Seq:
    """A transliteration network run by ONNX Runtime on the CPU; what decoding calls, as `Seq2Seq` answers it."""

    device = torch.device("cpu")

    def __init__(self, config: ModelConfig, sessions: Mapping[str, ort.InferenceSession], quantized: bool = False):
        self.config = config
        self.encoder, self.stepper, self.forced = sessions[ENCODER], sessions[STEP], sessions.get(FORCED)
        self.backend = "onnx-int8" if quantized else "onnx"  # config.BACKENDS
        self.dtype_name = "int8" if quantized else "float32"  # what the weights are stored in
        # the exporter drops the inputs a graph ignores: feed only those it has
        self._step_inputs = [i.name for i in self.stepper.get_inputs()]
        self._forced_inputs = [i.name for i in self.forced.get_inputs()] if self.forced is not None else []
        self._lstm, self._attention = config.cell == "lstm", config.attention != "none"

    def eval(self) -> "OnnxSeq2Seq":
        return self

    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[Memory, State]:
        results = [torch.from_numpy(a) for a in self.encoder.run(None, {"source": source.numpy(),
                                                                         "lengths": lengths.numpy()})]
        outputs, keys = results[0], results[1] if self._attention else None
        state = results[-2:] if self._lstm else results[-1]
        return Memory(outputs, source != PAD_ID, keys), tuple(state) if self._lstm else state

    def step(self, previous: torch.Tensor, state: State, memory: Memory):
        """One decoding step, as `Seq2Seq.step`: logits (B, V), the new state, attention weights (B, S) or None."""
        results = self._run(self.stepper, self._step_inputs, memory, state, previous=previous)
        state = (results[1], results[2]) if self._lstm else results[1]
        return results[0], state, results[-1] if self._attention else None

    def target_log_probs(self, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Forced decoding, as `Seq2Seq.target_log_probs`. The candidates of a word share its input: each distinct
        input is encoded once, then the forced graph scores all rows in one call (with Bahdanau attention, which
        has none, the step graph runs once per target position)."""
        first: dict[tuple[int, ...], int] = {}  # each distinct input → the first row that has it
        rows = torch.tensor([first.setdefault(tuple(ids), row) for row, ids in enumerate(source.tolist())])
        distinct = torch.tensor(sorted(first.values()))
        memory, state = self.encode(source[distinct], lengths[distinct])
        rows = torch.searchsorted(distinct, rows)  # row → its input's position among the distinct ones
        memory, state = memory.select(rows), reorder_state(state, rows)
        if self.forced is not None:
            return self._run(self.forced, self._forced_inputs, memory, state, target=target)[0]
        previous = torch.full((source.size(0),), SOS_ID, dtype=torch.long)
        total = torch.zeros(source.size(0))
        for t in range(target.size(1)):
            logits, state, _ = self.step(previous, state, memory)
            picked = torch.log_softmax(logits.float(), dim=-1).gather(1, target[:, t : t + 1]).squeeze(1)  # (B,)
            total += picked.masked_fill(target[:, t] == PAD_ID, 0.0)
            previous = target[:, t]
        return total

    def _run(self, session: ort.InferenceSession, names: list[str], memory: Memory, state: State,
             **tensors: torch.Tensor) -> list[torch.Tensor]:
        """One call of a decoder graph with the inputs it has, outputs as tensors."""
        h, c = state if self._lstm else (state, None)
        feeds = {"outputs": memory.outputs, "mask": memory.mask, "keys": memory.keys, "h": h, "c": c, **tensors}
        return [torch.from_numpy(a) for a in session.run(None, {n: _array(feeds[n]) for n in names})]
