from __future__ import annotations

import pytest
import torch
from model_helpers import CONFIGS, config_id, random_batch, tiny

from seqlab.parameters import count_parameters
from seqlab.translit.data.vocab import EOS_ID, PAD_ID, SOS_ID, UNK_ID, make_batch
from seqlab.translit.decoding.search import beam_search, greedy_decode, score_targets


@pytest.mark.parametrize("step_path", ["cells", "fused"])
@pytest.mark.parametrize("options", CONFIGS, ids=config_id)
def test_teacher_forced_forward_equals_step_by_step_decoding(options, step_path):
    """The fast whole-sequence decoder path and the per-step path used at inference agree, whether a step runs
    layer by layer through the cell functions (small batches) or through the fused RNN call (large ones)."""
    model, batch = tiny(**options), random_batch()
    model.cell_step_rows = 64 if step_path == "cells" else 0
    with torch.no_grad():
        full = model(batch.source, batch.source_lengths, batch.target)
        memory, state = model.encode(batch.source, batch.source_lengths)
        previous, stepped = torch.full((len(batch),), SOS_ID), []
        for t in range(batch.target.size(1)):
            logits, state, _ = model.step(previous, state, memory)
            stepped.append(logits)
            previous = batch.target[:, t]
    assert full.shape == (len(batch), batch.target.size(1), 15)
    torch.testing.assert_close(full, torch.stack(stepped, 1), rtol=1e-4, atol=1e-5)


def test_padding_does_not_change_a_words_output():
    model = tiny(cell="gru", attention="bahdanau", bidirectional=True)
    alone = make_batch([0], [[5, 6, 7]], None)
    padded = make_batch([0, 1], [[5, 6, 7], [5, 6, 7, 8, 9, 10, 11]], None)
    a, _ = greedy_decode(model, alone.source, alone.source_lengths)
    b, _ = greedy_decode(model, padded.source, padded.source_lengths)
    assert a[0].tolist() == b[0, : a.size(1)].tolist()


@pytest.mark.parametrize("options", CONFIGS[::5], ids=str)
def test_beam_size_one_equals_greedy(options):
    model, batch = tiny(seed=3, **options), random_batch(8, seed=4)
    greedy, _ = greedy_decode(model, batch.source, batch.source_lengths)
    beams = beam_search(model, batch.source, batch.source_lengths, beam_size=1)
    for row, hyps in enumerate(beams):
        ids = greedy[row].tolist()
        ids = ids[: ids.index(EOS_ID)] if EOS_ID in ids else ids
        assert hyps[0].tokens == ids


@pytest.mark.parametrize("options", CONFIGS[::4], ids=config_id)
def test_beam_candidates_sorted_distinct_and_independent_of_batching(options):
    """Words leave the batch as their beams finish (decode.Beams), at different steps: each word's candidates are
    still exactly those it gets alone."""
    model, batch = tiny(seed=5, **options), random_batch(6, seed=7)
    together = beam_search(model, batch.source, batch.source_lengths, beam_size=5, length_penalty=0.7)
    for row, hyps in enumerate(together):
        scores = [h.score for h in hyps]
        assert scores == sorted(scores, reverse=True)
        assert len({tuple(h.tokens) for h in hyps}) == len(hyps) == 5
        one = make_batch([0], [batch.source[row, : batch.source_lengths[row]].tolist()], None)
        alone = beam_search(model, one.source, one.source_lengths, beam_size=5, length_penalty=0.7)[0]
        assert [h.tokens for h in alone] == [h.tokens for h in hyps]
        torch.testing.assert_close([h.log_prob for h in alone], [h.log_prob for h in hyps], rtol=1e-5, atol=1e-5)


def test_parameter_count_of_the_baseline_network():
    model = tiny(cell="rnn")
    m, k, vs, vt = 8, 16, 12, 15

    def rnn(inp: int) -> int:  # one tanh layer: W_ih, W_hh and PyTorch's two bias vectors
        return k * inp + k * k + 2 * k

    assert count_parameters(model) == vs * m + vt * m + rnn(m) + rnn(m) + k * vt + vt


@pytest.mark.parametrize("options", CONFIGS[::3], ids=config_id)
def test_forced_decoding_scores_each_beam_hypothesis_as_the_beam_did(options):
    """Lexicon candidates are scored by forced decoding; on the beam's own outputs it must give the beam's
    log-probabilities, or lexicon and beam candidates would not be comparable."""
    model, batch = tiny(seed=2, **options), random_batch(6, seed=9)
    with torch.no_grad():
        model.output.bias[[PAD_ID, UNK_ID, SOS_ID]] = -1e4  # a trained model never writes these; this one neither
    beams = beam_search(model, batch.source, batch.source_lengths, beam_size=3)
    rows = [(row, h) for row, hyps in enumerate(beams) for h in hyps]
    sources = [batch.source[row, : int(batch.source_lengths[row])].tolist() for row, _ in rows]
    ended = [h.tokens + [EOS_ID] if h.length == len(h.tokens) + 1 else h.tokens for _, h in rows]  # or cut off
    forced = make_batch(list(range(len(rows))), sources, ended)
    scores = score_targets(model, forced.source, forced.source_lengths, forced.target)
    expected = torch.tensor([h.log_prob for _, h in rows])
    torch.testing.assert_close(scores, expected, rtol=1e-4, atol=1e-4)
