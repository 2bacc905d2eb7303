"""What `seqlab lyrics train --precision bf16` buys on this CPU: SmolLM2-135M training steps (forward, loss,
backward, AdamW) in float32 and under bfloat16 autocast, interleaved round by round in one process on the same
random batch, so the ratio is measured in one run.

Run by hand, alone on the machine:
    .venv/bin/python benchmarks/lyrics_train_precision.py [--batch-size 2] [--block-size 256] [--rounds 3]
Prints seconds per step and tokens/s for each arm and the bf16 / fp32 speed ratio.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from seqlab.lyrics.model import SMOLLM2, load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--block-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="Timed steps per arm, alternating arms.")
    args = parser.parse_args()
    model, tokenizer = load_model(SMOLLM2)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)  # tiny steps: the weights barely move between arms
    batch = torch.randint(0, len(tokenizer), (args.batch_size, args.block_size),
                          generator=torch.Generator().manual_seed(0))

    def step(bf16: bool) -> float:
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    step(False), step(True)  # warm-up: allocator, oneDNN primitives
    times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    for _ in range(args.rounds):
        times["fp32"].append(step(False))
        times["bf16"].append(step(True))
    tokens = args.batch_size * args.block_size
    print(f"SmolLM2-135M, batch {args.batch_size} x {args.block_size} tokens, {torch.get_num_threads()} threads")
    for arm, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{arm}: {median:.2f} s/step, {tokens / median:.0f} tokens/s")
    print(f"bf16 / fp32 speed: {statistics.median(times['fp32']) / statistics.median(times['bf16']):.2f}x")


if __name__ == "__main__":
    main()
