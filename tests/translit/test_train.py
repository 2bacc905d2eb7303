from __future__ import annotations

import itertools
import json

import pytest
import torch
from safetensors.torch import load_file
from translit_helpers import write_dakshina

from seqlab.errors import CheckpointError, SeqlabError
from seqlab.translit.model import checkpoint as ckpt
from seqlab.translit.model.network import ModelConfig
from seqlab.translit.train import TrainConfig, resume, train
from seqlab.translit.transliterator import load_transliterator


def tiny_model(**overrides) -> ModelConfig:
    return ModelConfig(source_vocab=5, target_vocab=5, **{"embedding_size": 16, "hidden_size": 32, **overrides})


def quick(data_dir, **overrides) -> TrainConfig:
    return TrainConfig(**{"data_dir": str(data_dir), "epochs": 2, "batch_size": 32, "show_progress": False,
                          "warmup_steps": 5, **overrides})


@pytest.mark.slow
def test_tiny_model_overfits_fifty_pairs(tmp_path, real_pairs):
    pairs = real_pairs[::800][:50]
    data = write_dakshina(tmp_path / "data", {"train": pairs, "dev": pairs})
    cfg = quick(data, epochs=120, batch_size=10, lr=1e-2, patience=120, warmup_steps=10)
    result = train(tiny_model(cell="gru", hidden_size=64, attention="luong"), cfg, tmp_path / "run")
    assert result.best_dev_accuracy == 1.0
    translit = load_transliterator(tmp_path / "run")
    assert translit.transliterate([s for s, _ in pairs]) == [t for _, t in pairs]


def test_run_directory_holds_everything_and_loads_safely(tmp_path, small_data):
    result = train(tiny_model(), quick(small_data), tmp_path / "run")
    run = result.run_dir
    for name in ("config.json", "vocab.json", "metrics.jsonl", "best.safetensors", "last.safetensors",
                 "train_state.pt", "lexicon.tsv"):
        assert (run / name).is_file(), name
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["hidden_size"] == 32 and config["train"]["epochs"] == 2
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics] == [1, 2] and metrics[1]["train_loss"] < metrics[0]["train_loss"]
    loaded = load_transliterator(run, backend="torch").model  # the PyTorch network, whose parameters are named
    assert set(load_file(str(run / "best.safetensors"))) == set(loaded.state_dict())
    assert not list(run.glob(".*.tmp")), "temporary files left behind"


def test_resume_after_a_crash_continues_with_identical_state(tmp_path, small_data):
    options = dict(cell="lstm", attention="bahdanau", dropout=0.2)
    straight = train(tiny_model(**options), quick(small_data, epochs=3, teacher_forcing=0.7), tmp_path / "straight")

    def crash_after_first_epoch(epoch: int, accuracy: float) -> None:
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny_model(**options), quick(small_data, epochs=3, teacher_forcing=0.7), tmp_path / "crashed",
              on_epoch=crash_after_first_epoch)
    resumed = resume(tmp_path / "crashed", show_progress=False)
    assert resumed.epochs_run == 3
    a, b = load_file(str(straight.run_dir / "last.safetensors")), load_file(str(resumed.run_dir / "last.safetensors"))
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert [r["train_loss"] for r in straight.history] == [r["train_loss"] for r in resumed.history]


def test_resume_drops_a_metrics_line_written_after_the_last_saved_state(tmp_path, small_data):
    run = tmp_path / "run"
    train(tiny_model(), quick(small_data, epochs=1), run)
    with open(run / "metrics.jsonl", "a") as handle:
        handle.write(json.dumps({"epoch": 2, "train_loss": 0.0}) + "\n")
    result = resume(run, epochs=2, show_progress=False)
    assert [r["epoch"] for r in result.history] == [1, 2] and result.history[1]["train_loss"] > 0


def test_time_budget_stops_training(tmp_path, small_data):
    """Deterministic on any machine: the budget (0.001 min = 60 ms) is measured with a clock that advances 5 ms at
    every reading, so it runs out a dozen readings (batches) into the first epoch's 19 batches."""
    ticks = itertools.count(0.0, 0.005)
    result = train(tiny_model(), quick(small_data, epochs=50, time_budget=0.001), tmp_path / "run",
                   clock=lambda: next(ticks))
    assert result.epochs_run == 1 and result.history[0]["partial"]


def test_same_seed_gives_identical_runs(tmp_path, small_data):
    a = train(tiny_model(dropout=0.3), quick(small_data), tmp_path / "a")
    b = train(tiny_model(dropout=0.3), quick(small_data), tmp_path / "b")
    assert [r["train_loss"] for r in a.history] == [r["train_loss"] for r in b.history]


def test_refuses_to_overwrite_a_run_and_rejects_absurd_options(tmp_path, small_data):
    train(tiny_model(), quick(small_data, epochs=1), tmp_path / "run")
    with pytest.raises(SeqlabError, match="--resume"):
        train(tiny_model(), quick(small_data, epochs=1), tmp_path / "run")
    with pytest.raises(SeqlabError, match="--epochs must be at least 1"):
        train(tiny_model(), quick(small_data, epochs=0), tmp_path / "other")
    with pytest.raises(SeqlabError, match="dropout"):
        train(tiny_model(dropout=1.5), quick(small_data), tmp_path / "other")


def test_corrupt_checkpoints_give_clear_errors(tmp_path, small_data):
    run = train(tiny_model(), quick(small_data, epochs=1), tmp_path / "run").run_dir
    (run / "best.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError, match="best.safetensors is corrupt"):
        load_transliterator(run)
    (run / "train_state.pt").write_bytes(b"\x80\x04garbage")
    with pytest.raises(CheckpointError, match="train_state.pt is corrupt"):
        resume(run, show_progress=False)
    (run / "vocab.json").write_text("{oops")
    with pytest.raises(CheckpointError, match="vocab.json is corrupt"):
        ckpt.load_model(run)


def test_extra_train_adds_another_datasets_training_pairs_once(tmp_path, real_pairs):
    data = write_dakshina(tmp_path / "data", {"train": real_pairs[:40], "dev": real_pairs[40:50]})
    (data / "aksharantar_hin").mkdir()
    rows = real_pairs[:10] + real_pairs[100:130]  # the first 10 repeat Dakshina training pairs
    (data / "aksharantar_hin" / "hin_train.csv").write_text("\n".join(f"{r},{n}" for r, n in rows), encoding="utf-8")
    train(tiny_model(), quick(data, epochs=1, extra_train="aksharantar"), tmp_path / "run")
    info = json.loads((tmp_path / "run" / "config.json").read_text())["data"]
    assert (info["train_pairs"], info["extra_train_pairs"], info["extra_train_duplicates"]) == (70, 30, 10)
    assert info["dev_pairs"] == 10  # dev (and test) stay the main dataset's


def test_bf16_autocast_trains_fp32_weights_and_old_runs_load_as_fp32(tmp_path, small_data):
    """--precision bf16 computes in bfloat16 but keeps fp32 weights (saved, resumed and decoded as usual);
    a config.json written before the option existed means fp32, how that run was trained."""
    result = train(tiny_model(cell="lstm", attention="luong"), quick(small_data, precision="bf16"), tmp_path / "run")
    metrics = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert metrics[1]["train_loss"] < metrics[0]["train_loss"] < 10
    fp32 = train(tiny_model(cell="lstm", attention="luong"), quick(small_data), tmp_path / "fp32")
    reference = fp32.history[0]["train_loss"]  # same seed and batches: bf16 rounding shows, but only just
    assert metrics[0]["train_loss"] != reference and abs(metrics[0]["train_loss"] / reference - 1) < 0.02
    weights = load_file(str(result.run_dir / "best.safetensors"))
    assert all(w.dtype == torch.float32 for w in weights.values())
    assert resume(result.run_dir, epochs=3, show_progress=False).epochs_run == 3
    assert json.loads((result.run_dir / "config.json").read_text())["train"]["precision"] == "bf16"
    saved = {k: v for k, v in TrainConfig().__dict__.items() if k != "precision"}
    assert TrainConfig.from_dict(saved, "old config.json: train").precision == "fp32"
    with pytest.raises(SeqlabError, match="precision"):
        TrainConfig.from_dict({**saved, "precision": "fp16"}, "config.json: train")
