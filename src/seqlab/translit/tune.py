"""Choosing a model's default decoding on the dev split: length penalty α, word-prior weight λ, the mixture
weights of the prior's sources, the lexicon weight μ and the rescorers' weights ν. One beam search serves the
whole grid: only the reranking (`candidate_score`) is repeated."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from seqlab.io import write_json_atomic
from seqlab.translit.checkpoint import CONFIG, read_config
from seqlab.translit.corpus import Pair
from seqlab.translit.predict import Candidate, Transliterator, rank
from seqlab.translit.prior import WordPrior
from seqlab.translit.prior_sources import PriorSource, mix, weight_grid

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
LEXICON_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
RESCORER_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


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


def rescorer_accuracy(scored: list[list[Candidate]], references: list[str], prior: WordPrior, best: dict,
                      n_rescorers: int) -> list[dict]:
    """Dev word accuracy for every (rescorer weights, α, λ) at the best prior mixture and μ, vectorized over all
    candidates at once (the grid is thousands of settings)."""
    flat = [c for candidates in scored for c in candidates]
    sizes = np.array([len(candidates) for candidates in scored])
    group = np.repeat(np.arange(len(scored)), sizes)
    log_prob = np.array([c.log_prob for c in flat])
    length = np.array([c.length for c in flat], dtype=float)
    prior_log_prob = np.array([prior.log_prob(c.word) for c in flat])
    lexicon = best["lexicon_weight"] * np.log1p([c.lexicon_count for c in flat])
    rescores = np.array([c.rescores for c in flat]).reshape(len(flat), n_rescorers)  # (candidates, rescorers)
    correct = np.array([c.word == references[g] for c, g in zip(flat, group)])
    starts = (np.cumsum(sizes) - sizes)[sizes > 0]
    grid = []
    for weights in itertools.product(RESCORER_WEIGHTS, repeat=n_rescorers):
        total = log_prob + rescores @ np.array(weights)
        for alpha, weight in itertools.product(LENGTH_PENALTIES, PRIOR_WEIGHTS):
            score = total / length**alpha + weight * prior_log_prob + lexicon
            first_best = np.lexsort((np.arange(len(flat)), -score, group))[starts]  # ties: the earlier candidate
            grid.append({**best, "length_penalty": alpha, "prior_weight": weight, "rescorer_weights": weights,
                         "dev_accuracy": float(correct[first_best].sum()) / len(references)})
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
    if translit.rescorers:  # ties: the smaller rescorer weights, then the smaller prior weight
        best = max(rescorer_accuracy(scored, references, prior, best, len(translit.rescorers)),
                   key=lambda g: (g["dev_accuracy"], -sum(g["rescorer_weights"]), -g["prior_weight"]))
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
    if translit.rescorers:
        config["decoding"]["rescorers"] = {r.name: w for r, w in zip(translit.rescorers, best["rescorer_weights"])}
    write_json_atomic(model_dir / CONFIG, config)
    return {**config["decoding"], "grid": grid}
