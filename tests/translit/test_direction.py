"""The reverse direction: Devanagari → Latin with the same network and the corpus columns swapped."""
from __future__ import annotations

import json

import pytest
from translit_helpers import write_dakshina

from seqlab.cli import main
from seqlab.translit.data.corpus import load_split
from seqlab.translit.transliterator import load_transliterator


@pytest.fixture(scope="module")
def reverse_run(tmp_path_factory, real_pairs):
    root = tmp_path_factory.mktemp("reverse")
    # the test split's pairs are consecutive: native words with several attested romanizations
    data = write_dakshina(root / "data", {
        "train": real_pairs[::40][:800], "dev": real_pairs[7::300][:80], "test": real_pairs[:80]})
    run = root / "run"
    assert main(["translit", "train", "--direction", "native-to-roman", "--data-dir", str(data), "--epochs", "2",
                 "--emb", "16", "--hidden", "32", "--batch-size", "32", "--run-dir", str(run)]) == 0
    return data, run


def test_columns_are_swapped(reverse_run):
    data, _ = reverse_run
    forward, _ = load_split("dakshina", "hi", "dev", str(data))
    reverse, _ = load_split("dakshina", "hi", "dev", str(data), direction="native-to-roman")
    assert [(p.target, p.source, p.count) for p in reverse] == [(p.source, p.target, p.count) for p in forward]


def test_a_reverse_model_reads_devanagari_and_writes_latin(reverse_run, capsys):
    data, run = reverse_run
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert config["train"]["direction"] == "native-to-roman"
    translit = load_transliterator(run)
    assert translit.direction == "native-to-roman" and all(c.isascii() for c in translit.vocabs.target.itos[4:])
    text, words, _ = translit.transliterate_text("घर, ghar 12 पानी!")
    assert words == ["घर", "पानी"] and ", ghar 12 " in text and text.endswith("!")
    assert main(["translit", "evaluate", "--model", str(run), "--data-dir", str(data), "--split", "test",
                 "--json", "--out", str(run / "eval")]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["direction"] == "native-to-roman" and summary["pairs"] == 80
    assert summary["unique_inputs"] < 80  # a native word has several attested romanizations: scored once


def test_a_model_of_the_other_direction_is_refused(reverse_run, capsys):
    _, run = reverse_run
    assert main(["translit", "predict", "--model", str(run), "--direction", "roman-to-native", "ghar"]) == 2
    assert "transliterates native-to-roman, not roman-to-native" in capsys.readouterr().err


def test_the_shipped_reverse_model(capsys):
    assert main(["translit", "predict", "--direction", "native-to-roman", "घर", "दिल्ली"]) == 0
    assert capsys.readouterr().out == "ghar\ndilli\n"
    assert main(["translit", "predict", "--direction", "native-to-roman", "--sentence", "मेरा email a@b.com है।"]) == 0
    assert capsys.readouterr().out == "mera email a@b.com hai।\n"
