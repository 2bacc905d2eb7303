"""Choosing a model's default decoding on the dev split: length penalty α, word-prior weight λ, the mixture
weights of the prior's sources, the lexicon weight μ and the rescorers' weights ν. One beam search serves the
whole grid: only the reranking (`candidate_score`) is repeated."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from seqlab.io import write_json_atomic
from seqlab.translit.config import CONTEXT_RECORD, CONTEXT_SETTINGS
from seqlab.translit.data.corpus import Pair
from seqlab.translit.model.checkpoint import CONFIG, read_config
from seqlab.translit.transliterator import Candidate, Transliterator
from seqlab.translit.words.prior import WordPrior
from seqlab.translit.words.prior_sources import PriorSource, mix, weight_grid

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
LEXICON_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
RESCORER_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class CandidateTable:
    """Every dev candidate's features as arrays, so that each setting of the grid costs a few vector operations
    (the same arithmetic, in the same order, as `decode.candidate_score`; ties go to the earlier candidate, as
    in `predict.rank`)."""

    def __init__(self, scored: list[list[Candidate]], references: list[str], n_rescorers: int):
        flat = [c for candidates in scored for c in candidates]
        sizes = np.array([len(candidates) for candidates in scored])
        self.words, self.pairs = [c.word for c in flat], len(references)
        self.group = np.repeat(np.arange(len(scored)), sizes)
        self.starts = (np.cumsum(sizes) - sizes)[sizes > 0]  # first row of every word that has candidates
        self.log_prob = np.array([c.log_prob for c in flat])
        self.length = np.array([c.length for c in flat], dtype=float)
        self.lexicon = np.log1p([c.lexicon_count for c in flat])
        self.rescores = np.array([c.rescores for c in flat]).reshape(len(flat), n_rescorers)  # (rows, rescorers)
        self.correct = np.array([c.word == references[g] for c, g in zip(flat, self.group)])

    def prior_log_probs(self, prior: WordPrior) -> np.ndarray:
        return np.array([prior.log_prob(w) for w in self.words])

    def accuracy(self, prior_log_prob: np.ndarray, alpha: float, weight: float, mu: float = 0.0,
                 rescorer_weights: tuple[float, ...] = ()) -> float:
        rescore = self.rescores @ np.array(rescorer_weights) if rescorer_weights else 0.0
        score = (self.log_prob + rescore) / self.length**alpha + weight * prior_log_prob + mu * self.lexicon
        first_best = np.lexsort((np.arange(len(score)), -score, self.group))[self.starts]
        return float(self.correct[first_best].sum()) / self.pairs


def grid(table: CandidateTable, prior_log_prob: np.ndarray, best: dict, **fixed) -> list[dict]:
    """Dev accuracy for every (α, λ) with the other weights as in `best` (or `fixed`)."""
    settings = {"lexicon_weight": 0.0, "rescorer_weights": (), **best, **fixed}
    return [{**settings, "length_penalty": alpha, "prior_weight": weight,
             "dev_accuracy": table.accuracy(prior_log_prob, alpha, weight, settings["lexicon_weight"],
                                            settings["rescorer_weights"])}
            for alpha, weight in itertools.product(LENGTH_PENALTIES, PRIOR_WEIGHTS)]


def tune_decoding(model_dir: Path, translit: Transliterator, sources: list[PriorSource], dev: list[Pair],
                  beam_size: int) -> dict:
    """Save the best prior beside the model and record the best dev setting as its default decoding."""
    scored = translit.scored_candidates([p.source for p in dev], beam_size)
    table = CandidateTable(scored, [p.target for p in dev], len(translit.rescorers))
    results, priors = [], {}
    for mixture in weight_grid(len(sources)):
        priors[mixture] = mix(sources, mixture)
        results += grid(table, table.prior_log_probs(priors[mixture]), {"mixture": mixture})
    # ties: the smaller prior weight, then the plain length normalization, then the first mixture
    best = max(results, key=lambda g: (g["dev_accuracy"], -g["prior_weight"], g["length_penalty"] == 1.0))
    without = max((g for g in results if g["prior_weight"] == 0.0), key=lambda g: g["dev_accuracy"])
    prior = priors[best["mixture"]]
    prior_log_prob = table.prior_log_probs(prior)
    if translit.lexicon is not None:  # μ at the best (α, λ); ties: the smaller μ
        best = max(({**best, "lexicon_weight": mu, "dev_accuracy": table.accuracy(
                        prior_log_prob, best["length_penalty"], best["prior_weight"], mu)} for mu in LEXICON_WEIGHTS),
                   key=lambda g: (g["dev_accuracy"], -g["lexicon_weight"]))
    if translit.rescorers:  # ties: the smaller rescorer weights, then the smaller prior weight
        weights = itertools.product(RESCORER_WEIGHTS, repeat=len(translit.rescorers))
        best = max((g for w in weights for g in grid(table, prior_log_prob, best, rescorer_weights=w)),
                   key=lambda g: (g["dev_accuracy"], -sum(g["rescorer_weights"]), -g["prior_weight"]))
    prior.save(model_dir)
    config = read_config(model_dir)
    decoding = config.get("decoding", {})
    kept = {k: decoding[k] for k in CONTEXT_SETTINGS + CONTEXT_RECORD if k in decoding}  # `context`'s own
    config["decoding"] = {**kept,
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
    return {**config["decoding"], "grid": results}
