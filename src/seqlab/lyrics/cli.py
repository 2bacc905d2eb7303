"""`seqlab lyrics stats|train|generate|evaluate`. Heavy imports (torch, transformers) happen inside commands,
so `seqlab --help` and the translit job stay fast."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from seqlab.io import output_file
from seqlab.lyrics.config import ArtistEvalConfig, EvalConfig, GenerationConfig, SpeedConfig, TrainConfig
from seqlab.options import check_value, cli_option

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DATA = typer.Argument(None, help="Folder of .txt files or a CSV with a lyrics/text column "
                                 "(default: poetry/ under --data-dir, $SEQLAB_DATA_DIR or ./data).")
DATA_DIR = cli_option(TrainConfig, "data_dir")
VAL_FRACTION = cli_option(TrainConfig, "val_fraction")
SEED = cli_option(TrainConfig, "seed")
BLOCK = cli_option(TrainConfig, "block_size")
DEVICE = cli_option(EvalConfig, "device")
AS_JSON = typer.Option(False, "--json", help="Print the numbers as JSON on the last line of stdout.")


def _quiet_transformers(progress: bool = True) -> None:
    """Only errors from transformers, and no "Loading weights" bar, so an error found after loading stays one line.
    Other bars (hub downloads, the GGUF conversion, the Trainer's) show only with --progress on a terminal."""
    from seqlab.lyrics.progress import set_progress

    set_progress(progress)


@app.command()
def stats(data: Optional[Path] = DATA, data_dir: Optional[Path] = DATA_DIR, val_fraction: float = VAL_FRACTION,
          seed: int = SEED, block_size: int = BLOCK, as_json: bool = AS_JSON) -> None:
    """Files kept/dropped, near-duplicates, songs, characters, GPT-2 tokens and the train/validation split."""
    from seqlab.lyrics.corpus import load_corpus
    from seqlab.lyrics.stats import corpus_report, format_report
    from seqlab.lyrics.tokenizer import load_gpt2_tokenizer

    for name, value in (("val_fraction", val_fraction), ("seed", seed), ("block_size", block_size)):
        check_value(TrainConfig, name, value)
    corpus = load_corpus(data, data_dir)
    report = corpus_report(corpus, load_gpt2_tokenizer(), val_fraction, seed, block_size)
    typer.echo(format_report(report))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))


@app.command()
def train(
    data: Optional[Path] = DATA,
    data_dir: Optional[Path] = DATA_DIR,
    model: str = cli_option(TrainConfig, "model"),
    from_scratch: bool = cli_option(TrainConfig, "from_scratch"),
    size: str = cli_option(TrainConfig, "size"),
    output_dir: Path = cli_option(TrainConfig, "output_dir"),
    epochs: float = cli_option(TrainConfig, "epochs"),
    batch_size: int = cli_option(TrainConfig, "batch_size"),
    grad_accum: int = cli_option(TrainConfig, "grad_accum"),
    lr: float = cli_option(TrainConfig, "lr"),
    warmup_steps: int = cli_option(TrainConfig, "warmup_steps"),
    block_size: int = BLOCK,
    packing: bool = cli_option(TrainConfig, "packing", flag="--packing/--pad-to-max"),
    val_fraction: float = VAL_FRACTION,
    max_steps: Optional[int] = cli_option(TrainConfig, "max_steps"),
    eval_steps: Optional[int] = cli_option(TrainConfig, "eval_steps"),
    logging_steps: int = cli_option(TrainConfig, "logging_steps"),
    max_train_songs: Optional[int] = cli_option(TrainConfig, "max_train_songs"),
    max_val_songs: Optional[int] = cli_option(TrainConfig, "max_val_songs"),
    seed: int = SEED,
    artist_prefix: bool = cli_option(TrainConfig, "artist_prefix"),
    unconditioned_share: float = cli_option(TrainConfig, "unconditioned_share"),
    hold_out_artist: Optional[str] = cli_option(TrainConfig, "hold_out_artist"),
    lora: bool = cli_option(TrainConfig, "lora"),
    lora_r: int = cli_option(TrainConfig, "lora_r"),
    precision: str = cli_option(TrainConfig, "precision"),
    resume: bool = cli_option(TrainConfig, "resume"),
    overwrite: bool = cli_option(TrainConfig, "overwrite"),
    progress: bool = cli_option(TrainConfig, "show_progress"),
) -> None:
    """Fine-tune a causal LM on the lyrics (Hugging Face Trainer); saves model + tokenizer in --output-dir."""
    from seqlab.lyrics.train import train as run_training

    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in locals().items()}
    cfg = TrainConfig.from_cli(options)
    cfg.validate()
    _quiet_transformers()
    result = run_training(cfg)
    ppl = f"{result.eval_perplexity:.2f}" if result.eval_perplexity is not None else "n/a"
    typer.echo(f"trained {result.global_step} steps in {result.train_seconds:.0f} s; validation perplexity {ppl}; "
               f"model and tokenizer saved in {result.output_dir}")


@app.command()
def generate(
    model: str = cli_option(EvalConfig, "model", help="Trained folder (model + tokenizer) or smollm2-135m."),
    prompt: str = cli_option(EvalConfig, "prompt", help="Text the lyrics start with."),
    artist: Optional[str] = typer.Option(None, "--artist", help="Write in this artist's style (one the model was "
                                         "trained with; see `seqlab lyrics artists`)."),
    max_length: int = cli_option(GenerationConfig, "max_length"),
    max_new_tokens: Optional[int] = cli_option(GenerationConfig, "max_new_tokens"),
    top_k: int = cli_option(GenerationConfig, "top_k"),
    top_p: float = cli_option(GenerationConfig, "top_p"),
    temperature: float = cli_option(GenerationConfig, "temperature"),
    repetition_penalty: float = cli_option(GenerationConfig, "repetition_penalty"),
    num_return_sequences: int = cli_option(GenerationConfig, "num_return_sequences", aliases=("-n",)),
    seed: Optional[int] = cli_option(GenerationConfig, "seed"),
    greedy: bool = typer.Option(False, "--greedy", help="Greedy decoding instead of sampling."),
    stream: bool = typer.Option(True, "--stream/--no-stream", help="Print tokens as they are generated."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the texts to FILE, one block "
                                          "per text with its settings and seed in a header."),
    device: str = DEVICE,
    dtype: str = cli_option(SpeedConfig, "dtype"),
    quantize: str = cli_option(SpeedConfig, "quantize"),
    compile: bool = cli_option(SpeedConfig, "compile"),
    progress: bool = cli_option(TrainConfig, "show_progress"),
) -> None:
    """Generate lyrics from a prompt; stops at EOS or the length limit."""
    from seqlab.lyrics.generate import load_for_generation, sample, write_songs

    cfg = GenerationConfig.from_cli(dict(locals()), do_sample=not greedy)
    speed = SpeedConfig.from_cli(dict(locals()))
    if output is not None:
        output_file(output, "--output")  # a bad path is found before generating, not after
    _quiet_transformers(progress)
    loaded = load_for_generation(model, artist, device, speed)
    known = loaded.artist
    result = sample(loaded.model, loaded.tokenizer, prompt, cfg, stream=sys.stdout if stream else None,
                    prefix=loaded.prefix)
    if not stream:
        for index, text in enumerate(result.texts):
            if len(result.texts) > 1:
                typer.echo(f"--- {index + 1} ---")
            typer.echo(text)
    if output is not None:
        settings = {"model": model, "artist": known.name if known else None, "prompt": prompt,
                    **{k: v for k, v in vars(cfg).items() if k not in ("seed", "num_return_sequences")},
                    **vars(speed)}
        write_songs(output, result, settings)
    seeds = f"seed {result.seeds[0]}" + (f"–{result.seeds[-1]}" if len(result.seeds) > 1 else "")
    typer.echo(f"[{result.new_tokens} tokens, {result.tokens_per_second:.1f} tokens/s, {seeds}]", err=True)


@app.command()
def artists(model: str = cli_option(EvalConfig, "model", help="Trained folder."), as_json: bool = AS_JSON) -> None:
    """The artists a trained model knows (for `generate --artist`), with their training songs."""
    from seqlab.lyrics.conditioning import read_artists

    known = read_artists(model)
    width = max(len(a.name) for a in known)
    for artist in known:
        typer.echo(f"{artist.name:<{width}}  {artist.train_songs:>6} songs")
    if as_json:
        typer.echo(json.dumps([{"name": a.name, "key": a.key, "train_songs": a.train_songs} for a in known],
                              ensure_ascii=False))


@app.command()
def evaluate(
    model: str = cli_option(EvalConfig, "model"),
    data: Optional[Path] = cli_option(EvalConfig, "data"),
    data_dir: Optional[Path] = DATA_DIR,
    split: str = cli_option(EvalConfig, "split"),
    seed: Optional[int] = cli_option(EvalConfig, "seed"),
    val_fraction: Optional[float] = cli_option(EvalConfig, "val_fraction"),
    max_val_songs: Optional[int] = cli_option(EvalConfig, "max_val_songs"),
    block_size: int = cli_option(EvalConfig, "block_size"),
    batch_size: int = cli_option(EvalConfig, "batch_size"),
    num_samples: int = cli_option(EvalConfig, "num_samples"),
    prompt: str = cli_option(EvalConfig, "prompt"),
    max_length: int = cli_option(EvalConfig, "max_length"),
    sample_seed: int = cli_option(EvalConfig, "sample_seed"),
    compare_to: Optional[str] = cli_option(EvalConfig, "compare_to"),
    device: str = DEVICE,
    progress: bool = cli_option(TrainConfig, "show_progress"),
    as_json: bool = AS_JSON,
) -> None:
    """Perplexity (overall and per file), optionally against a second model (--compare-to); distinct-1/2,
    repeated-line rate and 8-gram memorization of generated samples."""
    from seqlab.lyrics.evaluate import evaluate as run_evaluation
    from seqlab.lyrics.evaluate import format_per_file

    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in locals().items()}
    cfg = EvalConfig.from_cli(options, show_progress=progress and not as_json)
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
def artist_eval(
    model: str = cli_option(ArtistEvalConfig, "model"),
    songs_per_artist: int = cli_option(ArtistEvalConfig, "songs_per_artist"),
    block_size: int = cli_option(ArtistEvalConfig, "block_size"),
    batch_size: int = cli_option(ArtistEvalConfig, "batch_size"),
    style_artists: int = cli_option(ArtistEvalConfig, "style_artists"),
    samples: int = cli_option(ArtistEvalConfig, "samples"),
    max_new_tokens: int = cli_option(ArtistEvalConfig, "max_new_tokens"),
    seed: int = cli_option(ArtistEvalConfig, "seed"),
    device: str = cli_option(ArtistEvalConfig, "device"),
    progress: bool = cli_option(TrainConfig, "show_progress"),
    as_json: bool = AS_JSON,
) -> None:
    """Does artist conditioning work? Held-out perplexity with the right, a wrong and no artist prefix per artist,
    and the n-gram share of conditioned samples in the artist's own vs. other artists' training songs."""
    from seqlab.lyrics.artist_eval import artist_eval as run_artist_eval
    from seqlab.lyrics.artist_eval import format_tables

    cfg = ArtistEvalConfig.from_cli(dict(locals()), show_progress=progress and not as_json)
    _quiet_transformers(cfg.show_progress)
    result = run_artist_eval(cfg)
    typer.echo(format_tables(result))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
