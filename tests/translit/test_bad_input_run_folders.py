"""Run folders and output paths: a folder that is not a seqlab run, an output path that is a file or cannot be
made, a second writer while the first holds the folder, and the temporaries a killed writer left."""
from __future__ import annotations

import json
from pathlib import Path

from translit_helpers import TEST_DATA, assert_one_line_error, edit_config, evaluate, run_cli

from seqlab.io import RunLock


def test_resume_on_a_hugging_face_folder_or_a_bad_train_section(capsys, tmp_path, model_copy):
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_embd": 64}))
    code, _, err = run_cli(capsys, "translit", "train", "--resume", str(hf))
    assert_one_line_error(code, err, "is not a seqlab transliteration run")
    edit_config(model_copy, lambda config: config["train"].update(turbo=True))
    code, _, err = run_cli(capsys, "translit", "train", "--resume", str(model_copy))
    assert_one_line_error(code, err, "train has unknown key 'turbo'")


def test_output_paths_that_are_files_or_forbidden(capsys, tmp_path, model_copy):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    code, _, err = run_cli(capsys, "translit", "train", "--data-dir", str(TEST_DATA), "--run-dir", str(a_file))
    assert_one_line_error(code, err, "--run-dir", "is a file, not a folder")
    assert_one_line_error(*evaluate(capsys, model_copy, "--out", str(a_file))[::2], "--out", "is a file")
    sweep = ["translit", "sweep", "--data-dir", str(TEST_DATA), "--trials", "1", "--epochs", "1"]
    code, _, err = run_cli(capsys, *sweep, "--out", str(a_file))
    assert_one_line_error(code, err, "--out", "is a file, not a folder")
    code, _, err = run_cli(capsys, *sweep, "--out", str(tmp_path / "sweep"), "--storage",
                           "sqlite:////proc/forbidden/x.db")
    assert_one_line_error(code, err, "--storage", "cannot create the folder")


def tiny_train(run: Path, data: Path, *extra: str) -> list[str]:
    return ["translit", "train", "--data-dir", str(data), "--run-dir", str(run), "--emb", "8", "--hidden", "16",
            "--epochs", "1", *extra]


def test_a_second_writer_is_refused_while_the_first_holds_the_run_folder(capsys, tmp_path, tiny_data):
    run = tmp_path / "run"
    run.mkdir()
    with RunLock(run):  # the first writer, still training
        code, _, err = run_cli(capsys, *tiny_train(run, tiny_data))
        assert_one_line_error(code, err, f"{run} is in use by process", "use another run folder")
        assert not (run / "config.json").exists()
    assert run_cli(capsys, *tiny_train(run, tiny_data))[0] == 0  # a lock left by a dead holder blocks nothing
    with RunLock(run):
        code, _, err = run_cli(capsys, "translit", "train", "--resume", str(run), "--epochs", "2")
        assert_one_line_error(code, err, "is in use by process")


def test_resume_removes_temporaries_a_killed_writer_left(capsys, tmp_path, tiny_data):
    run = tmp_path / "run"
    assert run_cli(capsys, *tiny_train(run, tiny_data))[0] == 0
    orphan = run / ".last.safetensors.k9x2.tmp"
    orphan.write_bytes(b"\0" * 4096)  # what kill -9 during save_weights leaves
    assert run_cli(capsys, "translit", "train", "--resume", str(run), "--epochs", "2")[0] == 0
    assert not orphan.exists() and not list(run.glob(".*.tmp"))
