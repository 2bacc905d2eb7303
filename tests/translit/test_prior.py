from __future__ import annotations

import gzip

import pytest

from seqlab.errors import CheckpointError, DataError
from seqlab.translit.predict import rank
from seqlab.translit.prior import PRIOR_FILE, WordPrior


def test_counts_devanagari_words_only_and_round_trips(tmp_path):
    prior = WordPrior.from_lines(["घर में पानी है, 42 ok", "घर (घर)"])
    assert prior.counts == {"घर": 3, "में": 1, "पानी": 1, "है": 1} and prior.total == 6
    assert prior.log_prob("घर") > prior.log_prob("पानी") > prior.log_prob("अनदेखा")
    loaded = WordPrior.load(prior.save(tmp_path).parent)
    assert loaded.counts == prior.counts and loaded.log_prob("घर") == prior.log_prob("घर")
    assert WordPrior.load(tmp_path / "elsewhere") is None


def test_reads_gzip_text_and_rejects_bad_input(tmp_path):
    path = tmp_path / "wiki.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("नमस्ते दुनिया\n")
    assert set(WordPrior.from_text_file(path).counts) == {"नमस्ते", "दुनिया"}
    (tmp_path / "latin.txt").write_text("no devanagari here")
    with pytest.raises(DataError, match="no Devanagari words"):
        WordPrior.from_text_file(tmp_path / "latin.txt")
    (tmp_path / PRIOR_FILE).write_text("घर\t3\nbroken line\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match=f"{PRIOR_FILE}:2"):
        WordPrior.load(tmp_path)


def test_prior_reorders_candidates_only_when_weighted():
    prior = WordPrior.from_lines(["कल " * 50])
    candidates = [("काल", -1.0, 4), ("कल", -1.2, 3)]
    assert [w for w, _ in rank(candidates, 1.0, 0.0, prior)] == ["काल", "कल"]
    assert [w for w, _ in rank(candidates, 0.0, 0.0, prior)] == ["काल", "कल"]
    assert [w for w, _ in rank(candidates, 1.0, 0.5, prior)] == ["कल", "काल"]
    assert [w for w, _ in rank(candidates, 1.0, 0.5, None)] == ["काल", "कल"]


def test_missing_wikipedia_sample_names_the_options(tmp_path, monkeypatch, shared_data):
    from seqlab.translit.prior import wikipedia_sample

    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as err:
        wikipedia_sample("hi", str(tmp_path))
    assert "hi.wiki-filt.valid.text.shuf.txt.gz not found" in str(err.value) and "--text" in str(err.value)
    assert wikipedia_sample("hi", str(shared_data)).is_file()
