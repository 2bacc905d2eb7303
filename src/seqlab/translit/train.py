"""Training: batched teacher-forced cross-entropy, AdamW, clipping, warmup + cosine schedule, early stopping
on dev word accuracy, a time budget, and resumable run directories."""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from seqlab import __version__
from seqlab.device import resolve_device
from seqlab.errors import CheckpointError, SeqlabError
from seqlab.io import RunLock, append_jsonl_atomic, output_dir, read_jsonl, remove_stale_temporaries, write_text_atomic
from seqlab.parameters import count_parameters
from seqlab.translit.config import ModelConfig, TrainConfig
from seqlab.translit.data.corpus import Pair, load_split
from seqlab.translit.data.vocab import PAD_ID, Batch, Vocabs, encode_pairs, iterate_batches
from seqlab.translit.decoding.search import best_words
from seqlab.translit.evaluation.metrics import word_accuracy
from seqlab.translit.model import checkpoint as ckpt
from seqlab.translit.model.network import Seq2Seq
from seqlab.translit.words.lexicon import Lexicon


@dataclass
class TrainResult:
    run_dir: Path
    best_dev_accuracy: float
    best_epoch: int
    epochs_run: int
    parameters: int
    train_seconds: float
    history: list[dict] = field(default_factory=list)


EpochCallback = Callable[[int, float], None]
Clock = Callable[[], float]  # seconds; time.monotonic, or a clock a test controls


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def load_data(cfg: TrainConfig) -> tuple[list[Pair], list[Pair], dict]:
    """Train pairs (plus --extra-train's training split, without repeated (source, target) pairs; then cut to
    --limit-train) and dev pairs of the main dataset, and what was skipped or added."""
    train, skipped_train = load_split(cfg.dataset, cfg.lang, "train", cfg.data_dir, cfg.skip_bad_lines, cfg.direction)
    dev, skipped_dev = load_split(cfg.dataset, cfg.lang, "dev", cfg.data_dir, cfg.skip_bad_lines, cfg.direction)
    info = {"skipped_train_lines": skipped_train, "skipped_dev_lines": skipped_dev}
    if cfg.extra_train:
        extra, skipped_extra = load_split(cfg.extra_train, cfg.lang, "train", cfg.data_dir, cfg.skip_bad_lines,
                                          cfg.direction)
        seen, added = {(p.source, p.target) for p in train}, []
        for pair in extra:
            if (pair.source, pair.target) not in seen:
                seen.add((pair.source, pair.target))
                added.append(pair)
        train = train + added
        info.update(extra_train=cfg.extra_train, extra_train_pairs=len(added), skipped_extra_lines=skipped_extra,
                    extra_train_duplicates=len(extra) - len(added))
    if cfg.limit_train:
        train = train[: cfg.limit_train]
    return train, dev, info


def new_run_dir(root: str | Path = "runs") -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(root) / f"translit-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = Path(root) / f"translit-{stamp}-{suffix}"
    return path


def lr_lambda(warmup: int, total: int) -> Callable[[int], float]:
    """Linear warmup, then cosine decay to 5 % of the peak at the last planned step."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


class Trainer:
    """Owns one run: model, optimizer, schedule, data and the run directory."""

    def __init__(self, model_cfg: ModelConfig, cfg: TrainConfig, run_dir: Path, train: list[Pair], dev: list[Pair],
                 vocabs: Vocabs, clock: Clock = time.monotonic):
        self.model_cfg, self.cfg, self.run_dir, self.vocabs = model_cfg, cfg, Path(run_dir), vocabs
        self.clock = clock  # what the time budget is measured with
        self.dev = dev
        encoded = encode_pairs(train, vocabs)
        self.sources, self.targets = [s for s, _ in encoded], [t for _, t in encoded]
        seed_everything(cfg.seed)
        self.device = resolve_device(cfg.device)
        self.model = Seq2Seq(model_cfg).to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        total_steps = math.ceil(len(self.sources) / cfg.batch_size) * cfg.epochs
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lr_lambda(min(cfg.warmup_steps, total_steps // 10 + 1), total_steps))
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=cfg.label_smoothing)
        self.epoch, self.best_accuracy, self.best_epoch, self.bad_epochs, self.elapsed = 0, -1.0, 0, 0, 0.0

    # state -----------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(), "torch_rng": torch.get_rng_state(),
            **({"cuda_rng": torch.cuda.get_rng_state(self.device)} if self.device.type == "cuda" else {}),
            "epoch": self.epoch, "best_accuracy": self.best_accuracy, "best_epoch": self.best_epoch,
            "bad_epochs": self.bad_epochs, "elapsed": self.elapsed,
        }

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and "cuda_rng" in state:
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)
        self.epoch, self.best_accuracy = int(state["epoch"]), float(state["best_accuracy"])
        self.best_epoch, self.bad_epochs = int(state["best_epoch"]), int(state["bad_epochs"])
        self.elapsed = float(state["elapsed"])

    # one step and one epoch ----------------------------------------------------------------
    def train_step(self, batch: Batch) -> torch.Tensor:
        """One optimizer step on one batch; returns the batch's summed token loss as a float64 tensor, left on
        the device so that no step waits for a .item() (benchmarks/translit_speed.py times this)."""
        batch = batch.to(self.device)
        # forward: teacher-forced logits for every target position, (B, T, V); with --precision bf16 the matrix
        # products and RNN layers run in bfloat16 under autocast while the weights stay fp32
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.cfg.precision == "bf16"):
            logits = self.model(batch.source, batch.source_lengths, batch.target, self.cfg.teacher_forcing)
        # loss, in fp32: (B, T, V) → (B·T, V) against (B·T,) targets; padding positions are ignored
        loss = self.loss_fn(logits.float().reshape(-1, logits.size(-1)), batch.target.reshape(-1))
        # backward: fresh gradients for this batch only
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # clip: one exploding batch must not wreck the RNN weights
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
        # step, then advance the warmup/cosine schedule by one batch
        self.optimizer.step()
        self.scheduler.step()
        return loss.detach().double() * (batch.target != PAD_ID).sum()

    def train_epoch(self, deadline: float | None) -> dict:
        """One pass over the shuffled training pairs; stops early (partial epoch) past `deadline`."""
        self.model.train()
        generator = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + self.epoch)
        batches = iterate_batches(self.sources, self.targets, self.cfg.batch_size, generator)
        total_batches = math.ceil(len(self.sources) / self.cfg.batch_size)
        bar = tqdm(batches, total=total_batches, desc=f"epoch {self.epoch + 1}", unit="batch",
                   disable=not self.cfg.show_progress, leave=False, dynamic_ncols=True, mininterval=1.0)
        loss_sum, tokens, pairs = torch.zeros((), dtype=torch.float64, device=self.device), 0, 0
        start, stopped = time.perf_counter(), False
        for index, batch in enumerate(bar):
            loss_sum += self.train_step(batch)
            # bookkeeping: token-weighted mean loss (read back only for the progress bar) and throughput
            tokens, pairs = tokens + int(sum(len(self.targets[i]) for i in batch.index.tolist())), pairs + len(batch)
            if self.cfg.show_progress and index % 50 == 0:
                bar.set_postfix(loss=f"{loss_sum.item() / tokens:.3f}",
                                pairs_per_s=f"{pairs / (time.perf_counter() - start):.0f}")
            if deadline is not None and self.clock() > deadline:
                stopped = True
                break
        bar.close()
        seconds = time.perf_counter() - start
        return {"train_loss": loss_sum.item() / max(tokens, 1), "pairs": pairs,
                "pairs_per_s": pairs / max(seconds, 1e-9), "epoch_seconds": seconds, "partial": stopped}

    def dev_accuracy(self) -> float:
        """Dev word accuracy of the network alone (no prior, lexicon or rescorers: those come after training)."""
        self.model.eval()
        predictions = best_words(self.model, self.vocabs, [p.source for p in self.dev], self.cfg.dev_beam_size)
        return word_accuracy(predictions, [p.target for p in self.dev])

    def end_epoch(self, record: dict) -> bool:
        """Score on dev, write checkpoints and metrics; return True when training should stop."""
        self.epoch += 1
        accuracy = self.dev_accuracy()
        improved = accuracy > self.best_accuracy
        if improved:
            self.best_accuracy, self.best_epoch, self.bad_epochs = accuracy, self.epoch, 0
        else:
            self.bad_epochs += 1
        meta = {"epoch": str(self.epoch), "dev_accuracy": f"{accuracy:.6f}"}
        if improved:
            ckpt.save_weights(self.model, self.run_dir / ckpt.BEST, meta)
        ckpt.save_weights(self.model, self.run_dir / ckpt.LAST, meta)
        record = {"epoch": self.epoch, **record, "dev_accuracy": accuracy, "best_dev_accuracy": self.best_accuracy,
                  "lr": self.scheduler.get_last_lr()[0], "elapsed_seconds": self.elapsed}
        append_jsonl_atomic(self.run_dir / ckpt.METRICS, record)
        ckpt.save_train_state(self.run_dir, self.state())
        return self.bad_epochs >= self.cfg.patience or record["partial"]


def _log(cfg: TrainConfig, message: str) -> None:
    if cfg.show_progress:
        tqdm.write(message)


def run_training(trainer: Trainer, on_epoch: EpochCallback | None = None) -> TrainResult:
    """Epoch loop shared by fresh and resumed runs."""
    cfg = trainer.cfg
    budget_left = None if cfg.time_budget is None else cfg.time_budget * 60 - trainer.elapsed
    deadline = None if budget_left is None else trainer.clock() + budget_left
    while trainer.epoch < cfg.epochs:
        if deadline is not None and trainer.clock() >= deadline:
            _log(cfg, "time budget used up")
            break
        started = trainer.clock()
        record = trainer.train_epoch(deadline)
        trainer.elapsed += trainer.clock() - started
        stop = trainer.end_epoch(record)
        last = read_jsonl(trainer.run_dir / ckpt.METRICS)[-1]
        _log(cfg, f"epoch {trainer.epoch}: loss {last['train_loss']:.4f}  dev acc {last['dev_accuracy']:.4f}  "
                  f"({last['pairs_per_s']:.0f} pairs/s)")
        if on_epoch is not None:
            on_epoch(trainer.epoch, last["dev_accuracy"])
        if stop:
            break
    return TrainResult(trainer.run_dir, trainer.best_accuracy, trainer.best_epoch, trainer.epoch,
                       count_parameters(trainer.model), trainer.elapsed, read_jsonl(trainer.run_dir / ckpt.METRICS))


def train(model_cfg: ModelConfig, cfg: TrainConfig, run_dir: str | Path | None = None,
          on_epoch: EpochCallback | None = None, clock: Clock = time.monotonic) -> TrainResult:
    """Train a new model; everything needed to reproduce or resume it lands in `run_dir`. `--time-budget` is
    measured with `clock`."""
    cfg.validate()
    run_dir = Path(run_dir) if run_dir else new_run_dir()
    if run_dir.exists() and not run_dir.is_dir():
        raise SeqlabError(f"--run-dir {run_dir} is a file, not a folder; give a folder path")
    train_pairs, dev_pairs, data_info = load_data(cfg)
    vocabs = Vocabs.build(train_pairs)
    model_cfg = model_cfg.with_vocabs(len(vocabs.source), len(vocabs.target))
    with RunLock(output_dir(run_dir, "--run-dir")):
        if (run_dir / ckpt.TRAIN_STATE).exists():
            raise SeqlabError(f"{run_dir} already holds a run; use --resume {run_dir} to continue it, "
                              "or pick a new --run-dir")
        remove_stale_temporaries(run_dir)
        trainer = Trainer(model_cfg, cfg, run_dir, train_pairs, dev_pairs, vocabs, clock)
        config = {"model": model_cfg.to_dict(), "train": asdict(cfg), "seqlab_version": __version__,
                  "data": {**data_info, "train_pairs": len(train_pairs), "dev_pairs": len(dev_pairs)}}
        ckpt.save_run_files(run_dir, config, vocabs)
        Lexicon.from_pairs(train_pairs).save(run_dir)  # lexicon memory: what the model was taught, kept verbatim
        _log(cfg, f"run directory: {run_dir}  ({count_parameters(trainer.model):,} parameters, "
                  f"{len(train_pairs):,} training pairs)")
        return run_training(trainer, on_epoch)


def _drop_metrics_after(run_dir: Path, epoch: int) -> None:
    """A kill between writing metrics and the train state leaves one epoch that will be run again."""
    records = read_jsonl(run_dir / ckpt.METRICS)
    kept = [r for r in records if r["epoch"] <= epoch]
    if len(kept) != len(records):
        write_text_atomic(run_dir / ckpt.METRICS, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept))


def resume(run_dir: str | Path, epochs: int | None = None, time_budget: float | None = None,
           on_epoch: EpochCallback | None = None, show_progress: bool = True, device: str | None = None) -> TrainResult:
    """Continue a run from its last completed epoch with the exact saved state (bit for bit on the same device)."""
    run_dir = Path(run_dir)
    config = ckpt.read_config(run_dir)
    if not isinstance(config, dict) or "train" not in config or "model" not in config:
        raise CheckpointError(f"{run_dir / ckpt.CONFIG} is not a seqlab transliteration run (no 'model' and 'train' "
                              "sections); --resume takes a folder written by `seqlab translit train`")
    cfg = TrainConfig.from_dict(config["train"], f"{run_dir / ckpt.CONFIG}: train")
    given = {"epochs": epochs, "time_budget": time_budget, "device": device}
    cfg = replace(cfg, show_progress=show_progress, **{k: v for k, v in given.items() if v is not None})
    cfg.validate()
    with RunLock(run_dir):
        stale = remove_stale_temporaries(run_dir)  # a kill -9 mid-write leaves these; no live writer owns them now
        state = ckpt.load_train_state(run_dir)
        train_pairs, dev_pairs, _ = load_data(cfg)
        _, vocabs, _ = ckpt.load_model(run_dir, run_dir / ckpt.LAST)
        trainer = Trainer(ModelConfig.from_dict(config["model"], f"{run_dir / ckpt.CONFIG}: model"), cfg, run_dir,
                          train_pairs, dev_pairs, vocabs)
        trainer.restore(state)
        _drop_metrics_after(run_dir, trainer.epoch)
        _log(cfg, f"resuming {run_dir} after epoch {trainer.epoch}"
                  + (f" (removed {len(stale)} unfinished temporary file(s))" if stale else ""))
        return run_training(trainer, on_epoch)
