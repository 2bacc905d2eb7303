"""Choosing a model's default decoding (beam size, length penalty α, word-prior weight λ) on the dev split."""
from __future__ import annotations

import itertools
from pathlib import Path

from seqlab.io import write_json_atomic
from seqlab.translit.checkpoint import CONFIG, read_config
from seqlab.translit.corpus import Pair
from seqlab.translit.predict import Transliterator, rank
from seqlab.translit.prior import WordPrior

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)


def grid_accuracy(translit: Transliterator, prior: WordPrior, dev: list[Pair], beam_size: int) -> list[dict]:
    """Dev word accuracy for every (α, λ) on one shared beam search, so the grid costs one decode."""
    scored = translit.scored_candidates([p.source for p in dev], beam_size)
    references = [p.target for p in dev]
    grid = []
    for alpha, weight in itertools.product(LENGTH_PENALTIES, PRIOR_WEIGHTS):
        best = [rank(c, alpha, weight, prior)[0][0] if c else "" for c in scored]
        accuracy = sum(b == r for b, r in zip(best, references)) / len(references)
        grid.append({"length_penalty": alpha, "prior_weight": weight, "dev_accuracy": accuracy})
    return grid


def tune_decoding(model_dir: Path, translit: Transliterator, prior: WordPrior, dev: list[Pair],
                  beam_size: int, source: str) -> dict:
    """Save the prior beside the model and record the best dev setting as its default decoding."""
    grid = grid_accuracy(translit, prior, dev, beam_size)
    best = max(grid, key=lambda g: (g["dev_accuracy"], -g["prior_weight"], g["length_penalty"] == 1.0))
    without = max((g for g in grid if g["prior_weight"] == 0.0), key=lambda g: g["dev_accuracy"])
    prior.save(model_dir)
    config = read_config(model_dir)
    config["decoding"] = {"beam_size": beam_size, "length_penalty": best["length_penalty"],
                          "prior_weight": best["prior_weight"], "dev_accuracy": best["dev_accuracy"],
                          "dev_accuracy_without_prior": without["dev_accuracy"], "prior_source": source,
                          "prior_words": len(prior.counts), "prior_tokens": prior.total}
    write_json_atomic(model_dir / CONFIG, config)
    return {**config["decoding"], "grid": grid}
