"""`seqlab translit …`: every transliteration command. Option names, defaults, ranges and help come from the
config dataclasses (config.py); heavy modules (torch, optuna, matplotlib) are imported inside the commands so
that `seqlab --help` stays fast."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from seqlab.errors import SeqlabError
from seqlab.io import RunLock, output_dir
from seqlab.options import check_value, cli_option
from seqlab.translit.cli import dictionary as cli_dictionary
from seqlab.translit.cli import sentences as cli_sentences
from seqlab.translit.config import (
    MAX_WORD_LENGTH,
    DecodingConfig,
    FinalOptions,
    ModelConfig,
    SweepOptions,
    TrainConfig,
)
from seqlab.translit.languages import DEFAULT_LANG, LANGUAGE_CODES, language, shipped_dir

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
for _command in (cli_dictionary.learn, cli_dictionary.forget, cli_dictionary.export, cli_sentences.context):
    app.command()(_command)
app.command("evaluate-sentences")(cli_sentences.evaluate_sentences)

# Options several commands share.
DATASET = cli_option(TrainConfig, "dataset")
LANG = cli_option(TrainConfig, "lang")
DATA_DIR = cli_option(TrainConfig, "data_dir")
SKIP_BAD = cli_option(TrainConfig, "skip_bad_lines")
MODEL = typer.Option(None, "--model", help="Run directory or model folder (default: the shipped model of --lang).")
# Commands that use a model: its language unless given; without --model, --lang picks the shipped model (hi).
MODEL_LANG = cli_option(TrainConfig, "lang", default=None, help="Language code: " + " | ".join(LANGUAGE_CODES)
                        + " (default: the model's; without --model, the shipped model of this language, else hi).")
BEAM = cli_option(DecodingConfig, "beam_size", default=None)
LENGTH_PENALTY = cli_option(DecodingConfig, "length_penalty", default=None)
PRIOR_WEIGHT = cli_option(DecodingConfig, "prior_weight", default=None)
DEVICE_AUTO = cli_option(TrainConfig, "device")
DIRECTION = typer.Option(None, "--direction", help="roman-to-native | native-to-roman (default: the model's; "
                         "without --model, picks the shipped model of that direction).")
AS_JSON = typer.Option(False, "--json", help="Print the summary as JSON on the last line of stdout.")


def _top_k_option(default: int, help: str):
    return typer.Option(default, "--top-k", help=help)


def _check_top_k(top_k: int) -> None:
    check_value(DecodingConfig, "beam_size", top_k, label="--top-k")  # the candidate list is a beam


@app.command()
def train(
    cell: str = cli_option(ModelConfig, "cell"),
    emb: int = cli_option(ModelConfig, "embedding_size"),
    hidden: int = cli_option(ModelConfig, "hidden_size"),
    enc_layers: int = cli_option(ModelConfig, "encoder_layers"),
    dec_layers: int = cli_option(ModelConfig, "decoder_layers"),
    bidirectional: bool = cli_option(ModelConfig, "bidirectional"),
    dropout: float = cli_option(ModelConfig, "dropout"),
    attention: str = cli_option(ModelConfig, "attention"),
    teacher_forcing: float = cli_option(TrainConfig, "teacher_forcing"),
    epochs: Optional[int] = cli_option(TrainConfig, "epochs", default=None,
                                       help=f"Maximum epochs (default: {TrainConfig.epochs}; on --resume: as saved)."),
    time_budget: Optional[float] = cli_option(TrainConfig, "time_budget"),
    batch_size: int = cli_option(TrainConfig, "batch_size"),
    lr: float = cli_option(TrainConfig, "lr"),
    weight_decay: float = cli_option(TrainConfig, "weight_decay"),
    label_smoothing: float = cli_option(TrainConfig, "label_smoothing"),
    patience: int = cli_option(TrainConfig, "patience"),
    dev_beam_size: int = cli_option(TrainConfig, "dev_beam_size"),
    limit_train: Optional[int] = cli_option(TrainConfig, "limit_train"),
    seed: int = cli_option(TrainConfig, "seed"),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir",
                                           help="Where to write the run (default: runs/translit-<time>)."),
    resume: Optional[Path] = typer.Option(None, "--resume",
                                          help="Continue the run in RUN_DIR from its last checkpoint."),
    device: Optional[str] = cli_option(TrainConfig, "device", default=None,
                                       help=f"{TrainConfig.device} (default) | cpu | cuda | cuda:N; "
                                            "on --resume: as saved."),
    extra_train: Optional[str] = cli_option(TrainConfig, "extra_train"),
    direction: str = cli_option(TrainConfig, "direction"),
    precision: str = cli_option(TrainConfig, "precision"),
    dataset: str = DATASET, lang: str = LANG, data_dir: Optional[str] = DATA_DIR, skip_bad_lines: bool = SKIP_BAD,
) -> None:
    """Train a character seq2seq model; writes config, vocab, metrics and checkpoints to a run directory."""
    from seqlab.translit import train as training

    options = dict(locals())
    if resume is not None:
        if epochs is not None:
            check_value(TrainConfig, "epochs", epochs)
        result = training.resume(resume, epochs=epochs, time_budget=time_budget, device=device)
    else:
        result = training.train(ModelConfig.from_cli(options), TrainConfig.from_cli(options), run_dir)
    typer.echo(f"best dev accuracy {result.best_dev_accuracy:.4f} at epoch {result.best_epoch} "
               f"({result.epochs_run} epochs, {result.train_seconds / 60:.1f} min); run: {result.run_dir}")


def _default_out(model: Optional[Path], lang: str) -> Path:
    """Results go inside a run directory; for the shipped model (read-only install) under ./runs."""
    from seqlab.translit.model.checkpoint import TRAIN_STATE

    if model is not None and (model / TRAIN_STATE).exists() and os.access(model, os.W_OK):
        return model
    name = model.name if model is not None else f"pretrained-{lang}"
    return Path("runs") / f"eval-{name}"


@app.command()
def evaluate(
    model: Optional[Path] = MODEL,
    split: str = typer.Option("test", help="train | dev | test"),
    beam_size: Optional[int] = BEAM,
    top_k: int = _top_k_option(5, "Length of the candidate list for top-k accuracy."),
    length_penalty: Optional[float] = LENGTH_PENALTY,
    prior_weight: Optional[float] = PRIOR_WEIGHT,
    lexicon_weight: Optional[float] = cli_option(DecodingConfig, "lexicon_weight", default=None),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the predictions CSV and JSON summary."),
    as_json: bool = AS_JSON,
    device: str = DEVICE_AUTO,
    direction: Optional[str] = DIRECTION,
    dataset: str = DATASET, lang: Optional[str] = MODEL_LANG, data_dir: Optional[str] = DATA_DIR,
    skip_bad_lines: bool = SKIP_BAD,
) -> None:
    """Word accuracy (top-1, top-k, any attested reference) and CER of a model on a split (for native-to-roman,
    "any reference" is any attested romanization of the word)."""
    from seqlab.translit.data.corpus import load_split
    from seqlab.translit.evaluation.words import evaluate_pairs, write_results
    from seqlab.translit.transliterator import load_transliterator

    _check_top_k(top_k)
    translit = load_transliterator(model, device=device, direction=direction, lang=lang)
    lang = translit.lang
    out_dir = output_dir(out or _default_out(model, lang), "--out")  # a bad folder fails before the decoding
    pairs, skipped = load_split(dataset, lang, split, data_dir, skip_bad_lines, translit.direction)
    decoding = translit.settings(beam_size, length_penalty=length_penalty, prior_weight=prior_weight,
                                 lexicon_weight=lexicon_weight)
    summary, rows = evaluate_pairs(translit, pairs, decoding, top_k)
    beam_size = summary["beam_size"]
    summary = {"split": split, "dataset": dataset, "lang": lang, "direction": translit.direction,
               "model": str(model or shipped_dir(lang, translit.direction)),
               "skipped_lines": skipped, **summary}
    stem = f"{dataset}_{lang}_{split}_beam{beam_size}" + ("_reverse" if translit.direction != "roman-to-native" else "")
    csv_path, json_path = write_results(out_dir, stem, summary, rows)
    if summary["unknown_characters"]:
        typer.echo(f"warning: {sum(summary['unknown_characters'].values())} input characters never seen in training "
                   f"were read as <unk>: {''.join(summary['unknown_characters'])}", err=True)
    prior = f", word prior λ={summary['prior_weight']}" if summary["prior_weight"] else ""
    typer.echo(f"{dataset}/{lang} {split}: {summary['pairs']} pairs, beam {beam_size}{prior}\n"
               f"  top-1 accuracy            {summary['accuracy']:.4f}\n"
               f"  any-reference accuracy    {summary['accuracy_any_reference']:.4f}\n"
               f"  {f'top-{top_k} accuracy':<26}{summary['top_k_accuracy']:.4f}\n"
               f"  character error rate      {summary['cer']:.4f}\n"
               f"  IndicXlit convention ({summary['unique_inputs']} distinct inputs, any reference): "
               f"top-1 {summary['unique_input_top1']:.4f}, top-{top_k} {summary['unique_input_top_k']:.4f}\n"
               f"  predictions: {csv_path}\n  summary:     {json_path}")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def prior(
    model: Path = typer.Option(..., "--model", help="Run directory or model folder to attach the prior to."),
    sources: Optional[List[str]] = typer.Option(
        None, "--source", help="Repeatable: wikipedia (Dakshina's native-script sample), wordfreq (the wordfreq "
        "package's list: bn, hi, ta, ur), or a path to native-script text (.txt/.gz) or word counts (.tsv). "
        "Default: wikipedia and (where it has the language) wordfreq, mixed with weights tuned on dev."),
    text: Optional[Path] = typer.Option(None, "--text", help="Same as --source PATH (a native-script text file)."),
    beam_size: int = typer.Option(5, "--beam-size", help="Beam used when reranking."),
    dataset: str = DATASET, lang: Optional[str] = MODEL_LANG, data_dir: Optional[str] = DATA_DIR,
) -> None:
    """Attach a word-frequency prior to a model and tune beam reranking (α, λ, source weights) on the dev split.
    Text lines that are Dakshina evaluation sentences are dropped before counting."""
    from seqlab.translit.data.corpus import load_split
    from seqlab.translit.evaluation.tuning import tune_decoding
    from seqlab.translit.transliterator import load_transliterator
    from seqlab.translit.words.prior_sources import check_source_name, evaluation_sentences, load_source

    check_value(DecodingConfig, "beam_size", beam_size)
    names = list(sources or []) + ([str(text)] if text else [])
    for name in names:  # a wrong --source before the model is read
        check_source_name(name, lang or DEFAULT_LANG)
    translit = load_transliterator(model, lang=lang)  # a missing or broken model folder is reported next
    lang = translit.lang
    exclude = evaluation_sentences(lang, data_dir)
    default = ["wikipedia", "wordfreq"] if language(lang).wordfreq else ["wikipedia"]
    loaded = [load_source(name, lang, data_dir, exclude) for name in (names or default)]
    dev, _ = load_split(dataset, lang, "dev", data_dir)
    with RunLock(model, "model folder"):  # one writer of prior.tsv and config.json at a time
        result = tune_decoding(model, translit, loaded, dev, beam_size)
    for source, weight in zip(loaded, (s["weight"] for s in result["prior_sources"])):
        typer.echo(f"source {source.name}: {len(source.counts):,} words, {source.tokens:,} tokens, "
                   f"{source.dropped_lines:,} evaluation-sentence lines dropped; mixture weight {weight}")
    typer.echo(f"prior: {result['prior_words']:,} words; checked against {len(exclude):,} evaluation sentences\n"
               f"dev accuracy with beam {beam_size}: {result['dev_accuracy_without_prior']:.4f} without the prior, "
               f"{result['dev_accuracy']:.4f} with λ={result['prior_weight']}, α={result['length_penalty']}, "
               f"μ={result['lexicon_weight']}\n"
               f"saved as the default decoding in {model / 'config.json'}")


@app.command(help="Romanized text → native script (--lang; default Hindi): words, a --sentence, or stdin lines. "
             "Letters are transliterated; digits, spaces, punctuation and emoji are kept as they are, and so are "
             f"words of more than {MAX_WORD_LENGTH} letters. Letters never seen in training are read as <unk>; "
             "both are reported on stderr.")
def predict(
    words: Optional[List[str]] = typer.Argument(None, help="Romanized words or phrases, one output line each; none = "
                                                "read lines from stdin (one output line per input line)."),
    sentence: Optional[str] = typer.Option(None, "--sentence",
                                            help="Transliterate the words of a sentence, keep the rest."),
    top_k: int = _top_k_option(1, "With K > 1: for every word (run of letters) of the input, one line of its K best "
                                  "candidates, best first, separated by spaces; an argument or stdin line without "
                                  "letters is printed as it is. Not with --sentence."),
    beam_size: Optional[int] = BEAM,
    model: Optional[Path] = MODEL,
    device: str = cli_option(TrainConfig, "device", default="cpu",
                             help="auto | cpu (default: few words decode fastest on the CPU) | cuda | cuda:N"),
    user_dictionary: Optional[Path] = cli_dictionary.USER_DICTIONARY,
    no_user_dictionary: bool = typer.Option(False, "--no-user-dictionary", help="Ignore the learned pairs."),
    no_context: bool = typer.Option(False, "--no-context", help="Sentences and stdin: choose each word alone, "
                                    "without the bigram model of the sentence context."),
    direction: Optional[str] = DIRECTION,
    rescorers: bool = typer.Option(True, "--rescorers/--no-rescorers", help="Rescore with the model folder's "
                                   "rescorer models (--no-rescorers: several times faster, a little less accurate)."),
    lang: Optional[str] = MODEL_LANG,
) -> None:
    """Arguments, --sentence and stdin all go through one TextStream, so they are treated alike."""
    from seqlab.translit.cli.stream import TextStream, check_arguments, stdin_chunks
    from seqlab.translit.transliterator import load_transliterator

    _check_top_k(top_k)
    if beam_size is not None:
        check_value(DecodingConfig, "beam_size", beam_size)
    if sentence is not None and top_k > 1:
        raise SeqlabError("--top-k does not combine with --sentence: give the sentence's words as arguments "
                          "(or on stdin) to get one line of candidates per word")
    texts = list(words or []) + ([sentence] if sentence is not None else [])
    check_arguments(texts)
    translit = load_transliterator(model, device=device, direction=direction, rescorers=rescorers, lang=lang)
    if not no_user_dictionary:  # the file of the model's language
        translit.user_dictionary = cli_dictionary.open_user_dictionary(user_dictionary, translit.lang)
    stream = TextStream(translit, _write, beam_size, top_k, context=not no_context)
    if texts:
        stream.feed("\n".join(texts) + "\n")
    else:
        for chunk in stdin_chunks():
            stream.feed(chunk)
    stream.finish()
    _warn(stream)


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()  # each batch as soon as it is ready, so the command works in a pipe and interactively
    except BrokenPipeError:  # `predict < big.txt | head -1`: the reader has all it wants; stop quietly (exit 0)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush cannot fail
        raise typer.Exit(0) from None


def _warn(stream) -> None:
    """Once per run, after the output, however many lines had such words."""
    if stream.unknown:
        typer.echo(f"warning: characters never seen in training were read as <unk>: {''.join(sorted(stream.unknown))}",
                   err=True)
    if stream.too_long:
        typer.echo(f"warning: {stream.too_long} word(s) longer than {MAX_WORD_LENGTH} characters were left as they "
                   "are", err=True)


@app.command()
def analyze(
    emb: int = cli_option(ModelConfig, "embedding_size", default=..., help="Embedding size m (source and target)."),
    hidden: int = cli_option(ModelConfig, "hidden_size", default=...),
    seq_len: int = typer.Option(..., "--seq-len", help="Length T of the source and of the target."),
    vocab: int = typer.Option(..., "--vocab", help="Vocabulary size V as built, the 4 specials included."),
    cell: str = cli_option(ModelConfig, "cell", default="rnn",
                           help="Recurrent cell: rnn (default: the textbook network) | gru | lstm."),
    enc_layers: int = cli_option(ModelConfig, "encoder_layers"),
    dec_layers: int = cli_option(ModelConfig, "decoder_layers"),
    attention: str = cli_option(ModelConfig, "attention"),
    bidirectional: bool = cli_option(ModelConfig, "bidirectional"),
    check: bool = typer.Option(False, "--check", help="Build the real model and verify every count independently."),
    as_json: bool = AS_JSON,
) -> None:
    """Exact parameter and multiply-add counts of the network, as formulas in m, k, T, V and as numbers."""
    from seqlab.translit.analysis import Sizes
    from seqlab.translit.analysis import analyze as run_analysis

    sizes = Sizes(emb, hidden, seq_len, vocab, cell.lower(), enc_layers, dec_layers, attention.lower(), bidirectional)
    text, summary = run_analysis(sizes, check)
    typer.echo(text)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    if check and not summary["checked"]:
        typer.echo("error: the independent count disagrees with the formulas (see above)", err=True)
        raise SystemExit(1)  # not a user error (exit 2): a bug in the formulas or the model


@app.command()
def sweep(
    out: Path = cli_option(SweepOptions, "out", default=...),
    trials: int = cli_option(SweepOptions, "trials", default=...),
    space: Optional[Path] = typer.Option(None, "--space", help="Search-space YAML (default: the shipped space)."),
    timeout: Optional[float] = cli_option(SweepOptions, "timeout"),
    sampler: str = cli_option(SweepOptions, "sampler"),
    pruner: str = cli_option(SweepOptions, "pruner"),
    storage: Optional[str] = cli_option(SweepOptions, "storage", default=None),
    study: Optional[str] = cli_option(SweepOptions, "study", default=None),
    epochs: int = cli_option(TrainConfig, "epochs", help="Maximum epochs per trial."),
    patience: int = cli_option(TrainConfig, "patience", help="Early stopping per trial."),
    trial_budget: Optional[float] = cli_option(TrainConfig, "time_budget", flag="--trial-budget",
                                               help="Minutes per trial at most."),
    limit_train: Optional[int] = cli_option(TrainConfig, "limit_train"),
    seed: int = cli_option(SweepOptions, "seed"),
    heartbeat: int = cli_option(SweepOptions, "heartbeat"),
    use_wandb: bool = cli_option(SweepOptions, "wandb"),
    wandb_project: str = cli_option(SweepOptions, "wandb_project"),
    halving_top: int = cli_option(SweepOptions, "halving_top"),
    halving_epochs: Optional[int] = cli_option(SweepOptions, "halving_epochs"),
    halving_budget: Optional[float] = cli_option(SweepOptions, "halving_budget"),
    dataset: str = DATASET, lang: str = LANG, data_dir: Optional[str] = DATA_DIR, skip_bad_lines: bool = SKIP_BAD,
) -> None:
    """Hyperparameter search with Optuna: each trial trains a model, scored on dev word accuracy."""
    from seqlab.translit.sweep import space as sweep_space
    from seqlab.translit.sweep.storage import storage_url
    from seqlab.translit.sweep.study import check_options, run_sweep
    from seqlab.translit.train import load_data

    options = dict(locals())
    cfg = TrainConfig.from_cli(options, time_budget=trial_budget, show_progress=False)
    opts = SweepOptions(out=out, space=sweep_space.load_space(space), trials=trials, train=cfg,
                        space_file=str(space or sweep_space.DEFAULT_SPACE), study=study or out.resolve().name,
                        storage=storage_url(storage, out), sampler=sampler, pruner=pruner, timeout=timeout, seed=seed,
                        heartbeat=heartbeat, wandb=use_wandb, wandb_project=wandb_project,
                        halving_top=halving_top, halving_epochs=halving_epochs, halving_budget=halving_budget)
    check_options(opts)
    load_data(cfg)  # a missing or broken dataset is reported before any trial starts
    run_sweep(opts)
    _print_sweep_summary(opts)


def _print_sweep_summary(opts) -> None:
    from seqlab.translit.sweep.halving import describe_rung
    from seqlab.translit.sweep.study import describe_params, load_sweep, trial_counts

    _, study = load_sweep(opts.out, opts.storage)
    counts = trial_counts(study)
    typer.echo(f"study {opts.study}: {counts['finished']}/{opts.trials} finished ({counts['complete']} complete, "
               f"{counts['pruned']} pruned), {counts['fail']} failed, {counts['running']} running")
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if complete:
        best = max(complete, key=lambda t: t.value)
        typer.echo(f"best trial {best.number}: dev acc {best.value:.4f}  {describe_params(best.params)}\n"
                   f"  run: {best.user_attrs.get('run_dir')}")
    for line in describe_rung(study):  # successive halving: the full-data rung and its winner
        typer.echo(line)
    typer.echo(f"sweep: {opts.out}")


@app.command()
def report(
    sweep_dir: Path = typer.Argument(..., help="Directory written by `seqlab translit sweep`."),
    out: Optional[Path] = typer.Option(None, "--out", help="Report folder (default: SWEEP_DIR/report)."),
    final_epochs: int = cli_option(FinalOptions, "epochs"),
    patience: int = cli_option(FinalOptions, "patience"),
    time_budget: Optional[float] = cli_option(FinalOptions, "time_budget"),
    beam_size: Optional[int] = cli_option(DecodingConfig, "beam_size", default=None,
                                          help="Test decoding beam (default: the best trial's)."),
    top_k: int = _top_k_option(5, "Candidate list length for top-k accuracy."),
    limit_train: Optional[int] = cli_option(FinalOptions, "limit_train"),
    dataset: Optional[str] = cli_option(FinalOptions, "dataset"),
    lang: Optional[str] = cli_option(FinalOptions, "lang"),
    data_dir: Optional[str] = cli_option(FinalOptions, "data_dir"),
) -> None:
    """HTML + Markdown report of a sweep; trains its best configuration and evaluates it once on test."""
    from seqlab.options import from_cli
    from seqlab.translit.report.build import make_report

    opts = from_cli(FinalOptions, dict(locals()))
    result = make_report(sweep_dir, out, opts, beam_size, top_k)
    typer.echo(f"test top-1 {result['accuracy']:.4f}  top-{result['top_k']} {result['top_k_accuracy']:.4f}  "
               f"CER {result['cer']:.4f}\nreport:      {result['report']}\nmarkdown:    {result['markdown']}\n"
               f"predictions: {result['predictions']}")
