"""Numeric options out of range, NaN or infinite are refused in one line (exit 2), never ignored, and leave no
half-made run behind: training, decoding and analyze options."""
from __future__ import annotations

import pytest
from translit_helpers import TEST_DATA, assert_one_line_error, evaluate, run_cli


@pytest.mark.parametrize("option, value, message", [
    ("--weight-decay", "-1", "--weight-decay must be in [0, 10], got -1.0"),
    ("--weight-decay", "nan", "--weight-decay must be a finite number"),
    ("--lr", "inf", "--lr must be a finite number"),
    ("--seed", "18446744073709551616", "--seed must be an integer in 0–"),
    ("--epochs", "0", "--epochs must be at least 1, got 0"),
])
def test_bad_training_options_leave_no_run_folder(capsys, tmp_path, option, value, message):
    run = tmp_path / "run"
    code, _, err = run_cli(capsys, "translit", "train", "--data-dir", str(TEST_DATA), "--run-dir", str(run),
                           option, value)
    assert_one_line_error(code, err, message)
    assert not run.exists()


@pytest.mark.parametrize("option, value, message", [
    ("--prior-weight", "-1", "--prior-weight must be in [0, 100], got -1.0"),
    ("--prior-weight", "nan", "--prior-weight must be a finite number"),
    ("--prior-weight", "inf", "--prior-weight must be a finite number"),
    ("--length-penalty", "nan", "--length-penalty must be a finite number"),
])
def test_bad_decoding_options_are_refused_not_ignored(capsys, model_copy, option, value, message):
    assert_one_line_error(*evaluate(capsys, model_copy, option, value)[::2], message)


def test_analyze_caps_layers_without_check(capsys):
    """Refused by the option's range, before any formula runs over ten million layers."""
    code, _, err = run_cli(capsys, "translit", "analyze", "--emb", "8", "--hidden", "8", "--seq-len", "4", "--vocab",
                           "9", "--enc-layers", "10000000", "--dec-layers", "10000000")
    assert_one_line_error(code, err, "--enc-layers must be 1–16, got 10000000")
