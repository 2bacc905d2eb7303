"""A few real Trainer steps on a tiny GPT-2: the loss falls, the run folder is complete, resume works."""
from __future__ import annotations

import json

import pytest
from lyrics_helpers import make_tiny_gpt2
from safetensors import safe_open

from seqlab.errors import SeqlabError
from seqlab.io import read_jsonl
from seqlab.lyrics.batching import build_examples
from seqlab.lyrics.corpus import load_corpus
from seqlab.lyrics.metrics import perplexity
from seqlab.lyrics.model import load_trained
from seqlab.lyrics.train import TrainConfig, train


def _cfg(data, model, out, **overrides) -> TrainConfig:
    base = dict(data=str(data), model=str(model), output_dir=str(out), max_steps=12, block_size=32, batch_size=2,
                lr=3e-3, val_fraction=0.3, logging_steps=4, show_progress=False, seed=0)
    base.update(overrides)
    return TrainConfig(**base)


def _start_model(lyrics_dir, tmp_path, tokenizer):
    """A tiny GPT-2 to fine-tune, the corpus as 32-token blocks, and the model's perplexity on them before."""
    start = make_tiny_gpt2(tmp_path / "start", tokenizer)
    before_model, tok = load_trained(str(start))
    blocks = build_examples(tok, load_corpus(lyrics_dir).songs.song.tolist(), 32)
    return start, blocks, perplexity(before_model, blocks)[0]


def test_training_lowers_loss_and_saves_one_loadable_folder(lyrics_dir, tmp_path, tokenizer):
    start, blocks, before = _start_model(lyrics_dir, tmp_path, tokenizer)
    out = tmp_path / "run"
    result = train(_cfg(lyrics_dir, start, out))
    assert result.global_step == 12
    after_model, after_tok = load_trained(str(out))  # model + tokenizer from the one output folder
    after, _ = perplexity(after_model, blocks)
    assert after < 0.8 * before, (before, after)
    assert len(after_tok) == 50257
    metrics = read_jsonl(out / "metrics.jsonl")
    assert any("loss" in m for m in metrics) and any("eval_perplexity" in m for m in metrics)
    run = json.loads((out / "lyrics_run.json").read_text())
    assert run["config"]["max_steps"] == 12 and run["data"]["files_kept"] == 4
    assert run["data"]["train_tokens"]["real_share"] > 0.5
    assert json.loads((out / "train_results.json").read_text())["global_step"] == 12
    with pytest.raises(SeqlabError, match="already holds a training run"):
        train(_cfg(lyrics_dir, start, out))


def test_bf16_autocast_trains_and_saves_float32_weights(lyrics_dir, tmp_path, tokenizer):
    start, blocks, before = _start_model(lyrics_dir, tmp_path, tokenizer)
    out = tmp_path / "bf16"
    train(_cfg(lyrics_dir, start, out, precision="bf16"))
    after_model, _ = load_trained(str(out))
    after, _ = perplexity(after_model, blocks)
    assert after < 0.8 * before, (before, after)  # autocast matrix products, float32 master weights and optimizer
    with safe_open(str(out / "model.safetensors"), "pt") as saved:  # as written, not as load_trained casts it
        assert {saved.get_slice(name).get_dtype() for name in saved.keys()} == {"F32"}
    assert json.loads((out / "lyrics_run.json").read_text())["config"]["precision"] == "bf16"


def test_resume_continues_from_the_last_checkpoint(lyrics_dir, tmp_path, tokenizer):
    start = make_tiny_gpt2(tmp_path / "start", tokenizer)
    out = tmp_path / "run"
    with pytest.raises(SeqlabError, match="no checkpoint"):
        train(_cfg(lyrics_dir, start, out, resume=True))
    train(_cfg(lyrics_dir, start, out, max_steps=4, eval_steps=2))
    assert (out / "checkpoint-4").is_dir()
    result = train(_cfg(lyrics_dir, start, out, max_steps=6, eval_steps=2, resume=True))
    assert result.global_step == 6
    steps = [m["step"] for m in read_jsonl(out / "metrics.jsonl") if "eval_loss" in m]
    assert steps == [2, 4, 6]


def test_pad_to_max_and_lora(lyrics_dir, tmp_path, tokenizer):
    start = make_tiny_gpt2(tmp_path / "start", tokenizer)
    out = tmp_path / "lora"
    result = train(_cfg(lyrics_dir, start, out, packing=False, lora=True, max_steps=3, lr=1e-2))
    assert result.global_step == 3
    run = json.loads((out / "lyrics_run.json").read_text())
    assert run["data"]["trainable_parameters"] < run["data"]["parameters"] / 10
    model, _ = load_trained(str(out))  # merged: loads without peft, as a plain GPT-2
    assert type(model).__name__ == "GPT2LMHeadModel"
    assert not any("lora" in name for name in model.state_dict())


def test_absurd_options_are_refused():
    for overrides, message in [({"max_steps": -1}, "--max-steps"), ({"batch_size": 0}, "--batch-size"),
                               ({"lr": 0}, "--lr"), ({"val_fraction": 1.5}, "--val-fraction"),
                               ({"block_size": 1}, "--block-size"), ({"precision": "fp16"}, "--precision")]:
        with pytest.raises(SeqlabError, match=message):
            TrainConfig(**overrides).validate()


def test_a_refused_overwrite_leaves_the_old_run_as_it_was(lyrics_dir, tmp_path, tiny_model_dir):
    """Issue 9 #11: --block-size past the model's context (128) is refused after loading, before --overwrite deletes
    the old checkpoints or anything is written."""
    out = tmp_path / "run"
    (out / "checkpoint-4").mkdir(parents=True)
    (out / "lyrics_run.json").write_text("{}")
    (out / "metrics.jsonl").write_text("{}\n")
    before = sorted(p.name for p in out.rglob("*"))
    with pytest.raises(SeqlabError, match=r"--block-size 256 is longer than the context .*\(128 tokens\)"):
        train(_cfg(lyrics_dir, tiny_model_dir, out, block_size=256, overwrite=True))
    assert sorted(p.name for p in out.rglob("*")) == before
    assert (out / "lyrics_run.json").read_text() == "{}"


def test_a_second_trainer_on_the_same_output_dir_is_refused(lyrics_dir, tmp_path, tiny_model_dir):
    """Issue 9 #19: two `lyrics train` on one --output-dir must not interleave their files."""
    from seqlab.io import RunLock

    out = tmp_path / "run"
    out.mkdir()
    with RunLock(out):  # the first trainer, still running
        with pytest.raises(SeqlabError, match=f"{out} is in use by process .* use another --output-dir"):
            train(_cfg(lyrics_dir, tiny_model_dir, out, max_steps=1))
        assert not (out / "lyrics_run.json").exists()
    assert train(_cfg(lyrics_dir, tiny_model_dir, out, max_steps=1)).global_step == 1
