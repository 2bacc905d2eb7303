"""Near-duplicate detection: the old all-pairs comparison against the line index, on synthetic lyrics CSVs.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lyrics_near_duplicates.py [--rows 2000 20000] [--seed 0]

Each CSV row is a song of 8–30 lines drawn from a pool of lines, some of them very common ("yeah", "[Chorus]");
about 1 % of the rows are edited copies of an earlier row (a tenth of their lines changed) and 0.5 % exact copies,
so both methods have pairs to find. The CSV goes through `load_corpus` (reading, filter, songs, the new method);
then both methods run on the same kept rows and their pairs are compared.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import pandas as pd

from seqlab.lyrics.corpus import NEAR_DUP_THRESHOLD, load_corpus
from seqlab.lyrics.dedup import pairwise_near_duplicates, search_near_duplicates

COMMON = ["yeah", "[Chorus]", "oh oh oh", "[Verse 1]", "[Verse 2]", "uh", "la la la", "baby", "hey", "[Bridge]"]
WORDS = ("love night fire heart rain city road home light dark dream river gold stone sky blue cold burn run fall "
         "stay leave call wait break hold dance sing cry smile lost found high low wild slow fast free").split()


def synthetic_rows(rows: int, seed: int) -> list[str]:
    """Songs of random lines; a few edited and exact copies of earlier songs (each song copied at most once, so
    both methods report the same pairs)."""
    rng = random.Random(seed)
    pool = [" ".join(rng.choices(WORDS, k=rng.randint(4, 8))) for _ in range(rows * 8)]
    songs: list[str] = []
    used: set[int] = set()  # songs already copied, and the copies
    for _ in range(rows):
        roll = rng.random()
        source = rng.randrange(len(songs)) if songs and roll < 0.015 else None
        if source is None or source in used:
            lines = [rng.choice(COMMON) if rng.random() < 0.15 else rng.choice(pool) for _ in range(rng.randint(8, 30))]
            songs.append("\n".join(lines))
            continue
        lines = songs[source].split("\n")
        if roll < 0.01:  # an edited copy
            for position in rng.sample(range(len(lines)), max(1, len(lines) // 10)):
                lines[position] = rng.choice(pool)
        songs.append("\n".join(lines))
        used.update({source, len(songs) - 1})
    return songs


def measure(rows: int, seed: int, folder: Path) -> dict:
    path = folder / f"lyrics-{rows}.csv"
    songs = synthetic_rows(rows, seed)
    pd.DataFrame({"artist": [f"artist {i % 500}" for i in range(rows)], "lyrics": songs}).to_csv(path, index=False)
    start = time.perf_counter()
    corpus = load_corpus(path)
    load_seconds = time.perf_counter() - start
    names, texts = corpus.files.file.tolist(), corpus.files.text.tolist()
    timings, results = {}, {}
    for label, method in (("old", pairwise_near_duplicates), ("new", search_near_duplicates)):
        start = time.perf_counter()
        results[label] = method(names, texts, NEAR_DUP_THRESHOLD)
        timings[label] = time.perf_counter() - start
    return {"rows": rows, "kept": len(names), "load_corpus_s": round(load_seconds, 2),
            "old_s": round(timings["old"], 3), "new_s": round(timings["new"], 3),
            "speedup": round(timings["old"] / timings["new"], 1),
            "old_comparisons": results["old"].comparisons, "new_comparisons": results["new"].comparisons,
            "pairs": len(results["new"].pairs), "same_pairs": results["old"].pairs == results["new"].pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, args.seed, Path(tmp)) for n in args.rows]
    print(f"{'rows':>7} {'old s':>9} {'new s':>8} {'old/new':>8} {'old comparisons':>16} {'new comparisons':>16} "
          f"{'pairs':>6} {'same':>5} {'load_corpus s':>14}")
    for r in rows:
        print(f"{r['rows']:>7,} {r['old_s']:>9.3f} {r['new_s']:>8.3f} {r['speedup']:>8.1f} {r['old_comparisons']:>16,} "
              f"{r['new_comparisons']:>16,} {r['pairs']:>6} {str(r['same_pairs']):>5} {r['load_corpus_s']:>14.2f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"{last['rows'] // first['rows']}x the rows: old method {last['old_s'] / first['old_s']:.0f}x the time, "
              f"new method {last['new_s'] / first['new_s']:.1f}x")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
