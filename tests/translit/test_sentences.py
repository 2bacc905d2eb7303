"""Sentences: pass-through tokens, the bigram model, joint choice by Viterbi, WER by error type."""
from __future__ import annotations

import gzip
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.errors import CheckpointError
from seqlab.translit.evaluation.sentences import WerReport, align, score_sentence, wer_words
from seqlab.translit.text.sentence import best_path, path_scores
from seqlab.translit.text.tokens import words
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words.bigrams import CONTEXT_FILE, DISCOUNT, START, BigramContext
from seqlab.translit.words.prior import WordPrior


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator()


@pytest.mark.parametrize("text, expected", [
    ("Email: a.b+c@mail.example.com done", ["Email", "done"]),
    ("see https://x.org/a?b=1. and www.abc.in, ok", ["see", "and", "ok"]),
    ("@ravi_k and #HoliHai", ["and"]),
    ("10km 2nd 3:30pm 1,200 rs 4.5kg", ["rs"]),
    ("मेरा ghar दिल्ली में", ["ghar"]),
    ("DELHI Main", ["DELHI", "Main"]),
])
def test_only_words_of_the_input_script_are_transliterated(text, expected):
    assert words(text) == expected


def test_pass_through_tokens_are_written_untouched(shipped):
    text = "Email: a@b.com, https://x.org/p?q=1 @ravi #holi 10km 2nd मेरा ghar!"
    out = shipped.transliterate_sentence(text)
    for kept in ("a@b.com,", "https://x.org/p?q=1", "@ravi", "#holi", "10km", "2nd", "मेरा", "!"):
        assert kept in out
    assert "घर" in out and "Email" not in out


def test_input_is_case_insensitive(shipped):
    assert shipped.transliterate_sentence("DELHI Ghar") == shipped.transliterate_sentence("delhi ghar")


def test_reverse_direction_tokens_pass_latin_through():
    assert words("मेरा naam सेकलाब", "native-to-roman") == ["मेरा", "सेकलाब"]


def toy_prior() -> WordPrior:
    return WordPrior({"और": 50, "ओर": 5, "मैं": 20, "में": 80, "घर": 10})


def test_bigram_probabilities_sum_to_one_over_the_prior_vocabulary():
    """P(· | v) is a distribution for every context, seen or not: over the prior's vocabulary (where the prior sums
    to one) it sums to one, less the discounted counts of the followers of v that the prior does not know."""
    prior = toy_prior()
    context = BigramContext.from_lines(["और मैं घर", "और मैं", "में घर और", "घर गया"])  # गया: not in the prior
    vocab = list(prior.counts)
    assert sum(math.exp(prior.log_prob(w)) for w in vocab) == pytest.approx(1.0, rel=1e-12)
    unknown_mass = {}
    for previous in [START, "और", "मैं", "घर", "unseen"]:
        following = context.counts.get(previous, {})
        unknown_mass[previous] = sum(max(c - DISCOUNT, 0.0) for w, c in following.items() if w not in prior.counts) \
            / max(sum(following.values()), 1)
        total = sum(math.exp(context.log_prob(w, previous, prior)) for w in vocab)
        assert total == pytest.approx(1.0 - unknown_mass[previous], rel=1e-9)
        assert total <= 1 + 1e-9
    assert unknown_mass["घर"] == pytest.approx(0.125) and unknown_mass["unseen"] == 0.0  # both cases are tested


def test_bigram_model_round_trips_and_refuses_corrupt_files(tmp_path):
    context = BigramContext.from_lines(["और मैं घर", "और मैं"])
    context.save(tmp_path)
    loaded = BigramContext.load(tmp_path)
    assert loaded.counts == context.counts and loaded.counts[START]["और"] == 2
    (tmp_path / CONTEXT_FILE).write_bytes(gzip.compress("और\tmain\t3\n".encode()))
    with pytest.raises(CheckpointError, match=r"context.tsv.gz:1: expected PREVIOUS<TAB>WORD<TAB>COUNT"):
        BigramContext.load(tmp_path)
    (tmp_path / CONTEXT_FILE).write_bytes(b"not gzip")
    with pytest.raises(CheckpointError, match="not a gzip-compressed UTF-8 file"):
        BigramContext.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=4), st.integers(0, 2**31 - 1),
       st.floats(0.0, 3.0, allow_nan=False))
def test_viterbi_finds_the_best_of_all_paths_and_the_best_through_each_candidate(sizes, rng_seed, weight):
    """best_path is the best of all paths; path_scores (the one-key corrections' margins, text/reread.py) is,
    for each candidate, the best total of the paths through it."""
    rng = np.random.default_rng(rng_seed)
    emissions = [rng.normal(size=k) for k in sizes]
    start = rng.normal(size=sizes[0])
    transitions = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]

    def total(path):
        return (sum(e[i] for e, i in zip(emissions, path)) + weight * start[path[0]]
                + weight * sum(t[i, j] for t, i, j in zip(transitions, path, path[1:])))

    paths = list(itertools.product(*[range(k) for k in sizes]))
    best = max(total(p) for p in paths)
    assert total(best_path(emissions, start, transitions, weight)) == pytest.approx(best)
    scores = path_scores(emissions, start, transitions, weight)
    for position, k in enumerate(sizes):
        for candidate in range(k):
            through = max(total(p) for p in paths if p[position] == candidate)
            assert scores[position][candidate] == pytest.approx(through)


def test_context_changes_a_choice_the_letters_cannot_make(shipped):
    """`aur main` word by word gives the frequent में; after और the bigram model knows मैं is meant."""
    text = "aur main ghar jata hoon"
    plain = shipped.transliterate_text(text, context=False)[0]
    saved = shipped.context
    try:
        shipped.context = BigramContext.from_lines(["और मैं घर जाता हूं"] * 20 + ["घर में"] * 20)
        with_context = shipped.transliterate_text(text, context_weight=1.0)[0]
        off = shipped.transliterate_text(text, context=False, context_weight=1.0)[0]
    finally:
        shipped.context = saved
    assert with_context.split()[:2] == ["और", "मैं"]
    assert off == plain and plain.split()[1] != "मैं"


def test_zero_context_weight_is_word_mode(shipped):
    text = "mera naam seqlab hai aur main 2 saal ka hoon"
    out = shipped.transliterate([w for w in text.split() if w != "2"])
    assert shipped.transliterate_text(text, context_weight=0.0)[0] == " ".join(out[:6] + ["2"] + out[6:])


def test_wer_counts_devanagari_letters_only_and_types_the_errors():
    assert wer_words("मैं, घर। 12 ३ abc") == ["मैं", "घर"]
    assert align(["a", "b", "c"], ["a", "x", "c", "d"]) == [("ok", 0, 0), ("sub", 1, 1), ("ok", 2, 2),
                                                            ("ins", 3, 3)]
    from seqlab.translit.text.sentence import Lattice

    lat = Lattice(["aur", "main", "ghar"], [["ओर", "और"], ["में", "मैं"], ["घार"]], [], [], [None] * 3)
    report = WerReport()
    score_sentence(report, "और मैं घर।", ["ओर", "मैं", "घार"], lat)
    assert report.reference_words == 3 and report.errors == {"choice": 1, "spelling": 1}
    assert report.confusions == {("और", "ओर"): 1} and report.wer == pytest.approx(2 / 3)


def test_nasal_variants_join_only_words_the_prior_knows():
    from seqlab.translit.text.sentence import nasal_variants

    words, scores = ["मे", "है", "घर", "में"], [-0.3, -0.5, -1.0, -2.5]
    nasal_variants(words, scores, 1.0, WordPrior({"में": 80, "हैं": 40, "घरं": 0, "मेँ": 0}))
    assert words == ["मे", "है", "घर", "में", "हैं"]  # घर ends in a consonant; unknown spellings never join
    assert scores == [-0.3, -0.5, -1.0, -1.3, -1.5]  # में keeps the better of its own score and मे's − 1
