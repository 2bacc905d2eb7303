"""A damaged model folder is refused in one line (exit 2), never with a traceback, and before anything large is
allocated: config.json out of range or not a seqlab model's, and word-count files (prior.tsv, lexicon.tsv,
context.tsv.gz, `prior --source FILE.tsv`) with malformed lines or absurd counts."""
from __future__ import annotations

import gzip
import json
import resource
import socket

import pytest
from translit_helpers import TEST_DATA, assert_one_line_error, edit_config, evaluate, run_cli


@pytest.mark.parametrize("section, key, value, message", [
    ("model", "source_vocab", 10**12, "model: source_vocab must be an integer in 5–100,000"),
    ("model", "hidden_size", "64", "model: hidden_size must be an integer, got '64'"),
    ("model", "hidden_size", 8192, "parameters but config.json describes a model of"),
    ("model", "cell", "transformer", "model: cell must be one of rnn, gru, lstm"),
    ("model", "dropout", float("nan"), "model: dropout must be a finite number"),
    ("model", "colour", "blue", "has unknown key 'colour'"),
    ("decoding", "beam_size", "5", "decoding: beam_size must be an integer, got '5'"),
    ("decoding", "beam_size", 100000, "decoding: beam_size must be an integer in 1–100, got 100000"),
    ("decoding", None, [1], "decoding must be a JSON object, got list"),
])
def test_a_damaged_config_json_is_a_one_line_error(capsys, model_copy, section, key, value, message):
    def damage(config: dict) -> None:
        if key is None:
            config[section] = value
        else:
            config.setdefault(section, {})[key] = value

    edit_config(model_copy, damage)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    code, _, err = evaluate(capsys, model_copy)
    assert_one_line_error(code, err, message)
    # refused before allocating anything large (hidden_size 8192 alone would take over 1.5 GB)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 512 * 1024


def test_a_config_json_that_is_not_a_seqlab_model_is_named(capsys, model_copy):
    (model_copy / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    assert_one_line_error(*evaluate(capsys, model_copy)[::2], "has no 'model' section")


@pytest.mark.parametrize("line", ["घर\t-5", "घर\t²", "घर", "\t3"])
def test_a_corrupt_prior_tsv_is_a_one_line_error(capsys, model_copy, line):
    (model_copy / "prior.tsv").write_text(f"पानी\t7\n{line}\n", encoding="utf-8")
    assert_one_line_error(*evaluate(capsys, model_copy)[::2], "prior.tsv:2: expected WORD<TAB>COUNT")


@pytest.mark.parametrize("digits", [400, 5000])  # 400: overflows a float; 5000: past int()'s 4300-digit limit
def test_a_count_of_too_many_digits_in_a_word_count_file_is_a_one_line_error(capsys, tmp_path, model_copy, digits):
    """Issue 19 #8: `prior --source FILE.tsv`, and prior.tsv or lexicon.tsv in a model folder for predict and serve,
    refuse a count of over 9 digits by FILE:LINE, as the corpus reader does; so does the bigram model's file."""
    huge = "9" * digits
    counts = tmp_path / "counts.tsv"
    counts.write_text(f"पानी\t7\nघर\t{huge}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "translit", "prior", "--model", str(model_copy), "--source", str(counts),
                           "--data-dir", str(TEST_DATA))
    assert_one_line_error(code, err, "counts.tsv:2: count has more than 9 digits")
    (model_copy / "prior.tsv").write_text(f"पानी\t7\nघर\t{huge}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "translit", "predict", "--model", str(model_copy), "ghar")
    assert_one_line_error(code, err, "prior.tsv:2: count has more than 9 digits")
    with socket.socket() as taken:  # should the folder ever load, serve fails to bind instead of serving forever
        taken.bind(("127.0.0.1", 0))
        code, _, err = run_cli(capsys, "serve", "--model", str(model_copy), "--port", str(taken.getsockname()[1]))
    assert_one_line_error(code, err, "prior.tsv:2: count has more than 9 digits")
    (model_copy / "prior.tsv").unlink()
    (model_copy / "lexicon.tsv").write_text(f"ghar\tघर\t{huge}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "translit", "predict", "--model", str(model_copy), "ghar")
    assert_one_line_error(code, err, "lexicon.tsv:1: count has more than 9 digits")
    (model_copy / "lexicon.tsv").unlink()
    (model_copy / "context.tsv.gz").write_bytes(gzip.compress(f"<s>\tघर\t{huge}\n".encode()))
    code, _, err = run_cli(capsys, "translit", "predict", "--model", str(model_copy), "ghar")
    assert_one_line_error(code, err, "context.tsv.gz:1: count has more than 9 digits")
