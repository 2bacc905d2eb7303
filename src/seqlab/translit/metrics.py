"""Transliteration metrics: word accuracy (top-1, top-k, any attested reference) and character error rate."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with unit costs (two-row dynamic programme)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def word_accuracy(predictions: Sequence[str], references: Sequence[str]) -> float:
    return sum(p == r for p, r in zip(predictions, references)) / max(len(references), 1)


def top_k_accuracy(candidates: Sequence[Sequence[str]], references: Sequence[str]) -> float:
    return sum(r in c for c, r in zip(candidates, references)) / max(len(references), 1)


def character_error_rate(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Total edits over total reference characters (corpus-level, so long words weigh more)."""
    edits = sum(edit_distance(p, r) for p, r in zip(predictions, references))
    return edits / max(sum(len(r) for r in references), 1)


def references_by_source(sources: Sequence[str], references: Sequence[str]) -> dict[str, set[str]]:
    """All native words attested for each romanization in the split."""
    attested: dict[str, set[str]] = defaultdict(set)
    for s, r in zip(sources, references):
        attested[s].add(r)
    return attested


def any_reference_accuracy(sources: Sequence[str], predictions: Sequence[str], references: Sequence[str]) -> float:
    attested = references_by_source(sources, references)
    return sum(p in attested[s] for s, p in zip(sources, predictions)) / max(len(references), 1)
