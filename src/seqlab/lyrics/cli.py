"""`seqlab lyrics stats|train|generate|evaluate`. Heavy imports (torch, transformers) happen inside commands,
so `seqlab --help` and the translit job stay fast."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from seqlab.device import DEVICE_HELP
from seqlab.lyrics.defaults import SEED_PROMPT

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DATA = typer.Argument(None, help="Folder of .txt files or a CSV with a lyrics/text column "
                                 "(default: poetry/ under --data-dir, $SEQLAB_DATA_DIR or ./data).")
DATA_DIR = typer.Option(None, "--data-dir", help="Root that holds poetry/ (else $SEQLAB_DATA_DIR, then ./data).")
VAL_FRACTION = typer.Option(0.1, "--val-fraction", help="Share of songs held out for validation.")
SEED = typer.Option(42, "--seed", help="Seed for the split, shuffling and initialization.")
BLOCK = typer.Option(256, "--block-size", help="Tokens per training example (the seed's max length).")
AS_JSON = typer.Option(False, "--json", help="Print the numbers as JSON on the last line of stdout.")


def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()


@app.command()
def stats(data: Optional[Path] = DATA, data_dir: Optional[Path] = DATA_DIR, val_fraction: float = VAL_FRACTION,
          seed: int = SEED, block_size: int = BLOCK, as_json: bool = AS_JSON) -> None:
    """Files kept/dropped, near-duplicates, songs, characters, GPT-2 tokens and the train/validation split."""
    from seqlab.lyrics.corpus import load_corpus
    from seqlab.lyrics.stats import corpus_report, format_report
    from seqlab.lyrics.tokenizer import load_gpt2_tokenizer

    corpus = load_corpus(data, data_dir)
    report = corpus_report(corpus, load_gpt2_tokenizer(), val_fraction, seed, block_size)
    typer.echo(format_report(report))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))


@app.command()
def train(
    data: Optional[Path] = DATA,
    data_dir: Optional[Path] = DATA_DIR,
    model: str = typer.Option("gpt2", "--model", help="Hub id (gpt2, …), local model folder, or smollm2-135m."),
    from_scratch: bool = typer.Option(False, "--from-scratch", help="Randomly initialized GPT-2 (see --size)."),
    size: str = typer.Option("tiny", "--size", help="tiny | small (with --from-scratch)."),
    output_dir: Path = typer.Option(Path("gpt2-lyrics"), "--output-dir", help="Run folder: checkpoints, final model."),
    epochs: float = typer.Option(3.0, "--epochs"),
    batch_size: int = typer.Option(2, "--batch-size", help="Per-device batch size."),
    grad_accum: int = typer.Option(1, "--grad-accum", help="Gradient accumulation steps."),
    lr: float = typer.Option(5e-5, "--lr", help="Peak AdamW learning rate (linear decay)."),
    warmup_steps: int = typer.Option(0, "--warmup-steps"),
    block_size: int = BLOCK,
    packing: bool = typer.Option(True, "--packing/--pad-to-max",
                                 help="Pack songs into full blocks (default) or pad/truncate each song (the seed)."),
    val_fraction: float = VAL_FRACTION,
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Stop after N optimizer steps (CPU runs)."),
    eval_steps: Optional[int] = typer.Option(None, "--eval-steps", help="With --max-steps: evaluate every N steps."),
    logging_steps: int = typer.Option(10, "--logging-steps"),
    max_train_songs: Optional[int] = typer.Option(None, "--max-train-songs", help="Train on the first N songs."),
    max_val_songs: Optional[int] = typer.Option(None, "--max-val-songs", help="Validate on the first N songs."),
    seed: int = SEED,
    lora: bool = typer.Option(False, "--lora", help="Train LoRA adapters (peft); merged into the saved model."),
    lora_r: int = typer.Option(8, "--lora-r"),
    resume: bool = typer.Option(False, "--resume", help="Continue from the last checkpoint in --output-dir."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again in an --output-dir that holds a run."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Fine-tune a causal LM on the lyrics (Hugging Face Trainer); saves model + tokenizer in --output-dir."""
    from seqlab.lyrics.train import TrainConfig
    from seqlab.lyrics.train import train as run_training

    cfg = TrainConfig(
        data=str(data) if data else None, data_dir=str(data_dir) if data_dir else None, model=model,
        from_scratch=from_scratch, size=size, output_dir=str(output_dir), epochs=epochs, batch_size=batch_size,
        grad_accum=grad_accum, lr=lr, warmup_steps=warmup_steps, block_size=block_size, packing=packing,
        val_fraction=val_fraction, max_steps=max_steps, eval_steps=eval_steps, logging_steps=logging_steps,
        max_train_songs=max_train_songs, max_val_songs=max_val_songs, seed=seed, lora=lora, lora_r=lora_r,
        resume=resume, overwrite=overwrite, show_progress=progress,
    )
    cfg.validate()
    _quiet_transformers()
    result = run_training(cfg)
    ppl = f"{result.eval_perplexity:.2f}" if result.eval_perplexity is not None else "n/a"
    typer.echo(f"trained {result.global_step} steps in {result.train_seconds:.0f} s; validation perplexity {ppl}; "
               f"model and tokenizer saved in {result.output_dir}")


@app.command()
def generate(
    model: str = typer.Option("gpt2-lyrics", "--model", help="Trained folder (model + tokenizer) or smollm2-135m."),
    prompt: str = typer.Option(SEED_PROMPT, "--prompt"),
    max_length: int = typer.Option(100, "--max-length", help="Total tokens, prompt included (the seed's 100)."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Overrides --max-length."),
    top_k: int = typer.Option(50, "--top-k"),
    top_p: float = typer.Option(0.9, "--top-p"),
    temperature: float = typer.Option(1.0, "--temperature"),
    repetition_penalty: float = typer.Option(1.2, "--repetition-penalty"),
    num_return_sequences: int = typer.Option(1, "--num-return-sequences", "-n"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Same seed, same text."),
    greedy: bool = typer.Option(False, "--greedy", help="Greedy decoding instead of sampling."),
    stream: bool = typer.Option(True, "--stream/--no-stream", help="Print tokens as they are generated."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
) -> None:
    """Generate lyrics from a prompt; stops at EOS or the length limit."""
    from seqlab.lyrics.generate import GenerationConfig, sample
    from seqlab.lyrics.model import load_trained

    cfg = GenerationConfig(max_length=max_length, max_new_tokens=max_new_tokens, do_sample=not greedy, top_k=top_k,
                           top_p=top_p, temperature=temperature, repetition_penalty=repetition_penalty,
                           num_return_sequences=num_return_sequences, seed=seed)
    cfg.validate()
    _quiet_transformers()
    loaded, tokenizer = load_trained(model, device=device)
    result = sample(loaded, tokenizer, prompt, cfg, stream=sys.stdout if stream else None)
    if not stream:
        for index, text in enumerate(result.texts):
            if len(result.texts) > 1:
                typer.echo(f"--- {index + 1} ---")
            typer.echo(text)
    typer.echo(f"[{result.new_tokens} tokens, {result.tokens_per_second:.1f} tokens/s]", err=True)


@app.command()
def evaluate(
    model: str = typer.Option("gpt2-lyrics", "--model", help="Trained folder or smollm2-135m."),
    data: Optional[Path] = typer.Option(None, "--data", help="Lyrics to evaluate on (default: the run's data)."),
    data_dir: Optional[Path] = DATA_DIR,
    split: str = typer.Option("val", "--split", help="val (the seeded validation split) | all."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Split seed (default: the run's, else 42)."),
    val_fraction: Optional[float] = typer.Option(None, "--val-fraction", help="(default: the run's, else 0.1)"),
    max_val_songs: Optional[int] = typer.Option(None, "--max-val-songs", help="Use the first N validation songs."),
    block_size: int = BLOCK,
    batch_size: int = typer.Option(4, "--batch-size"),
    num_samples: int = typer.Option(10, "--num-samples", help="Generated samples for diversity/memorization."),
    prompt: str = typer.Option(SEED_PROMPT, "--prompt"),
    max_length: int = typer.Option(100, "--max-length"),
    sample_seed: int = typer.Option(0, "--sample-seed"),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
    as_json: bool = AS_JSON,
) -> None:
    """Validation perplexity; distinct-1/2, repeated-line rate and 8-gram memorization of generated samples."""
    from seqlab.lyrics.evaluate import EvalConfig
    from seqlab.lyrics.evaluate import evaluate as run_evaluation

    cfg = EvalConfig(model=model, data=str(data) if data else None, data_dir=str(data_dir) if data_dir else None,
                     split=split, seed=seed, val_fraction=val_fraction, max_val_songs=max_val_songs,
                     block_size=block_size, batch_size=batch_size, num_samples=num_samples, prompt=prompt,
                     max_length=max_length, sample_seed=sample_seed, device=device, show_progress=not as_json)
    cfg.validate()
    _quiet_transformers()
    result = run_evaluation(cfg)
    for key, value in result.items():
        typer.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
