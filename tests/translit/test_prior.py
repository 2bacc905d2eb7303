from __future__ import annotations

import gzip

import pytest

from seqlab.errors import CheckpointError, DataError
from seqlab.translit.decoding.ranking import rank
from seqlab.translit.words.prior import PRIOR_FILE, WordPrior


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
    from seqlab.translit.data.paths import wikipedia_sample

    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as err:
        wikipedia_sample("hi", str(tmp_path))
    assert "hi.wiki-filt.valid.text.shuf.txt.gz not found" in str(err.value) and "--text" in str(err.value)
    assert wikipedia_sample("hi", str(shared_data)).is_file()


def test_evaluation_sentences_are_dropped_from_text_sources(tmp_path):
    from seqlab.translit.words.prior_sources import evaluation_sentences, from_text

    romanized = tmp_path / "dakshina" / "hi" / "romanized"
    romanized.mkdir(parents=True)
    (romanized / "hi.romanized.rejoined.dev.native.txt").write_text("मेरा घर\nपानी है\n", encoding="utf-8")
    (romanized / "hi.romanized.rejoined.test.native.txt").write_text("कल आना\n", encoding="utf-8")
    text = tmp_path / "wiki.txt"
    text.write_text("मेरा घर\nघर बड़ा है\n  कल आना  \nपानी है\n", encoding="utf-8")
    exclude = evaluation_sentences("hi", str(tmp_path))
    assert exclude == {"मेरा घर", "पानी है", "कल आना"}
    source = from_text(text, exclude)
    assert source.dropped_lines == 3 and source.counts == {"घर": 1, "बड़ा": 1, "है": 1}


def test_mixture_is_a_weighted_sum_of_normalized_sources():
    from collections import Counter

    from seqlab.translit.words.prior_sources import PSEUDO_TOKENS, PriorSource, mix, weight_grid

    big = PriorSource("big", Counter({"घर": 900, "पानी": 100}))
    small = PriorSource("small", Counter({"पानी": 1}))
    prior = mix([big, small], (0.5, 0.5))
    assert prior.counts["घर"] == round(0.45 * PSEUDO_TOKENS) and prior.counts["पानी"] == round(0.55 * PSEUDO_TOKENS)
    assert mix([big, small], (1.0, 0.0)).counts == Counter({"घर": 9 * 10**7, "पानी": 10**7})
    assert weight_grid(1) == [(1.0,)] and len(weight_grid(2)) == 5 and len(weight_grid(3)) == 15
    assert all(abs(sum(w) - 1) < 1e-9 for w in weight_grid(3))


def test_wordfreq_and_count_file_sources(tmp_path):
    from seqlab.translit.words.prior_sources import from_counts, from_wordfreq

    source = from_wordfreq("hi")
    assert len(source.counts) > 20_000 and source.counts["है"] > source.counts["पानी"] > 0
    assert "CC BY-SA" in source.license
    counts = tmp_path / "counts.tsv"
    counts.write_text("घर\t5\nपानी\t2\n", encoding="utf-8")
    assert from_counts(counts).counts == {"घर": 5, "पानी": 2}
    counts.write_text("घर\t5\nghar\t2\n", encoding="utf-8")
    with pytest.raises(DataError, match="counts.tsv:2"):
        from_counts(counts)
