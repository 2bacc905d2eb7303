"""The `seqlab translit` commands as a user runs them: output, files written, exit codes, one-line errors."""
from __future__ import annotations

import csv
import io
import json
import os
import select
import tracemalloc
from pathlib import Path

import pytest
from translit_helpers import modules_loaded_by_help, write_dakshina

from seqlab.cli import main
from seqlab.translit.config import MAX_WORD_LENGTH


@pytest.fixture(scope="module")
def trained(tmp_path_factory, real_pairs):
    root = tmp_path_factory.mktemp("cli")
    data = write_dakshina(root / "data", {
        "train": real_pairs[::40][:1000], "dev": real_pairs[7::300][:120], "test": real_pairs[19::300][:120]})
    run = root / "run"
    code = main(["translit", "train", "--data-dir", str(data), "--epochs", "3", "--emb", "16", "--hidden", "48",
                 "--attention", "luong", "--batch-size", "32", "--run-dir", str(run)])
    assert code == 0
    return data, run


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_json_summary_and_predictions_csv(trained, capsys, tmp_path):
    data, run = trained
    code, out, _ = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(data),
                           "--split", "test", "--beam-size", "3", "--top-k", "3", "--json", "--out", str(tmp_path))
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    for key in ("split", "pairs", "accuracy", "accuracy_any_reference", "top_k_accuracy", "cer", "beam_size"):
        assert key in summary
    assert summary["split"] == "test" and summary["pairs"] == 120 and summary["beam_size"] == 3
    assert summary["accuracy"] <= summary["accuracy_any_reference"] and summary["accuracy"] <= summary["top_k_accuracy"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "dakshina_hi_test_beam3_predictions.csv").read_text())))
    assert len(rows) == 120 and set(rows[0]) == {"input", "reference", "prediction", "correct", "top_k"}
    assert all(r["prediction"] == r["top_k"].split("|")[0] for r in rows)
    assert json.loads((tmp_path / "dakshina_hi_test_beam3_summary.json").read_text())["cer"] == summary["cer"]


def test_evaluate_backends_give_the_same_predictions_and_say_which_ran(trained, capsys, tmp_path):
    """ONNX Runtime (the default on a CPU) and PyTorch: the same predictions CSV; the JSON names the backend."""
    data, run = trained
    summaries, csvs = {}, {}
    for backend in ("torch", "onnx"):
        code, out, _ = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(data),
                               "--split", "test", "--beam-size", "4", "--top-k", "4", "--json", "--backend", backend,
                               "--out", str(tmp_path / backend))
        assert code == 0
        summaries[backend] = json.loads(out.strip().splitlines()[-1])
        csvs[backend] = (tmp_path / backend / "dakshina_hi_test_beam4_predictions.csv").read_text()
    assert csvs["onnx"] == csvs["torch"]
    assert summaries["onnx"]["backend"] == "onnx" and summaries["torch"]["backend"] == "torch"
    assert summaries["onnx"]["accuracy"] == summaries["torch"]["accuracy"]


def test_evaluate_with_and_without_the_rescorers(trained, capsys, tmp_path):
    """--no-rescorers evaluates the shipped model as the server decodes by default; the summary says which."""
    data, _ = trained
    for flag, rescored in (("--rescorers", True), ("--no-rescorers", False)):
        code, out, _ = run_cli(capsys, "translit", "evaluate", "--data-dir", str(data), "--split", "test",
                               "--beam-size", "3", "--json", flag, "--out", str(tmp_path / flag))
        assert code == 0 and json.loads(out.strip().splitlines()[-1])["rescorers"] is rescored


def test_evaluate_writes_into_the_run_directory_by_default(trained, capsys):
    data, run = trained
    code, _, _ = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(data), "--split", "dev")
    assert code == 0 and (run / "dakshina_hi_dev_beam1_summary.json").is_file()


def test_predict_words_top_k_sentence_and_stdin(trained, capsys, monkeypatch):
    _, run = trained
    code, out, _ = run_cli(capsys, "translit", "predict", "--model", str(run), "ghar", "pani")
    words = out.split()
    assert code == 0 and len(words) == 2 and all(any("\u0900" <= c <= "\u097f" for c in w) for w in words)
    code, out, _ = run_cli(capsys, "translit", "predict", "--model", str(run), "--top-k", "4", "ghar")
    candidates = out.split()
    assert code == 0 and len(candidates) == len(set(candidates)) == 4
    code, out, _ = run_cli(capsys, "translit", "predict", "--model", str(run), "--beam-size", "4", "ghar")
    assert out.strip() == candidates[0]
    code, out, _ = run_cli(capsys, "translit", "predict", "--model", str(run), "--sentence", "ghar, 42 pani!")
    assert out.strip() == f"{words[0]}, 42 {words[1]}!"
    monkeypatch.setattr("sys.stdin", io.StringIO("ghar\n\npani (7)\n"))
    code, out, _ = run_cli(capsys, "translit", "predict", "--model", str(run))
    assert out.splitlines() == [words[0], "", f"{words[1]} (7)"]


def test_unknown_characters_are_reported_not_fatal(trained, capsys):
    _, run = trained
    code, out, err = run_cli(capsys, "translit", "predict", "--model", str(run), "gharé", "ÇAFÉ", "x1y")
    assert code == 0 and len(out.splitlines()) == 3
    assert "<unk>" in err and "é" in err and "ç" in err


def test_malformed_data_fails_with_file_and_line(trained, capsys, tmp_path):
    _, run = trained
    bad = write_dakshina(tmp_path / "bad", {"test": [("ghar", "घर")]})
    path = bad / "hi" / "lexicons" / "hi.translit.sampled.test.tsv"
    path.write_text("घर\tghar\t1\nपानी pani 1\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(bad))
    assert code == 2 and err.count("\n") == 1 and f"{path}:2: expected 3 tab-separated fields" in err
    code, out, _ = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(bad),
                           "--skip-bad-lines", "--json", "--out", str(tmp_path / "o"))
    assert code == 0 and json.loads(out.splitlines()[-1])["skipped_lines"] == 1


@pytest.mark.parametrize("args, message", [
    (["translit", "predict", "--model", "/nonexistent/run", "ghar"], "does not exist"),
    (["translit", "predict", "--beam-size", "0", "ghar"], "--beam-size must be an integer in 1–100, got 0"),
    (["translit", "train", "--cell", "transformer", "--epochs", "1"], "cell must be one of rnn, gru, lstm"),
    (["translit", "train", "--hidden", "-3"], "--hidden must be an integer in 1–8192, got -3"),
    (["translit", "train", "--dataset", "wikipedia"],
     "--dataset must be one of dakshina, aksharantar, got 'wikipedia'"),
    (["translit", "train", "--resume", "/nonexistent/run"], "config.json is missing"),
    (["translit", "train", "--device", "tpu", "--epochs", "1"], "--device must be auto, cpu, cuda or cuda:N"),
    (["translit", "train", "--dev-beam-size", "0"], "--dev-beam-size must be an integer in 1–100, got 0"),
    (["translit", "evaluate", "--device", "gpu"], "--device must be auto, cpu, cuda or cuda:N"),
])
def test_bad_options_exit_non_zero_with_one_line(capsys, args, message):
    code, _, err = run_cli(capsys, *args)
    assert code != 0 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_resume_from_the_cli_adds_epochs(trained, capsys, tmp_path):
    data, run = trained
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    code, out, _ = run_cli(capsys, "translit", "train", "--resume", str(copy), "--epochs", "4")
    lines = (copy / "metrics.jsonl").read_text().splitlines()
    assert code == 0 and [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4]


def model_and_native_text(trained, tmp_path):
    """A copy of the trained model, and a Devanagari text made of its training words."""
    import shutil

    data, run = trained
    model = tmp_path / "model"
    shutil.copytree(run, model)
    text = tmp_path / "hindi.txt"
    train_file = data / "hi" / "lexicons" / "hi.translit.sampled.train.tsv"
    text.write_text(" ".join(line.split("\t")[0] for line in train_file.read_text().splitlines()), encoding="utf-8")
    return data, model, text


def test_prior_command_tunes_reranking_and_becomes_the_default(trained, capsys, tmp_path):
    data, model, text = model_and_native_text(trained, tmp_path)
    code, out, _ = run_cli(capsys, "translit", "prior", "--model", str(model), "--text", str(text),
                           "--data-dir", str(data), "--beam-size", "4")
    assert code == 0 and (model / "prior.tsv").is_file()
    decoding = json.loads((model / "config.json").read_text())["decoding"]
    assert decoding["beam_size"] == 4 and decoding["dev_accuracy"] >= decoding["dev_accuracy_without_prior"]
    code, out, _ = run_cli(capsys, "translit", "evaluate", "--model", str(model), "--data-dir", str(data),
                           "--split", "dev", "--json", "--out", str(tmp_path / "eval"))
    summary = json.loads(out.splitlines()[-1])
    assert summary["beam_size"] == 4 and summary["prior_weight"] == decoding["prior_weight"]
    assert summary["accuracy"] == pytest.approx(decoding["dev_accuracy"])
    code, _, err = run_cli(capsys, "translit", "prior", "--model", str(model), "--text", str(tmp_path / "nope.txt"))
    assert code == 2 and "nope.txt: no such file" in err


def test_prior_mixes_sources_with_weights_tuned_on_dev_and_records_them(trained, capsys, tmp_path):
    data, model, text = model_and_native_text(trained, tmp_path)
    code, out, _ = run_cli(capsys, "translit", "prior", "--model", str(model), "--source", str(text),
                           "--source", "wordfreq", "--data-dir", str(data), "--beam-size", "3")
    assert code == 0 and "source wordfreq:" in out and "source hindi.txt:" in out
    record = json.loads((model / "config.json").read_text())["decoding"]["prior_sources"]
    assert [s["name"] for s in record] == ["hindi.txt", "wordfreq"] and sum(s["weight"] for s in record) == 1
    assert "CC BY-SA" in record[1]["license"] and record[1]["words"] > 20_000


def test_prior_keeps_the_sentence_context_settings(trained, capsys, tmp_path):
    """`prior` rewrites config.json's decoding section; what `seqlab translit context` and `typeahead` tuned must
    survive it."""
    data, model, text = model_and_native_text(trained, tmp_path)
    config = json.loads((model / "config.json").read_text())
    context = {"context_weight": 0.6, "context_lexicon_weight": 1.0, "nasal_penalty": 0.5, "context_tune_wer": 0.12,
               "typeahead": {"context_weight": 0.45, "prior_weight": 0.2, "lexicon_weight": 0.5, "nasal_penalty": 0.5},
               "typeahead_rescored": {"context_weight": 0.6, "prior_weight": 0.6, "lexicon_weight": 1.0,
                                      "nasal_penalty": 0.5}}
    config.setdefault("decoding", {}).update(context)
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert run_cli(capsys, "translit", "prior", "--model", str(model), "--text", str(text), "--data-dir", str(data),
                   "--beam-size", "2")[0] == 0
    decoding = json.loads((model / "config.json").read_text())["decoding"]
    assert {k: decoding[k] for k in context} == context and decoding["beam_size"] == 2


@pytest.mark.parametrize("args, message", [
    (["translit", "predict", "--beam-size", "abc", "ghar"], "Invalid value for '--beam-size'"),
    (["translit", "nosuch"], "No such command 'nosuch'"),
])
def test_usage_errors_exit_two_without_traceback(capsys, args, message):
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_non_utf8_stdin_is_a_clear_error(trained, capsys, monkeypatch):
    _, run = trained
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"ghar\ncaf\xe9\n"), encoding="utf-8"))
    code, out, err = run_cli(capsys, "translit", "predict", "--model", str(run))
    assert code == 2 and "line 2 is not valid UTF-8 (byte 0xe9)" in err and err.count("\n") == 1
    assert len(out.splitlines()) == 1


def test_device_option_places_decoding_and_names_a_missing_gpu(trained, capsys, tmp_path):
    import torch

    data, run = trained
    code, out, _ = run_cli(capsys, "translit", "evaluate", "--model", str(run), "--data-dir", str(data),
                           "--split", "dev",
                           "--device", "cpu", "--json", "--out", str(tmp_path / "cpu"))
    assert code == 0 and json.loads(out.splitlines()[-1])["device"] == "cpu"
    code, out, err = run_cli(capsys, "translit", "predict", "--model", str(run), "--device", "cuda", "ghar")
    if torch.cuda.is_available():
        assert code == 0 and out.strip()
    else:
        assert code == 2 and "PyTorch sees no CUDA GPU here; use --device cpu" in err and err.count("\n") == 1


def test_help_and_the_lyrics_group_start_without_torch():
    """`--help` and argument errors must be quick: nothing imports torch before a command runs."""
    commands = [["--help"], ["translit", "--help"], ["lyrics", "generate", "--help"]]
    assert modules_loaded_by_help(commands, ("torch", "transformers")) == []


# Issue 9: `predict` on arguments, --top-k, stdin encoding, word length and batched stdin (shipped model).
LONG = "a" * (MAX_WORD_LENGTH + 1)


def stdin_from(monkeypatch, path):
    """A real file descriptor, as a shell redirection or pipe gives."""
    stdin = path.open("rb")
    monkeypatch.setattr("sys.stdin", stdin)
    return stdin


def test_predict_arguments_keep_digits_punctuation_spaces_and_emoji(capsys):
    code, out, err = run_cli(capsys, "translit", "predict", "123", "2024", "ghar!", "😀", "ghar pani")
    assert code == 0 and out.splitlines() == ["123", "2024", "घर!", "😀", "घर पानी"] and err == ""
    code, out, err = run_cli(capsys, "translit", "predict", "ÇAFÉ", "ghar")
    assert code == 0 and len(out.splitlines()) == 2 and err == "warning: characters never seen in training were " \
        "read as <unk>: çé\n"


def test_predict_top_k_gives_one_line_per_word_from_arguments_and_stdin(capsys, monkeypatch):
    code, out, _ = run_cli(capsys, "translit", "predict", "--top-k", "5", "kal", "ghar")
    kal, _ = out.splitlines()  # running text (issue 21): कल, not the word lists' काल
    assert code == 0 and len(set(kal.split())) == 5 and kal.split()[0] == "कल"
    monkeypatch.setattr("sys.stdin", io.StringIO("kal\n"))
    assert run_cli(capsys, "translit", "predict", "--top-k", "5") == (0, kal + "\n", "")
    code, out, _ = run_cli(capsys, "translit", "predict", "--top-k", "5", "kal ghar", "42", LONG)
    ghar = out.splitlines()[1]  # ranked after कल, on the same line
    assert code == 0 and out.splitlines() == [kal, ghar, "42", LONG]
    monkeypatch.setattr("sys.stdin", io.StringIO("kal, ghar!\n\n123 ...\n"))
    assert run_cli(capsys, "translit", "predict", "--top-k", "5")[1].splitlines() == [kal, ghar, "", "123 ..."]


def test_predict_refuses_top_k_with_sentence_saying_what_to_do(capsys):
    code, out, err = run_cli(capsys, "translit", "predict", "--top-k", "5", "--sentence", "kal ghar")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--top-k does not combine with --sentence: give the sentence's words as arguments" in err


def test_non_utf8_stdin_names_line_and_byte_after_the_lines_before(capsys, monkeypatch, tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"ghar\npani\xff\xfe\n")
    with stdin_from(monkeypatch, path):
        code, out, err = run_cli(capsys, "translit", "predict")
    assert code == 2 and out == "घर\n"
    assert err == "error: standard input line 2 is not valid UTF-8 (byte 0xff); convert it with iconv first\n"
    code, out, err = run_cli(capsys, "translit", "predict", "ghar", "pani\udcff")  # how Python passes argv bytes
    assert code == 2 and out == "" and err == "error: argument 2 is not valid UTF-8 (byte 0xff)\n"


def test_over_long_words_pass_through_with_one_warning(capsys, monkeypatch, tmp_path):
    code, out, err = run_cli(capsys, "translit", "predict", "a" * 2000, "--sentence", f"ghar {LONG}, pani {LONG}")
    assert code == 0 and out.splitlines() == ["a" * 2000, f"घर {LONG}, पानी {LONG}"]
    assert err == f"warning: 3 word(s) longer than {MAX_WORD_LENGTH} characters were left as they are\n"


@pytest.mark.slow
def test_a_megabyte_word_on_stdin_passes_through_in_flat_memory(capsys, monkeypatch, tmp_path):
    """1,048,576 letters used to run past 120 s and 2 GB; now it is written through 64 KiB at a time. (Its speed is
    measured by benchmarks/predict_stdin.py, not here: a wall-clock bound fails on a loaded machine.)"""

    def predict(text: str) -> tuple[int, str]:
        source, target = tmp_path / "in.txt", tmp_path / "out.txt"
        source.write_text(text, encoding="utf-8")
        with stdin_from(monkeypatch, source), target.open("w", encoding="utf-8") as stdout:
            monkeypatch.setattr("sys.stdout", stdout)
            tracemalloc.start()
            assert main(["translit", "predict"]) == 0
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return peak, target.read_text(encoding="utf-8")

    predict("ghar pani\n")  # imports and caches
    small_peak, out = predict("ghar pani\n")
    word = "a" * 1_048_576
    peak, out = predict(f"ghar {word} pani\n")
    assert out == f"घर {word} पानी\n"
    assert peak - small_peak < 256 * 1024, "the line must not be held in memory"
    assert capsys.readouterr().err.count("longer than") == 1


@pytest.mark.slow
def test_stdin_is_decoded_in_batches_in_order_with_warnings_once(capsys, monkeypatch, tmp_path, shared_data):
    """Issue 9 #26: one decoding call per 64 KiB read, not per line; output order = input order."""
    from seqlab.translit.transliterator import Transliterator, load_transliterator

    test_words = [line.split("\t")[1] for line in
                  (shared_data / "dakshina/hi/lexicons/hi.translit.sampled.test.tsv").read_text().splitlines()]
    lines = (test_words * 3)[:12_000]
    lines[10], lines[5000], lines[-1] = "café", "ÇAFÉ 42", "naïve!"
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls: list[int] = []
    decode = Transliterator.best  # what every path of the stream decodes through at beam 1

    def counting(self, words, *args, **kwargs):  # the real decoding, counted
        calls.append(len(words))
        return decode(self, words, *args, **kwargs)

    monkeypatch.setattr(Transliterator, "best", counting)
    with stdin_from(monkeypatch, path):
        code, out, err = run_cli(capsys, "translit", "predict", "--beam-size", "1")
    reads = -(-path.stat().st_size // 65536)
    assert code == 0 and len(calls) <= reads + 1 and sum(calls) == len(lines)  # one word a line
    expected = load_transliterator().transliterate([w for w in lines if w.isalpha()], 1)
    assert [o for o, w in zip(out.splitlines(), lines) if w.isalpha()] == expected
    assert err == "warning: characters never seen in training were read as <unk>: çéï\n"


@pytest.mark.slow
def test_predict_answers_a_typed_line_at_once(tmp_path):
    """A pipe to a real process: the first line's answer comes before stdin is closed; bad bytes end it."""
    import subprocess
    import sys

    import seqlab

    env = {**os.environ, "LANG": "C.UTF-8", "PYTHONPATH": str(Path(seqlab.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "seqlab", "translit", "predict"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        proc.stdin.write(b"ghar\n")
        proc.stdin.flush()
        assert select.select([proc.stdout], [], [], 60)[0], "no answer within 60 s"
        assert proc.stdout.readline() == "घर\n".encode()
        out, err = proc.communicate(b"pani\xff\xfe\n", timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 2 and out == b""
    assert err == b"error: standard input line 2 is not valid UTF-8 (byte 0xff); convert it with iconv first\n"


@pytest.mark.slow
def test_a_closed_output_pipe_ends_predict_quietly(trained):
    """`seqlab translit predict < big.txt | head -1`: exit 0, no traceback (the reader has what it wants)."""
    import contextlib
    import subprocess
    import sys
    import threading

    _, run = trained
    process = subprocess.Popen([sys.executable, "-m", "seqlab", "translit", "predict", "--model", str(run)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed() -> None:  # in a thread: the output pipe fills while the input is still being written
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(b"ghar\n" * 200_000)
            process.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    first = process.stdout.readline()
    process.stdout.close()  # what `head -1` does after its line
    assert first.strip() and process.wait(timeout=120) == 0
    writer.join(timeout=10)
    assert b"Traceback" not in process.stderr.read()
