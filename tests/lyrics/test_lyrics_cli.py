"""The `seqlab lyrics …` commands through the real entry point: outputs, --json, and every error path
(one `error:` line on stderr, exit code 2, no traceback)."""
from __future__ import annotations

import json
import math

import pytest
from lyrics_helpers import assert_one_line_error, make_tiny_gpt2, run_cli

from seqlab.errors import SeqlabError
from seqlab.lyrics.config import TrainConfig
from seqlab.lyrics.train import train


def test_stats_prints_counts_and_json(lyrics_dir, capsys):
    code, out, err = run_cli(["lyrics", "stats", str(lyrics_dir), "--val-fraction", "0.3", "--json"], capsys)
    assert code == 0, err
    assert "files kept: 4, dropped: 1" in out and "dropped short.txt" in out
    assert "near-duplicate files: Artist_Two.txt ~ artist-two.txt" in out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["songs"] == 6 and report["split"]["val_songs"] == 2 and report["split"]["train_songs"] == 4
    assert report["tokens"] == report["split"]["train_tokens"] + report["split"]["val_tokens"]
    assert report["per_epoch"]["packing"]["kept_share"] == 1.0


@pytest.mark.slow
def test_train_generate_evaluate_end_to_end(lyrics_dir, tmp_path, tokenizer, capsys):
    start = make_tiny_gpt2(tmp_path / "start", tokenizer)
    out = tmp_path / "run"
    code, stdout, err = run_cli(["lyrics", "train", str(lyrics_dir), "--model", str(start), "--output-dir", str(out),
                                 "--max-steps", "3", "--block-size", "32", "--val-fraction", "0.3", "--no-progress",
                                 "--pad-to-max"], capsys)
    assert code == 0, err
    assert "trained 3 steps" in stdout and str(out) in stdout
    args = ["lyrics", "generate", "--model", str(out), "--prompt", "Sunrise", "--max-length", "20", "--seed", "5"]
    code, first, err = run_cli(args, capsys)
    assert code == 0, err
    assert first.startswith("Sunrise") and "tokens/s" in err
    assert run_cli(args, capsys)[1] == first  # same seed, same text
    code, stdout, err = run_cli(["lyrics", "evaluate", "--model", str(out), "--num-samples", "3",
                                 "--max-length", "24", "--block-size", "32", "--json"], capsys)
    assert code == 0, err
    numbers = json.loads(stdout.strip().splitlines()[-1])
    assert numbers["eval_songs"] == 2 and numbers["perplexity"] > 1 and numbers["eval_tokens"] > 0
    for key in ("distinct_1", "distinct_2", "repeated_line_rate", "memorized_8gram_share"):
        assert 0.0 <= numbers[key] <= 1.0
    code, stdout, err = run_cli(["lyrics", "evaluate", "--model", str(out), "--data", str(lyrics_dir), "--split",
                                 "all", "--num-samples", "0", "--block-size", "32", "--json"], capsys)
    assert code == 0 and json.loads(stdout.strip().splitlines()[-1])["eval_songs"] == 6


def test_error_empty_folder(tmp_path, capsys):
    code, _, err = run_cli(["lyrics", "stats", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "holds no .txt files", "paultimothymooney/poetry")


def test_error_no_viable_file(tmp_path, capsys):
    (tmp_path / "tiny.txt").write_text("la la la\n", encoding="utf-8")
    code, _, err = run_cli(["lyrics", "stats", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "no viable lyrics file", "tiny.txt")


def test_error_non_utf8(tmp_path, capsys):
    (tmp_path / "latin1.txt").write_bytes("Café de la música, canción de amor y más palabras aquí\n".encode("latin-1"))
    code, _, err = run_cli(["lyrics", "stats", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "latin1.txt: not valid UTF-8", "line 1")


def test_error_csv_without_text_column(tmp_path, capsys):
    path = tmp_path / "songs.csv"
    path.write_text("artist,title\nAnn,Sunrise\n", encoding="utf-8")
    code, _, err = run_cli(["lyrics", "train", str(path), "--from-scratch", "--output-dir", str(tmp_path / "o")],
                           capsys)
    assert_one_line_error(code, err, "no lyrics column", "lyrics")


def test_error_no_data_anywhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(tmp_path / "empty"))
    code, _, err = run_cli(["lyrics", "stats"], capsys)
    assert_one_line_error(code, err, "no lyrics data found", "$SEQLAB_DATA_DIR", "kaggle.com")


def test_error_missing_model_dir(tmp_path, capsys):
    code, _, err = run_cli(["lyrics", "generate", "--model", str(tmp_path / "missing")], capsys)
    assert_one_line_error(code, err, "does not exist")


def test_error_corrupt_checkpoint(tmp_path, tiny_model_dir, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_model_dir.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    code, _, err = run_cli(["lyrics", "generate", "--model", str(broken)], capsys)
    assert_one_line_error(code, err, "config.json is corrupt")
    (broken / "config.json").write_bytes((tiny_model_dir / "config.json").read_bytes())
    weights = (tiny_model_dir / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(weights[: len(weights) // 2])  # a half-written checkpoint
    code, _, err = run_cli(["lyrics", "generate", "--model", str(broken)], capsys)
    assert_one_line_error(code, err, "cannot load the model in", str(broken))
    code, _, err = run_cli(["lyrics", "evaluate", "--model", str(tmp_path), "--num-samples", "0"], capsys)
    assert_one_line_error(code, err, "lyrics_run.json", "--data")


def test_error_absurd_options(lyrics_dir, tmp_path, tiny_model_dir, capsys):
    cases = [
        (["lyrics", "train", str(lyrics_dir), "--max-steps", "-5"], "--max-steps must be at least 1"),
        (["lyrics", "train", str(lyrics_dir), "--val-fraction", "0"], "--val-fraction"),
        (["lyrics", "generate", "--model", str(tiny_model_dir), "--top-p", "1.5"], "--top-p must be in (0, 1]"),
        (["lyrics", "generate", "--model", str(tiny_model_dir), "--temperature", "-1"], "--temperature"),
        (["lyrics", "generate", "--model", str(tiny_model_dir), "-n", "0"], "--num-return-sequences"),
        (["lyrics", "evaluate", "--model", str(tiny_model_dir), "--split", "test"], "--split"),
        (["lyrics", "generate", "--model", str(tiny_model_dir), "--device", "tpu"], "--device must be auto, cpu, cuda"),
        (["lyrics", "evaluate", "--model", str(tiny_model_dir), "--device", "cuda:x"],
         "--device must be auto, cpu, cuda"),
        (["lyrics", "train", str(lyrics_dir), "--resume", "--output-dir", str(tmp_path / "none")], "no checkpoint"),
    ]
    for args, message in cases:
        code, _, err = run_cli(args, capsys)
        assert_one_line_error(code, err, message)


def test_error_hub_unreachable(lyrics_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code, _, err = run_cli(["lyrics", "train", str(lyrics_dir), "--model", "gpt2", "--output-dir",
                            str(tmp_path / "o"), "--max-steps", "1"], capsys)
    assert_one_line_error(code, err, "cannot load model 'gpt2'", "--model smollm2-135m", "--from-scratch")


def test_negative_seed_is_one_line_error(lyrics_dir, tmp_path, tiny_model_dir, capsys):
    """Issue 9 #7: `--seed -1` crashed train and generate."""
    out = tmp_path / "run"
    for args in (["lyrics", "train", str(lyrics_dir), "--model", str(tiny_model_dir), "--output-dir", str(out)],
                 ["lyrics", "generate", "--model", str(tiny_model_dir)],
                 ["lyrics", "evaluate", "--model", str(tiny_model_dir)],
                 ["lyrics", "stats", str(lyrics_dir)]):
        code, _, err = run_cli([*args, "--seed", "-1"], capsys)
        assert_one_line_error(code, err, "--seed must be an integer in 0–4,294,967,295, got -1")
    assert not out.exists()


def test_infinite_epochs_is_refused_before_anything_is_written(lyrics_dir, tmp_path, tiny_model_dir, capsys):
    """Issue 9 #10: `--epochs inf` crashed and left lyrics_run.json, so the folder then counted as holding a run."""
    out = tmp_path / "run"
    for value in ("inf", "nan", "-inf"):
        code, _, err = run_cli(["lyrics", "train", str(lyrics_dir), "--model", str(tiny_model_dir), "--output-dir",
                                str(out), "--epochs", value, "--no-progress"], capsys)
        assert_one_line_error(code, err, "--epochs must be a finite number")
        assert not out.exists()
    out.mkdir()
    with pytest.raises(SeqlabError, match="--epochs must be a finite number"):
        train(TrainConfig(data=str(lyrics_dir), model=str(tiny_model_dir), output_dir=str(out), epochs=math.inf))
    assert list(out.iterdir()) == []


def test_huge_stats_block_size_is_refused_by_the_config_range(lyrics_dir, capsys):
    """Issue 9 #13: `stats --block-size 1000000000` raised MemoryError, 5,000,000 used 4.6 GB."""
    for value in ("1000000000", "5000000", "4097"):
        code, _, err = run_cli(["lyrics", "stats", str(lyrics_dir), "--block-size", value], capsys)
        assert_one_line_error(code, err, "--block-size must be an integer in 2–4096", value)
    code, out, err = run_cli(["lyrics", "stats", str(lyrics_dir), "--val-fraction", "0.3", "--block-size", "4096"],
                             capsys)
    assert code == 0 and "per epoch, block 4096" in out, err


def test_nul_bytes_are_not_lyrics(tmp_path, capsys):
    """Issue 9 #22: a file of NUL bytes was accepted as a song by stats and train."""
    (tmp_path / "nul.txt").write_bytes(b"\x00" * 4000)
    code, _, err = run_cli(["lyrics", "stats", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "no viable lyrics file", "nul.txt: 4000 of 4000 characters are control characters")
    out = tmp_path / "run"
    code, _, err = run_cli(["lyrics", "train", str(tmp_path), "--from-scratch", "--output-dir", str(out)], capsys)
    assert_one_line_error(code, err, "nul.txt: 4000 of 4000 characters are control characters")
    assert not out.exists()


def test_block_size_longer_than_the_model_context_is_refused_after_loading(lyrics_dir, tmp_path, tiny_model_dir,
                                                                            capsys):
    """Issue 9 #11: a --block-size beyond the model's positions (128 for the tiny GPT-2) was an IndexError."""
    out = tmp_path / "run"
    code, _, err = run_cli(["lyrics", "train", str(lyrics_dir), "--model", str(tiny_model_dir), "--output-dir",
                            str(out), "--block-size", "256", "--max-steps", "1", "--no-progress"], capsys)
    assert_one_line_error(code, err, "--block-size 256 is longer than the context", "(128 tokens)")
    assert not out.exists()
    code, _, err = run_cli(["lyrics", "evaluate", "--model", str(tiny_model_dir), "--data", str(lyrics_dir),
                            "--block-size", "256", "--num-samples", "0"], capsys)
    assert_one_line_error(code, err, "--block-size 256 is longer than the context", "(128 tokens)")


def test_generation_is_capped_at_the_model_context(tiny_model_dir, capsys):
    """Issue 9 #12: --max-length / --max-new-tokens past the context crashed after streaming; now they are shortened
    with one warning line, and a prompt that alone fills the context is a one-line error."""
    prompt = "word" + " word" * 9  # 10 tokens
    for option in ("--max-length", "--max-new-tokens"):
        code, out, err = run_cli(["lyrics", "generate", "--model", str(tiny_model_dir), "--prompt", prompt, option,
                                  "1000000", "--seed", "0", "--greedy"], capsys)
        assert code == 0, err
        warning, report = err.strip().splitlines()
        assert warning == ("warning: the model's context is 128 tokens and the prompt takes 10, so at most 118 new "
                           "tokens will be generated (asked for " + ("999,990" if option == "--max-length" else
                                                                     "1,000,000") + ")")
        assert out.startswith(prompt) and 0 < int(report.split()[0].strip("[")) <= 118
    long_prompt = "word" + " word" * 1500  # 1,501 tokens, as in the issue
    code, out, err = run_cli(["lyrics", "generate", "--model", str(tiny_model_dir), "--prompt", long_prompt,
                              "--max-new-tokens", "5"], capsys)
    assert_one_line_error(code, err, "the prompt is 1,501 tokens but the model's context is 128 tokens")
    assert out == ""  # nothing streamed before the error


def test_names_from_the_data_keep_the_error_one_line(tmp_path, capsys):
    """Found by the corpus fuzz suite: a CSV header cell holding a line break made a two-line error."""
    path = tmp_path / "songs.csv"
    path.write_text('"ti\ntle",artist\nSunrise,Ann\n', encoding="utf-8")
    code, _, err = run_cli(["lyrics", "stats", str(path)], capsys)
    assert_one_line_error(code, err, "no lyrics column", "found 'ti\\ntle', artist")
    folder = tmp_path / "poetry"
    folder.mkdir()
    (folder / "two\nlines.txt").write_text("too short", encoding="utf-8")
    code, _, err = run_cli(["lyrics", "stats", str(folder)], capsys)
    assert_one_line_error(code, err, "no viable lyrics file", "'two\\nlines.txt': 9 characters")
