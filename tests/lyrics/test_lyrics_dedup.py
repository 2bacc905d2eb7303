"""Near-duplicate files through the line index: the same answers as comparing every pair, at a linear cost."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.lyrics.corpus import _build_songs
from seqlab.lyrics.dedup import line_set, pairwise_near_duplicates, search_near_duplicates

COMMON = ["[Chorus]", "yeah", "oh oh oh"]


def catalogue(n: int) -> tuple[list[str], list[str]]:
    """n songs of 10 own lines plus common ones; every 50th is the previous song with one line changed."""
    names, texts = [], []
    for i in range(n):
        lines = [f"song {i} line {j}" for j in range(10)] + COMMON
        if i % 50 == 49:
            lines = texts[-1].split("\n")
            lines[0] = f"edited line of song {i}"
        names.append(f"row-{i}")
        texts.append("\n".join(lines))
    return names, texts


def test_comparisons_grow_linearly_while_all_pairs_grow_quadratically():
    small, large = catalogue(300), catalogue(3000)
    assert search_near_duplicates(*small, 0.8).pairs == pairwise_near_duplicates(*small, 0.8).pairs
    found_small, found_large = search_near_duplicates(*small, 0.8), search_near_duplicates(*large, 0.8)
    assert len(found_large.pairs) == 60 and all(share == 12 / 13 for _, _, share in found_large.pairs)
    assert found_small.comparisons == 6 and found_large.comparisons == 60  # only the pairs that share rare lines
    assert pairwise_near_duplicates(*small, 0.8).comparisons == 300 * 299 // 2


lines = st.sampled_from(["a", "b", "c", "d", "e", "f", "A", " b ", ""])
texts = st.lists(st.lists(lines, min_size=0, max_size=8).map("\n".join), min_size=0, max_size=12)


@settings(max_examples=150, deadline=None)
@given(texts, st.sampled_from([0.5, 0.8, 1.0, 1 / 3]))
def test_index_finds_what_all_pairs_finds(texts, threshold):
    names = [f"f{i}" for i in range(len(texts))]
    new = search_near_duplicates(names, texts, threshold).pairs
    old = pairwise_near_duplicates(names, texts, threshold).pairs
    assert set(new) <= set(old)
    sets = [frozenset(line_set(text)) for text in texts]
    later_copies = {names[i] for i, s in enumerate(sets) if s in sets[:i]}
    assert all(a in later_copies or b in later_copies for a, b, _ in set(old) - set(new))  # copies pair with the first
    files = pd.DataFrame({"file": names, "artist": names, "text": texts})
    new_songs, old_songs = _build_songs(files, new), _build_songs(files, old)
    assert new_songs[0].equals(old_songs[0]) and new_songs[1:] == old_songs[1:]  # same songs kept and dropped


def test_repeated_rows_pair_with_the_first_copy_only():
    texts = ["one\ntwo\nthree", "x\ny", "ONE\ntwo\nthree  ", "one\nthree\ntwo"]
    found = search_near_duplicates(["r0", "r1", "r2", "r3"], texts, 0.8)
    assert found.pairs == [("r0", "r2", 1.0), ("r0", "r3", 1.0)] and found.comparisons == 0


def test_threshold_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        search_near_duplicates(["a"], ["x"], 0.0)
