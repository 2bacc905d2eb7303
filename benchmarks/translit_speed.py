"""Transliteration speed on this machine: seqlab's training loop beside a plain PyTorch reference loop (same
network, initial weights and batches, timed in the same run), against the core's matrix-product peak; then
greedy words/s at batch 256 and batch-1 latency.

Run by hand; on a shared machine, one thread, serialized with other benchmarks:
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/translit_speed.py \
        [--network gru|small|shipped] [--model RUN_DIR] [--device cuda] [--skip-decoding]
Training loops are interleaved round by round and reported as the median of per-round ratios to the reference
loop, so a neighbour's load slows every loop alike. FLOPs per pair come from the `analyze` formulas.
Targets (2 CPU cores): ≥ 3,000 training pairs/s (1-layer GRU, m=64, k=256, batch 64, no attention),
≥ 10,000 greedy words/s at batch 256, ≤ 2 ms for one word at batch 1; seqlab's loop ≥ 2× the reference.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from seqlab.device import resolve_device
from seqlab.translit.analysis.formulas import Sizes, multiply_add_polys
from seqlab.translit.config import TrainConfig
from seqlab.translit.data.corpus import load_split
from seqlab.translit.data.vocab import PAD_ID, Vocabs, encode_pairs, iterate_batches
from seqlab.translit.model.network import ModelConfig, Seq2Seq
from seqlab.translit.train import Trainer
from seqlab.translit.transliterator import Transliterator, load_transliterator

NETWORKS = {  # (m, k, cell, encoder layers, decoder layers, bidirectional, dropout, attention)
    "gru": (64, 256, "gru", 1, 1, False, 0.0, "none"),  # the speed target's network (see the docstring)
    "small": (32, 64, "lstm", 2, 2, True, 0.2, "luong"),  # the previous shipped model, now a rescorer
    "shipped": (64, 256, "lstm", 2, 2, True, 0.25, "luong"),  # the shipped main model
}


def network(name: str, vocabs: Vocabs) -> ModelConfig:
    return ModelConfig(len(vocabs.source), len(vocabs.target), *NETWORKS[name])


class Reference:
    """A hand-written minimal PyTorch loop: forward, cross-entropy, backward, clip, AdamW step, nothing else."""

    def __init__(self, model: Seq2Seq, lr: float, weight_decay: float):
        self.model = model.train()
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)

    def train_step(self, batch) -> torch.Tensor:
        logits = self.model(batch.source, batch.source_lengths, batch.target)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.target.reshape(-1), ignore_index=PAD_ID)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        return loss


def seqlab_loop(config: ModelConfig, pairs, vocabs: Vocabs, device: str, **train) -> Trainer:
    """seqlab's own training step (`Trainer.train_step`: schedule, precision, bookkeeping included)."""
    cfg = TrainConfig(device=device, show_progress=False, **train)
    return Trainer(config, cfg, Path(tempfile.gettempdir()) / "translit-speed-unused", pairs, [], vocabs)


def loop_rates(loops: dict, batches: dict, rounds: int, pairs_per_round: int, device: torch.device) -> dict:
    """Pairs/s of each loop, interleaved round by round (so that a busy neighbour slows every loop alike): the
    median over rounds, and the median of the per-round ratios to the first loop."""
    rates: dict[str, list[float]] = {name: [] for name in loops}
    cursor = dict.fromkeys(loops, 0)
    for round_ in range(rounds + 1):  # round 0 warms up (allocator, oneDNN kernels) and is not counted
        for name, (loop, size) in loops.items():
            seen, start = 0, time.perf_counter()
            while seen < pairs_per_round:
                batch = batches[size][cursor[name] % len(batches[size])].to(device)
                cursor[name] += 1
                loop.train_step(batch)
                seen += len(batch)
            _synchronize(device)
            if round_:
                rates[name].append(seen / (time.perf_counter() - start))
    first = next(iter(rates))
    return {name: {"pairs_per_s": round(statistics.median(r)),
                   "ratio": round(statistics.median(a / b for a, b in zip(r, rates[first])), 2)}
            for name, r in rates.items()}


def training_comparison(args, train_pairs, vocabs: Vocabs, device: torch.device) -> tuple[dict, dict, Seq2Seq]:
    """The reference loop beside seqlab's, on the same network, initial weights and batches."""
    pairs = train_pairs[: args.train_pairs]
    config = network(args.network, vocabs)
    encoded = encode_pairs(pairs, vocabs)
    sources, targets = [s for s, _ in encoded], [t for _, t in encoded]
    batches = {size: list(iterate_batches(sources, targets, size, torch.Generator().manual_seed(0)))
               for size in sorted({64, args.large_batch})}
    lr, large_lr = 2e-3, 2e-3 * (args.large_batch / 64) ** 0.5  # Adam: lr grows with the square root of the batch
    loops = {
        "seqlab fp32 b64 (defaults)": (seqlab_loop(config, pairs, vocabs, args.device, lr=lr, batch_size=64), 64),
        "seqlab bf16 b64": (seqlab_loop(config, pairs, vocabs, args.device, lr=lr, precision="bf16"), 64),
        f"seqlab bf16 b{args.large_batch}": (seqlab_loop(config, pairs, vocabs, args.device, lr=large_lr,
                                                         batch_size=args.large_batch, precision="bf16"),
                                            args.large_batch),
    }
    start_weights = loops["seqlab fp32 b64 (defaults)"][0].model.state_dict()
    reference = {}
    for size in batches:
        model = Seq2Seq(config).to(device)
        model.load_state_dict(start_weights)
        reference[f"reference fp32 b{size}"] = (Reference(model, lr, 0.01), size)
    rates = loop_rates({**reference, **loops}, batches, args.rounds, args.pairs_per_round, device)
    flops = {size: training_flops_per_pair(config, b) for size, b in batches.items()}
    return rates, flops, loops["seqlab fp32 b64 (defaults)"][0].model.eval()


def training_flops_per_pair(config: ModelConfig, batches) -> float:
    """FLOPs of one training step per pair, from the `analyze` formulas: the encoder runs packed (each source
    at its own length), the decoder, output layer and attention over the batch's padded lengths; backward
    costs about twice the forward's matrix products (gradients of inputs and of weights), so ≈ 3 × forward."""
    sizes = Sizes(config.embedding_size, config.hidden_size, 1, config.target_vocab, config.cell,
                  config.encoder_layers, config.decoder_layers, config.attention, config.bidirectional)
    polys = multiply_add_polys(sizes)

    def at(name: str, length: int) -> int:
        return polys[name].evaluate({**sizes.values, "T": length})

    total, pairs = 0, 0
    for batch in batches:
        source_pad, target_pad = batch.source.size(1), batch.target.size(1)
        total += sum(at("encoder_rnn", int(n)) for n in batch.source_lengths)
        total += len(batch) * (at("decoder_rnn", target_pad) + at("output", target_pad)
                               + at("attention", max(source_pad, target_pad)))  # T_s × T_t ≤ max²: an upper bound
        pairs += len(batch)
    return 3 * 2 * total / pairs


def matmul_peak(dtype: torch.dtype, device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of one large square matrix product (the best of `repeats`): what this core can do at best."""
    a, b = torch.randn(n, n, device=device).to(dtype), torch.randn(n, n, device=device).to(dtype)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        _synchronize(device)
        start = time.perf_counter()
        torch.mm(a, b)
        _synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


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
    parser.add_argument("--network", choices=sorted(NETWORKS), default="gru", help="network the loops train")
    parser.add_argument("--train-pairs", type=int, default=20_000, help="training pairs the batches come from")
    parser.add_argument("--large-batch", type=int, default=256, help="the large-batch loop's batch size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs-per-round", type=int, default=1024)
    parser.add_argument("--skip-decoding", action="store_true")
    parser.add_argument("--data-dir")
    parser.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    train, _ = load_split("dakshina", "hi", "train", args.data_dir)
    test, _ = load_split("dakshina", "hi", "test", args.data_dir)
    vocabs = Vocabs.build(train)
    rates, flops, trained = training_comparison(args, train, vocabs, device)
    peaks = {"fp32": matmul_peak(torch.float32, device), "bf16": matmul_peak(torch.bfloat16, device)}
    results = {"device": str(device), "threads": torch.get_num_threads(), "network": args.network,
               "peak_gflops_matmul_2048": {k: round(v / 1e9, 1) for k, v in peaks.items()},
               "train_gflops_per_pair": {f"b{size}": round(f / 1e9, 4) for size, f in flops.items()}}
    for name, rate in rates.items():
        size = int(name.rsplit("b", 1)[1].split()[0])
        achieved = rate["pairs_per_s"] * flops[size]
        peak = peaks["bf16" if "bf16" in name else "fp32"]
        results[f"train: {name}"] = {**rate, "gflops": round(achieved / 1e9, 2),
                                     "share_of_peak": round(achieved / peak, 3)}
    if not args.skip_decoding:
        decoding_results(results, args, trained, vocabs, [p.source for p in test])
    print(json.dumps(results, indent=1, ensure_ascii=False))


def decoding_results(results: dict, args, trained: Seq2Seq, vocabs: Vocabs, words: list[str]) -> None:
    # PyTorch, as the rows above and the README's history (benchmarks/translit_engine.py measures the engine)
    shipped = load_transliterator(args.model, batch_size=256, device=args.device, backend="torch")
    for name, translit, beam in ((f"{args.network} (after the timed training)", Transliterator(trained, vocabs), 1),
                                 ("shipped model, greedy", shipped, 1),
                                 ("shipped model, beam 5 + prior", shipped, 5)):
        words_per_s, ms_per_word = decoding_speed(translit, words, beam)
        results[f"words_per_s b256: {name}"] = round(words_per_s)
        results[f"ms_per_word b1: {name}"] = round(ms_per_word, 3)


if __name__ == "__main__":
    main()
