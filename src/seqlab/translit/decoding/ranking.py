"""The one ranking rule of every decoder path: a candidate's score, and candidates put in order by it.

Beam search orders its hypotheses with `candidate_score` (no prior), the transliterator reranks beam ∪ lexicon
candidates with `rank`, the sentence lattice takes `score` without the prior term as each word's emission, and
tuning evaluates the same rule on arrays (`CandidateTable`) for a whole grid of weights at once. Type-ahead ranks a
word of running text by that emission plus the bigram model's term (`running_text_scores`). No candidate that is
not well formed in its script is ranked at all (`well_formed_only`). Torch-free and free of the word models (a
prior is anything with `log_prob`; the bigram model is only typed here), so that training can rank without them.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple, Protocol, Sequence

import numpy as np

from seqlab.translit.decoding.script import well_formed

if TYPE_CHECKING:
    from seqlab.translit.words.bigrams import BigramContext


class WordPrior(Protocol):
    """What ranking needs of a word prior (words/prior.py): the log-probability of a word."""

    def log_prob(self, word: str) -> float: ...


class Candidate(NamedTuple):
    """One candidate output: its log-probability under the model, its length as in `candidate_score`, and how
    often the training lexicon pairs the input with it."""

    word: str
    log_prob: float
    length: int
    lexicon_count: int = 0
    rescores: tuple[float, ...] = ()  # log P_i(y | x) under each rescorer of the model folder


def candidate_score(log_prob, length, length_penalty: float, prior_weight: float = 0.0, prior_log_prob=0.0,
                    lexicon_weight: float = 0.0, lexicon_count: int = 0, rescore_log_prob: float = 0.0):
    """The ranking rule:

        (log P(y | x) + Σ_i ν_i log P_i(y | x)) / |y|^α  +  λ · log P_prior(y)  +  μ · log(1 + n_lexicon(x, y))

    |y| counts the decoding steps the hypothesis took: its characters plus the <eos> it ended with (a
    hypothesis cut off at the length limit has no <eos>); n_lexicon is how often the training lexicon pairs
    x with y; `rescore_log_prob` is the rescorers' weighted sum Σ_i ν_i log P_i (`rescore_sum`). Works on floats
    and on tensors alike (the lexicon term on floats only; `CandidateTable.scores` is the array form).
    """
    score = (log_prob + rescore_log_prob) / length ** length_penalty + prior_weight * prior_log_prob
    return score + lexicon_weight * math.log1p(lexicon_count) if lexicon_weight else score


def rescore_sum(rescores: Sequence[float], weights: Sequence[float]) -> float:
    """Σ_i ν_i log P_i(y | x): the rescorers' weighted log-probabilities of one candidate (model/rescorers.py)."""
    return sum(w * lp for w, lp in zip(weights, rescores))


def score(candidate: Candidate, length_penalty: float, lexicon_weight: float, rescorer_weights: Sequence[float],
          prior_weight: float = 0.0, prior_log_prob: float = 0.0) -> float:
    """`candidate_score` of one `Candidate`; without a prior weight, the emission of a sentence lattice."""
    return candidate_score(candidate.log_prob, candidate.length, length_penalty, prior_weight, prior_log_prob,
                           lexicon_weight, candidate.lexicon_count, rescore_sum(candidate.rescores, rescorer_weights))


def rank(candidates: Sequence[tuple], length_penalty: float, prior_weight: float, prior: WordPrior | None,
         lexicon_weight: float = 0.0, rescorer_weights: Sequence[float] = ()) -> list[tuple[str, float]]:
    """Order candidates (`Candidate`s or (word, log-prob, length) tuples) by `candidate_score`, best first (ties:
    the earlier candidate); the prior counts only when one is loaded and its weight is positive."""
    weight = prior_weight if prior is not None and prior_weight > 0 else 0.0
    scored = []
    for c in (Candidate(*candidate) for candidate in candidates):
        prior_log_prob = prior.log_prob(c.word) if weight else 0.0
        scored.append((c.word, score(c, length_penalty, lexicon_weight, rescorer_weights, weight, prior_log_prob)))
    return sorted(scored, key=lambda ws: ws[1], reverse=True)


def well_formed_only(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates that are well formed in their script (decoding/script.py: no `अौर`, no vowel sign without a
    consonant); all of them when none is, so that a word's list is never emptied."""
    kept = [c for c in candidates if well_formed(c.word)]
    return kept or candidates


def running_text_scores(words: Sequence[str], emissions: np.ndarray, previous: str | None,
                        context_weight: float, prior_weight: float, context: BigramContext | None,
                        prior: WordPrior | None) -> np.ndarray:
    """Type-ahead's score of each candidate of one word (text/typeahead.py): its emission (`score` without the
    prior term) plus κ · log P(y | previous) after a previous word, else λ · log P_prior(y)."""
    if prior is None:
        return np.asarray(emissions, dtype=float)
    if previous is not None and context is not None:
        return emissions + context_weight * context.transitions([previous], words, prior)[0]
    return emissions + prior_weight * np.array([prior.log_prob(w) for w in words])


class CandidateTable:
    """Many words' candidates as arrays, so that one setting of the weights costs a few vector operations: the
    arithmetic of `candidate_score`, in the same order; `first_best` breaks ties as `rank` does."""

    def __init__(self, scored: list[list[Candidate]], n_rescorers: int):
        flat = [c for candidates in scored for c in candidates]
        sizes = np.array([len(candidates) for candidates in scored])
        self.words = [c.word for c in flat]
        self.group = np.repeat(np.arange(len(scored)), sizes)  # the word each row is a candidate of
        self.starts = (np.cumsum(sizes) - sizes)[sizes > 0]  # first row of every word that has candidates
        self.log_prob = np.array([c.log_prob for c in flat])
        self.length = np.array([c.length for c in flat], dtype=float)
        self.lexicon = np.log1p([c.lexicon_count for c in flat])
        self.rescores = np.array([c.rescores for c in flat]).reshape(len(flat), n_rescorers)  # (rows, rescorers)

    def prior_log_probs(self, prior: WordPrior) -> np.ndarray:
        return np.array([prior.log_prob(w) for w in self.words])

    def scores(self, prior_log_prob: np.ndarray, alpha: float, weight: float, mu: float = 0.0,
               rescorer_weights: tuple[float, ...] = ()) -> np.ndarray:
        """`candidate_score` of every row, (rows,)."""
        rescore = self.rescores @ np.array(rescorer_weights) if rescorer_weights else 0.0
        return (self.log_prob + rescore) / self.length**alpha + weight * prior_log_prob + mu * self.lexicon

    def first_best(self, scores: np.ndarray) -> np.ndarray:
        """The best row of every word that has candidates (ties: the earlier row, as in `rank`)."""
        return np.lexsort((np.arange(len(scores)), -scores, self.group))[self.starts]
