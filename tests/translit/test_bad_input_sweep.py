"""A sweep's storage and space file: a storage that is not a database (and the lock it must not leave), space
files with infinite, NaN or too large numbers and repeated keys; each a one-line error."""
from __future__ import annotations

from pathlib import Path

import pytest
from translit_helpers import TEST_DATA, assert_one_line_error, run_cli


def test_a_storage_that_is_not_a_database_leaves_no_lock_file(capsys, tmp_path, tiny_data):
    garbage = tmp_path / "garbage.db"
    garbage.write_text("this is not SQLite\n" * 100)
    code, _, err = run_cli(capsys, "translit", "sweep", "--data-dir", str(tiny_data), "--trials", "1",
                           "--epochs", "1", "--out", str(tmp_path / "sweep"), "--storage", f"sqlite:///{garbage}")
    assert_one_line_error(code, err, "cannot open storage")
    assert not Path(f"{garbage}.lock").exists()


@pytest.mark.parametrize("text, message", [
    ("emb: {low: 8, high: .inf}", "emb: inf is not a valid int (infinite or NaN)"),
    ("emb: .inf", "emb: inf is not a valid int"),
    ("emb: {low: 8, high: 1e400}", "not a valid int"),
    ("emb: {low: 8, high: 64, step: .inf}", "not a valid int"),
    ("lr: {low: 1.0e-4, high: .nan}", "lr: nan is not a valid float"),
    ("emb: [16]\nhidden: [8]\nemb: [32]", "duplicate key 'emb'"),
])
def test_bad_numbers_and_duplicate_keys_in_a_space_file(capsys, tmp_path, text, message):
    space = tmp_path / "space.yaml"
    space.write_text(text + "\n")
    code, _, err = run_cli(capsys, "translit", "sweep", "--data-dir", str(TEST_DATA), "--trials", "1",
                           "--out", str(tmp_path / "sweep"), "--space", str(space))
    assert_one_line_error(code, err, message)
