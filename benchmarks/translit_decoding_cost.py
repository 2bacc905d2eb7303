"""What the shipped model's decoding settings cost, as ratios to greedy decoding measured in the same run.

Run by hand on an otherwise idle machine:
    .venv/bin/python benchmarks/translit_decoding_cost.py [--model DIR] [--words 2000] [--threads 2]
Prints, for greedy, beam 5 and the model's default (beam, prior, lexicon, rescorers): milliseconds for one
word at batch 1 (mean of 30 words) and words/s on a batch of Dakshina test words, and each as a ratio to greedy.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from seqlab.translit.data.corpus import load_split
from seqlab.translit.transliterator import load_transliterator

SINGLE = ["ghar", "pani", "dilli", "namaste", "bharat", "kal", "sapna", "pyaar", "zindagi", "mausam"] * 3


def measure(translit, words: list[str], beam_size: int | None) -> tuple[float, float]:
    translit.transliterate(SINGLE[:3], beam_size)  # warm-up
    start = time.perf_counter()
    for word in SINGLE:
        translit.transliterate([word], beam_size)
    one_word_ms = (time.perf_counter() - start) / len(SINGLE) * 1000
    start = time.perf_counter()
    translit.transliterate(words, beam_size)
    return one_word_ms, len(words) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    translit = load_transliterator(args.model)
    words = [p.source for p in load_split("dakshina", "hi", "test")[0]][: args.words]
    results = {name: measure(translit, words, beam) for name, beam in
               (("greedy", 1), ("beam 5", 5), (f"default (beam {translit.decoding.beam_size})", None))}
    greedy_ms, greedy_wps = results["greedy"]
    rows = {name: {"one_word_ms": round(ms, 1), "words_per_s": round(wps),
                   "one_word_x_greedy": round(ms / greedy_ms, 2), "words_per_s_x_greedy": round(wps / greedy_wps, 3)}
            for name, (ms, wps) in results.items()}
    print(json.dumps({"threads": args.threads, "words": len(words), "settings": rows}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
