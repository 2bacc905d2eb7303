"""Scoring a model on a split: accuracy, top-k accuracy, any-reference accuracy, CER, predictions CSV."""
from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from pathlib import Path

from seqlab.io import write_json_atomic, write_text_atomic
from seqlab.translit.config import DecodingConfig
from seqlab.translit.data.corpus import Pair
from seqlab.translit.evaluation.metrics import (
    any_reference_accuracy,
    character_error_rate,
    top_k_accuracy,
    unique_input_accuracy,
    word_accuracy,
)
from seqlab.translit.transliterator import Transliterator


def evaluate_pairs(translit: Transliterator, pairs: list[Pair], decoding: DecodingConfig,
                   top_k: int = 5) -> tuple[dict, list[dict]]:
    """Return (summary, one row per pair). Top-1 uses `decoding` (`Transliterator.settings` gives the model's own,
    config.json "decoding", with any values changed); the top-k list a beam of width `top_k`."""
    s = translit.usable(decoding)
    sources, references = [p.source for p in pairs], [p.target for p in pairs]
    start = time.perf_counter()
    candidates = translit.candidate_lists(sources, replace(s, beam_size=top_k))
    predictions = [c[0] if c else "" for c in candidates] if s.beam_size == top_k else translit.best(sources, s)
    seconds = time.perf_counter() - start
    unknown = translit.unknown_characters(sources)
    summary = {
        "pairs": len(pairs),
        "accuracy": word_accuracy(predictions, references),
        "accuracy_any_reference": any_reference_accuracy(sources, predictions, references),
        "top_k": top_k,
        "top_k_accuracy": top_k_accuracy(candidates, references),
        "cer": character_error_rate(predictions, references),
        "unique_inputs": len(set(sources)),
        "unique_input_top1": unique_input_accuracy(sources, [[p] for p in predictions], references, 1),
        "unique_input_top_k": unique_input_accuracy(sources, candidates, references, top_k),
        "beam_size": s.beam_size,
        "length_penalty": s.length_penalty,
        "prior_weight": s.prior_weight if s.beam_size > 1 else 0.0,
        "lexicon_weight": s.lexicon_weight if s.beam_size > 1 else 0.0,
        "unknown_characters": dict(unknown.most_common()),
        "decode_seconds": round(seconds, 3),
        "device": str(translit.device),
        "backend": translit.backend,
    }
    rows = [
        {"input": s, "reference": r, "prediction": p, "correct": p == r, "top_k": "|".join(c)}
        for s, r, p, c in zip(sources, references, predictions, candidates)
    ]
    return summary, rows


def write_results(out_dir: Path, stem: str, summary: dict, rows: list[dict]) -> tuple[Path, Path]:
    """Predictions CSV and JSON summary, both written atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["input", "reference", "prediction", "correct", "top_k"])
    writer.writeheader()
    writer.writerows(rows)
    csv_path, json_path = out_dir / f"{stem}_predictions.csv", out_dir / f"{stem}_summary.json"
    write_text_atomic(csv_path, buffer.getvalue())
    write_json_atomic(json_path, summary)
    return csv_path, json_path

