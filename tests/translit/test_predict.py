"""The Python API behind `predict`: word-length limit, text with kept non-letters."""
from __future__ import annotations

import pytest
import torch

from seqlab.errors import SeqlabError
from seqlab.translit.config import MAX_WORD_LENGTH
from seqlab.translit.decode import max_output_lengths
from seqlab.translit.predict import load_transliterator


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator()


def test_max_word_length_leaves_room_for_every_real_romanization():
    # Dakshina's longest Hindi romanization has 20 characters (train), Aksharantar's 26
    assert 26 < MAX_WORD_LENGTH <= 100


@pytest.mark.parametrize("call", ["transliterate", "candidates"])
def test_api_refuses_a_word_over_the_limit_naming_it(shipped, call):
    with pytest.raises(SeqlabError, match=f"longer than {MAX_WORD_LENGTH} characters .* of 2,000 characters"):
        getattr(shipped, call)(["ghar", "a" * 2000])


def test_output_bound_is_proportional_to_the_input_length(shipped):
    lengths = torch.tensor([1, 20, MAX_WORD_LENGTH])
    assert max_output_lengths(lengths).tolist() == [2 * n + 5 for n in lengths.tolist()]
    word = "ab" * (MAX_WORD_LENGTH // 2)
    for beam in (1, 5):
        assert len(shipped.transliterate([word], beam)[0]) <= 2 * len(word) + 5


def test_sentence_keeps_non_letters_and_over_long_words(shipped):
    long_word = "a" * (MAX_WORD_LENGTH + 1)
    assert shipped.transliterate_sentence(f"ghar, 42 {long_word} pani 😀!") == f"घर, 42 {long_word} पानी 😀!"
    text, words, too_long = shipped.transliterate_text(f"ghar\n{long_word}\n\npani")
    assert text == f"घर\n{long_word}\n\nपानी" and words == ["ghar", "pani"] and too_long == 1

