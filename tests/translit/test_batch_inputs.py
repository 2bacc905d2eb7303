"""`seqlab translit batch` before any cluster starts: bad inputs, output folders and scheduler addresses are one-line
errors (exit 2), shards are cut the same way every time, and a changed model is recognised by its hash."""
from __future__ import annotations

import gzip
import io
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from translit_helpers import modules_loaded_by_help

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.io import RunLock
from seqlab.translit.batch.inputs import STATE_DIR, find_inputs
from seqlab.translit.batch.manifest import MANIFEST, Manifest, check_fingerprint
from seqlab.translit.batch.model import model_hash
from seqlab.translit.batch.progress import LogProgress
from seqlab.translit.batch.shards import read_shards
from seqlab.translit.model.checkpoint import PRETRAINED_DIRS


def batch(capsys, *args: str) -> tuple[int, str]:
    """Exit code and stderr of `seqlab translit batch ARGS` (with a scheduler address nobody listens on: none of
    these runs may get as far as connecting)."""
    code = main(["translit", "batch", *args, "--scheduler", f"tcp://127.0.0.1:{free_port()}"])
    return code, capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def text_file(tmp_path) -> Path:
    path = tmp_path / "in" / "a.txt"
    path.parent.mkdir()
    path.write_text("ghar\npani\n", encoding="utf-8")
    return path


def test_a_line_that_is_not_utf8_is_named_by_file_and_line(capsys, tmp_path):
    source = tmp_path / "bad.txt.gz"
    source.write_bytes(gzip.compress(b"ghar\npani\nca\xfff\nkal\n"))
    code, err = batch(capsys, str(source), "--output", str(tmp_path / "out"))
    assert code == 2 and f"{source}:3: not valid UTF-8 (byte 0xff)" in one_error_line(err)
    assert "--skip-bad-lines" in err and not (tmp_path / "out").exists()  # found before anything is written


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
    (b"\x1f\x8b\x08\x00 not really gzip", "not a valid gzip file"),
])
def test_binary_and_broken_gzip_files_are_refused(capsys, tmp_path, content, message):
    source = tmp_path / ("in.gz" if b"\x1f\x8b" in content else "in.txt")
    source.write_bytes(content)
    code, err = batch(capsys, str(source), "--output", str(tmp_path / "out"))
    assert code == 2 and message in one_error_line(err)


def test_output_that_is_a_file_is_refused(capsys, text_file, tmp_path):
    (tmp_path / "out").write_text("x")
    code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "out"))
    assert code == 2 and "is a file, not a folder" in one_error_line(err)


def test_inputs_and_output_inside_each_other_are_refused(capsys, text_file, tmp_path):
    inside = tmp_path / "out" / "old.txt"
    inside.parent.mkdir()
    inside.write_text("ghar\n")
    code, err = batch(capsys, str(inside), "--output", str(tmp_path / "out"))
    assert code == 2 and "is inside the output folder" in one_error_line(err)
    code, err = batch(capsys, str(text_file.parent), "--output", str(text_file.parent / "results"))
    assert code == 2 and "is inside input folder" in one_error_line(err)


def test_missing_inputs_empty_folders_and_clashing_names_are_refused(capsys, text_file, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    shutil.copy(text_file, tmp_path / "other" / "a.txt")
    for args, message in [([str(tmp_path / "nope.txt")], "no such file or folder"),
                          ([str(tmp_path / "empty")], "the folder holds no files"),
                          ([str(text_file), str(tmp_path / "other" / "a.txt")], "would both be written to")]:
        code, err = batch(capsys, *args, "--output", str(tmp_path / "out"))
        assert code == 2 and message in one_error_line(err), args


def test_files_already_in_a_fresh_output_folder_are_not_overwritten(capsys, text_file, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.txt").write_text("keep me")
    code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "out"))
    assert code == 2 and "already holds a.txt" in one_error_line(err)
    assert (tmp_path / "out" / "a.txt").read_text() == "keep me"


def test_option_errors_name_the_flag(capsys, text_file, tmp_path):
    code = main(["translit", "batch", str(text_file), "--output", str(tmp_path / "o"), "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "--workers is for a local cluster" in one_error_line(capsys.readouterr().err)
    code = main(["translit", "batch", str(text_file), "--output", str(tmp_path / "o"), "--scheduler", " "])
    assert code == 2 and "--scheduler must be an address such as tcp://HOST:8786" in one_error_line(
        capsys.readouterr().err)
    code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "o"), "--beam-size", "0")
    assert code == 2 and "--beam-size must be an integer in 1–100" in one_error_line(err)
    code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "o"), "--lang", "bn", "--direction",
                      "native-to-roman")  # the shipped model of --lang and --direction: Hindi alone has a reverse one
    assert code == 2 and "no shipped native-to-roman model for 'bn' (Bengali)" in one_error_line(err)


@pytest.mark.slow  # the connection timeout: 5 s
def test_a_scheduler_that_does_not_answer_is_one_line_within_ten_seconds(capsys, text_file, tmp_path):
    start = time.monotonic()
    code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "out"))
    assert code == 2 and "no Dask scheduler answers" in one_error_line(err)
    assert time.monotonic() - start < 10
    with socket.socket() as listener:  # a web server answers there, not a Dask scheduler
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        threading.Thread(target=answer_like_a_web_server, args=(listener,), daemon=True).start()
        code = main(["translit", "batch", str(text_file), "--output", str(tmp_path / "out"), "--scheduler",
                     f"tcp://127.0.0.1:{listener.getsockname()[1]}"])
        assert code == 2 and "--scheduler" in one_error_line(capsys.readouterr().err)


def answer_like_a_web_server(listener: socket.socket) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def test_shards_are_whole_lines_of_at_most_shard_lines(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\nb\n\nc\xff\nd")
    [source] = find_inputs([path], tmp_path / "out")
    shards = list(read_shards(source, 2, skip_bad_lines=True))
    assert [(s.index, s.first_line, s.lines, s.text, s.skipped) for s in shards] == [
        (0, 1, 2, "a\nb\n", 0), (1, 3, 2, "\n\n", 1), (2, 5, 1, "d", 0)]
    with pytest.raises(SeqlabError, match=r"t\.txt:4: not valid UTF-8"):
        list(read_shards(source, 2, skip_bad_lines=False))


def test_folders_mirror_into_the_output_without_hidden_files(tmp_path):
    for name in ("corpus/x.txt", "corpus/deep/y.txt.gz", "corpus/.git/config", "corpus/.hidden.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("ghar\n")
    found = find_inputs([tmp_path / "corpus"], tmp_path / "out")
    assert [f.name for f in found] == ["corpus/deep/y.txt.gz", "corpus/x.txt"]
    assert [f.compressed for f in found] == [True, False]
    with pytest.raises(SeqlabError, match=f"name of the run's own folder {STATE_DIR}"):
        (tmp_path / STATE_DIR).write_text("x")
        find_inputs([tmp_path / STATE_DIR], tmp_path / "out")


def test_a_changed_model_file_changes_the_hash_and_is_refused(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(PRETRAINED_DIRS["native-to-roman"], model)
    before = model_hash(model, rescorers=True)
    assert before == model_hash(PRETRAINED_DIRS["native-to-roman"], rescorers=True)
    (model / "notes.txt").write_text("not read by decoding")
    assert model_hash(model, rescorers=True) == before
    with open(model / "config.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    after = model_hash(model, rescorers=True)
    assert after != before
    old = {"model": before, "options": {}, "user_dictionary": "", "inputs": []}
    with pytest.raises(SeqlabError, match="holds a run made with another model"):
        check_fingerprint(old, {**old, "model": after}, tmp_path / "out")
    check_fingerprint(old, dict(old), tmp_path / "out")


def test_batch_help_imports_neither_dask_nor_torch():
    """`seqlab --help` stays fast: dask, distributed and torch load only when a batch job runs."""
    commands = [["--help"], ["translit", "batch", "--help"]]
    assert modules_loaded_by_help(commands, ("dask", "distributed", "torch")) == []


def test_one_writer_per_output_folder(capsys, text_file, tmp_path):
    (tmp_path / "out" / STATE_DIR).mkdir(parents=True)
    with RunLock(tmp_path / "out" / STATE_DIR, "--output folder"):  # another batch command writing there
        code, err = batch(capsys, str(text_file), "--output", str(tmp_path / "out"))
    assert code == 2 and "is in use by process" in one_error_line(err)


def test_log_lines_say_how_far_and_how_fast():
    log = io.StringIO()
    progress = LogProgress(log, every_s=0)
    progress.start(100, 20)
    progress.update(10, 55)
    progress.update(70, 300)  # the last shard: the summary says the rest
    lines = log.getvalue().splitlines()
    assert lines[0] == "batch: 100 lines to transliterate, 20 of them done by an earlier run"
    assert len(lines) == 2 and lines[1].startswith("batch: 30/100 lines (30%), ") and "words/s, about" in lines[1]


def test_a_manifest_that_is_corrupt_or_foreign_is_one_line(tmp_path):
    state = tmp_path / "out" / STATE_DIR
    state.mkdir(parents=True)
    (state / MANIFEST).write_bytes(b"{not json")
    with pytest.raises(SeqlabError, match=r"manifest.json is unreadable \(.*\); give a new --output folder to start"):
        Manifest.open(tmp_path / "out", [], {}, [])
    (state / MANIFEST).write_text('{"format": 99, "files": []}', encoding="utf-8")
    with pytest.raises(SeqlabError, match="was not written by this version of seqlab batch; give a new --output"):
        Manifest.open(tmp_path / "out", [], {}, [])
