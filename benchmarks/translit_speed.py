"""Transliteration speed on this machine: training pairs/s, greedy words/s at batch 256, batch-1 latency.

Run by hand on an otherwise idle machine:
    .venv/bin/python benchmarks/translit_speed.py [--model RUN_DIR] [--device cuda]
Targets (2 CPU cores): ≥ 3,000 training pairs/s (1-layer GRU, m=64, k=256, batch 64, no attention),
≥ 10,000 greedy words/s at batch 256, ≤ 2 ms for one word at batch 1.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch import nn

from seqlab.device import resolve_device
from seqlab.translit.corpus import load_split
from seqlab.translit.model import ModelConfig, Seq2Seq
from seqlab.translit.predict import Transliterator, load_transliterator
from seqlab.translit.vocab import PAD_ID, Vocabs, encode_pairs, iterate_batches


def training_throughput(pairs, vocabs: Vocabs, batches: int, device: torch.device) -> tuple[float, Seq2Seq]:
    torch.manual_seed(0)
    model = Seq2Seq(ModelConfig(len(vocabs.source), len(vocabs.target), 64, 256, "gru")).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID)
    encoded = encode_pairs(pairs, vocabs)
    stream = iterate_batches([s for s, _ in encoded], [t for _, t in encoded], 64, torch.Generator().manual_seed(0))
    seen, start = 0, None
    for index, batch in enumerate(stream):
        batch = batch.to(device)
        if index == 10:
            _synchronize(device)
            seen, start = 0, time.perf_counter()
        logits = model(batch.source, batch.source_lengths, batch.target)
        loss = loss_fn(logits.reshape(-1, logits.size(-1)), batch.target.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        seen += len(batch)
        if index == 10 + batches:
            break
    _synchronize(device)
    return seen / (time.perf_counter() - start), model.eval()


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def decoding_speed(translit: Transliterator, words: list[str], beam_size: int = 1) -> tuple[float, float]:
    """(words/s over all words in batches of 256, median ms for one word at batch 1)."""
    translit.transliterate(words[:256], beam_size)
    start = time.perf_counter()
    translit.transliterate(words, beam_size)
    words_per_s = len(words) / (time.perf_counter() - start)
    single = []
    for word in words[:300]:
        t0 = time.perf_counter()
        translit.transliterate([word], beam_size)
        single.append(time.perf_counter() - t0)
    return words_per_s, statistics.median(single) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model for the decoding numbers (default: the shipped one)")
    parser.add_argument("--batches", type=int, default=150)
    parser.add_argument("--data-dir")
    parser.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    train, _ = load_split("dakshina", "hi", "train", args.data_dir)
    test, _ = load_split("dakshina", "hi", "test", args.data_dir)
    vocabs = Vocabs.build(train)
    words = [p.source for p in test]
    pairs_per_s, seed_model = training_throughput(train, vocabs, args.batches, device)
    results = {"device": str(device), "threads": torch.get_num_threads(),
               "train_pairs_per_s (gru m64 k256 b64)": round(pairs_per_s)}
    seed_net = Transliterator(seed_model, vocabs)
    shipped = load_transliterator(args.model, batch_size=256, device=args.device)
    for name, translit, beam in (("gru m64 k256 (after the timed training)", seed_net, 1),
                                 ("shipped model, greedy", shipped, 1),
                                 ("shipped model, beam 5 + prior", shipped, 5)):
        words_per_s, ms_per_word = decoding_speed(translit, words, beam)
        results[f"words_per_s b256: {name}"] = round(words_per_s)
        results[f"ms_per_word b1: {name}"] = round(ms_per_word, 3)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
