"""Transliteration metrics: word accuracy (top-1, top-k, any attested reference) and character error rate."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence


def edit_table(a: Sequence, b: Sequence) -> list[list[int]]:
    """Levenshtein dynamic programme with unit costs over characters or words: cell [i][j] is the distance between
    a[:i] and b[:j]."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return table


def edit_distance(a: str, b: str) -> int:
    return edit_table(a, b)[len(a)][len(b)]


def substitutions(reference: str, prediction: str) -> list[tuple[str, str]]:
    """Substituted (reference, predicted) characters on one minimum-edit alignment (backtrace of `edit_table`)."""
    cost = edit_table(reference, prediction)
    pairs, i, j = [], len(reference), len(prediction)
    while i > 0 and j > 0:
        same = reference[i - 1] == prediction[j - 1]
        if cost[i][j] == cost[i - 1][j - 1] + (not same):
            if not same:
                pairs.append((reference[i - 1], prediction[j - 1]))
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


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


def unique_input_accuracy(sources: Sequence[str], candidates: Sequence[Sequence[str]], references: Sequence[str],
                          k: int) -> float:
    """IndicXlit's convention: over the distinct romanized inputs, the share whose first `k` candidates hold
    any native word attested for that input (our per-pair accuracy counts an input once per reference)."""
    attested = references_by_source(sources, references)
    first = dict(zip(sources, candidates))  # an input's candidates do not depend on which pair it came from
    return sum(bool(set(first[s][:k]) & refs) for s, refs in attested.items()) / max(len(attested), 1)
