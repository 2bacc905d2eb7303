"""Lexicon memory: words the model was taught are always offered, ranked by the one scoring rule."""
from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from translit_helpers import LEGACY_RUN

from seqlab.errors import CheckpointError
from seqlab.translit.data.corpus import Pair
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words import counts as counts_module
from seqlab.translit.words.lexicon import LEXICON_FILE, Lexicon
from seqlab.translit.words.prior import PRIOR_FILE, WordPrior


def test_lexicon_round_trips_case_insensitively_and_refuses_corrupt_files(tmp_path):
    lexicon = Lexicon.from_pairs([Pair("Delhi", "दिल्ली", 7), Pair("delhi", "दिल्ली", 3), Pair("delhi", "डेल्ही", 1)])
    assert lexicon.lookup("DELHI") == Counter({"दिल्ली": 10, "डेल्ही": 1}) and len(lexicon) == 2
    assert Lexicon.load(lexicon.save(tmp_path).parent).entries == lexicon.entries
    assert Lexicon.load(tmp_path / "elsewhere") is None
    (tmp_path / LEXICON_FILE).write_text("delhi\tदिल्ली\t-1\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match="lexicon.tsv:1: expected ROMAN<TAB>NATIVE<TAB>COUNT"):
        Lexicon.load(tmp_path)
    (tmp_path / LEXICON_FILE).write_bytes("delhi\tदिल्ली\t1\n".encode("utf-16"))  # a plain file: not "gzip" in its error
    with pytest.raises(CheckpointError, match=r"lexicon.tsv: not UTF-8 \(invalid start byte\); delete the file"):
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


def test_gzip_compressed_word_lists_load_like_plain_ones(tmp_path, monkeypatch):
    """Shipped models keep prior.tsv and lexicon.tsv as .gz; both forms read alike, and a .gz is bounded too."""
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    plain.mkdir(), packed.mkdir()
    files = {LEXICON_FILE: "delhi\tदिल्ली\t3\nghar\tघर\t1\n", PRIOR_FILE: "घर\t3\nपानी\t2\n"}
    for name, text in files.items():
        (plain / name).write_text(text, encoding="utf-8")
        (packed / f"{name}.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    assert Lexicon.load(packed).entries == Lexicon.load(plain).entries and Lexicon.load(packed).lookup("ghar")
    assert WordPrior.load(packed).counts == WordPrior.load(plain).counts == {"घर": 3, "पानी": 2}
    monkeypatch.setattr(counts_module, "MAX_COUNT_FILE_BYTES", 16)  # a gzip bomb stops at the cap, in one line
    with pytest.raises(CheckpointError, match=r"lexicon.tsv.gz: over 16 bytes uncompressed; delete the file"):
        Lexicon.load(packed)
    (packed / f"{PRIOR_FILE}.gz").write_bytes(b"not gzip at all")
    with pytest.raises(CheckpointError, match=r"prior.tsv.gz: not a gzip-compressed UTF-8 file .*run `seqlab transl"):
        WordPrior.load(packed)
