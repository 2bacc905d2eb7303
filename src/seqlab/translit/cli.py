"""`seqlab translit …`: train, evaluate, predict (and analyze)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from seqlab.device import DEVICE_HELP
from seqlab.errors import SeqlabError
from seqlab.translit.corpus import load_split

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DATASET = typer.Option("dakshina", "--dataset", help="dakshina | aksharantar")
LANG = typer.Option("hi", "--lang", help="Language code (Dakshina: hi, bn, ta, …).")
DATA_DIR = typer.Option(None, "--data-dir", help="Data root; else $SEQLAB_DATA_DIR, ./data, then download.")
SKIP_BAD = typer.Option(False, "--skip-bad-lines", help="Drop and count malformed lines instead of stopping.")
MODEL = typer.Option(None, "--model", help="Run directory or model folder (default: the shipped Hindi model).")
BEAM = typer.Option(None, "--beam-size", help="1 = greedy [default: the model's own, see config.json 'decoding'].")
LENGTH_PENALTY = typer.Option(None, "--length-penalty", help="Beam scores are log-prob / length**this.")
PRIOR_WEIGHT = typer.Option(None, "--prior-weight", help="Weight λ of the word-frequency prior in beam reranking (0 = off).")


@app.command()
def train(
    cell: str = typer.Option("gru", help="rnn | gru | lstm"),
    emb: int = typer.Option(64, "--emb", help="Embedding size m."),
    hidden: int = typer.Option(256, "--hidden", help="Hidden size k (encoder and decoder)."),
    enc_layers: int = typer.Option(1, "--enc-layers"),
    dec_layers: int = typer.Option(1, "--dec-layers"),
    bidirectional: bool = typer.Option(False, "--bidirectional", help="Bidirectional encoder (directions summed for the decoder)."),
    dropout: float = typer.Option(0.0, help="Dropout on embeddings, between layers and before the output layer."),
    attention: str = typer.Option("none", help="none | bahdanau | luong"),
    teacher_forcing: float = typer.Option(1.0, "--teacher-forcing", help="Probability of feeding the true previous character."),
    epochs: Optional[int] = typer.Option(None, help="Maximum epochs [default: 20; on --resume: as saved]."),
    time_budget: Optional[float] = typer.Option(None, "--time-budget", help="Stop after this many minutes."),
    batch_size: int = typer.Option(64, "--batch-size"),
    lr: float = typer.Option(2e-3, "--lr", help="Peak AdamW learning rate (warmup, then cosine decay)."),
    weight_decay: float = typer.Option(0.01, "--weight-decay"),
    label_smoothing: float = typer.Option(0.0, "--label-smoothing"),
    patience: int = typer.Option(5, help="Early stopping: epochs without dev-accuracy gain."),
    dev_beam_size: int = typer.Option(1, "--dev-beam-size", help="Beam for the per-epoch dev accuracy (1 = greedy)."),
    limit_train: Optional[int] = typer.Option(None, "--limit-train", help="Use only the first N training pairs."),
    seed: int = typer.Option(0, help="Random seed (runs are deterministic on CPU)."),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Where to write the run (default runs/translit-<time>)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue the run in RUN_DIR from its last checkpoint."),
    device: Optional[str] = typer.Option(None, "--device", help=DEVICE_HELP + " [default: auto; on --resume: as saved]."),
    dataset: str = DATASET, lang: str = LANG, data_dir: Optional[str] = DATA_DIR, skip_bad_lines: bool = SKIP_BAD,
) -> None:
    """Train a character seq2seq model; writes config, vocab, metrics and checkpoints to a run directory."""
    from seqlab.translit import train as training
    from seqlab.translit.model import ModelConfig

    if resume is not None:
        result = training.resume(resume, epochs=epochs, time_budget=time_budget, device=device)
    else:
        model_cfg = ModelConfig(source_vocab=5, target_vocab=5, embedding_size=emb, hidden_size=hidden, cell=cell,
                                encoder_layers=enc_layers, decoder_layers=dec_layers, bidirectional=bidirectional,
                                dropout=dropout, attention=attention)
        model_cfg.validate()
        cfg = training.TrainConfig(dataset=dataset, lang=lang, data_dir=data_dir, skip_bad_lines=skip_bad_lines,
                                   limit_train=limit_train, epochs=epochs or 20, time_budget=time_budget, batch_size=batch_size,
                                   lr=lr, weight_decay=weight_decay, label_smoothing=label_smoothing,
                                   teacher_forcing=teacher_forcing, patience=patience, dev_beam_size=dev_beam_size,
                                   seed=seed, device=device or "auto")
        result = training.train(model_cfg, cfg, run_dir)
    typer.echo(f"best dev accuracy {result.best_dev_accuracy:.4f} at epoch {result.best_epoch} "
               f"({result.epochs_run} epochs, {result.train_seconds / 60:.1f} min); run: {result.run_dir}")


def _default_out(model: Optional[Path]) -> Path:
    """Results go inside a run directory; for the shipped model (read-only install) under ./runs."""
    from seqlab.translit.checkpoint import TRAIN_STATE

    if model is not None and (model / TRAIN_STATE).exists() and os.access(model, os.W_OK):
        return model
    name = model.name if model is not None else "pretrained-hi"
    return Path("runs") / f"eval-{name}"


@app.command()
def evaluate(
    model: Optional[Path] = MODEL,
    split: str = typer.Option("test", help="train | dev | test"),
    beam_size: Optional[int] = BEAM,
    top_k: int = typer.Option(5, "--top-k", help="Length of the candidate list for top-k accuracy."),
    length_penalty: Optional[float] = LENGTH_PENALTY,
    prior_weight: Optional[float] = PRIOR_WEIGHT,
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the predictions CSV and JSON summary."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on the last line of stdout."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
    dataset: str = DATASET, lang: str = LANG, data_dir: Optional[str] = DATA_DIR, skip_bad_lines: bool = SKIP_BAD,
) -> None:
    """Word accuracy (top-1, top-k, any attested reference) and CER of a model on a split."""
    from seqlab.translit.checkpoint import PRETRAINED_DIR
    from seqlab.translit.evaluate import evaluate_pairs, write_results
    from seqlab.translit.predict import load_transliterator

    _check_beam(beam_size, top_k)
    translit = load_transliterator(model, device=device)
    pairs, skipped = load_split(dataset, lang, split, data_dir, skip_bad_lines)
    summary, rows = evaluate_pairs(translit, pairs, beam_size, top_k, length_penalty, prior_weight)
    beam_size = summary["beam_size"]
    summary = {"split": split, "dataset": dataset, "lang": lang, "model": str(model or PRETRAINED_DIR),
               "skipped_lines": skipped, **summary}
    out_dir = out or _default_out(model)
    csv_path, json_path = write_results(out_dir, f"{dataset}_{lang}_{split}_beam{beam_size}", summary, rows)
    if summary["unknown_characters"]:
        typer.echo(f"warning: {sum(summary['unknown_characters'].values())} input characters never seen in training "
                   f"were read as <unk>: {''.join(summary['unknown_characters'])}", err=True)
    prior = f", word prior λ={summary['prior_weight']}" if summary["prior_weight"] else ""
    typer.echo(f"{dataset}/{lang} {split}: {summary['pairs']} pairs, beam {beam_size}{prior}\n"
               f"  top-1 accuracy            {summary['accuracy']:.4f}\n"
               f"  any-reference accuracy    {summary['accuracy_any_reference']:.4f}\n"
               f"  top-{top_k} accuracy            {summary['top_k_accuracy']:.4f}\n"
               f"  character error rate      {summary['cer']:.4f}\n"
               f"  predictions: {csv_path}\n  summary:     {json_path}")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def prior(
    model: Path = typer.Option(..., "--model", help="Run directory or model folder to attach the prior to."),
    text: Optional[Path] = typer.Option(None, "--text", help="Devanagari text (.txt or .gz) to count words in "
                                        "[default: Dakshina's native-script Wikipedia sample]."),
    beam_size: int = typer.Option(5, "--beam-size", help="Beam used when reranking."),
    dataset: str = DATASET, lang: str = LANG, data_dir: Optional[str] = DATA_DIR,
) -> None:
    """Attach a word-frequency prior to a model and tune beam reranking (α, λ) on the dev split."""
    from seqlab.translit.predict import load_transliterator
    from seqlab.translit.prior import WordPrior, wikipedia_sample
    from seqlab.translit.tune import tune_decoding

    _check_beam(beam_size, 1)
    source = text or wikipedia_sample(lang, data_dir)
    if not source.is_file():
        raise SeqlabError(f"--text {source}: no such file")
    word_prior = WordPrior.from_text_file(source)
    translit = load_transliterator(model)
    dev, _ = load_split(dataset, lang, "dev", data_dir)
    result = tune_decoding(model, translit, word_prior, dev, beam_size, source.name)
    typer.echo(f"prior: {result['prior_words']:,} words ({result['prior_tokens']:,} tokens) from {source.name}\n"
               f"dev accuracy with beam {beam_size}: {result['dev_accuracy_without_prior']:.4f} without the prior, "
               f"{result['dev_accuracy']:.4f} with λ={result['prior_weight']}, α={result['length_penalty']}\n"
               f"saved as the default decoding in {model / 'config.json'}")


def _check_beam(beam_size: int | None, top_k: int) -> None:
    if beam_size is not None and not 1 <= beam_size <= 100:
        raise SeqlabError(f"--beam-size must be between 1 and 100, got {beam_size}")
    if not 1 <= top_k <= 100:
        raise SeqlabError(f"--top-k must be between 1 and 100, got {top_k}")


@app.command()
def predict(
    words: Optional[List[str]] = typer.Argument(None, help="Romanized words; none = read lines from stdin."),
    sentence: Optional[str] = typer.Option(None, "--sentence", help="Transliterate the words of a sentence, keep the rest."),
    top_k: int = typer.Option(1, "--top-k", help="Print the K best candidates per word."),
    beam_size: Optional[int] = BEAM,
    model: Optional[Path] = MODEL,
    device: str = typer.Option("cpu", "--device", help=DEVICE_HELP + " (few words decode fastest on the CPU)."),
) -> None:
    """Romanized Hindi → Devanagari: words, a --sentence, or stdin lines (one output line per input line)."""
    from seqlab.translit.predict import load_transliterator

    _check_beam(beam_size, top_k)
    translit = load_transliterator(model, device=device)
    words = list(words or [])
    if not words and sentence is None:
        _predict_stdin(translit, beam_size)
        return
    _warn_unknown(translit, words + ([sentence] if sentence is not None else []))
    if top_k > 1:
        for candidates in translit.candidates(words, max(top_k, beam_size or 1)):
            typer.echo(" ".join(candidates[:top_k]))
    elif words:
        typer.echo("\n".join(translit.transliterate(words, beam_size)))
    if sentence is not None:
        typer.echo(translit.transliterate_sentence(sentence, beam_size))


def _predict_stdin(translit, beam_size: int | None) -> None:
    """One output line per input line, written as soon as it is ready (so it works in a pipe)."""
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            _warn_unknown(translit, [line])
            typer.echo(translit.transliterate_sentence(line, beam_size))
    except UnicodeDecodeError as exc:
        raise SeqlabError(f"standard input is not valid UTF-8 ({exc.reason}); convert it with iconv first") from None


def _warn_unknown(translit, texts: list[str]) -> None:
    from seqlab.translit.predict import WORD

    unknown = translit.unknown_characters(m.group(0) for t in texts for m in WORD.finditer(t))
    if unknown:
        typer.echo(f"warning: characters never seen in training were read as <unk>: {''.join(sorted(unknown))}", err=True)


def _register_extras() -> None:
    """Commands that live in their own modules (analysis, sweeps) plug in here when present."""
    import importlib

    for module_name in ("seqlab.translit.analysis.formulas", "seqlab.translit.sweep.study", "seqlab.translit.report.build"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(app)


_register_extras()
