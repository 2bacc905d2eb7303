"""Issue 9's bad inputs to model folders, options, output paths, sweeps and run folders: each one gets a one-line
error and exit 2 (or the correct result), never a traceback, and leaves no half-made run behind."""
from __future__ import annotations

import gzip
import json
import shutil
import socket
import time
from pathlib import Path

import pytest
from translit_helpers import write_dakshina

from seqlab.cli import main
from seqlab.io import RunLock

LEGACY_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "run-before-restructure"
TEST_DATA = LEGACY_RUN / "data"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def tiny_data(tmp_path, real_pairs) -> Path:
    return write_dakshina(tmp_path / "data", {"train": real_pairs[::300][:150], "dev": real_pairs[7::900][:30]})


@pytest.fixture
def model_copy(tmp_path) -> Path:
    """A real trained model folder that a test may damage."""
    return Path(shutil.copytree(LEGACY_RUN, tmp_path / "model", ignore=shutil.ignore_patterns("expected_*", "data")))


def edit_config(folder: Path, edit) -> None:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    edit(config)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def evaluate(capsys, model: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(capsys, "translit", "evaluate", "--model", str(model), "--data-dir", str(TEST_DATA),
                   "--out", str(model / "eval"), *extra)


# 4. config.json validated by type and size -------------------------------------------------------------------
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
    started = time.monotonic()
    code, _, err = evaluate(capsys, model_copy)
    assert_one_line_error(code, err, message)
    assert time.monotonic() - started < 30  # refused before allocating anything large


def test_a_config_json_that_is_not_a_seqlab_model_is_named(capsys, model_copy):
    (model_copy / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    assert_one_line_error(*evaluate(capsys, model_copy)[::2], "has no 'model' section")


# 5. prior.tsv with a negative count --------------------------------------------------------------------------
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


# 6. --resume on a folder that is not a seqlab run --------------------------------------------------------------
def test_resume_on_a_hugging_face_folder_or_a_bad_train_section(capsys, tmp_path, model_copy):
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"], "n_embd": 64}))
    code, _, err = run_cli(capsys, "translit", "train", "--resume", str(hf))
    assert_one_line_error(code, err, "is not a seqlab transliteration run")
    edit_config(model_copy, lambda config: config["train"].update(turbo=True))
    code, _, err = run_cli(capsys, "translit", "train", "--resume", str(model_copy))
    assert_one_line_error(code, err, "train has unknown key 'turbo'")


# 7, 17, 20. numeric options: finite, in range, and 0 means 0 ----------------------------------------------------
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


# 8. output paths that are files or cannot be created -----------------------------------------------------------
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


# 29 (second half). a failed SQLite storage leaves no lock file ---------------------------------------------------
def test_a_storage_that_is_not_a_database_leaves_no_lock_file(capsys, tmp_path, tiny_data):
    garbage = tmp_path / "garbage.db"
    garbage.write_text("this is not SQLite\n" * 100)
    code, _, err = run_cli(capsys, "translit", "sweep", "--data-dir", str(tiny_data), "--trials", "1",
                           "--epochs", "1", "--out", str(tmp_path / "sweep"), "--storage", f"sqlite:///{garbage}")
    assert_one_line_error(code, err, "cannot open storage")
    assert not Path(f"{garbage}.lock").exists()


# 9, 21. sweep space files: infinities and duplicate keys -----------------------------------------------------------
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


# 25. analyze with absurd layer counts ----------------------------------------------------------------------------
def test_analyze_caps_layers_without_check(capsys):
    started = time.monotonic()
    code, _, err = run_cli(capsys, "translit", "analyze", "--emb", "8", "--hidden", "8", "--seq-len", "4", "--vocab",
                           "9", "--enc-layers", "10000000", "--dec-layers", "10000000")
    assert_one_line_error(code, err, "--enc-layers must be 1–16, got 10000000")
    assert time.monotonic() - started < 10


# 19, 28. one writer per run folder; stale temporaries of a killed writer are cleaned ---------------------------------
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
