"""Fine-tuning with the Hugging Face Trainer, using the original recipe's defaults (3 epochs, batch 2, fp16 on CUDA,
output ./gpt2-lyrics), an EOS-keeping collator, per-epoch validation loss/perplexity and best-model selection.

The same code runs on one CPU, one GPU or several GPUs (`torchrun --nproc_per_node N -m seqlab.cli lyrics train …`
or `accelerate launch …`): the Trainer handles the distribution, and only the main process writes files.
"""
from __future__ import annotations

import os
import shutil
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import torch
from transformers import TrainerCallback

from seqlab import __version__
from seqlab.errors import SeqlabError
from seqlab.io import RunLock, append_jsonl_atomic, output_dir, write_json_atomic
from seqlab.lyrics.batching import (
    EosKeepingCollator,
    ExampleDataset,
    build_examples,
    examples_from_tokens,
    token_stats,
    tokenize_songs,
)
from seqlab.lyrics.conditioning import ARTISTS_FILE, artist_key, close_matches, conditioned_tokens, write_artists
from seqlab.lyrics.config import TrainConfig
from seqlab.lyrics.corpus import load_corpus, split_frame
from seqlab.lyrics.metrics import safe_exp
from seqlab.lyrics.model import check_block_size, from_scratch, load_model
from seqlab.lyrics.progress import bars_enabled
from seqlab.parameters import count_parameters

RUN_CONFIG = "lyrics_run.json"
METRICS = "metrics.jsonl"
RESULTS = "train_results.json"


@dataclass
class TrainResult:
    output_dir: Path
    global_step: int
    train_loss: float
    eval_loss: Optional[float]
    eval_perplexity: Optional[float]
    train_seconds: float


def corpus_frames(cfg: TrainConfig):
    """Train/validation songs as DataFrames (file, artist, song); the validation split depends only on data, seed,
    val fraction and the held-out artist."""
    corpus = load_corpus(cfg.data, cfg.data_dir)
    songs, held_out = corpus.songs, None
    if cfg.hold_out_artist:
        held_out = artist_key(cfg.hold_out_artist)
        known = sorted(set(songs.artist))
        if held_out not in known:
            similar = close_matches(held_out, known)
            raise SeqlabError(f"--hold-out-artist {cfg.hold_out_artist!r} is not an artist of {corpus.source}"
                              + (f"; close matches: {', '.join(similar)}" if similar else ""))
        songs = songs[songs.artist != held_out].reset_index(drop=True)
    train, val = split_frame(songs, cfg.val_fraction, cfg.seed)
    if cfg.max_train_songs:
        train = train.iloc[: cfg.max_train_songs]
    if cfg.max_val_songs:
        val = val.iloc[: cfg.max_val_songs]
    info = {"source": str(corpus.source), "files_kept": len(corpus.files), "files_dropped": len(corpus.dropped),
            "songs": len(corpus.songs), "train_songs": len(train), "val_songs": len(val),
            "exact_duplicate_songs_dropped": corpus.exact_duplicates,
            "near_duplicate_songs_dropped": corpus.near_duplicate_songs,
            "near_duplicate_files": [[a, b, round(share, 4)] for a, b, share in corpus.near_duplicate_pairs],
            "held_out_artist": held_out, "held_out_songs": len(corpus.songs) - len(songs)}
    return train, val, info


def corpus_split(cfg: TrainConfig) -> tuple[list[str], list[str], dict]:
    """Train/validation songs as text only."""
    train, val, info = corpus_frames(cfg)
    return train.song.tolist(), val.song.tolist(), info


def _train_examples(cfg: TrainConfig, tokenizer, train):
    """(examples, source token count, artists): with --artist-prefix each conditioned song starts with its prefix."""
    if cfg.artist_prefix:
        ids, labels, artists = conditioned_tokens(tokenizer, train.song.tolist(), train.artist.tolist(),
                                                  cfg.unconditioned_share, cfg.seed)
    else:
        ids, labels, artists = tokenize_songs(tokenizer, train.song.tolist()), None, []
    examples = examples_from_tokens(ids, cfg.block_size, cfg.packing, tokenizer.pad_token_id, labels)
    return examples, sum(map(len, ids)), artists


def _has_run(out: Path) -> bool:
    return (out / RUN_CONFIG).exists() or any(out.glob("checkpoint-*"))


def _check_output_dir(cfg: TrainConfig) -> Path:
    """Refuse to resume nothing or to train over an existing run; changes nothing on disk."""
    out = Path(cfg.output_dir).expanduser()
    if cfg.resume and not any(out.glob("checkpoint-*")):
        raise SeqlabError(f"--resume: {out} holds no checkpoint-* folder to resume from")
    if _has_run(out) and not cfg.resume and not cfg.overwrite:
        raise SeqlabError(f"{out} already holds a training run; pass --resume to continue it, --overwrite to "
                          "start again, or choose another --output-dir")
    return out


def _clear_old_run(cfg: TrainConfig, out: Path) -> None:
    """--overwrite: delete the old checkpoints and metrics, only once data, model and options have all passed."""
    if cfg.overwrite and _has_run(out) and int(os.environ.get("RANK", "0")) == 0:
        for item in out.glob("checkpoint-*"):
            shutil.rmtree(item)
        (out / METRICS).unlink(missing_ok=True)
        (out / ARTISTS_FILE).unlink(missing_ok=True)


def _model_and_tokenizer(cfg: TrainConfig):
    if cfg.from_scratch:
        model, tokenizer = from_scratch(cfg.size, n_positions=max(1024, cfg.block_size))
    else:
        model, tokenizer = load_model(cfg.model)
        check_block_size(model, cfg.block_size, cfg.model)
    if cfg.lora:
        from peft import LoraConfig, get_peft_model

        conv1d = getattr(model.config, "model_type", "") == "gpt2"  # GPT-2 stores weights transposed (Conv1D)
        lora = LoraConfig(task_type="CAUSAL_LM", r=cfg.lora_r, lora_alpha=2 * cfg.lora_r, lora_dropout=0.05,
                          fan_in_fan_out=conv1d)
        try:
            model = get_peft_model(model, lora)
        except ValueError as exc:
            raise SeqlabError(f"--lora: {exc}") from exc
    return model, tokenizer


def _training_args(cfg: TrainConfig, out: Path):
    from transformers import TrainingArguments

    by_steps = cfg.max_steps is not None
    interval = cfg.eval_steps or cfg.max_steps or 500
    cuda = torch.cuda.is_available()
    return TrainingArguments(
        output_dir=str(out), num_train_epochs=cfg.epochs, max_steps=cfg.max_steps or -1,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, learning_rate=cfg.lr, warmup_steps=cfg.warmup_steps,
        eval_strategy="steps" if by_steps else "epoch", save_strategy="steps" if by_steps else "epoch",
        eval_steps=interval if by_steps else None, save_steps=interval if by_steps else None,
        logging_steps=min(cfg.logging_steps, cfg.max_steps or cfg.logging_steps), save_total_limit=2,
        load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False,
        fp16=cuda and cfg.precision == "auto", bf16=cfg.precision == "bf16", use_cpu=not cuda, report_to="none",
        seed=cfg.seed, data_seed=cfg.seed,
        disable_tqdm=not bars_enabled(cfg.show_progress), dataloader_drop_last=False,
    )


class MetricsCallback(TrainerCallback):
    """Appends every Trainer log (loss, eval_loss + perplexity, lr) to metrics.jsonl on the main process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        record = {"step": state.global_step, "epoch": state.epoch, **logs}
        if "eval_loss" in logs:
            record["eval_perplexity"] = safe_exp(logs["eval_loss"])
        append_jsonl_atomic(self.path, record)


def build_trainer(cfg: TrainConfig, hold: ExitStack | None = None):
    """Everything up to (not including) trainer.train(): data, model, collator, arguments, callbacks.

    Every check (options, output folder, data, model, block size) runs before the first file is written or deleted,
    so a refused run leaves the output folder as it was. Then, given `hold`, the main process takes the folder's
    `RunLock` into it (kept until `hold` closes), so a second `lyrics train` on the same folder is refused.
    """
    from transformers import Trainer, set_seed

    out = _check_output_dir(cfg)
    set_seed(cfg.seed)
    train_songs, val_songs, info = corpus_frames(cfg)
    args = _training_args(cfg, out)
    with args.main_process_first(desc="load model"):  # SmolLM2 is converted once, by the main process
        model, tokenizer = _model_and_tokenizer(cfg)
    train_ex, source_tokens, artists = _train_examples(cfg, tokenizer, train_songs)
    val_ex = build_examples(tokenizer, val_songs.song.tolist(), cfg.block_size, packing=True)
    if not train_ex or not val_ex:
        raise SeqlabError("too little text to make a training and a validation block")
    if hold is not None and int(os.environ.get("RANK", "0")) == 0:  # torchrun's other ranks share the folder
        hold.enter_context(RunLock(output_dir(out, "--output-dir"), "--output-dir"))
    _clear_old_run(cfg, out)
    info["train_tokens"] = token_stats(train_ex, source_tokens, cfg.block_size).as_dict()
    info["artists"] = len(artists)
    info["parameters"] = count_parameters(model)
    info["trainable_parameters"] = count_parameters(model, trainable_only=True)
    trainer = Trainer(model=model, args=args, train_dataset=ExampleDataset(train_ex),
                      eval_dataset=ExampleDataset(val_ex), data_collator=EosKeepingCollator(tokenizer),
                      processing_class=tokenizer, callbacks=[MetricsCallback(out / METRICS)])
    if trainer.is_world_process_zero():
        write_json_atomic(out / RUN_CONFIG, {"seqlab_version": __version__, "job": "lyrics",
                                             "config": asdict(cfg), "data": info})
        if artists:
            write_artists(out, artists, cfg.unconditioned_share)
    return trainer, tokenizer, info


def _save_final(trainer, tokenizer, out: Path) -> None:
    """One folder with model (safetensors) and tokenizer, so `generate --model DIR` needs nothing else.

    LoRA adapters are merged into the base weights first, so the folder loads without peft.
    """
    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def train(cfg: TrainConfig) -> TrainResult:
    """Run (or resume) one training run and leave the best model + tokenizer in cfg.output_dir."""
    with ExitStack() as hold:
        trainer, tokenizer, _ = build_trainer(cfg, hold)
        out = Path(cfg.output_dir).expanduser()
        start = time.time()
        output = trainer.train(resume_from_checkpoint=True if cfg.resume else None)
        seconds = time.time() - start
        eval_loss = trainer.state.best_metric  # eval_loss of the kept (best) model; no second evaluation pass
        result = TrainResult(out, trainer.state.global_step, float(output.training_loss), eval_loss,
                             safe_exp(eval_loss) if eval_loss is not None else None, seconds)
        if trainer.is_world_process_zero():
            _save_final(trainer, tokenizer, out)
            record = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(result).items()}
            record["best_checkpoint"] = trainer.state.best_model_checkpoint
            write_json_atomic(out / RESULTS, record)
        return result


