"""`seqlab translit batch` against `predict` on stdin: words/s with 1 and 2 local workers, in one run.

Builds a corpus of N lines (Dakshina's romanized Hindi dev sentences, repeated; never test ones), then times, as
subprocesses on the same file: `seqlab translit predict < corpus` (one PyTorch thread: OMP_NUM_THREADS=1), and
`seqlab translit batch corpus --workers 1` and `--workers 2` (one thread per worker). Wall-clock times include
everything a user waits for: imports, model loading, the local cluster's start. Checks that all three outputs are
the same bytes. Targets: 2 workers ≥ 1.8× the words/s of one, and one worker at most 10 % slower than `predict`.
Run it by hand on an idle machine with at least 2 free cores:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/translit_batch.py --lines 100000
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/translit_batch.py --lines 2000 --no-rescorers   # a sanity check

A repeated sentence repeats its words, and each process caches the candidates of 20,000 distinct words: after the
first pass over the dev sentences most words are cache hits. `batch` decodes each distinct word once for all its
workers (batch/sharing.py) and reports how many in the summary (`model_words`, printed here too), so a second worker
does not decode the same words again.
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

import seqlab
from seqlab.translit.data.paths import sentence_files
from seqlab.translit.text.tokens import word_matches


def build_corpus(path: Path, lines: int, data_dir: str | None) -> int:
    """N dev sentences, repeated; returns the number of words (runs of letters) `predict` transliterates."""
    roman, _ = sentence_files("hi", "dev", data_dir)
    sentences = roman.read_text(encoding="utf-8").splitlines()
    text = "".join(sentences[i % len(sentences)] + "\n" for i in range(lines))
    path.write_text(text, encoding="utf-8")
    return sum(1 for _ in word_matches(text))


def timed(command: list[str], stdin: Path | None = None, stdout: Path | None = None) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process tree, stdout text unless redirected to a file) of one subprocess
    of this checkout's seqlab. CPU time counts the local cluster's worker processes too (each parent waits for its
    children), so it stays comparable on a busy machine where wall-clock time is not."""
    env = {**os.environ, "PYTHONPATH": str(Path(seqlab.__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    with (open(stdin, "rb") if stdin else open(os.devnull, "rb")) as source, \
            (open(stdout, "wb") if stdout else tempfile.TemporaryFile()) as sink:
        cpu_before, start = _children_cpu(), time.perf_counter()
        subprocess.run(command, stdin=source, stdout=sink, env=env, check=True)
        seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
        sink.seek(0)
        return seconds, cpu, "" if stdout else sink.read().decode()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="corpus lines (dev sentences, repeated)")
    parser.add_argument("--data-dir", help="data root (default: $SEQLAB_DATA_DIR, ./data, …)")
    parser.add_argument("--model", help="run directory or model folder (default: the shipped model)")
    parser.add_argument("--no-rescorers", action="store_true", help="decode without the model's rescorers")
    parser.add_argument("--shard-lines", type=int, help="lines per shard (default: 1,000, fewer for a small corpus, so "
                        "that there are at least 40 shards to share)")
    args = parser.parse_args()
    decoding = (["--model", args.model] if args.model else []) + (["--no-rescorers"] if args.no_rescorers else [])
    shard_lines = args.shard_lines or max(1, min(1000, args.lines // 40))
    seqlab_cli = [sys.executable, "-m", "seqlab.cli", "translit"]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        words = build_corpus(corpus, args.lines, args.data_dir)
        predict_out = Path(tmp) / "predict.txt"
        predict_s, predict_cpu, _ = timed(seqlab_cli + ["predict", "--no-user-dictionary", *decoding], corpus,
                                          predict_out)
        result = {"lines": args.lines, "words": words, "shard_lines": shard_lines, "decoding": decoding or ["default"],
                  "predict_seconds": round(predict_s, 1), "predict_cpu_seconds": round(predict_cpu, 1),
                  "predict_words_per_s": round(words / predict_s, 1)}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            seconds, cpu, printed = timed(seqlab_cli + ["batch", str(corpus), "--output", str(out), "--workers",
                                                   str(workers), "--shard-lines", str(shard_lines),
                                                   "--no-user-dictionary", "--json", *decoding])
            summary = json.loads(printed.strip().splitlines()[-1])
            assert summary["words"] == words, (summary["words"], words)
            result[f"batch_{workers}_seconds"] = round(seconds, 1)
            result[f"batch_{workers}_cpu_seconds"] = round(cpu, 1)
            result[f"batch_{workers}_words_per_s"] = round(words / seconds, 1)
            result[f"batch_{workers}_model_words"] = summary["model_words"]
            result[f"batch_{workers}_same_as_predict"] = (out / corpus.name).read_bytes() == predict_out.read_bytes()
    result["speedup_2_over_1"] = round(result["batch_1_seconds"] / result["batch_2_seconds"], 3)
    result["overhead_1_over_predict"] = round(result["batch_1_seconds"] / predict_s - 1, 3)
    result["cpu_overhead_1_over_predict"] = round(result["batch_1_cpu_seconds"] / predict_cpu - 1, 3)
    result["targets"] = {"speedup_2_over_1": ">= 1.8", "overhead_1_over_predict": "<= 0.10"}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
