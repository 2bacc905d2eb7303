"""The inference engine against PyTorch: ONNX Runtime (float32, and int8 weights) and PyTorch eager in one run,
each speed also as a ratio to PyTorch's.

1. One word at a time with the CLI's default decoding (the shipped model: beam 10, word prior, lexicon, both
   rescorers), 1 thread: per-word latency over --words dev words, the backends taking turns word by word so
   that a busy neighbour slows them alike. Target: onnx ≥ 5x PyTorch.
2. `evaluate`'s decoding (`evaluate_pairs`: the top-5 list and the beam-10 best of every word, in batches of
   256) over --pairs test words, --threads threads (default 2): words/s. Target: onnx ≥ 3x PyTorch.
Each part also counts the words whose output differs from PyTorch's (0 expected for onnx; int8 may differ).

Run by hand on an otherwise idle machine (the graphs are built into the user cache on the first run):
    .venv/bin/python benchmarks/translit_engine.py                      # about 10 minutes
    .venv/bin/python benchmarks/translit_engine.py --words 30 --pairs 200  # a quick check
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from seqlab.translit.data.corpus import load_split
from seqlab.translit.evaluation.words import evaluate_pairs
from seqlab.translit.transliterator import Transliterator, load_transliterator

BACKENDS = ("torch", "onnx", "onnx-int8")


def load_all(model: str | None, threads: int) -> dict[str, Transliterator]:
    """Every backend's transliterator with `threads` threads (ONNX Runtime sessions take PyTorch's count)."""
    torch.set_num_threads(threads)
    return {backend: load_transliterator(model, backend=backend) for backend in BACKENDS}


def one_word_latency(loaded: dict[str, Transliterator], words: list[str]) -> dict:
    """Milliseconds per word (median and mean), one `transliterate([word])` call each, backends in turn."""
    for translit in loaded.values():
        translit.transliterate(words[:10])  # warm-up: first calls allocate
    seconds: dict[str, list[float]] = {backend: [] for backend in loaded}
    outputs: dict[str, list[str]] = {backend: [] for backend in loaded}
    for word in words:
        for backend, translit in loaded.items():
            start = time.perf_counter()
            outputs[backend] += translit.transliterate([word])
            seconds[backend].append(time.perf_counter() - start)
    result = {backend: {"p50_ms": round(statistics.median(s) * 1000, 2),
                        "mean_ms": round(statistics.fmean(s) * 1000, 2),
                        "words_differing_from_torch": sum(a != b for a, b in zip(outputs[backend], outputs["torch"]))}
              for backend, s in seconds.items()}
    for backend in loaded:
        result[backend]["x_torch_mean"] = round(result["torch"]["mean_ms"] / result[backend]["mean_ms"], 2)
    return result


def evaluate_speed(loaded: dict[str, Transliterator], pairs: list) -> dict:
    """words/s of `evaluate_pairs` with the model's default decoding, and its top-1 accuracy."""
    result, predictions = {}, {}
    for backend, translit in loaded.items():
        evaluate_pairs(translit, pairs[:20], translit.settings())  # warm-up
        start = time.perf_counter()
        summary, rows = evaluate_pairs(translit, pairs, translit.settings())
        seconds = time.perf_counter() - start
        predictions[backend] = [r["prediction"] for r in rows]
        result[backend] = {"words_per_s": round(len(pairs) / seconds, 1), "accuracy": round(summary["accuracy"], 4)}
    for backend in loaded:
        result[backend]["x_torch"] = round(result[backend]["words_per_s"] / result["torch"]["words_per_s"], 2)
        result[backend]["words_differing_from_torch"] = sum(a != b for a, b in zip(predictions[backend],
                                                                                      predictions["torch"]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the shipped Hindi model)")
    parser.add_argument("--words", type=int, default=300, help="dev words decoded one at a time (part 1)")
    parser.add_argument("--pairs", type=int, default=2000, help="test words of the evaluate part (0: skip it)")
    parser.add_argument("--threads", type=int, default=2, help="threads of the evaluate part")
    args = parser.parse_args()
    dev, _ = load_split("dakshina", "hi", "dev")
    test, _ = load_split("dakshina", "hi", "test")
    step = max(1, len(dev) // args.words)
    report = {"one_word_1_thread": one_word_latency(load_all(args.model, 1),
                                                    [p.source for p in dev[::step][: args.words]])}
    if args.pairs:
        step = max(1, len(test) // args.pairs)
        report[f"evaluate_{args.threads}_threads"] = evaluate_speed(load_all(args.model, args.threads),
                                                                     test[::step][: args.pairs])
    report["targets"] = {"one_word_x_torch": 5, "evaluate_x_torch": 3}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
