"""`seqlab lyrics stats|train|generate|evaluate`. Heavy imports (torch, transformers) happen inside commands,
so `seqlab --help` and the translit job stay fast."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from seqlab.io import output_file
from seqlab.lyrics.config import (
    ArtistEvalConfig,
    ArtistsOptions,
    EvalConfig,
    GenerateOptions,
    GenerationConfig,
    SpeedConfig,
    StatsOptions,
    TrainConfig,
)
from seqlab.options import Flags, command

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DATA = typer.Argument(None, help="Folder of .txt files or a CSV with a lyrics/text column "
                                 "(default: poetry/ under --data-dir, $SEQLAB_DATA_DIR or ./data).")
AS_JSON = typer.Option(False, "--json", help="Print the numbers as JSON on the last line of stdout.")


def _quiet_transformers(progress: bool = True) -> None:
    """Only errors from transformers, and no "Loading weights" bar, so an error found after loading stays one line.
    Other bars (hub downloads, the GGUF conversion, the Trainer's) show only with --progress on a terminal."""
    from seqlab.lyrics.progress import set_progress

    set_progress(progress)


@app.command()
@command
def stats(data: Optional[Path] = DATA, opts: StatsOptions = Flags(), as_json: bool = AS_JSON) -> None:
    """Files kept/dropped, near-duplicates, songs, characters, GPT-2 tokens and the train/validation split."""
    from seqlab.lyrics.corpus import load_corpus
    from seqlab.lyrics.stats import corpus_report, format_report
    from seqlab.lyrics.tokenizer import load_gpt2_tokenizer

    corpus = load_corpus(data, opts.data_dir)
    report = corpus_report(corpus, load_gpt2_tokenizer(), opts.val_fraction, opts.seed, opts.block_size)
    typer.echo(format_report(report))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))


@app.command()
@command
def train(data: Optional[Path] = DATA, cfg: TrainConfig = Flags()) -> None:
    """Fine-tune a causal LM on the lyrics (Hugging Face Trainer); saves model + tokenizer in --output-dir."""
    from seqlab.lyrics.train import train as run_training

    if data is not None:
        cfg = replace(cfg, data=str(data))
    _quiet_transformers()
    result = run_training(cfg)
    ppl = f"{result.eval_perplexity:.2f}" if result.eval_perplexity is not None else "n/a"
    typer.echo(f"trained {result.global_step} steps in {result.train_seconds:.0f} s; validation perplexity {ppl}; "
               f"model and tokenizer saved in {result.output_dir}")


@app.command()
@command
def generate(
    opts: GenerateOptions,
    cfg: GenerationConfig = Flags(),
    greedy: bool = typer.Option(False, "--greedy", help="Greedy decoding instead of sampling."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the texts to FILE, one block "
                                          "per text with its settings and seed in a header."),
    speed: SpeedConfig = Flags(),
) -> None:
    """Generate lyrics from a prompt; stops at EOS or the length limit."""
    from seqlab.lyrics.generate import load_for_generation, sample, write_songs

    cfg = replace(cfg, do_sample=not greedy)
    if output is not None:
        output_file(output, "--output")  # a bad path is found before generating, not after
    _quiet_transformers(opts.show_progress)
    loaded = load_for_generation(opts.model, opts.artist, opts.device, speed)
    known = loaded.artist
    result = sample(loaded.model, loaded.tokenizer, opts.prompt, cfg, stream=sys.stdout if opts.stream else None,
                    prefix=loaded.prefix)
    if not opts.stream:
        for index, text in enumerate(result.texts):
            if len(result.texts) > 1:
                typer.echo(f"--- {index + 1} ---")
            typer.echo(text)
    if output is not None:
        settings = {"model": opts.model, "artist": known.name if known else None, "prompt": opts.prompt,
                    **{k: v for k, v in vars(cfg).items() if k not in ("seed", "num_return_sequences")},
                    **vars(speed)}
        write_songs(output, result, settings)
    seeds = f"seed {result.seeds[0]}" + (f"–{result.seeds[-1]}" if len(result.seeds) > 1 else "")
    typer.echo(f"[{result.new_tokens} tokens, {result.tokens_per_second:.1f} tokens/s, {seeds}]", err=True)


@app.command()
@command
def artists(opts: ArtistsOptions, as_json: bool = AS_JSON) -> None:
    """The artists a trained model knows (for `generate --artist`), with their training songs."""
    from seqlab.lyrics.conditioning import read_artists

    known = read_artists(opts.model)
    width = max(len(a.name) for a in known)
    for artist in known:
        typer.echo(f"{artist.name:<{width}}  {artist.train_songs:>6} songs")
    if as_json:
        typer.echo(json.dumps([{"name": a.name, "key": a.key, "train_songs": a.train_songs} for a in known],
                              ensure_ascii=False))


@app.command()
@command
def evaluate(cfg: EvalConfig, as_json: bool = AS_JSON) -> None:
    """Perplexity (overall and per file), optionally against a second model (--compare-to); distinct-1/2,
    repeated-line rate and 8-gram memorization of generated samples."""
    from seqlab.lyrics.evaluate import evaluate as run_evaluation
    from seqlab.lyrics.evaluate import format_per_file

    cfg = replace(cfg, show_progress=cfg.show_progress and not as_json)
    cfg.validate()
    _quiet_transformers(cfg.show_progress)
    result = run_evaluation(cfg)
    for key, value in result.items():
        if key != "per_file":
            typer.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    typer.echo(format_per_file(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("artist-eval")
@command
def artist_eval(cfg: ArtistEvalConfig, as_json: bool = AS_JSON) -> None:
    """Does artist conditioning work? Held-out perplexity with the right, a wrong and no artist prefix per artist,
    and the n-gram share of conditioned samples in the artist's own vs. other artists' training songs."""
    from seqlab.lyrics.artist_eval import artist_eval as run_artist_eval
    from seqlab.lyrics.artist_eval import format_tables

    cfg = replace(cfg, show_progress=cfg.show_progress and not as_json)
    _quiet_transformers(cfg.show_progress)
    result = run_artist_eval(cfg)
    typer.echo(format_tables(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
