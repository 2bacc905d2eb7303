"""Sentence mode's speed: words/s over Dakshina dev sentences with context, without, and greedy word by word.

Run by hand on an otherwise idle machine:
    .venv/bin/python benchmarks/translit_sentences.py [--model DIR] [--sentences 500] [--threads 2] [--fast-only]
        [--backend auto|torch|onnx|onnx-int8]
Each setting decodes the same sentences (report half) with a fresh model (a cold word cache, as a new process
has) through `transliterate_text`, all lines in one call as stdin's batches do; each words/s is also given as
a ratio to greedy word-by-word decoding measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from seqlab.translit.evaluation.sentences import load_sentences
from seqlab.translit.text.tokens import words
from seqlab.translit.transliterator import load_transliterator


def words_per_second(model: str | None, text: str, backend: str, rescorers: bool = True, **options) -> float:
    translit = load_transliterator(model, rescorers=rescorers, backend=backend)
    translit.transliterate_text("mera ghar", **options)  # warm-up (allocations, not the cache's words)
    translit.candidate_cache.clear()
    start = time.perf_counter()
    _, decoded, _ = translit.transliterate_text(text, **options)
    return len(decoded) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backend", default="auto", help="what runs the models (load_transliterator's backend)")
    parser.add_argument("--fast-only", action="store_true", help="Only greedy (the reference) and the server's "
                        "setting: for many sentences, where the default decoding takes minutes.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    romans, _ = load_sentences("hi", "report")
    text = "\n".join(romans[: args.sentences])
    settings = {"greedy, word by word": {"beam_size": 1, "context": False},
                "default decoding, word by word": {"context": False},
                "default decoding, with context": {"context": True},
                "beam 5, no rescorers (the server's), with context": {"beam_size": 5, "rescorers": False}}
    if args.fast_only:
        settings = {k: v for k, v in settings.items() if "default" not in k}
    rates = {name: words_per_second(args.model, text, args.backend, **options) for name, options in settings.items()}
    reference = rates["greedy, word by word"]
    print(json.dumps({"threads": args.threads, "backend": args.backend, "sentences": args.sentences,
                      "words": len(words(text)),
                      "distinct_words": len({w.lower() for w in words(text)}),
                      "words_per_s": {k: round(v) for k, v in rates.items()},
                      "x_greedy": {k: round(v / reference, 3) for k, v in rates.items()}}, indent=1))


if __name__ == "__main__":
    main()
