"""Re-reading committed words with the words typed after them (text/reread.py, issue 21's one-key corrections):
the path scores behind the margins are exact, a word the later words clearly re-read is reported with its
margin, and words kept as typed, the user's spellings and the last word are never re-read."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.errors import SeqlabError
from seqlab.translit.text.reread import MAX_REREAD, reread
from seqlab.translit.text.sentence import path_scores
from seqlab.translit.transliterator import load_transliterator


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator(rescorers=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=4), st.integers(0, 2**31 - 1),
       st.floats(0.0, 3.0, allow_nan=False))
def test_path_scores_are_the_best_path_through_each_candidate(sizes, rng_seed, weight):
    rng = np.random.default_rng(rng_seed)
    emissions = [rng.normal(size=k) for k in sizes]
    start = rng.normal(size=sizes[0])
    transitions = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]

    def total(path):
        return (sum(e[i] for e, i in zip(emissions, path)) + weight * start[path[0]]
                + weight * sum(t[i, j] for t, i, j in zip(transitions, path, path[1:])))

    paths = list(itertools.product(*[range(k) for k in sizes]))
    scores = path_scores(emissions, start, transitions, weight)
    for position, k in enumerate(sizes):
        for candidate in range(k):
            through = max(total(p) for p in paths if p[position] == candidate)
            assert scores[position][candidate] == pytest.approx(through)


def test_the_words_after_a_committed_word_re_read_it(shipped):
    # `kal` committed as काल (its first candidate alone); दिल्ली जाना after it make कल the reading
    found = reread(shipped, ["kal", "dilli", "jana"], ["काल", "दिल्ली", "जाना"], before="मुझे")
    assert [(r.index, r.word) for r in found] == [(0, "कल")]
    assert found[0].margin > 0.5
    # the same window at the start of a line, and once corrected: nothing left to re-read
    assert [r.word for r in reread(shipped, ["mujhe", "kal", "dilli"], ["मुझे", "काल", "दिल्ली"])] == ["कल"]
    assert reread(shipped, ["kal", "dilli", "jana"], ["कल", "दिल्ली", "जाना"], before="मुझे") == []


def test_kept_words_and_the_last_word_are_never_re_read(shipped):
    # काल kept as typed in Devanagari is context, not a reading to change; the last word has nothing after it
    assert reread(shipped, ["काल", "dilli"], ["काल", "दिल्ली"], before="मुझे") == []
    assert shipped.transliterate_text("mujhe kal")[0] == "मुझे कल"
    assert reread(shipped, ["mujhe", "kal"], ["मुझे", "काल"]) == []
    # a committed word that is not among the candidates (a Latin word kept) is not compared
    assert reread(shipped, ["kal", "dilli"], ["kal", "दिल्ली"]) == []


@pytest.mark.parametrize("words, committed, before, message", [
    ([], [], None, "words: give 1-"),
    (["ghar"] * (MAX_REREAD + 1), ["घर"] * (MAX_REREAD + 1), None, "words: give 1-"),
    (["ghar", "jana"], ["घर"], None, "committed: one per word"),
    (["ghar"], ["घर घर"], None, "committed: each word"),
    (["ghar"], ["घर"], "", "before: each word"),
    (["ghar1"], ["घर"], None, "ghar1"),
])
def test_bad_windows_are_one_line_errors(shipped, words, committed, before, message):
    with pytest.raises(SeqlabError, match=message):
        reread(shipped, words, committed, before)
