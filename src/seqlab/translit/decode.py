"""Batched greedy decoding and batched beam search with length normalization."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from seqlab.translit.model import Seq2Seq, map_state, reorder_state
from seqlab.translit.vocab import EOS_ID, PAD_ID, SOS_ID, Vocabs, make_batch


def max_output_lengths(lengths: torch.Tensor) -> torch.Tensor:
    """Per-word output limit (Devanagari words are rarely longer than their romanization), so a word's
    result never depends on the other words in its batch."""
    return 2 * lengths + 5


@torch.inference_mode()
def greedy_decode(model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, keep_attention: bool = False):
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


def candidate_score(log_prob, length, length_penalty: float, prior_weight: float = 0.0, prior_log_prob=0.0,
                    lexicon_weight: float = 0.0, lexicon_count: int = 0, rescore_log_prob: float = 0.0):
    """The one ranking rule of every decoder path (beam search, `predict`, `tune`):

        (log P(y | x) + Σ_i ν_i log P_i(y | x)) / |y|^α  +  λ · log P_prior(y)  +  μ · log(1 + n_lexicon(x, y))

    |y| counts the decoding steps the hypothesis took: its characters plus the <eos> it ended with (a
    hypothesis cut off at the length limit has no <eos>); n_lexicon is how often the training lexicon pairs
    x with y; `rescore_log_prob` is the rescorers' weighted sum Σ_i ν_i log P_i (rescore.py). Works on floats
    and on tensors alike (the lexicon term on floats only).
    """
    score = (log_prob + rescore_log_prob) / length ** length_penalty + prior_weight * prior_log_prob
    return score + lexicon_weight * math.log1p(lexicon_count) if lexicon_weight else score


@torch.inference_mode()
def score_targets(model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Forced decoding: log P(y | x) of given outputs, (B,); `target` (B, T) ends each row with <eos>, then pads."""
    logits = model(source, lengths, target, teacher_forcing=1.0)             # (B, T, V)
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    picked = log_probs.gather(2, target.unsqueeze(2)).squeeze(2)             # (B, T, 1) → (B, T)
    return picked.masked_fill(target == PAD_ID, 0.0).sum(dim=1)


@dataclass
class Hypothesis:
    """Output ids without <eos>; `length` as in `candidate_score`; `score` the length-normalized log-prob."""

    tokens: list[int]
    log_prob: float
    length: int
    score: float


@torch.inference_mode()
def beam_search(
    model: Seq2Seq, source: torch.Tensor, lengths: torch.Tensor, beam_size: int, length_penalty: float = 1.0
) -> list[list[Hypothesis]]:
    """Per input, up to `beam_size` distinct hypotheses sorted by `candidate_score` (no prior).

    Beams are kept for all inputs at once in a (batch·beam) layout; a finished beam can only extend
    with <eos> at zero cost, so it keeps its score and length while the others continue.
    """
    batch, k, device = source.size(0), beam_size, source.device
    memory, state = model.encode(source, lengths)
    # every input's encoder output and state, k times in a row: (B, …) → (B·k, …)
    memory = memory.repeat(k)
    state = map_state(state, lambda s: s.repeat_interleave(k, dim=1))  # (layers, B, hidden) → (layers, B·k, hidden)
    # only beam 0 of each input is live at the start, so the first step does not pick k copies of one token
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0
    scores = scores.view(-1)                                              # (B, k) → (B·k,)
    previous = torch.full((batch * k,), SOS_ID, dtype=torch.long, device=device)
    finished = torch.zeros_like(previous, dtype=torch.bool)
    out_lengths = torch.zeros_like(previous)
    tokens = torch.zeros((batch * k, 0), dtype=torch.long, device=device)
    offsets = (torch.arange(batch, device=device) * k).unsqueeze(1)       # (B, 1): first row of each input
    limits = max_output_lengths(lengths).to(device).repeat_interleave(k)  # (B·k,)
    for step in range(int(limits.max())):
        # extend: log-probs of every next character for every beam, (B·k, V)
        logits, state, _ = model.step(previous, state, memory)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        # a finished beam may only repeat <eos>, at no cost
        log_probs[finished] = float("-inf")
        log_probs[finished, EOS_ID] = 0.0
        vocab = log_probs.size(1)
        # select: the k best (beam, character) pairs per input, (B·k, V) → (B, k·V) → top k
        candidates = (scores.unsqueeze(1) + log_probs).view(batch, k * vocab)
        top_scores, top_index = candidates.topk(k, dim=1)                 # (B, k)
        # reorder: the beam each winner extends, as a row of the (B·k) layout
        origin = (offsets + torch.div(top_index, vocab, rounding_mode="floor")).view(-1)  # (B, k) → (B·k,)
        previous = (top_index % vocab).view(-1)                           # (B, k) → (B·k,)
        state = reorder_state(state, origin)
        tokens = torch.cat([tokens[origin], previous.unsqueeze(1)], dim=1)  # (B·k, step + 1)
        # bookkeeping: a beam grows until the step that emits its <eos>, or until the input's length limit
        was_finished = finished[origin]
        out_lengths = out_lengths[origin] + (~was_finished).long()
        finished = was_finished | (previous == EOS_ID) | (limits <= step + 1)
        scores = top_scores.view(-1)                                      # (B, k) → (B·k,)
        if bool(finished.all()):
            break
    normalized = candidate_score(scores, out_lengths.clamp(min=1).float(), length_penalty)
    # (B·k, L) → (B, k, L); (B·k,) → (B, k)
    return _collect(tokens.view(batch, k, -1), scores.view(batch, k), out_lengths.view(batch, k),
                    normalized.view(batch, k))


def _collect(tokens: torch.Tensor, scores: torch.Tensor, lengths: torch.Tensor,
             normalized: torch.Tensor) -> list[list[Hypothesis]]:
    """Per input, its beams best first, dropping dead beams (score −inf) and repeated outputs."""
    results = []
    for row in range(tokens.size(0)):
        order = torch.argsort(normalized[row], descending=True, stable=True).tolist()
        seen, hyps = set(), []
        for beam in order:
            if not torch.isfinite(scores[row, beam]):
                continue
            ids = tokens[row, beam].tolist()
            ids = ids[: ids.index(EOS_ID)] if EOS_ID in ids else ids
            if tuple(ids) in seen:
                continue
            seen.add(tuple(ids))
            hyps.append(Hypothesis(ids, float(scores[row, beam]), max(int(lengths[row, beam]), 1),
                                   float(normalized[row, beam])))
        results.append(hyps)
    return results


def forced_scores(model: Seq2Seq, vocabs: Vocabs, pairs: Sequence[tuple[str, str]], batch_size: int,
                  device: torch.device) -> list[float]:
    """log P(native | roman) under `model` for every (romanization, native word) pair, in batches."""
    scores: list[float] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        sources = [vocabs.source.encode(roman.lower()) for roman, _ in chunk]
        targets = [vocabs.target.encode(native, add_eos=True) for _, native in chunk]
        batch = make_batch(list(range(len(chunk))), sources, targets).to(device)
        scores += score_targets(model, batch.source, batch.source_lengths, batch.target).tolist()
    return scores
