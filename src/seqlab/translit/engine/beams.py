"""The beam search of decoding/search.py over numpy arrays, for the ONNX Runtime networks (runtime.py).

PyTorch eager costs 5–20 µs per operation at a word's 10 beams, and a step of the search made some 25 of them
(top-k, gathers, the state's reorder, finished-word removal) around one session call: a third of a word's time.
Here the state, the encoder memory and the bookkeeping stay numpy arrays from one session call to the next (numpy
costs about 1 µs per small operation, and ONNX Runtime takes and returns numpy arrays without a copy). The rule is
`Beams`' (decoding/search.py), step for step: the same selection, lengths, finishing and word removal, and the
hypotheses leave through the same `distinct_hypotheses`, so both backends give the same candidates. A search of at
most LOOP_MAX_ROWS beams runs the same rule inside the search graph (search_graph.py), in one session call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from seqlab.translit.data.vocab import EOS_ID, SOS_ID
from seqlab.translit.decoding.ranking import candidate_score
from seqlab.translit.decoding.search import Hypothesis, distinct_hypotheses

if TYPE_CHECKING:
    from seqlab.translit.engine.runtime import ArrayMemory, ArrayState, OnnxSeq2Seq

# Batches of up to this many beams (words × beam) run the search graph (search_graph.py): one call instead of one
# per step, but every row runs every step until the batch's last word finishes. The server's decoding (beam 5,
# int8, one thread) per word: 1 word 2.0 → 1.5 ms, 4 words 0.97 → 0.88, 8 words the same, 16 words 0.67 → 0.80;
# at beam 10, 4 words the same (`LOOP_MAX_ROWS` set to 0 and to 64 in turn, 2026-12-07).
LOOP_MAX_ROWS = 40


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Per row of (W, N), the indices of the k largest values, largest first (ties: the lower index) — what
    torch.topk selects, in linear time per row (argpartition) rather than a full sort."""
    rows = np.arange(values.shape[0])[:, None]                                          # (W, 1)
    if k < values.shape[1]:
        candidates = np.argpartition(-values, k - 1, axis=1)[:, :k]                    # (W, k), unordered
    else:
        candidates = np.broadcast_to(np.arange(values.shape[1]), values.shape)          # (W, N): all of them
    order = np.lexsort((candidates, -values[rows, candidates]), axis=1)               # by value, then index
    return candidates[rows, order]


@dataclass
class ArrayBeams:
    """`Beams` (decoding/search.py) as numpy arrays, same fields and (W·k) row layout."""

    word: np.ndarray         # (W,) batch index of each live word
    memory_row: np.ndarray   # (W·k,) the word whose encoder memory each beam reads (its batch index)
    scores: np.ndarray       # (W·k,) float32 summed log-probability of each beam
    previous: np.ndarray     # (W·k,) int64 last character of each beam
    finished: np.ndarray     # (W·k,) bool
    out_lengths: np.ndarray  # (W·k,) int64 steps taken, <eos> included
    tokens: np.ndarray       # (W·k, steps) int64 characters so far
    limits: np.ndarray       # (W·k,) int64 each word's output limit

    @classmethod
    def start(cls, lengths: np.ndarray, k: int) -> "ArrayBeams":
        batch = lengths.shape[0]
        scores = np.full((batch, k), -np.inf, dtype=np.float32)
        scores[:, 0] = 0.0  # only beam 0 of each input is live at the start
        previous = np.full(batch * k, SOS_ID, dtype=np.int64)
        return cls(np.arange(batch), np.repeat(np.arange(batch), k), scores.reshape(-1),  # (B, k) → (B·k,)
                   previous, np.zeros(batch * k, dtype=bool),
                   np.zeros(batch * k, dtype=np.int64), np.zeros((batch * k, 0), dtype=np.int64),
                   np.repeat(2 * lengths.astype(np.int64) + 5, k))  # search.max_output_lengths

    def extend(self, log_probs: np.ndarray, step: int, k: int) -> np.ndarray:
        """Keep the k best one-character extensions per word; returns the row each new beam extends (W·k,)."""
        words, vocab = self.word.shape[0], log_probs.shape[1]
        log_probs[self.finished] = -np.inf  # a finished beam may only repeat <eos>, at no cost
        log_probs[self.finished, EOS_ID] = 0.0
        totals = (self.scores[:, None] + log_probs).reshape(words, k * vocab)     # (W·k, V) → (W, k·V)
        top_index = top_k(totals, k)                                               # (W, k)
        top_scores = totals[np.arange(words)[:, None], top_index]                   # (W, k)
        origin = (np.arange(words)[:, None] * k + top_index // vocab).reshape(-1)  # (W, k) → (W·k,)
        self.previous = (top_index % vocab).reshape(-1)                             # (W, k) → (W·k,)
        self.tokens = np.concatenate([self.tokens[origin], self.previous[:, None]], axis=1)  # (W·k, step + 1)
        was_finished = self.finished[origin]
        self.out_lengths = self.out_lengths[origin] + ~was_finished
        self.finished = was_finished | (self.previous == EOS_ID) | (self.limits <= step + 1)
        self.scores = top_scores.reshape(-1)                                       # (W, k) → (W·k,)
        return origin

    def keep(self, words: np.ndarray, k: int) -> np.ndarray:
        """Only the live words at positions `words`; returns their rows."""
        rows = (words[:, None] * k + np.arange(k)).reshape(-1)  # (W', k) → (W'·k,)
        self.word = self.word[words]
        for name in ("memory_row", "scores", "previous", "finished", "out_lengths", "tokens", "limits"):
            setattr(self, name, getattr(self, name)[rows])
        return rows


def array_beam_search(model: OnnxSeq2Seq, source: np.ndarray, lengths: np.ndarray, beam_size: int,
                      length_penalty: float = 1.0) -> list[list[Hypothesis]]:
    """`search.beam_search` over numpy arrays: per input, up to `beam_size` distinct hypotheses. A batch of at
    most LOOP_MAX_ROWS beams runs the whole search in the search graph, one session call (`loop_beam_search`)."""
    k = beam_size
    memory, state = model.encode_arrays(source, lengths)  # the memory stays (B, …): beams.memory_row reads it
    beams = ArrayBeams.start(lengths, k)
    state = state.select(beams.memory_row)  # every input's state k times in a row: (B, …) → (B·k, …)
    if 0 < beams.previous.size <= LOOP_MAX_ROWS:
        return loop_beam_search(model, beams, state, memory, k, length_penalty)
    results: list[list[Hypothesis]] = [[] for _ in range(source.shape[0])]
    for step in range(int(beams.limits.max())):
        log_probs, state = _step_growing(model, beams, state, memory)
        state = state.select(beams.extend(log_probs, step, k))
        done = beams.finished.reshape(-1, k).all(axis=1)                  # (W·k,) → (W, k) → (W,)
        if not done.any():
            continue
        for position in np.flatnonzero(done).tolist():
            rows = slice(position * k, position * k + k)
            results[int(beams.word[position])] = _hypotheses(beams, rows, length_penalty)
        if done.all():
            break
        state = state.select(beams.keep(np.flatnonzero(~done), k))
    return results


def loop_beam_search(model: OnnxSeq2Seq, beams: ArrayBeams, state: ArrayState, memory: ArrayMemory, k: int,
                     length_penalty: float) -> list[list[Hypothesis]]:
    """The search from `beams` at its start, in the search graph (one session call); then each beam's characters
    are read back from the extensions kept at each step, last step first, and its length from where its <eos> is."""
    words = beams.word.size
    beams.scores, top_indices = model.search_arrays(beams, state, memory, k)     # (W·k,), (steps, W, k)
    steps, vocab = top_indices.shape[0], model.config.target_vocab
    origins = (np.arange(words)[:, None] * k + top_indices // vocab).reshape(steps, -1)  # (steps, W, k) → (steps, W·k)
    tokens = (top_indices % vocab).reshape(steps, -1)                                  # (steps, W, k) → (steps, W·k)
    beams.tokens = np.empty((words * k, steps), dtype=np.int64)                         # (W·k, steps)
    rows = np.arange(words * k)
    for step in range(steps - 1, -1, -1):
        beams.tokens[:, step] = tokens[step, rows]
        rows = origins[step, rows]
    # the steps taken before finishing, <eos> included: up to the first <eos>, or the word's limit
    ended = beams.tokens == EOS_ID
    first_eos = np.where(ended.any(axis=1), ended.argmax(axis=1), steps)
    beams.out_lengths = np.minimum(first_eos + 1, beams.limits)
    return [_hypotheses(beams, slice(word * k, word * k + k), length_penalty) for word in range(words)]


def _step_growing(model: OnnxSeq2Seq, beams: ArrayBeams, state: ArrayState, memory: ArrayMemory,
                  ) -> tuple[np.ndarray, ArrayState]:
    """One decoder step computed for the rows that can still grow: log-probabilities (W·k, V) and the new state. A
    finished beam's next character is fixed (<eos>, `ArrayBeams.extend` overwrites its log-probs) and a dead one
    (score −inf: the k−1 copies of each word at the first step) is never picked while a word has k live extensions,
    so their rows are left out of the network call — at a word's 10 beams a step costs about 10 µs a row (int8),
    and the first step needs one row a word, not 10. Their log-probs are zeros and their state is kept: neither is
    read."""
    growing = np.flatnonzero(~beams.finished & np.isfinite(beams.scores))
    if growing.size == beams.previous.size:
        _, state, _, log_probs = model.step_arrays(beams.previous, state, memory, beams.memory_row)
        return log_probs, state
    _, grown, _, some = model.step_arrays(beams.previous[growing], state.select(growing), memory,
                                          beams.memory_row[growing])
    log_probs = np.zeros((beams.previous.size, some.shape[1]), dtype=some.dtype)  # (W·k, V)
    log_probs[growing] = some
    return log_probs, state.replace(growing, grown)


def _hypotheses(beams: ArrayBeams, rows: slice, length_penalty: float) -> list[Hypothesis]:
    """One word's beams best first, as search._hypotheses orders them."""
    scores, lengths = beams.scores[rows], beams.out_lengths[rows]
    normalized = candidate_score(scores, np.maximum(lengths, 1).astype(np.float32), length_penalty)
    order = np.argsort(-normalized, kind="stable").tolist()
    return distinct_hypotheses(order, beams.tokens[rows].tolist(), scores.tolist(), lengths.tolist(),
                               normalized.tolist())
