"""`seqlab lyrics evaluate`: per-file rows that add up to the overall perplexity, and --compare-to."""
from __future__ import annotations

import json
import math

from lyrics_helpers import make_tiny_gpt2, run_cli

from seqlab.lyrics.batching import build_examples
from seqlab.lyrics.corpus import load_corpus
from seqlab.lyrics.metrics import perplexity
from seqlab.lyrics.model import load_trained


def test_per_file_rows_and_compare_to(lyrics_dir, tmp_path, tiny_model_dir, tokenizer, capsys):
    other = make_tiny_gpt2(tmp_path / "other", tokenizer, seed=1)
    args = ["lyrics", "evaluate", "--model", str(tiny_model_dir), "--data", str(lyrics_dir), "--split", "all",
            "--num-samples", "0", "--block-size", "32", "--json"]
    code, stdout, err = run_cli([*args, "--compare-to", str(other)], capsys)
    assert code == 0, err
    result = json.loads(stdout.strip().splitlines()[-1])
    rows = result["per_file"]
    assert [r["file"] for r in rows] == ["Artist_Two.txt", "artist-one.txt", "artist-three.txt", "artist-two.txt"]
    assert "| artist-one.txt | artist one |" in stdout and "base perplexity" in stdout
    assert sum(r["tokens"] for r in rows) == result["eval_tokens"]
    weighted = sum(r["tokens"] * math.log(r["perplexity"]) for r in rows) / result["eval_tokens"]
    assert math.isclose(math.exp(weighted), result["perplexity"], rel_tol=1e-9)
    songs = load_corpus(lyrics_dir).songs.song.tolist()  # the overall number is the one perplexity() gives
    model, tok = load_trained(str(tiny_model_dir))
    assert math.isclose(perplexity(model, build_examples(tok, songs, 32))[0], result["perplexity"], rel_tol=1e-5)
    other_model, _ = load_trained(str(other))
    assert math.isclose(perplexity(other_model, build_examples(tok, songs, 32))[0], result["compare_perplexity"],
                        rel_tol=1e-5)
    assert all(math.isclose(r["change"], r["perplexity"] / r["compare_perplexity"] - 1) for r in rows)
    assert result["perplexity"] != result["compare_perplexity"]
    code, stdout, err = run_cli([*args, "--compare-to", str(tiny_model_dir)], capsys)  # a model against itself
    same = json.loads(stdout.strip().splitlines()[-1])
    assert code == 0 and same["change"] == 0 and all(r["change"] == 0 for r in same["per_file"]), err
