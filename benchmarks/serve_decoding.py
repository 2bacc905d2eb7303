"""What the server's decoding choices cost in accuracy and buy in speed, measured in one run on the Dakshina Hindi
test split: the CLI's default (beam 10 + rescorers), `seqlab serve`'s default (beam 5 + prior + lexicon, no
rescorers) in float32 and with `--dtype bfloat16` (faster, but the server's memory grows while it meets new batch
shapes), `--rescorers`
at beam 5, and — not an option of the server, a measurement for later — the same model with torch's dynamic int8
quantization of its LSTM and linear layers; each in PyTorch, then the same decodings in ONNX Runtime (--backend
onnx, the CLI's default on a CPU, and onnx-int8, the server's).

Run by hand:
    env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/serve_decoding.py
Prints top-1 word accuracy (exact match per pair) and words/s of one batched pass over the split.
"""
from __future__ import annotations

import copy
import time
import warnings

import torch

from seqlab.translit.data.corpus import load_split
from seqlab.translit.transliterator import load_transliterator


def measure(translit, words: list[str], gold: list[str], beam: int) -> tuple[float, float]:
    start = time.perf_counter()
    output = translit.candidates(words, beam_size=beam)
    seconds = time.perf_counter() - start
    return sum(o[0] == g for o, g in zip(output, gold)) / len(gold), len(words) / seconds


def main() -> None:
    torch.set_num_threads(1)
    pairs, _ = load_split("dakshina", "hi", "test")
    words, gold = [p.source for p in pairs], [p.target for p in pairs]
    full, plain = load_transliterator(backend="torch"), load_transliterator(rescorers=False, backend="torch")
    bf16 = load_transliterator(rescorers=False, dtype="bfloat16")
    quantized = copy.copy(plain)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated: why the server does not offer it
        quantized.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(plain.model),
                                                                 {torch.nn.LSTM, torch.nn.Linear}, dtype=torch.qint8)
    rows = [("CLI default: beam 10 + prior + lexicon + rescorers", full, 10),
            ("seqlab serve --rescorers (beam 5)", full, 5),
            ("seqlab serve default: beam 5 + prior + lexicon (float32)", plain, 5),
            ("seqlab serve --dtype bfloat16", bf16, 5),
            ("(not offered) serve default, int8 dynamic quantization", quantized, 5)]
    for backend in ("onnx", "onnx-int8"):
        engine_full, engine_plain = (load_transliterator(rescorers=r, backend=backend) for r in (True, False))
        rows += [(f"--backend {backend}: CLI default", engine_full, 10),
                 (f"--backend {backend}: serve --rescorers (beam 5)", engine_full, 5),
                 (f"--backend {backend}: serve default", engine_plain, 5)]
    print(f"{len(words)} Dakshina test pairs, 1 thread")
    base = None
    for name, translit, beam in rows:
        accuracy, speed = measure(translit, words, gold, beam)
        base = base or speed
        print(f"{name:58s} top-1 {100 * accuracy:5.2f}%  {speed:6.0f} words/s ({speed / base:.1f}x)", flush=True)


if __name__ == "__main__":
    main()
