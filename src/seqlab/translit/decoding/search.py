"""Batched greedy decoding and batched beam search with length normalization, over tensors or over words."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, TypeVar

import torch

from seqlab.errors import SeqlabError
from seqlab.translit.config import MAX_WORD_LENGTH
from seqlab.translit.data.vocab import EOS_ID, SOS_ID, Batch, Vocabs, make_batch
from seqlab.translit.decoding.ranking import Candidate, candidate_score, rank
from seqlab.translit.decoding.word_form import model_form, too_long
from seqlab.translit.model.network import Network, Seq2Seq, map_state, reorder_state


def max_output_lengths(lengths: torch.Tensor) -> torch.Tensor:
    """Per-word output limit (Devanagari words are rarely longer than their romanization), so a word's
    result never depends on the other words in its batch."""
    return 2 * lengths + 5


@torch.inference_mode()
def greedy_decode(model: Network, source: torch.Tensor, lengths: torch.Tensor, keep_attention: bool = False):
    """Return token ids (B, L) ending in <eos> where finished, and attention (B, L, S) if asked and available."""
    memory, state = model.encode(source, lengths)
    previous = torch.full((source.size(0),), SOS_ID, dtype=torch.long, device=source.device)
    finished = torch.zeros_like(previous, dtype=torch.bool)
    limits = max_output_lengths(lengths).to(source.device)
    steps, attention = [], []
    for step in range(int(limits.max())):
        logits, state, weights = model.step(previous, state, memory)
        previous = logits.argmax(dim=-1).masked_fill(finished, EOS_ID)
        steps.append(previous)
        if keep_attention and weights is not None:
            attention.append(weights)
        finished |= (previous == EOS_ID) | (limits <= step + 1)
        if bool(finished.all()):
            break
    tokens = torch.stack(steps, dim=1)
    return tokens, (torch.stack(attention, dim=1) if attention else None)


@torch.inference_mode()
def score_targets(model: Network, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Forced decoding: log P(y | x) of given outputs, (B,); `target` (B, T) ends each row with <eos>, then pads."""
    return model.target_log_probs(source, lengths, target)


@dataclass
class Hypothesis:
    """Output ids without <eos>; `length` as in `candidate_score`; `score` the length-normalized log-prob."""

    tokens: list[int]
    log_prob: float
    length: int
    score: float


@dataclass
class Beams:
    """The live beams of the words still being decoded, in the (words·k) row layout: word w owns rows w·k … w·k+k−1.
    `word` maps each live word to its index in the batch; a word leaves once all its beams are finished, so the
    model stops computing rows whose outcome is already fixed (about 40 % of a 32-word batch's rows)."""

    word: torch.Tensor         # (W,) batch index of each live word
    scores: torch.Tensor       # (W·k,) summed log-probability of each beam
    previous: torch.Tensor     # (W·k,) the last character of each beam, the next step's input
    finished: torch.Tensor     # (W·k,) the beam emitted <eos> or reached its word's length limit
    out_lengths: torch.Tensor  # (W·k,) steps taken, <eos> included (candidate_score's |y|)
    tokens: torch.Tensor       # (W·k, steps) the characters so far
    limits: torch.Tensor       # (W·k,) each word's output limit, max_output_lengths

    @classmethod
    def start(cls, lengths: torch.Tensor, k: int) -> "Beams":
        batch, device = lengths.size(0), lengths.device
        # only beam 0 of each input is live at the start, so the first step does not pick k copies of one token
        scores = torch.full((batch, k), float("-inf"), device=device)
        scores[:, 0] = 0.0
        previous = torch.full((batch * k,), SOS_ID, dtype=torch.long, device=device)
        return cls(torch.arange(batch, device=device), scores.view(-1), previous,  # (B, k) → (B·k,)
                   torch.zeros_like(previous, dtype=torch.bool), torch.zeros_like(previous),
                   torch.zeros((batch * k, 0), dtype=torch.long, device=device),
                   max_output_lengths(lengths).repeat_interleave(k))

    def extend(self, log_probs: torch.Tensor, step: int, k: int) -> torch.Tensor:
        """Keep the k best one-character extensions per word; returns the row each new beam extends (W·k,)."""
        words, vocab = self.word.size(0), log_probs.size(1)
        # a finished beam may only repeat <eos>, at no cost
        log_probs[self.finished] = float("-inf")
        log_probs[self.finished, EOS_ID] = 0.0
        # select: the k best (beam, character) pairs per word, (W·k, V) → (W, k·V) → top k
        top_scores, top_index = (self.scores.unsqueeze(1) + log_probs).view(words, k * vocab).topk(k, dim=1)
        # reorder: the beam each winner extends, as a row of the (W·k) layout
        offsets = (torch.arange(words, device=log_probs.device) * k).unsqueeze(1)      # (W, 1): first row of a word
        origin = (offsets + torch.div(top_index, vocab, rounding_mode="floor")).view(-1)  # (W, k) → (W·k,)
        self.previous = (top_index % vocab).view(-1)                                     # (W, k) → (W·k,)
        self.tokens = torch.cat([self.tokens[origin], self.previous.unsqueeze(1)], dim=1)  # (W·k, step + 1)
        # bookkeeping: a beam grows until the step that emits its <eos>, or until its word's length limit
        was_finished = self.finished[origin]
        self.out_lengths = self.out_lengths[origin] + (~was_finished).long()
        self.finished = was_finished | (self.previous == EOS_ID) | (self.limits <= step + 1)
        self.scores = top_scores.view(-1)                                                 # (W, k) → (W·k,)
        return origin

    def keep(self, words: torch.Tensor, k: int) -> torch.Tensor:
        """Only the live words at positions `words`; returns their rows (for the RNN state and encoder memory)."""
        rows = (words.unsqueeze(1) * k + torch.arange(k, device=words.device)).view(-1)  # (W', k) → (W'·k,)
        self.word = self.word[words]
        for name in ("scores", "previous", "finished", "out_lengths", "tokens", "limits"):
            setattr(self, name, getattr(self, name)[rows])
        return rows


@torch.inference_mode()
def beam_search(
    model: Network, source: torch.Tensor, lengths: torch.Tensor, beam_size: int, length_penalty: float = 1.0
) -> list[list[Hypothesis]]:
    """Per input, up to `beam_size` distinct hypotheses sorted by `candidate_score` (no prior).

    Beams are kept for all inputs at once in a (batch·beam) layout; a finished beam can only extend with <eos> at
    zero cost, so it keeps its score and length while the others continue. A word whose beams have all finished
    is collected and leaves the batch (see `Beams`), which does not change any word's result.
    """
    if model.backend != "torch":  # ONNX Runtime: the same search over numpy arrays (engine/beams.py)
        return model.beam_search(source, lengths, beam_size, length_penalty)
    k = beam_size
    memory, state = model.encode(source, lengths)
    # every input's encoder output and state, k times in a row: (B, …) → (B·k, …)
    memory = memory.repeat(k)
    state = map_state(state, lambda s: s.repeat_interleave(k, dim=1))  # (layers, B, hidden) → (layers, B·k, hidden)
    beams = Beams.start(lengths.to(source.device), k)
    results: list[list[Hypothesis]] = [[] for _ in range(source.size(0))]
    for step in range(int(beams.limits.max())):
        # extend: log-probs of every next character for every beam, (W·k, V)
        logits, state, _ = model.step(beams.previous, state, memory)
        state = reorder_state(state, beams.extend(torch.log_softmax(logits.float(), dim=-1), step, k))
        done = beams.finished.view(-1, k).all(dim=1)                         # (W·k,) → (W, k) → (W,)
        if not bool(done.any()):
            continue
        for position in done.nonzero().view(-1).tolist():
            rows = slice(position * k, position * k + k)
            results[int(beams.word[position])] = _hypotheses(beams.tokens[rows], beams.scores[rows],
                                                             beams.out_lengths[rows], length_penalty)
        if bool(done.all()):
            break
        rows = beams.keep((~done).nonzero().view(-1), k)
        state, memory = reorder_state(state, rows), memory.select(rows)
    return results


def _hypotheses(tokens: torch.Tensor, scores: torch.Tensor, lengths: torch.Tensor,
                length_penalty: float) -> list[Hypothesis]:
    """One word's k beams (tokens (k, L), scores and lengths (k,)) best first, without dead beams (score −inf)
    or repeated outputs."""
    normalized = candidate_score(scores, lengths.clamp(min=1).float(), length_penalty)
    order = torch.argsort(normalized, descending=True, stable=True).tolist()
    # one copy to the host per tensor, not one per value (each is a device sync on a GPU)
    return distinct_hypotheses(order, tokens.tolist(), scores.tolist(), lengths.tolist(), normalized.tolist())


def distinct_hypotheses(order: list[int], all_ids: list[list[int]], scores: list[float], lengths: list[int],
                        normalized: list[float]) -> list[Hypothesis]:
    """The beams in `order` (best first) as hypotheses, without dead beams (score −inf) or repeated outputs; the
    one way both backends' searches (this module's and engine/beams.py's) turn a word's beams into candidates."""
    seen, hyps = set(), []
    for beam in order:
        if not math.isfinite(scores[beam]):
            continue
        ids = all_ids[beam]
        ids = ids[: ids.index(EOS_ID)] if EOS_ID in ids else ids
        if tuple(ids) in seen:
            continue
        seen.add(tuple(ids))
        hyps.append(Hypothesis(ids, scores[beam], max(lengths[beam], 1), normalized[beam]))
    return hyps


def forced_scores(model: Network, vocabs: Vocabs, pairs: Sequence[tuple[str, str]], batch_size: int,
                  device: torch.device) -> list[float]:
    """log P(native | roman) under `model` for every (romanization, native word) pair, in batches."""
    scores: list[float] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        sources = [vocabs.source.encode(model_form(roman)) for roman, _ in chunk]
        targets = [vocabs.target.encode(native, add_eos=True) for _, native in chunk]
        if model.backend != "torch":  # ONNX Runtime: padded straight into numpy arrays (engine/runtime.py)
            scores += model.score_ids(sources, targets)
            continue
        batch = make_batch(list(range(len(chunk))), sources, targets).to(device)
        scores += score_targets(model, batch.source, batch.source_lengths, batch.target).tolist()
    return scores


def check_word_lengths(words: Sequence[str]) -> None:
    """Decoding time and memory grow with the square of a word's length: refuse what no real word needs."""
    for word in words:
        if too_long(word):
            raise SeqlabError(f"words longer than {MAX_WORD_LENGTH} characters cannot be transliterated, got one of "
                              f"{len(model_form(word)):,} characters ({word[:20]}…)")


def length_batches(encoded: Sequence[Sequence[int]], batch_size: int) -> list[list[int]]:
    """The positions of the encoded words in batches of similar length, shortest first: the batches every
    decoding path makes (`word_batches`, `in_threads`), so a word meets the same batch whichever runs it."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def encoded_words(vocabs: Vocabs, words: Sequence[str]) -> list[list[int]]:
    """The words, checked for length, lower-cased (tokens.model_form) and encoded."""
    check_word_lengths(words)
    return [vocabs.source.encode(model_form(w)) for w in words]


def word_batches(vocabs: Vocabs, words: Sequence[str], batch_size: int, device: torch.device) -> Iterator[Batch]:
    """The words, lower-cased (tokens.model_form) and encoded, in batches of similar length (each batch's
    `index`: their positions)."""
    encoded = encoded_words(vocabs, words)
    for batch in length_batches(encoded, batch_size):
        yield make_batch(batch, encoded, None).to(device)


Result = TypeVar("Result")


def in_threads(vocabs: Vocabs, words: Sequence[str], batch_size: int, threads: int,
               decode: Callable[[list[str]], list[Result]]) -> list[Result]:
    """`decode` of each batch `word_batches` makes of `words` (the same length-sorted batches, so the network sees
    the same inputs as in one call), `threads` batches at a time in threads; the results in `words` order.

    For ONNX Runtime, which releases the GIL while it computes: one word's rows are too few to share out across
    cores (engine/cache.load_network), so threads over batches use the cores where intra-op threads could not.
    `evaluate` with the CLI's decoding in int8 ran 1.8x one thread this way, 1.5x with two intra-op threads (one
    run before the change; `benchmarks/translit_engine.py --threads 1` and `--threads 2` compare threads now)."""
    batches = length_batches(encoded_words(vocabs, words), batch_size)
    results: list = [None] * len(words)
    with ThreadPoolExecutor(threads, thread_name_prefix="seqlab-decode-batch") as pool:
        for batch, found in zip(batches, pool.map(lambda batch: decode([words[i] for i in batch]), batches)):
            for index, result in zip(batch, found):
                results[index] = result
    return results


def greedy_words(model: Network, vocabs: Vocabs, words: Sequence[str], batch_size: int,
                 device: torch.device) -> list[str]:
    """Each word's greedy output."""
    results = [""] * len(words)
    for batch in word_batches(vocabs, words, batch_size, device):
        tokens, _ = greedy_decode(model, batch.source, batch.source_lengths)
        for row, ids in zip(batch.index.tolist(), tokens.tolist()):
            results[row] = vocabs.target.decode(ids)
    return results


def beam_candidates(model: Network, vocabs: Vocabs, words: Sequence[str], beam_size: int, batch_size: int,
                    device: torch.device) -> list[list[Candidate]]:
    """Each word's distinct beam outputs, with their log-probabilities and lengths (no length penalty yet)."""
    if beam_size < 1:
        raise SeqlabError(f"beam size must be at least 1, got {beam_size}")
    results: list[list[Candidate]] = [[] for _ in words]
    for batch in word_batches(vocabs, words, batch_size, device):
        hyps = beam_search(model, batch.source, batch.source_lengths, beam_size, 1.0)
        for row, word_hyps in zip(batch.index.tolist(), hyps):
            found = [Candidate(vocabs.target.decode(h.tokens), h.log_prob, h.length) for h in word_hyps]
            results[row] = [c for c in found if c.word]  # an empty output (EOS first) is never offered
    return results


def best_words(model: Seq2Seq, vocabs: Vocabs, words: Sequence[str], beam_size: int,
               batch_size: int = 256) -> list[str]:
    """The network's own best output per word, with no prior, lexicon, rescorer or user dictionary: greedy for
    beam size 1, else the beam's first candidate by `ranking.rank` (α = 1). Training's dev accuracy uses this;
    it is what the transliterator gives for a bare model."""
    device = next(model.parameters()).device
    if beam_size == 1:
        return greedy_words(model, vocabs, words, batch_size, device)
    return [rank(candidates, 1.0, 0.0, None)[0][0] if candidates else ""
            for candidates in beam_candidates(model, vocabs, words, beam_size, batch_size, device)]
