"""`OnnxSeq2Seq`: the decoding interface of `Seq2Seq` (network.Network: encode, one decoder step, forced scoring)
over ONNX Runtime sessions of its exported graphs (export.py).

Its own hot paths never touch torch: the beam search runs over numpy arrays (beams.py: `Beams`' rule, with the
state and the encoder memory kept as the numpy arrays the sessions take and return), and forced scoring dedupes,
encodes and scores in numpy. The torch-facing methods (`encode`, `step`, `target_log_probs`) wrap the array ones
for the code that still holds tensors (greedy decoding, the attention view); `Tensor.numpy()` and
`torch.from_numpy` copy nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
import onnxruntime as ort
import torch

from seqlab.translit.config import ModelConfig
from seqlab.translit.data.vocab import PAD_ID, SOS_ID
from seqlab.translit.decoding.search import Hypothesis
from seqlab.translit.engine.beams import ArrayBeams, array_beam_search
from seqlab.translit.engine.graphs import ENCODER, FORCED, SEARCH, STEP
from seqlab.translit.model.network import Memory, State


@dataclass
class ArrayMemory:
    """The encoder's memory of W words as numpy arrays: outputs (W, S, d), mask (W, S), keys (W, S, k) or None.
    It is never copied per beam: a decoder call names the word each of its rows reads (`rows`), and the graph
    gathers them (export.py)."""

    outputs: np.ndarray
    mask: np.ndarray
    keys: Optional[np.ndarray]


@dataclass
class ArrayState:
    """The decoder state as numpy arrays: (h,) or an LSTM's (h, c), each (layers, B, hidden)."""

    parts: tuple[np.ndarray, ...]

    def select(self, rows: np.ndarray) -> "ArrayState":
        """Only the given batch rows, (layers, B, hidden) → (layers, len(rows), hidden)."""
        return ArrayState(tuple(part[:, rows] for part in self.parts))

    def replace(self, rows: np.ndarray, new: "ArrayState") -> "ArrayState":
        """This state with batch `rows` taken from `new` (whose batch is those rows), in place: the search's state
        arrays are its own (`select` copies), and the rows it replaces are never read again."""
        for part, value in zip(self.parts, new.parts):
            part[:, rows] = value
        return self


class OnnxSeq2Seq:
    """A transliteration network run by ONNX Runtime on the CPU; what decoding calls, as `Seq2Seq` answers it."""

    device = torch.device("cpu")

    def __init__(self, config: ModelConfig, sessions: Mapping[str, ort.InferenceSession], quantized: bool = False):
        self.config = config
        self.encoder, self.stepper, self.forced = sessions[ENCODER], sessions[STEP], sessions.get(FORCED)
        self.searcher = sessions[SEARCH]
        self.backend = "onnx-int8" if quantized else "onnx"  # config.BACKENDS
        self.dtype_name = "int8" if quantized else "float32"  # what the weights are stored in
        # the exporter drops the inputs a graph ignores: feed only those it has
        self._step_inputs = [i.name for i in self.stepper.get_inputs()]
        self._forced_inputs = [i.name for i in self.forced.get_inputs()] if self.forced is not None else []
        self._search_inputs = [i.name for i in self.searcher.get_inputs()]
        self._lstm, self._attention = config.cell == "lstm", config.attention != "none"

    def eval(self) -> "OnnxSeq2Seq":
        return self

    # numpy: what the search and forced scoring run on ----------------------------------------------------------
    def encode_arrays(self, source: np.ndarray, lengths: np.ndarray) -> tuple[ArrayMemory, ArrayState]:
        """source (B, S) int64, lengths (B,) int64 → the memory and the decoder's initial state."""
        results = self.encoder.run(None, {"source": source, "lengths": lengths})
        keys = results[1] if self._attention else None
        state = ArrayState(tuple(results[-2:]) if self._lstm else (results[-1],))
        return ArrayMemory(results[0], source != PAD_ID, keys), state

    def step_arrays(self, previous: np.ndarray, state: ArrayState, memory: ArrayMemory, rows: np.ndarray,
                    ) -> tuple[np.ndarray, ArrayState, Optional[np.ndarray], np.ndarray]:
        """One decoding step of B rows, row i reading the memory of word rows[i]: logits (B, V), the new state,
        attention weights (B, S) or None, and log-probabilities (B, V)."""
        results = self._run(self.stepper, self._step_inputs, memory, state, rows=rows, previous=previous)
        new_state = ArrayState(tuple(results[1:3]) if self._lstm else (results[1],))
        return results[0], new_state, results[-2] if self._attention else None, results[-1]

    def search_arrays(self, beams: ArrayBeams, state: ArrayState, memory: ArrayMemory, k: int,
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The whole beam search from `beams` at its start (search_graph.py): the final scores (W·k,) and each
        step's kept extensions (steps, W, k), as flat indices beam · V + character into each word's k·V."""
        h, c = state.parts if self._lstm else (state.parts[0], None)
        feeds = {"outputs": memory.outputs, "mask": memory.mask, "keys": memory.keys, "rows": beams.memory_row,
                 "previous0": beams.previous, "h0": h, "c0": c, "scores0": beams.scores, "finished0": beams.finished,
                 "limits": beams.limits, "beam": np.array([k], dtype=np.int64),
                 "max_steps": np.array(int(beams.limits.max()), dtype=np.int64)}
        scores, top_indices = self.searcher.run(None, {n: feeds[n] for n in self._search_inputs})
        return scores, top_indices

    def beam_search(self, source: torch.Tensor, lengths: torch.Tensor, beam_size: int,
                    length_penalty: float = 1.0) -> list[list[Hypothesis]]:
        """`search.beam_search`, run over numpy arrays (beams.py)."""
        return array_beam_search(self, source.numpy(), lengths.numpy(), beam_size, length_penalty)

    def score_arrays(self, source: np.ndarray, lengths: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Forced decoding, log P(y | x) (B,) float32. The candidates of a word share its input: each distinct input
        is encoded once, then the forced graph scores all rows in one call (with Bahdanau attention, which has
        none, the step graph runs once per target position)."""
        first: dict[bytes, int] = {}  # each distinct input → the first row that has it
        rows = [first.setdefault(ids.tobytes(), row) for row, ids in enumerate(source)]
        distinct = np.array(sorted(first.values()))
        position = np.searchsorted(distinct, rows)  # row → its input's position among the distinct ones
        memory, state = self.encode_arrays(source[distinct], lengths[distinct])
        state = state.select(position)
        if self.forced is not None:
            return self._run(self.forced, self._forced_inputs, memory, state, rows=position, target=target)[0]
        previous = np.full(source.shape[0], SOS_ID, dtype=np.int64)
        total = np.zeros(source.shape[0], dtype=np.float32)
        for t in range(target.shape[1]):
            _, state, _, log_probs = self.step_arrays(previous, state, memory, position)
            picked = np.take_along_axis(log_probs, target[:, t : t + 1], axis=1)[:, 0]  # (B, 1) → (B,)
            total += np.where(target[:, t] == PAD_ID, np.float32(0.0), picked)
            previous = target[:, t]
        return total

    def score_ids(self, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]]) -> list[float]:
        """`score_arrays` of id lists (each target ending in <eos>), padded as vocab.pad pads them."""
        source, lengths = _pad(sources)
        return self.score_arrays(source, lengths, _pad(targets)[0]).tolist()

    # torch: the `Network` interface ------------------------------------------------------------------------------
    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[Memory, State]:
        memory, state = self.encode_arrays(source.numpy(), lengths.numpy())
        return Memory(*(None if a is None else torch.from_numpy(a) for a in (memory.outputs, memory.mask,
                                                                             memory.keys))), _tensors(state)

    def step(self, previous: torch.Tensor, state: State, memory: Memory):
        """One decoding step, as `Seq2Seq.step`: logits (B, V), the new state, attention weights (B, S) or None."""
        arrays = ArrayMemory(*(None if t is None else t.numpy() for t in (memory.outputs, memory.mask, memory.keys)))
        parts = state if isinstance(state, tuple) else (state,)
        logits, state, weights, _ = self.step_arrays(previous.numpy(), ArrayState(tuple(p.numpy() for p in parts)),
                                                     arrays, np.arange(previous.shape[0]))
        return torch.from_numpy(logits), _tensors(state), None if weights is None else torch.from_numpy(weights)

    def target_log_probs(self, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Forced decoding, as `Seq2Seq.target_log_probs` (`score_arrays`)."""
        return torch.from_numpy(self.score_arrays(source.numpy(), lengths.numpy(), target.numpy()))

    def _run(self, session: ort.InferenceSession, names: list[str], memory: ArrayMemory, state: ArrayState,
             **arrays: np.ndarray) -> list[np.ndarray]:
        """One call of a decoder graph with the inputs it has (`arrays`: rows, and previous or target)."""
        h, c = state.parts if self._lstm else (state.parts[0], None)
        feeds = {"outputs": memory.outputs, "mask": memory.mask, "keys": memory.keys, "h": h, "c": c, **arrays}
        return session.run(None, {n: feeds[n] for n in names})


def _pad(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(B, longest) int64 ids padded with PAD_ID and the lengths (at least 1), as vocab.pad makes them."""
    lengths = np.array([max(len(row), 1) for row in rows], dtype=np.int64)
    padded = np.full((len(rows), int(lengths.max())), PAD_ID, dtype=np.int64)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = row
    return padded, lengths


def _tensors(state: ArrayState) -> State:
    parts = tuple(torch.from_numpy(p) for p in state.parts)
    return parts if len(parts) == 2 else parts[0]
