"""Evaluation numbers on inputs whose answers are known by hand."""
from __future__ import annotations

import math

import torch
from lyrics_helpers import SONG_A, SONG_B

from seqlab.lyrics.batching import build_examples
from seqlab.lyrics.metrics import distinct_n, memorization_rate, ngram_hashes, perplexity, repeated_line_rate
from seqlab.lyrics.model import load_trained


def test_distinct_n_is_unique_over_all_ngrams_pooled_and_case_insensitive():
    assert distinct_n(["a b a b"], 1) == 2 / 4
    assert distinct_n(["a b a b"], 2) == 2 / 3  # (a b), (b a), (a b)
    assert distinct_n(["A b", "a B"], 1) == 2 / 4  # case-insensitive, pooled over samples
    assert distinct_n([""], 2) == 0.0


def test_repeated_line_rate_counts_repeats_within_a_sample_only():
    assert repeated_line_rate(["la la\nla la\nhey\n\nLa La"]) == 2 / 4
    assert repeated_line_rate(["one\ntwo", "one\ntwo"]) == 0.0  # repeats count within a sample only


def test_memorization_rate_counts_verbatim_8grams():
    train = ["one two three four five six seven eight nine ten"]
    grams = ngram_hashes(train, 8)
    assert len(grams) == 3
    assert memorization_rate(["one two three four five six seven eight"], grams) == 1.0
    assert memorization_rate(["zero one two three four five six seven eight"], grams) == 1 / 2
    assert memorization_rate(["eight seven six five four three two one"], grams) == 0.0


def test_perplexity_matches_the_model_loss_and_skips_padding(tiny_model_dir):
    model, tok = load_trained(str(tiny_model_dir))
    blocks = build_examples(tok, [SONG_A, SONG_B], 16)[:2]  # two full blocks
    ids = torch.tensor([b["input_ids"] for b in blocks])
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss.item()
    ppl, count = perplexity(model, blocks, batch_size=1)
    assert count == 2 * 15 and math.isclose(ppl, math.exp(loss), rel_tol=1e-4)
    padded = build_examples(tok, [SONG_A], 64, packing=False)
    real = sum(padded[0]["attention_mask"])
    trimmed = [{"input_ids": padded[0]["input_ids"][:real], "attention_mask": [1] * real}]
    assert math.isclose(perplexity(model, padded)[0], perplexity(model, trimmed)[0], rel_tol=1e-4)
