"""Ensemble rescoring: models under rescorers/ vote on the main model's candidates through the one scoring rule."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from translit_helpers import LEGACY_RUN

from seqlab.errors import CheckpointError
from seqlab.translit.transliterator import load_transliterator

WORDS = ["ghar", "pani", "dilli", "kal", "namaste", "bharat"]


def model_with_rescorer(tmp_path: Path, weight: float | None, source: Path = LEGACY_RUN) -> Path:
    """The legacy model with itself as rescorer 'self' (weight as given; None = no weight in config.json)."""
    folder = Path(shutil.copytree(LEGACY_RUN, tmp_path / "model", ignore=shutil.ignore_patterns("expected_*", "data")))
    member = folder / "rescorers" / "self"
    member.mkdir(parents=True)
    for name in ("config.json", "vocab.json", "best.safetensors"):
        shutil.copy(source / name, member / name)
    if weight is not None:
        config = json.loads((folder / "config.json").read_text())
        config["decoding"] = {"beam_size": 5, "rescorers": {"self": weight}}
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_rescoring_with_the_model_itself_scales_its_score_and_keeps_the_ranking(tmp_path):
    """Self-rescoring adds ν · log P(y|x) to log P(y|x): without prior and lexicon the order cannot change, and each
    candidate's rescore is the beam's own log-probability."""
    plain = load_transliterator(LEGACY_RUN)
    rescored = load_transliterator(model_with_rescorer(tmp_path, 0.75))
    assert rescored.rescorer_weights == (0.75,)
    assert rescored.candidates(WORDS, 5, prior_weight=0) == plain.candidates(WORDS, 5, prior_weight=0)
    for candidate in (c for candidates in rescored.scored_candidates(WORDS, 5) for c in candidates):
        assert candidate.rescores[0] == pytest.approx(candidate.log_prob, abs=1e-3)


def test_a_rescorer_with_weight_zero_changes_nothing(tmp_path):
    plain = load_transliterator(LEGACY_RUN)
    assert load_transliterator(model_with_rescorer(tmp_path, None)).candidates(WORDS, 4) == plain.candidates(WORDS, 4)


@pytest.mark.parametrize("weights, message", [
    ({"nobody": 1.0}, "rescorers names 'nobody', which is not a folder in rescorers/"),
    ({"self": "1"}, "decoding: rescorers: self must be a number, got '1'"),
    ({"self": -1}, "decoding: rescorers: self must be in [0, 10], got -1"),
    ([1], "rescorers must be a JSON object"),
])
def test_bad_rescorer_weights_are_one_line_errors(tmp_path, weights, message):
    folder = model_with_rescorer(tmp_path, None)
    config = json.loads((folder / "config.json").read_text())
    config["decoding"] = {"rescorers": weights}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_transliterator(folder)


def test_prior_tunes_and_records_rescorer_weights(tmp_path, capsys):
    from seqlab.cli import main

    folder = model_with_rescorer(tmp_path, None)
    text = tmp_path / "words.txt"
    text.write_text("घर पानी दिल्ली कल नमस्ते भारत\n", encoding="utf-8")
    code = main(["translit", "prior", "--model", str(folder), "--source", str(text), "--data-dir",
                 str(_dev_data(tmp_path)), "--beam-size", "3"])
    assert code == 0, capsys.readouterr().err
    decoding = json.loads((folder / "config.json").read_text())["decoding"]
    assert set(decoding["rescorers"]) == {"self"} and 0 <= decoding["rescorers"]["self"] <= 1


def _dev_data(tmp_path: Path) -> Path:
    """The legacy fixture's test pairs, served as a dev split."""
    folder = tmp_path / "dev-data" / "hi" / "lexicons"
    folder.mkdir(parents=True)
    shutil.copy(LEGACY_RUN / "data" / "hi" / "lexicons" / "hi.translit.sampled.test.tsv",
                folder / "hi.translit.sampled.dev.tsv")
    return tmp_path / "dev-data"
