"""What one served word costs at each micro-batch size: the server's decoding (`candidates_in_context`, beam 5,
word prior and lexicon, no rescorers, after a previous word) of distinct dev-word prefixes no call has seen, in
batches of --sizes words, in this process, one thread; ms per word for each --backends backend.

A prefix is what a typist's keystroke asks for, so this is the decoding-thread cost behind `serve_load.py
--typists`: the server decodes a micro-batch's words in one call (serve/batching.py), and a batch of one costs
several times a batch of 32 per word.

    env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/serve_batch_sizes.py
    env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/serve_batch_sizes.py --backends onnx-int8 --sizes 1,32
"""
from __future__ import annotations

import argparse
import random
import time

import torch

from seqlab.translit.evaluation.sentences import load_sentences
from seqlab.translit.text.tokens import distinct_forms
from seqlab.translit.transliterator import load_transliterator


def prefixes(seed: int) -> list[str]:
    """Every prefix of every distinct word of the tune half's romanized dev sentences, shuffled."""
    romans, _ = load_sentences("hi", "tune")
    words = distinct_forms(" ".join(romans))
    found = list(dict.fromkeys(w[:i] for w in words for i in range(1, len(w) + 1)))
    random.Random(seed).shuffle(found)
    return found


def ms_per_word(backend: str, size: int, words: list[str], batches: int) -> float:
    translit = load_transliterator(rescorers=False, backend=backend)
    translit.candidates_in_context(words[:size], ["और"], 5)  # warm-up, then only words no call has seen
    start = time.perf_counter()
    for first in range(size, size * (batches + 1), size):
        translit.candidates_in_context(words[first : first + size], ["और"], 5)
    return (time.perf_counter() - start) / (size * batches) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="onnx,onnx-int8", help="comma-separated --backend values")
    parser.add_argument("--sizes", default="1,8,32", help="comma-separated batch sizes")
    parser.add_argument("--words", type=int, default=960, help="words decoded per backend and size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    words = prefixes(args.seed)
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            batches = max(1, args.words // size)
            print(f"{backend:10s} batch {size:3d}: {ms_per_word(backend, size, words, batches):.3f} ms a word",
                  flush=True)


if __name__ == "__main__":
    main()
