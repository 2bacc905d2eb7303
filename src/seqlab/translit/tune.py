"""Choosing a model's default decoding on the dev split: length penalty α, word-prior weight λ, the mixture
weights of the prior's sources, and the lexicon weight μ. One beam search serves the whole grid: only the reranking
(`candidate_score`) is repeated."""
from __future__ import annotations

import itertools
from pathlib import Path

from seqlab.io import write_json_atomic
from seqlab.translit.checkpoint import CONFIG, read_config
from seqlab.translit.corpus import Pair
from seqlab.translit.predict import Candidate, Transliterator, rank
from seqlab.translit.prior import WordPrior
from seqlab.translit.prior_sources import PriorSource, mix, weight_grid

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
LEXICON_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)


def grid_accuracy(scored: list[list[tuple[str, float, int]]], references: list[str], prior: WordPrior) -> list[dict]:
    """Dev word accuracy for every (α, λ) on the beam's scored candidates."""
    grid = []
    for alpha, weight in itertools.product(LENGTH_PENALTIES, PRIOR_WEIGHTS):
        best = [rank(c, alpha, weight, prior)[0][0] if c else "" for c in scored]
        accuracy = sum(b == r for b, r in zip(best, references)) / len(references)
        grid.append({"length_penalty": alpha, "prior_weight": weight, "dev_accuracy": accuracy})
    return grid


def lexicon_accuracy(scored: list[list[Candidate]], references: list[str], prior: WordPrior, best: dict) -> list[dict]:
    """Dev word accuracy for every lexicon weight μ at the best (α, λ) found without it."""
    grid = []
    for mu in LEXICON_WEIGHTS:
        top = [rank(c, best["length_penalty"], best["prior_weight"], prior, mu)[0][0] if c else "" for c in scored]
        grid.append({**best, "lexicon_weight": mu,
                     "dev_accuracy": sum(t == r for t, r in zip(top, references)) / len(references)})
    return grid


def tune_decoding(model_dir: Path, translit: Transliterator, sources: list[PriorSource], dev: list[Pair],
                  beam_size: int) -> dict:
    """Save the best prior beside the model and record the best dev setting as its default decoding."""
    scored = translit.scored_candidates([p.source for p in dev], beam_size)
    references = [p.target for p in dev]
    grid, priors = [], {}
    for mixture in weight_grid(len(sources)):
        priors[mixture] = mix(sources, mixture)
        grid += [{**g, "mixture": mixture, "lexicon_weight": 0.0}
                 for g in grid_accuracy(scored, references, priors[mixture])]
    # ties: the smaller prior weight, then the plain length normalization, then the first mixture
    best = max(grid, key=lambda g: (g["dev_accuracy"], -g["prior_weight"], g["length_penalty"] == 1.0))
    without = max((g for g in grid if g["prior_weight"] == 0.0), key=lambda g: g["dev_accuracy"])
    prior = priors[best["mixture"]]
    if translit.lexicon is not None:  # ties: the smaller μ
        best = max(lexicon_accuracy(scored, references, prior, best),
                   key=lambda g: (g["dev_accuracy"], -g["lexicon_weight"]))
    prior.save(model_dir)
    config = read_config(model_dir)
    config["decoding"] = {
        "beam_size": beam_size, "length_penalty": best["length_penalty"], "prior_weight": best["prior_weight"],
        "lexicon_weight": best["lexicon_weight"],
        "dev_accuracy": best["dev_accuracy"], "dev_accuracy_without_prior": without["dev_accuracy"],
        "prior_source": " + ".join(s.name for s in sources), "prior_words": len(prior.counts),
        "prior_tokens": prior.total,
        "prior_sources": [{**s.describe(), "weight": w} for s, w in zip(sources, best["mixture"])],
    }
    write_json_atomic(model_dir / CONFIG, config)
    return {**config["decoding"], "grid": grid}
