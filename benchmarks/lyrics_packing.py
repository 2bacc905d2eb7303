"""Packing vs pad-to-max on the real lyrics: how many of the token positions fed to the model are real text,
and how many training tokens each mode sees per epoch.

    .venv/bin/python benchmarks/lyrics_packing.py [--data PATH] [--block-size 256] [--tokenizer gpt2|smollm2-135m]

Target: packing >= 98 % real tokens.
"""
from __future__ import annotations

import argparse
import json
import time

from seqlab.lyrics.batching import EosKeepingCollator, examples_from_tokens, token_stats, tokenize_songs
from seqlab.lyrics.corpus import load_corpus, split_by_song
from seqlab.lyrics.tokenizer import load_gpt2_tokenizer


def collated_real_share(tokenizer, examples: list[dict], batch_size: int = 2) -> tuple[float, int]:
    """Real share measured on what the collator actually emits (labels != -100 vs all positions)."""
    collator = EosKeepingCollator(tokenizer)
    real = total = 0
    for start in range(0, len(examples), batch_size):
        batch = collator(examples[start : start + batch_size])
        total += batch["input_ids"].numel()
        real += int((batch["labels"] != -100).sum())
    return real / total, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None)
    parser.add_argument("--block-size", type=int, default=256)
    parser.add_argument("--tokenizer", default="gpt2", choices=["gpt2", "smollm2-135m"])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    if args.tokenizer == "gpt2":
        tokenizer = load_gpt2_tokenizer()
    else:
        from seqlab.lyrics.model import load_model

        tokenizer = load_model(args.tokenizer)[1]
    corpus = load_corpus(args.data)
    train, _ = split_by_song(corpus.songs.song.tolist(), 0.1, args.seed)
    start = time.perf_counter()
    token_lists = tokenize_songs(tokenizer, train)
    source = sum(map(len, token_lists))
    rows = {}
    for mode, packing in (("packing", True), ("pad_to_max", False)):
        examples = examples_from_tokens(token_lists, args.block_size, packing, tokenizer.pad_token_id)
        stats = token_stats(examples, source, args.block_size).as_dict()
        stats["collated_real_share"], stats["collated_positions"] = collated_real_share(tokenizer, examples)
        rows[mode] = stats
    print(f"{len(train)} training songs, {source:,} tokens incl. one EOS per song "
          f"({args.tokenizer} tokenizer, block {args.block_size}, {time.perf_counter() - start:.1f} s)")
    print(f"{'mode':<11} {'examples':>9} {'positions/epoch':>16} {'real tokens':>12} {'real share':>11} "
          f"{'text kept':>10}")
    for mode, s in rows.items():
        print(f"{mode:<11} {s['examples']:>9,} {s['collated_positions']:>16,} {s['real_tokens']:>12,} "
              f"{100 * s['collated_real_share']:>10.2f}% {100 * s['kept_share']:>9.2f}%")
    print(json.dumps({"tokenizer": args.tokenizer, "block_size": args.block_size, "train_songs": len(train),
                      "source_tokens": source, **rows}))


if __name__ == "__main__":
    main()
