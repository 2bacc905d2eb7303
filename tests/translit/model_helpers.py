"""Tiny random models and batches for the network, decoding and engine tests (imported by test modules)."""
from __future__ import annotations

import itertools

import torch

from seqlab.translit.data.vocab import EOS_ID, make_batch
from seqlab.translit.model.network import ModelConfig, Seq2Seq

# The configuration matrix: cells × attention × (encoder, decoder) layers × bidirectional, 54 in all.
CONFIGS = [
    dict(cell=cell, attention=att, encoder_layers=le, decoder_layers=ld, bidirectional=bi)
    for cell, att, (le, ld), bi in itertools.product(
        ("rnn", "gru", "lstm"), ("none", "bahdanau", "luong"), ((1, 1), (2, 3), (3, 1)), (False, True))
]


def config_id(options: dict) -> str:
    return "-".join(str(v) for v in options.values())


def tiny(seed: int = 0, **overrides) -> Seq2Seq:
    torch.manual_seed(seed)
    cfg = dict(source_vocab=12, target_vocab=15, embedding_size=8, hidden_size=16)
    return Seq2Seq(ModelConfig(**{**cfg, **overrides})).eval()


def random_batch(n: int = 5, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    lengths = [int(torch.randint(1, 7, (1,), generator=g)) for _ in range(n)]
    sources = [torch.randint(4, 12, (length,), generator=g).tolist() for length in lengths]
    targets = [torch.randint(4, 15, (len(s) + 1,), generator=g).tolist() + [EOS_ID] for s in sources]
    return make_batch(list(range(n)), sources, targets)
