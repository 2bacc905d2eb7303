"""Transliteration metrics on hand-checked examples and one invariant over random strings."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seqlab.translit.evaluation.metrics import (
    any_reference_accuracy,
    character_error_rate,
    edit_distance,
    substitutions,
    unique_input_accuracy,
)


def test_per_pair_and_indicxlit_conventions_differ_only_in_what_they_count():
    sources = ["kal", "kal", "ghar", "pani"]
    references = ["कल", "काल", "घर", "पानी"]
    candidates = [["कल", "काल"], ["कल", "काल"], ["घार", "घर"], ["पनी", "पानि"]]
    top1 = [c[0] for c in candidates]
    assert any_reference_accuracy(sources, top1, references) == 2 / 4  # both kal pairs accept कल
    assert unique_input_accuracy(sources, candidates, references, 1) == 1 / 3  # kal once, ghar and pani wrong
    assert unique_input_accuracy(sources, candidates, references, 2) == 2 / 3
    assert character_error_rate(["घार"], ["घर"]) == 1 / 2


@given(st.text(alphabet="abcक", max_size=8), st.text(alphabet="abcक", max_size=8))
def test_substitutions_never_exceed_the_edit_distance(a, b):
    assert len(substitutions(a, b)) <= edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, b) >= abs(len(a) - len(b))
