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
from seqlab.options import Flags, command
from seqlab.translit.cli import batch as cli_batch
from seqlab.translit.cli import dictionary as cli_dictionary
from seqlab.translit.cli import sentences as cli_sentences
from seqlab.translit.config import (
    MAX_WORD_LENGTH,
    MODEL_LANG_HELP,
    AnalyzeOptions,
    DataOptions,
    EvaluateOptions,
    FinalOptions,
    ModelConfig,
    PredictOptions,
    PriorOptions,
    ReportOptions,
    SweepOptions,
    TrainConfig,
    TrialOptions,
)
from seqlab.translit.languages import DEFAULT_LANG, language, shipped_dir

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
for _command in (cli_dictionary.learn, cli_dictionary.forget, cli_dictionary.export, cli_sentences.context):
    app.command()(_command)
app.command("evaluate-sentences")(cli_sentences.evaluate_sentences)
app.command()(cli_batch.batch)
app.command()(cli_sentences.typeahead)

MODEL = typer.Option(None, "--model", help="Run directory or model folder (default: the shipped model of --lang).")
AS_JSON = typer.Option(False, "--json", help="Print the summary as JSON on the last line of stdout.")
# What --resume may change; left out, the saved value stays.
RESUME_FLAGS = Flags(unset={"epochs": "Maximum epochs (default: {default}; on --resume: as saved).",
                            "device": "{default} (default) | cpu | cuda | cuda:N; on --resume: as saved."})


@app.command()
@command
def train(
    ctx: typer.Context,
    model: ModelConfig,
    cfg: TrainConfig = RESUME_FLAGS,
    run_dir: Optional[Path] = typer.Option(None, "--run-dir",
                                           help="Where to write the run (default: runs/translit-<time>)."),
    resume: Optional[Path] = typer.Option(None, "--resume",
                                          help="Continue the run in RUN_DIR from its last checkpoint."),
) -> None:
    """Train a character seq2seq model; writes config, vocab, metrics and checkpoints to a run directory."""
    from seqlab.translit import train as training

    if resume is not None:
        given = {name: getattr(cfg, name) for name in ("epochs", "time_budget", "device")
                 if ctx.params.get(name) is not None}
        result = training.resume(resume, **given)
    else:
        result = training.train(model, cfg, run_dir)
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
@command
def evaluate(
    ctx: typer.Context,
    model: Optional[Path] = MODEL,
    opts: EvaluateOptions = Flags(),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the predictions CSV and JSON summary."),
    as_json: bool = AS_JSON,
    data: DataOptions = Flags(unset={"lang": MODEL_LANG_HELP}),
) -> None:
    """Word accuracy (top-1, top-k, any attested reference) and CER of a model on a split (for native-to-roman,
    "any reference" is any attested romanization of the word)."""
    from seqlab.translit.data.corpus import load_split
    from seqlab.translit.evaluation.words import evaluate_pairs, write_results
    from seqlab.translit.transliterator import load_transliterator

    split, top_k, dataset = opts.split, opts.top_k, data.dataset
    translit = load_transliterator(model, device=opts.device, direction=opts.direction, backend=opts.backend,
                                   rescorers=opts.rescorers, lang=ctx.params.get("lang"))
    lang = translit.lang  # --lang, else the model's
    out_dir = output_dir(out or _default_out(model, lang), "--out")  # a bad folder fails before the decoding
    pairs, skipped = load_split(dataset, lang, split, data.data_dir, data.skip_bad_lines, translit.direction)
    summary, rows = evaluate_pairs(translit, pairs, translit.settings(**opts.decoding()), top_k)
    beam_size = summary["beam_size"]
    summary = {"split": split, "dataset": dataset, "lang": lang, "direction": translit.direction,
               "model": str(model or shipped_dir(lang, translit.direction)),
               "skipped_lines": skipped, "rescorers": bool(translit.rescorers), **summary}
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
@command
def prior(
    model: Path = typer.Option(..., "--model", help="Run directory or model folder to attach the prior to."),
    sources: Optional[List[str]] = typer.Option(
        None, "--source", help="Repeatable: wikipedia (Dakshina's native-script sample), wordfreq (the wordfreq "
        "package's list: bn, hi, ta, ur), or a path to native-script text (.txt/.gz) or word counts (.tsv). "
        "Default: wikipedia and (where it has the language) wordfreq, mixed with weights tuned on dev."),
    text: Optional[Path] = typer.Option(None, "--text", help="Same as --source PATH (a native-script text file)."),
    opts: PriorOptions = Flags(),
) -> None:
    """Attach a word-frequency prior to a model and tune beam reranking (α, λ, source weights) on the dev split.
    Text lines that are Dakshina evaluation sentences are dropped before counting."""
    from seqlab.translit.data.corpus import load_split
    from seqlab.translit.evaluation.tuning import tune_decoding
    from seqlab.translit.transliterator import load_transliterator
    from seqlab.translit.words.prior_sources import check_source_name, evaluation_sentences, load_source

    beam_size, data_dir = opts.beam_size, opts.data_dir
    names = list(sources or []) + ([str(text)] if text else [])
    for name in names:  # a wrong --source before the model is read
        check_source_name(name, opts.lang or DEFAULT_LANG)
    translit = load_transliterator(model, lang=opts.lang)  # a missing or broken model folder is reported next
    lang = translit.lang  # --lang, else the model's
    exclude = evaluation_sentences(lang, data_dir)
    default = ["wikipedia", "wordfreq"] if language(lang).wordfreq else ["wikipedia"]
    loaded = [load_source(name, lang, data_dir, exclude) for name in (names or default)]
    dev, _ = load_split(opts.dataset, lang, "dev", data_dir)
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
@command
def predict(
    words: Optional[List[str]] = typer.Argument(None, help="Romanized words or phrases, one output line each; none = "
                                                "read lines from stdin (one output line per input line)."),
    sentence: Optional[str] = typer.Option(None, "--sentence",
                                            help="Transliterate the words of a sentence, keep the rest."),
    opts: PredictOptions = Flags(),
    model: Optional[Path] = MODEL,
    user_dictionary: Optional[Path] = cli_dictionary.USER_DICTIONARY,
    no_user_dictionary: bool = typer.Option(False, "--no-user-dictionary", help="Ignore the learned pairs."),
    no_context: bool = typer.Option(False, "--no-context", help="Sentences and stdin: choose each word alone, "
                                    "without the bigram model of the sentence context."),
) -> None:
    """Arguments, --sentence and stdin all go through one TextStream, so they are treated alike."""
    from seqlab.translit.cli.stream import TextStream, check_arguments, stdin_chunks
    from seqlab.translit.transliterator import load_transliterator

    if sentence is not None and opts.top_k > 1:
        raise SeqlabError("--top-k does not combine with --sentence: give the sentence's words as arguments "
                          "(or on stdin) to get one line of candidates per word")
    texts = list(words or []) + ([sentence] if sentence is not None else [])
    check_arguments(texts)
    translit = load_transliterator(model, device=opts.device, direction=opts.direction, rescorers=opts.rescorers,
                                   backend=opts.backend, lang=opts.lang)
    if not no_user_dictionary:  # the file of the model's language
        translit.user_dictionary = cli_dictionary.open_user_dictionary(user_dictionary, translit.lang)
    stream = TextStream(translit, _write, opts.beam_size, opts.top_k, context=not no_context)
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
@command
def analyze(
    opts: AnalyzeOptions,
    check: bool = typer.Option(False, "--check", help="Build the real model and verify every count independently."),
    as_json: bool = AS_JSON,
) -> None:
    """Exact parameter and multiply-add counts of the network, as formulas in m, k, T, V and as numbers."""
    from dataclasses import asdict

    from seqlab.translit.analysis import Sizes
    from seqlab.translit.analysis import analyze as run_analysis

    sizes = Sizes(**{**asdict(opts), "cell": opts.cell.lower(), "attention": opts.attention.lower()})
    text, summary = run_analysis(sizes, check)
    typer.echo(text)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    if check and not summary["checked"]:
        typer.echo("error: the independent count disagrees with the formulas (see above)", err=True)
        raise SystemExit(1)  # not a user error (exit 2): a bug in the formulas or the model


@app.command()
@command
def sweep(
    opts: SweepOptions,
    space: Optional[Path] = typer.Option(None, "--space", help="Search-space YAML (default: the shipped space)."),
    trial: TrialOptions = Flags(),
    data: DataOptions = Flags(),
) -> None:
    """Hyperparameter search with Optuna: each trial trains a model, scored on dev word accuracy."""
    from dataclasses import asdict, replace

    from seqlab.translit.sweep import space as sweep_space
    from seqlab.translit.sweep.storage import storage_url
    from seqlab.translit.sweep.study import check_options, run_sweep
    from seqlab.translit.train import load_data

    cfg = TrainConfig(**asdict(data), **asdict(trial), seed=opts.seed, show_progress=False)
    opts = replace(opts, space=sweep_space.load_space(space), train=cfg,
                   space_file=str(space or sweep_space.DEFAULT_SPACE), study=opts.study or opts.out.resolve().name,
                   storage=storage_url(opts.storage, opts.out))
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
@command
def report(
    sweep_dir: Path = typer.Argument(..., help="Directory written by `seqlab translit sweep`."),
    out: Optional[Path] = typer.Option(None, "--out", help="Report folder (default: SWEEP_DIR/report)."),
    final: FinalOptions = Flags(),
    test: ReportOptions = Flags(),
) -> None:
    """HTML + Markdown report of a sweep; trains its best configuration and evaluates it once on test."""
    from seqlab.translit.report.build import make_report

    result = make_report(sweep_dir, out, final, test.beam_size, test.top_k)
    typer.echo(f"test top-1 {result['accuracy']:.4f}  top-{result['top_k']} {result['top_k_accuracy']:.4f}  "
               f"CER {result['cer']:.4f}\nreport:      {result['report']}\nmarkdown:    {result['markdown']}\n"
               f"predictions: {result['predictions']}")
