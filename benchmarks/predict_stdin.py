"""`seqlab translit predict` on standard input: words/s and peak memory against batched in-process decoding.

Builds N stdin lines (one word each) from the Dakshina Hindi test words (4,502, repeated), runs
`seqlab translit predict` on them as a subprocess with the model's default decoding (beam 5 + prior), and
compares its words/s with `Transliterator.transliterate` on the same word list in this process (how `evaluate`
decodes). Target: stdin reaches ≥ 0.8 of the batched speed, and its peak RSS does not grow with N.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/predict_stdin.py --lines 10000
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/predict_stdin.py --lines 100000
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/predict_stdin.py --lines 10000 --backend torch   # before the engine
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import seqlab
from seqlab.translit.data.corpus import load_split
from seqlab.translit.transliterator import load_transliterator


def run_predict(stdin_path: Path | None, out_path: Path, model: str | None, backend: str) -> float:
    """Seconds for one `seqlab translit predict` subprocess reading `stdin_path` (None: empty input)."""
    env = {**os.environ, "PYTHONPATH": str(Path(seqlab.__file__).parents[1])}  # this checkout's seqlab
    command = [sys.executable, "-m", "seqlab", "translit", "predict", "--backend", backend,
               *(["--model", model] if model else [])]
    with (stdin_path.open("rb") if stdin_path else open(os.devnull, "rb")) as stdin, out_path.open("wb") as out:
        start = time.perf_counter()
        subprocess.run(command, stdin=stdin, stdout=out, env=env, check=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="stdin lines (test words, repeated)")
    parser.add_argument("--data-dir", help="data root (default: $SEQLAB_DATA_DIR, ./data, …; ../shared/data here)")
    parser.add_argument("--model", help="run directory or model folder (default: the shipped model)")
    parser.add_argument("--backend", default="auto", help="auto | torch | onnx | onnx-int8 (predict --backend)")
    args = parser.parse_args()
    data_dir = args.data_dir or os.environ.get("SEQLAB_DATA_DIR") or str(Path(__file__).resolve().parents[2]
                                                                         / "shared" / "data")
    test, _ = load_split("dakshina", "hi", "test", data_dir)
    words = [p.source for p in test]
    lines = (words * (args.lines // len(words) + 1))[: args.lines]
    with tempfile.TemporaryDirectory() as tmp:
        stdin_path, out_path = Path(tmp) / "in.txt", Path(tmp) / "out.txt"
        stdin_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        startup = run_predict(None, out_path, args.model, args.backend)  # imports, the model: once per run
        seconds = run_predict(stdin_path, out_path, args.model, args.backend)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the larger of the two runs
        stdin_output = out_path.read_text(encoding="utf-8").splitlines()
    translit = load_transliterator(args.model, backend=args.backend)
    translit.transliterate(words[:256])  # warm-up
    start = time.perf_counter()
    batched = translit.transliterate(lines)
    batched_seconds = time.perf_counter() - start
    stdin_words_per_s, batched_words_per_s = len(lines) / seconds, len(lines) / batched_seconds
    result = {
        "lines": len(lines),
        "decoding": str(translit.settings()),
        "threads": torch.get_num_threads(),
        "backend": translit.backend,
        "same_output": stdin_output == batched,
        "stdin_seconds": round(seconds, 2),
        "startup_seconds": round(startup, 2),
        "stdin_words_per_s": round(stdin_words_per_s),
        "stdin_words_per_s_without_startup": round(len(lines) / max(seconds - startup, 1e-9)),
        "batched_words_per_s": round(batched_words_per_s),
        "ratio": round(stdin_words_per_s / batched_words_per_s, 3),
        "ratio_without_startup": round(len(lines) / max(seconds - startup, 1e-9) / batched_words_per_s, 3),
        "target_ratio": 0.8,
        "stdin_peak_rss_mb": round(peak_rss_mb, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
