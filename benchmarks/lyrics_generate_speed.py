"""Generation speed of SmolLM2-135M on CPU: the plain `model.generate` call vs. seqlab's path (`sample`) with each
speed option, in one run, so the speeds are ratios to the same reference under the same load.

Arms (each generates one sample per seed, the seeds interleaved so load changes hit every arm alike):
  plain        model.generate(**enc, recipe sampling settings), float32: the reference
  seqlab-f32   seqlab's sample() with --quantize none --dtype float32
  seqlab-bf16  --quantize none --dtype bfloat16
  seqlab-int8 (default)  int8 weights + bfloat16 activations (seqlab's CPU default, --quantize auto)
  seqlab-f32-compile  --compile (static KV cache + torch.compile, float32), only with --with-compile

Correctness: whether each arm gives the plain arm's tokens for the same seed; each arm's own perplexity on held-out
lyrics (teacher-forced, the same tokens for all arms: a faster arm must model lyrics as well as float32 does); and
the perplexity of each arm's sampled continuations under the float32 model (mean over seeds ± standard error).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lyrics_generate_speed.py --seeds 6 \
        --data data/poetry
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import torch
from transformers import set_seed

from seqlab.lyrics.config import RECIPE_PROMPT, GenerationConfig, SpeedConfig
from seqlab.lyrics.corpus import load_corpus
from seqlab.lyrics.generate import sample
from seqlab.lyrics.metrics import perplexity
from seqlab.lyrics.model import load_model
from seqlab.lyrics.speed import prepare

RECIPE = dict(do_sample=True, top_k=50, top_p=0.9, temperature=1.0, repetition_penalty=1.2)


def plain_arm(model, tokenizer, tokens: int):
    enc = tokenizer(RECIPE_PROMPT, return_tensors="pt")

    def run(seed: int) -> list[int]:
        set_seed(seed)
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=tokens, pad_token_id=tokenizer.pad_token_id,
                                 eos_token_id=tokenizer.eos_token_id, **RECIPE)
        return out[0, enc.input_ids.shape[1]:].tolist()
    return run


def seqlab_arm(model, tokenizer, tokens: int, speed: SpeedConfig):
    prepared = prepare(model, speed)

    def run(seed: int) -> list[int]:
        return sample(prepared, tokenizer, RECIPE_PROMPT, GenerationConfig(max_new_tokens=tokens, seed=seed)).new_ids[0]
    return run, prepared


def lyrics_blocks(data: str | None, tokenizer, songs: int, block: int) -> list[dict]:
    """Every 700th song of the corpus, cut to `block` tokens: a fixed held-out-style text to score each arm on."""
    chosen = load_corpus(data).songs.song.tolist()[::700][:songs]
    ids = [tokenizer(song, add_special_tokens=False)["input_ids"][:block] for song in chosen]
    return [{"input_ids": x, "attention_mask": [1] * len(x)} for x in ids]


@torch.no_grad()
def continuation_nll(model, tokenizer, continuation: list[int]) -> float:
    """Mean NLL per token of a continuation after the prompt, under the float32 reference model."""
    prompt = tokenizer(RECIPE_PROMPT, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + continuation])
    logits = model(input_ids=ids).logits[0, len(prompt) - 1 : -1].float()
    return float(torch.nn.functional.cross_entropy(logits, ids[0, len(prompt):]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--data", default=None, help="lyrics folder (default: poetry/ under $SEQLAB_DATA_DIR)")
    parser.add_argument("--tokens", type=int, default=48, help="new tokens per sample")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--score-songs", type=int, default=12, help="held-out songs (128 tokens) each arm scores")
    parser.add_argument("--with-compile", action="store_true", help="also time --compile (compiles for minutes)")
    parser.add_argument("--json", default=None, help="write the numbers to this file")
    args = parser.parse_args()

    reference, tokenizer = load_model(args.model)
    reference.eval()
    arms = {"plain": plain_arm(reference, tokenizer, args.tokens)}
    blocks = lyrics_blocks(args.data, tokenizer, args.score_songs, 128)
    scored = {"plain": perplexity(reference, blocks, batch_size=1)[0]}
    configs = {"seqlab-f32": SpeedConfig(quantize="none", dtype="float32"),
               "seqlab-bf16": SpeedConfig(quantize="none", dtype="bfloat16"),
               "seqlab-int8 (default)": SpeedConfig()}
    if args.with_compile:
        configs["seqlab-f32-compile"] = SpeedConfig(compile=True)  # float32: int8 cannot be compiled
    for name, speed in configs.items():
        model, _ = load_model(args.model)  # each arm its own copy: bf16/compile change the model
        arms[name], prepared = seqlab_arm(model, tokenizer, args.tokens, speed)
        scored[name] = perplexity(prepared, blocks, batch_size=1)[0]
    for name, run in arms.items():  # warm-up (and compilation) outside the timing
        start = time.perf_counter()
        run(10_000)
        print(f"warm-up {name}: {time.perf_counter() - start:.1f} s", flush=True)
    tokens = {name: [] for name in arms}
    seconds = {name: 0.0 for name in arms}
    count = {name: 0 for name in arms}
    for seed in range(args.seeds):
        for name, run in arms.items():
            start = time.perf_counter()
            tokens[name].append(run(seed))
            seconds[name] += time.perf_counter() - start
            count[name] += len(tokens[name][-1])
    rate = {name: count[name] / seconds[name] for name in arms}
    rows = {}
    for name in arms:
        nll = [continuation_nll(reference, tokenizer, t) for t in tokens[name] if t]
        mean = statistics.fmean(nll)
        err = statistics.stdev(nll) / math.sqrt(len(nll)) if len(nll) > 1 else float("nan")
        same = sum(t == p for t, p in zip(tokens[name], tokens["plain"]))
        rows[name] = {"tokens_per_second": rate[name], "ratio_to_plain": rate[name] / rate["plain"],
                      "lyrics_perplexity": scored[name],
                      "same_tokens_as_plain": f"{same}/{args.seeds}", "new_tokens": count[name],
                      "f32_perplexity": math.exp(mean), "f32_perplexity_low": math.exp(mean - err),
                      "f32_perplexity_high": math.exp(mean + err)}
    print(f"torch threads {torch.get_num_threads()}, {args.seeds} seeds x up to {args.tokens} new tokens")
    print("| arm | tokens/s | ratio to plain | same tokens as plain | lyrics perplexity | samples' perplexity "
          "under float32 (± s.e.) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| {name} | {row['tokens_per_second']:.1f} | {row['ratio_to_plain']:.2f} | "
              f"{row['same_tokens_as_plain']} | {row['lyrics_perplexity']:.2f} | {row['f32_perplexity']:.2f} "
              f"({row['f32_perplexity_low']:.2f}–{row['f32_perplexity_high']:.2f}) |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"threads": torch.get_num_threads(), "seeds": args.seeds, "tokens": args.tokens,
                       "arms": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
