"""Whole sentences: each line's words as a lattice of candidates, chosen word by word or jointly by Viterbi with
the word bigram model (words/bigrams.py).

`Transliterator.transliterate_text` and the sentence evaluation both go through `Lattice`, so what is measured
is what users get. A word's candidates are its word-mode candidates (beam ∪ lexicon, scored by the model and the
rescorers); its emission is `ranking.score` without the prior term, and its prior the unigram log-probability.
Word mode picks argmax(emission + λ·prior) per word (word mode's ranking rule); context mode runs Viterbi with
the bigram model in place of the prior, over candidates that may include nasalized spellings (`nasal_variants`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from seqlab.translit.decoding import ranking
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.prior import WordPrior


@dataclass
class Lattice:
    """One line's words to transliterate, each with its candidates, emissions and prior log-probabilities."""

    words: list[str]
    candidates: list[list[str]]
    emissions: list[np.ndarray]
    priors: list[np.ndarray]
    learned: list[str | None]  # the user's own spelling of the word (words/user_dictionary.py), which always wins
    _scored_with: tuple | None = field(default=None, repr=False, compare=False)
    _transitions: tuple | None = field(default=None, repr=False, compare=False)

    def choose(self, prior_weight: float, context: BigramContext | None = None, context_weight: float = 0.0,
               prior: WordPrior | None = None) -> list[str]:
        """The chosen word per position: jointly with the bigram model when `context` and its weight are given."""
        if not self.words:
            return []
        if context is None or context_weight <= 0 or prior is None:
            picks = [int(np.argmax(e + prior_weight * p)) if len(e) else -1 for e, p in zip(self.emissions,
                                                                                                 self.priors)]
        else:
            picks = self._joint(context, context_weight, prior)
        return [learned or (c[i] if i >= 0 else word)  # a word without any candidate passes through
                for word, learned, c, i in zip(self.words, self.learned, self.candidates, picks)]

    def options(self) -> list[list[str]]:
        """Each position's words as Viterbi sees them: the learned word alone, else the candidates (or one empty
        word)."""
        return [[learned] if learned else (c or [""]) for learned, c in zip(self.learned, self.candidates)]

    def tables(self, context: BigramContext, prior: WordPrior) -> tuple[np.ndarray, list[np.ndarray]]:
        """log P(y_0 | <s>) over `options()[0]` and log P(y_i | y_{i-1}) as (K_{i-1}, K_i) arrays, computed once
        per (context, prior): they do not depend on κ, so tuning (and type-ahead's greedy choice) reuse them."""
        used = self._scored_with
        if used is None or used[0] is not context or used[1] is not prior:
            options = self.options()
            start = context.starts(options[0], prior)
            pairs = zip(options, options[1:])
            self._transitions = start, [context.transitions(prev, cur, prior) for prev, cur in pairs]
            self._scored_with = (context, prior)
        return self._transitions

    def joint_emissions(self) -> list[np.ndarray]:
        """Each position's emissions over `options()`: a learned word (or no candidate) is one option scored 0."""
        return [np.zeros(1) if learned or not len(e) else e for learned, e in zip(self.learned, self.emissions)]

    def _joint(self, context: BigramContext, weight: float, prior: WordPrior) -> list[int]:
        """Viterbi; a learned word is the only candidate of its position, an empty list a single empty one."""
        start, transitions = self.tables(context, prior)
        path = best_path(self.joint_emissions(), start, transitions, weight)
        return [i if not learned and len(c) else (0 if len(c) else -1)
                for i, learned, c in zip(path, self.learned, self.candidates)]


def best_path(emissions: Sequence[np.ndarray], start: np.ndarray, transitions: Sequence[np.ndarray],
              weight: float) -> list[int]:
    """Viterbi: the candidate index per word maximizing Σ emissions + weight · (start + Σ transitions).

    emissions[i] has shape (K_i,); start (K_0,) is log P(y_0 | START); transitions[i-1] has shape (K_{i-1}, K_i).
    """
    if not emissions:
        return []
    score = emissions[0] + weight * start  # (K_0,)
    back = []
    for emission, transition in zip(emissions[1:], transitions):
        total = score[:, None] + weight * transition  # (K_prev, K_i)
        back.append(total.argmax(axis=0))
        score = total.max(axis=0) + emission
    path = [int(score.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


def path_scores(emissions: Sequence[np.ndarray], start: np.ndarray, transitions: Sequence[np.ndarray],
                weight: float) -> list[np.ndarray]:
    """For each word and candidate, the score of the best path through that candidate (max-product forward and
    backward passes over `best_path`'s lattice): the best path's score minus it is what choosing that candidate
    instead costs, given the best choice of every other word."""
    if not emissions:
        return []
    forward = [emissions[0] + weight * start]
    for emission, transition in zip(emissions[1:], transitions):
        forward.append((forward[-1][:, None] + weight * transition).max(axis=0) + emission)
    backward = [np.zeros(len(emissions[-1]))]
    for emission, transition in zip(reversed(emissions[1:]), reversed(transitions)):
        backward.append((weight * transition + (emission + backward[-1])[None, :]).max(axis=1))
    return [f + b for f, b in zip(forward, reversed(backward))]


def lattice(words: list[str], scored: list[list], settings, rescorer_weights: Sequence[float],
            prior: WordPrior | None, learned: list[str | None], nasal_penalty: float | None = None) -> Lattice:
    """A `Lattice` from word-mode candidates (`Transliterator.scored_candidates`) and the decoding settings;
    with `nasal_penalty`, each candidate's nasalized spellings join too (`nasal_variants`)."""
    candidates, emissions, priors = [], [], []
    for word_candidates in scored:
        first: dict = {}
        for c in word_candidates:
            first.setdefault(c.word, c)  # a word twice (beam and lexicon): its first, higher-ranked copy
        distinct = list(first.values())
        words_here = [c.word for c in distinct]
        scores = [ranking.score(c, settings.length_penalty, settings.lexicon_weight, rescorer_weights)
                  for c in distinct]
        if nasal_penalty is not None and prior is not None:
            nasal_variants(words_here, scores, nasal_penalty, prior)
        candidates.append(words_here)
        emissions.append(np.array(scores))
        priors.append(np.array([prior.log_prob(w) if prior is not None else 0.0 for w in words_here]))
    return Lattice(words, candidates, emissions, priors, learned)


def nasal_variants(words: list[str], scores: list[float], penalty: float, prior: WordPrior) -> None:
    """People typing running text drop a word's final nasal: `me` for में, `hai` for हैं, `dono` for दोनों. The
    models learned from word lists, whose annotators wrote it (`mein`), so the nasalized word gets a poor score
    or no place among the candidates. A candidate ending in a vowel therefore lends its score, less `penalty`,
    to its spellings with anusvara or chandrabindu appended, when the word prior knows them (a word seen in
    text, never an invented one); the bigram model then chooses. Edits `words` and `scores` in place."""
    for word, score in list(zip(words, scores)):
        if not word or word[-1] not in _VOWEL_ENDINGS:
            continue
        for variant in (word + "\u0902", word + "\u0901"):  # anusvara ं, chandrabindu ँ
            if variant in words:
                i = words.index(variant)
                scores[i] = max(scores[i], score - penalty)
            elif prior.counts.get(variant, 0) > 0:
                words.append(variant)
                scores.append(score - penalty)


_VOWEL_ENDINGS = set("\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c") | set("अआइईउऊएऐओऔ")
