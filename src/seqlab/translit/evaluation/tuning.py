"""Choosing a model's default decoding and recording it in config.json "decoding" (the one writer of that section).

On the dev split (`seqlab translit prior`): length penalty α, word-prior weight λ, the mixture weights of the
prior's sources, the lexicon weight μ and the rescorers' weights ν; one beam search serves the whole grid, only the
reranking (`ranking.CandidateTable`) is repeated. On the tune half of the dev sentences (`seqlab translit
context`): the bigram model's weight κ, its lexicon weight μ and the nasal penalty; candidates are decoded once.
"""
from __future__ import annotations

import itertools
from dataclasses import fields, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from seqlab.errors import SeqlabError
from seqlab.io import write_json_atomic
from seqlab.translit.config import (
    CONTEXT_RECORD,
    CONTEXT_SETTINGS,
    TYPEAHEAD,
    TYPEAHEAD_RESCORED,
    TypeaheadConfig,
    typeahead_record,
)
from seqlab.translit.data.corpus import Pair
from seqlab.translit.decoding.ranking import Candidate, CandidateTable
from seqlab.translit.evaluation.sentences import evaluate_lattices, typeahead_lattice_settings
from seqlab.translit.model.checkpoint import CONFIG, read_config
from seqlab.translit.text.typeahead import EDITOR_LIST, REQUIRED_FIRST_CANDIDATES, RequiredFirst, greedy_choice
from seqlab.translit.transliterator import Transliterator
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.prior_sources import PriorSource, mix, weight_grid

LENGTH_PENALTIES = (0.5, 0.75, 1.0, 1.25)
PRIOR_WEIGHTS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
LEXICON_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
RESCORER_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
CONTEXT_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1.2)
CONTEXT_LEXICON_WEIGHTS = (0.0, 0.5, 1.0)
NASAL_PENALTIES = (None, 0.0, 0.5, 1.0, 2.0)  # None: no nasal variants
# Running text (type-ahead): κ after a word, λ at the start of a line, μ, nasal penalty.
TYPEAHEAD_CONTEXT_WEIGHTS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.45, 0.6, 0.9, 1.2)
TYPEAHEAD_PRIOR_WEIGHTS = (0.1, 0.2, 0.3, 0.45, 0.6, 0.9)
TYPEAHEAD_LEXICON_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
TYPEAHEAD_NASAL_PENALTIES = (None, 0.0, 0.5, 1.0)
TYPEAHEAD_VALUES = tuple(f.name for f in fields(TypeaheadConfig))  # κ, λ, μ, nasal penalty


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
    section = {
        "beam_size": beam_size, "length_penalty": best["length_penalty"], "prior_weight": best["prior_weight"],
        "lexicon_weight": best["lexicon_weight"],
        "dev_accuracy": best["dev_accuracy"], "dev_accuracy_without_prior": without["dev_accuracy"],
        "prior_source": " + ".join(s.name for s in sources), "prior_words": len(prior.counts),
        "prior_tokens": prior.total,
        "prior_sources": [{**s.describe(), "weight": w} for s, w in zip(sources, best["mixture"])],
    }
    if translit.rescorers:
        section["rescorers"] = {r.name: w for r, w in zip(translit.rescorers, best["rescorer_weights"])}
    # what `seqlab translit context` tuned stays: it is tuned on top of these values, not instead of them
    kept = CONTEXT_SETTINGS + CONTEXT_RECORD + (TYPEAHEAD, TYPEAHEAD_RESCORED)
    return {**write_decoding(model_dir, section, keep=kept), "grid": results}


def tune_context(translit: Transliterator, lines: list[list[str]], references: list[str], weights=CONTEXT_WEIGHTS,
                 lexicon_weights=CONTEXT_LEXICON_WEIGHTS, nasal_penalties=NASAL_PENALTIES) -> tuple[dict, list[dict]]:
    """The (κ, μ, nasal penalty) with the lowest WER on these sentences (ties: the smaller weights, no nasal
    variants), and the whole grid. Candidates are decoded once (the cache); the bigram scores once per (μ, π)."""
    grid, model_decoding = [], translit.settings()
    for mu, penalty in itertools.product(lexicon_weights, nasal_penalties):
        decoding = replace(model_decoding, context_lexicon_weight=mu, nasal_penalty=penalty)
        lattices = translit.lattices(lines, decoding, joint=True)
        for weight in weights:
            report = evaluate_lattices(lattices, references, lambda lat, w=weight: lat.choose(
                0.0, translit.context, w, translit.prior), translit.lang)
            grid.append({"context_weight": weight, "context_lexicon_weight": mu, "nasal_penalty": penalty,
                         "wer": report.wer})
    best = min(grid, key=lambda row: (row["wer"], row["context_weight"], row["context_lexicon_weight"],
                                      -1 if row["nasal_penalty"] is None else row["nasal_penalty"]))
    return best, grid


def save_context(model_dir: Path, bigrams: BigramContext, best: dict, without: float, sentences: int,
                 sources: list[dict]) -> None:
    """Save the bigram model beside the model and record the tuned (κ, μ, nasal penalty) as its default sentence
    context, with the tune-half WER with and without it."""
    bigrams.save(model_dir)
    write_decoding(model_dir, {
        "context_weight": best["context_weight"], "context_lexicon_weight": best["context_lexicon_weight"],
        "nasal_penalty": best["nasal_penalty"],
        "context_tune_wer": round(best["wer"], 4), "context_tune_wer_without": round(without, 4),
        "context_tune_sentences": sentences, "context_bigrams": len(bigrams), "context_sources": sources})


def tune_typeahead(translit: Transliterator, lines: list[list[str]], references: list[str],
                   beam_size: int) -> tuple[dict, list[dict]]:
    """The running-text settings (κ, λ, μ, nasal penalty) with the lowest WER of typing these sentences word by
    word, always taking the first candidate (ties: the smaller weights, no nasal variants), among those that keep
    the language's required first candidates (`required_misses`), and the whole grid; each setting checked and
    rejected carries the cases it broke as "missed". Candidates are decoded once (the cache); the bigram tables
    once per (μ, nasal penalty)."""
    grid, model_decoding = [], translit.settings(beam_size)
    for mu, penalty in itertools.product(TYPEAHEAD_LEXICON_WEIGHTS, TYPEAHEAD_NASAL_PENALTIES):
        lattices = translit.lattices(lines, typeahead_lattice_settings(model_decoding, mu, penalty), joint=True)
        for kappa, lam in itertools.product(TYPEAHEAD_CONTEXT_WEIGHTS, TYPEAHEAD_PRIOR_WEIGHTS):
            report = evaluate_lattices(lattices, references, lambda lat, k=kappa, w=lam: greedy_choice(
                lat, k, w, translit.context, translit.prior, translit.lang), translit.lang)
            grid.append({"context_weight": kappa, "prior_weight": lam, "lexicon_weight": mu, "nasal_penalty": penalty,
                         "wer": report.wer})
    order = sorted(grid, key=lambda row: (row["wer"], row["context_weight"], row["prior_weight"],
                                          row["lexicon_weight"], -1 if row["nasal_penalty"] is None
                                          else row["nasal_penalty"]))
    beams = sorted({model_decoding.beam_size, EDITOR_LIST})
    for row in order:  # best first: only the settings better than the one kept are checked
        missed = required_misses(translit, TypeaheadConfig(*(row[k] for k in TYPEAHEAD_VALUES)), beams)
        if not missed:
            return row, grid
        row["missed"] = [f"{case.word} after {' '.join(case.previous) or 'nothing'} → {case.first}"
                         for case in missed]
    raise SeqlabError(f"no running-text setting of the grid keeps the required first candidates of "
                      f"{translit.lang!r} (text/typeahead.py REQUIRED_FIRST_CANDIDATES): the best breaks "
                      f"{', '.join(order[0]['missed'])}")


def required_misses(translit: Transliterator, settings: TypeaheadConfig,
                    beam_sizes: Sequence[int]) -> list[RequiredFirst]:
    """The language's required first candidates (text/typeahead.py) that `settings` do not put first at one of
    these beams, asked of the API as the server and the CLI ask it."""
    return [case for case in REQUIRED_FIRST_CANDIDATES.get(translit.lang, ()) if any(
        translit.candidates_in_context([case.word], case.previous, beam, settings)[0][:1] != [case.first]
        for beam in beam_sizes)]


def save_typeahead(model_dir: Path, best: dict, record: dict, rescored: bool = False) -> dict:
    """Record the tuned running-text settings in config.json "decoding" (every other field stays) as "typeahead",
    or "typeahead_rescored" when tuned for decoding with the rescorers (`rescored`), with how they were measured
    (`record`: TYPEAHEAD_RECORD's fields)."""
    values = {k: best[k] for k in TYPEAHEAD_VALUES}
    TypeaheadConfig(**values).validate()
    name = typeahead_record(rescored)
    return write_decoding(model_dir, {name: {**values, **record}})[name]


def write_decoding(model_dir: Path, section: dict, keep: Sequence[str] | None = None) -> dict:
    """The one writer of config.json's "decoding" section: `section` over the old section's fields named in
    `keep` (None: all of them), written atomically; returns the new section."""
    config = read_config(model_dir)
    old = config.get("decoding", {})
    config["decoding"] = {**(old if keep is None else {k: old[k] for k in keep if k in old}), **section}
    write_json_atomic(model_dir / CONFIG, config)
    return config["decoding"]
