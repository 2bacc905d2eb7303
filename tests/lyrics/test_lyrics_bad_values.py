"""Issue 19 regressions of the lyrics CLI, each feeding the original input: sampling divisors that cannot sample
(#9), an empty --hold-out-artist (#15), a prompt that is not UTF-8 (#4) and --output naming a folder."""
from __future__ import annotations

import pytest
from lyrics_helpers import assert_one_line_error, run_cli

from seqlab.lyrics.config import GenerationConfig
from seqlab.lyrics.generate import sample

NOT_UTF8 = b"\xff\xfe".decode("utf-8", "surrogateescape")  # how Python hands over argv bytes that are not UTF-8


@pytest.mark.parametrize("flag", ["--temperature", "--repetition-penalty"])
def test_a_divisor_that_cannot_sample_is_refused_before_loading(tiny_model_dir, capsys, flag):
    code, out, err = run_cli(["lyrics", "generate", "--model", str(tiny_model_dir), flag, "1e-300"], capsys)
    assert_one_line_error(code, err, f"{flag} must be in [0.001, 100], got 1e-300")  # was an inf/nan traceback
    assert out == ""


def test_the_smallest_divisors_still_sample(tiny_model_dir):
    """The lower bound is one the sampler survives: logits divided by 0.001 twice stay finite in float32."""
    from seqlab.lyrics.model import load_trained

    model, tokenizer = load_trained(str(tiny_model_dir), device="cpu")
    cfg = GenerationConfig(max_length=16, temperature=0.001, repetition_penalty=0.001, seed=0)
    result = sample(model, tokenizer, "Sunrise on the river", cfg)
    assert result.new_tokens > 0 and result.texts[0].startswith("Sunrise on the river")


def test_an_empty_hold_out_artist_is_refused(lyrics_dir, tmp_path, capsys):
    for empty in ("", "  "):
        code, _, err = run_cli(["lyrics", "train", str(lyrics_dir), "--hold-out-artist", empty, "--output-dir",
                                str(tmp_path / "run"), "--max-steps", "1"], capsys)
        assert_one_line_error(code, err, "--hold-out-artist is empty")  # was: trained, holding out nothing
    assert not (tmp_path / "run").exists()


def test_a_prompt_that_is_not_utf8_is_a_one_line_error(tiny_model_dir, capsys):
    code, out, err = run_cli(["lyrics", "generate", "--model", str(tiny_model_dir), "--prompt", NOT_UTF8], capsys)
    assert_one_line_error(code, err, "--prompt is not valid UTF-8 (byte 0xff)")
    assert out == ""


def test_output_naming_a_folder_is_refused_before_generating(tiny_model_dir, tmp_path, capsys):
    code, out, err = run_cli(["lyrics", "generate", "--model", str(tiny_model_dir), "--output", str(tmp_path),
                              "--prompt", "Sunrise", "--max-length", "12", "--seed", "0"], capsys)
    assert_one_line_error(code, err, f"--output {tmp_path} is a folder; give a file name")
    assert out == ""  # nothing was generated (it used to fail afterwards, naming a temporary file)
