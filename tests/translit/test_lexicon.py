"""Lexicon memory: words the model was taught are always offered, ranked by the one scoring rule."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from translit_helpers import LEGACY_RUN

from seqlab.errors import CheckpointError
from seqlab.translit.data.corpus import Pair
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words.lexicon import LEXICON_FILE, Lexicon


def test_lexicon_round_trips_case_insensitively_and_refuses_corrupt_files(tmp_path):
    lexicon = Lexicon.from_pairs([Pair("Delhi", "दिल्ली", 7), Pair("delhi", "दिल्ली", 3), Pair("delhi", "डेल्ही", 1)])
    assert lexicon.lookup("DELHI") == Counter({"दिल्ली": 10, "डेल्ही": 1}) and len(lexicon) == 2
    assert Lexicon.load(lexicon.save(tmp_path).parent).entries == lexicon.entries
    assert Lexicon.load(tmp_path / "elsewhere") is None
    (tmp_path / LEXICON_FILE).write_text("delhi\tदिल्ली\t-1\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match="lexicon.tsv:1: expected ROMAN<TAB>NATIVE<TAB>COUNT"):
        Lexicon.load(tmp_path)


@pytest.fixture
def model_with_lexicon(tmp_path):
    folder = Path(shutil.copytree(LEGACY_RUN, tmp_path / "model", ignore=shutil.ignore_patterns("expected_*", "data")))
    translit = load_transliterator(folder)
    word = "ghar"
    unlikely = translit.candidates([word], beam_size=5)[0][-1][::-1] + "क"  # a spelling the beam would not offer
    Lexicon.from_pairs([Pair(word, unlikely, 4)]).save(folder)
    return load_transliterator(folder), word, unlikely


def test_taught_words_are_offered_and_the_lexicon_weight_can_put_them_first(model_with_lexicon):
    translit, word, taught = model_with_lexicon
    plain = translit.candidates([word], beam_size=5, lexicon_weight=0.0)[0]
    assert len(plain) == 5 and taught in plain and plain[0] != taught  # offered, without displacing the best
    assert translit.candidates([word.upper()], beam_size=5, lexicon_weight=0.0)[0] == plain
    assert translit.transliterate([word], beam_size=5, lexicon_weight=100.0) == [taught]
    scored = {c.word: c for c in translit.scored_candidates([word], 5)[0]}
    assert scored[taught].lexicon_count == 4 and scored[taught].log_prob < 0  # scored by forced decoding
