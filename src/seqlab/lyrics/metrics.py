"""Numbers for judging a lyrics model: perplexity on held-out songs and diversity / memorization of samples."""
from __future__ import annotations

import math
import re
from typing import Iterable

import torch
from tqdm import tqdm

WORD = re.compile(r"\S+")


def words(text: str) -> list[str]:
    """Whitespace words, lower-cased: the unit for distinct-n and memorization."""
    return [w.lower() for w in WORD.findall(text)]


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Distinct n-grams / all n-grams over all samples (Li et al. 2016); 0 when there are none."""
    total, unique = 0, set()
    for text in texts:
        toks = words(text)
        grams = [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else 0.0


def repeated_line_rate(texts: Iterable[str]) -> float:
    """Share of non-empty lines that repeat an earlier line of the same sample (looping output scores high)."""
    total = repeats = 0
    for text in texts:
        seen: set[str] = set()
        for line in text.split("\n"):
            key = line.strip().lower()
            if not key:
                continue
            total += 1
            repeats += key in seen
            seen.add(key)
    return repeats / total if total else 0.0


def ngram_hashes(texts: Iterable[str], n: int = 8) -> set[int]:
    """Hashes of every word n-gram of the training text (hashes keep ~1M 8-grams in tens of MB)."""
    grams: set[int] = set()
    for text in texts:
        toks = words(text)
        grams.update(hash(tuple(toks[i : i + n])) for i in range(len(toks) - n + 1))
    return grams


def memorization_rate(samples: Iterable[str], train_grams: set[int], n: int = 8) -> float:
    """Share of generated word n-grams that occur verbatim in the training text."""
    total = hits = 0
    for text in samples:
        toks = words(text)
        for i in range(len(toks) - n + 1):
            total += 1
            hits += hash(tuple(toks[i : i + n])) in train_grams
    return hits / total if total else 0.0


@torch.no_grad()
def perplexity(model, blocks: list[dict], batch_size: int = 4, show_progress: bool = False) -> tuple[float, int]:
    """exp(mean token NLL) over all predicted positions of `blocks` (token-weighted, padding excluded).

    Returns (perplexity, number of predicted tokens).
    """
    totals = grouped_nll(model, blocks, None, batch_size, show_progress)
    nll, count = totals.get(0, (0.0, 0))
    return (safe_exp(nll / count), count) if count else (float("nan"), 0)


@torch.no_grad()
def grouped_nll(model, blocks: list[dict], groups: list[list] | None = None, batch_size: int = 4,
                show_progress: bool = False) -> dict:
    """{group: (summed NLL, predicted tokens)}: each predicted token counts for the group of its position.

    `groups[b][i]` (an int ≥ 0) names the source (file, artist, …) of token i of block b, so one forward pass over
    packed blocks gives per-file numbers whose totals are exactly the whole perplexity's. Without `groups` every token
    is group 0. A block's "labels" (-100 = context only, e.g. an artist prefix) choose which tokens are predicted.
    """
    model.eval()
    device = next(model.parameters()).device
    totals: dict = {}
    for start in tqdm(range(0, len(blocks), batch_size), desc="perplexity", disable=not show_progress, leave=False):
        batch = blocks[start : start + batch_size]
        width = max(len(b["input_ids"]) for b in batch)
        ids = torch.zeros(len(batch), width, dtype=torch.long)
        mask = torch.zeros(len(batch), width, dtype=torch.long)
        target = torch.full((len(batch), width), -100, dtype=torch.long)
        for row, block in enumerate(batch):
            size = len(block["input_ids"])
            ids[row, :size] = torch.tensor(block["input_ids"])
            mask[row, :size] = torch.tensor(block["attention_mask"])
            target[row, :size] = torch.tensor(block.get("labels", block["input_ids"]))
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits[:, :-1].float().cpu()
        target = target[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
        losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none",
                                                   ignore_index=-100)
        keep = target != -100
        if groups is None:
            _add(totals, 0, float(losses[keep].sum()), int(keep.sum()))
            continue
        source = torch.full_like(target, -1)
        for row in range(len(batch)):
            row_groups = groups[start + row][1:]  # the group of each predicted (target) position
            source[row, : len(row_groups)] = torch.tensor(row_groups, dtype=torch.long)
        chosen, chosen_losses = source[keep], losses[keep].double()
        sums = torch.bincount(chosen, weights=chosen_losses)
        counts = torch.bincount(chosen)
        for group in counts.nonzero().flatten().tolist():
            _add(totals, group, float(sums[group]), int(counts[group]))
    return totals


def _add(totals: dict, group: int, nll: float, count: int) -> None:
    old_nll, old_count = totals.get(group, (0.0, 0))
    totals[group] = (old_nll + nll, old_count + count)


def safe_exp(loss: float) -> float:
    """Perplexity from a mean NLL; inf instead of an OverflowError for a diverged model."""
    return math.exp(loss) if loss < 700 else float("inf")
