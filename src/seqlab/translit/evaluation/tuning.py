"""Choosing a model's default decoding on the dev split: length penalty α, word-prior weight λ, the mixture
weights of the prior's sources, the lexicon weight μ and the rescorers' weights ν. One beam search serves the
whole grid: only the reranking (`ranking.CandidateTable`) is repeated."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from seqlab.io import write_json_atomic
from seqlab.translit.config import CONTEXT_RECORD, CONTEXT_SETTINGS
from seqlab.translit.data.corpus import Pair
from seqlab.translit.decoding.ranking import Candidate, CandidateTable
from seqlab.translit.model.checkpoint import CONFIG, read_config
from seqlab.translit.transliterator import Transliterator
from seqlab.translit.words.prior_sources import PriorSource, mix, weight_grid

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
LEXICON_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
RESCORER_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class DevTable(CandidateTable):
    """The dev words' candidates (`CandidateTable`) and which of them is each word's reference."""

    def __init__(self, scored: list[list[Candidate]], references: list[str], n_rescorers: int):
        super().__init__(scored, n_rescorers)
        self.pairs = len(references)
        self.correct = np.array([w == references[g] for w, g in zip(self.words, self.group)], dtype=bool)

    def accuracy(self, prior_log_prob: np.ndarray, alpha: float, weight: float, mu: float = 0.0,
                 rescorer_weights: tuple[float, ...] = ()) -> float:
        """Top-1 accuracy with these weights: the share of words whose best-ranked candidate is the reference."""
        best = self.first_best(self.scores(prior_log_prob, alpha, weight, mu, rescorer_weights))
        return float(self.correct[best].sum()) / self.pairs


def grid(table: DevTable, prior_log_prob: np.ndarray, best: dict, **fixed) -> list[dict]:
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
    table = DevTable(scored, [p.target for p in dev], len(translit.rescorers))
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
