"""Every option of the lyrics job, declared once: default, range, CLI flag and help (torch-free, so the CLI
reads its defaults from here without importing transformers).

The defaults are the original recipe's: GPT-2, 3 epochs, batch 2, block 256, lr 5e-5, output ./gpt2-lyrics;
generation with max_length 100, top-k 50, top-p 0.9, temperature 1.0 and repetition penalty 1.2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from seqlab.device import DEVICE_HELP
from seqlab.errors import check_all
from seqlab.options import Options, like, opt

RECIPE_PROMPT = "When the sun rises and stars begin to fade"
RUN_FOLDER = "gpt2-lyrics"  # where `train` saves and `evaluate`/`generate` look by default
SPLIT_SEED, VAL_FRACTION = 42, 0.1  # the train/validation split of a run (and of a folder without lyrics_run.json)
MAX_BLOCK = 4096  # tokens; a model's own context may be smaller and is checked when it is loaded
MAX_SEED = 2**32 - 1  # numpy's and transformers' set_seed limit
MODEL_SIZES = ("tiny", "small")
DTYPES = ("auto", "float32", "bfloat16")
QUANTIZE = ("auto", "none", "int8")
PRECISIONS = ("auto", "fp32", "bf16")
MIN_DIVISOR = 1e-3  # smallest temperature and repetition penalty (see GenerationConfig)


@dataclass(frozen=True)
class TrainConfig(Options):
    """Every option of `seqlab lyrics train`; saved as lyrics_run.json in the output folder."""

    data: Optional[str] = opt(None, help="Folder of .txt files or a CSV with a lyrics/text column.")
    data_dir: Optional[str] = opt(None, "--data-dir", "Root that holds poetry/ (else $SEQLAB_DATA_DIR, then ./data).",
                                  path=True)
    model: str = opt("gpt2", "--model", "Hub id (gpt2, …), local model folder, or smollm2-135m.")
    from_scratch: bool = opt(False, "--from-scratch", "Randomly initialized GPT-2 (see --size).")
    size: str = opt("tiny", "--size", " | ".join(MODEL_SIZES) + " (with --from-scratch).", choices=MODEL_SIZES)
    output_dir: str = opt(f"./{RUN_FOLDER}", "--output-dir", "Run folder: checkpoints, final model.", path=True)
    epochs: float = opt(3.0, "--epochs", "Training epochs.", low=0.0, high=10_000.0, low_open=True)
    batch_size: int = opt(2, "--batch-size", "Per-device batch size.", low=1, high=65536)
    grad_accum: int = opt(1, "--grad-accum", "Gradient accumulation steps.", low=1, high=65536)
    lr: float = opt(5e-5, "--lr", "Peak AdamW learning rate (linear decay).", low=0.0, high=1.0, low_open=True,
                    high_open=True)
    warmup_steps: int = opt(0, "--warmup-steps", "Linear warmup steps.", low=0)
    block_size: int = opt(256, "--block-size", "Tokens per training example (the recipe's max length); at most the "
                          "model's context.", low=2, high=MAX_BLOCK)
    packing: bool = opt(True, "--packing", "Pack songs into full blocks (default) or pad/truncate each song "
                        "(--pad-to-max, the recipe's).", off_flag="--pad-to-max")
    val_fraction: float = opt(VAL_FRACTION, "--val-fraction", "Share of songs held out for validation.", low=0.0,
                              high=1.0, low_open=True, high_open=True)
    max_steps: Optional[int] = opt(None, "--max-steps", "Stop after N optimizer steps (CPU runs).", low=1)
    eval_steps: Optional[int] = opt(None, "--eval-steps", "With --max-steps: evaluate every N steps.", low=1)
    logging_steps: int = opt(10, "--logging-steps", "Log the loss every N steps.", low=1)
    max_train_songs: Optional[int] = opt(None, "--max-train-songs", "Train on the first N songs.", low=1)
    max_val_songs: Optional[int] = opt(None, "--max-val-songs", "Validate on the first N songs.", low=1)
    seed: int = opt(SPLIT_SEED, "--seed", "Random seed of the split, shuffling and initialization.", low=0,
                    high=MAX_SEED)
    artist_prefix: bool = opt(True, "--artist-prefix", "Start each training song with <|artist|>NAME<|lyrics|> so "
                              "`generate --artist` works (--no-artist-prefix: plain lyrics only).")
    unconditioned_share: float = opt(0.2, "--unconditioned-share", "With --artist-prefix: share of training songs "
                                     "without the prefix, so generation without --artist still works.", low=0.0,
                                     high=1.0)
    hold_out_artist: Optional[str] = opt(None, "--hold-out-artist", "Leave this artist's songs out of training and "
                                         "validation (to measure lyrics of an unseen artist).")
    lora: bool = opt(False, "--lora", "Train LoRA adapters (peft); merged into the saved model.")
    lora_r: int = opt(8, "--lora-r", "LoRA rank.", low=1, high=4096)
    precision: str = opt("auto", "--precision", "Training arithmetic: auto (fp16 mixed precision on CUDA, fp32 on "
                         "CPU), fp32, or bf16 autocast (about 1.5x faster on CPUs with AVX-512 BF16 or AMX; "
                         "emulated and slower elsewhere).", choices=PRECISIONS)
    resume: bool = opt(False, "--resume", "Continue from the last checkpoint in --output-dir.")
    overwrite: bool = opt(False, "--overwrite", "Start again in an --output-dir that holds a run.")
    show_progress: bool = opt(True, "--progress", "Progress bars (--no-progress for logs).")

    def check(self) -> None:
        check_all([(not (self.resume and self.overwrite), "--resume and --overwrite exclude each other"),
                   (self.hold_out_artist is None or bool(self.hold_out_artist.strip()),
                    "--hold-out-artist is empty: give the name of an artist of the data, or leave the option out")])


@dataclass(frozen=True)
class GenerationConfig(Options):
    """Sampling settings (the recipe's defaults)."""

    max_length: int = opt(100, "--max-length", "Total tokens, prompt included (the recipe's 100); capped at the "
                          "model's context, with a warning.", low=1, high=1_000_000)
    max_new_tokens: Optional[int] = opt(None, "--max-new-tokens", "New tokens; overrides --max-length. Prompt plus "
                                        "new tokens are capped at the model's context, with a warning.", low=1,
                                        high=1_000_000)
    do_sample: bool = opt(True, help="Sample (the recipe) instead of greedy decoding.")
    top_k: int = opt(50, "--top-k", "Sample among the K most likely tokens (0 = all).", low=0)
    top_p: float = opt(0.9, "--top-p", "Nucleus sampling: the smallest set of tokens with this much probability.",
                       low=0.0, high=1.0, low_open=True)
    # The sampler divides float32 logits by these two: near 0 they overflow to inf and sampling fails with NaNs
    # (1e-300 rounds to 0). At 0.001 a logit of 1e6 stays finite, and sampling is already as good as greedy.
    temperature: float = opt(1.0, "--temperature", "Softmax temperature (0.001 = greedy in effect).", low=MIN_DIVISOR,
                             high=100.0)
    repetition_penalty: float = opt(1.2, "--repetition-penalty", "Penalty on tokens already generated (1 = none).",
                                    low=MIN_DIVISOR, high=100.0)
    num_return_sequences: int = opt(1, "--num-return-sequences", "Texts to generate.", low=1, high=1000,
                                    aliases=("-n",))
    seed: Optional[int] = opt(None, "--seed", "Random seed: same seed, same text.", low=0, high=MAX_SEED)


@dataclass(frozen=True)
class SpeedConfig(Options):
    """How the model runs while generating (benchmarks/lyrics_generate_speed.py measures each choice)."""

    dtype: str = opt("auto", "--dtype", "Dtype while generating: float32 | bfloat16 | auto (bfloat16 with int8 "
                     "weights, else float32).", choices=DTYPES)
    quantize: str = opt("auto", "--quantize", "int8: int8 weights, one scale per row (CPU only) | none | auto "
                        "(int8 on a CPU, none on a GPU).", choices=QUANTIZE)
    compile: bool = opt(False, "--compile", "torch.compile the forward pass (with a static KV cache); pays off "
                        "only for long generations.")


@dataclass(frozen=True)
class EvalConfig(Options):
    """Every option of `seqlab lyrics evaluate`; split options left unset take the run's own (lyrics_run.json)."""

    model: str = opt(RUN_FOLDER, "--model", "Trained folder or smollm2-135m.")
    data: Optional[str] = opt(None, "--data", "Lyrics to evaluate on (default: the run's data).", path=True)
    data_dir: Optional[str] = like(TrainConfig, "data_dir")
    split: str = opt("val", "--split", "val (the seeded validation split) | all.", choices=("val", "all"))
    seed: Optional[int] = like(TrainConfig, "seed", None, help=f"Random seed of the split (default: the run's, else "
                               f"{SPLIT_SEED}).")
    val_fraction: Optional[float] = like(TrainConfig, "val_fraction", None, help="Validation share (default: the "
                                         f"run's, else {VAL_FRACTION}).")
    max_val_songs: Optional[int] = opt(None, "--max-val-songs", "Use the first N validation songs (with --split "
                                       "all: the first N songs).", low=1)
    block_size: int = opt(256, "--block-size", "Tokens per scored block; at most the model's context.", low=2,
                          high=MAX_BLOCK)
    batch_size: int = opt(4, "--batch-size", "Blocks per forward pass.", low=1, high=65536)
    num_samples: int = opt(10, "--num-samples", "Generated samples for diversity/memorization.", low=0, high=10_000)
    prompt: str = opt(RECIPE_PROMPT, "--prompt", "Prompt of the generated samples.")
    max_length: int = opt(100, "--max-length", "Total tokens of each sample, prompt included; capped at the model's "
                          "context.", low=1, high=1_000_000)
    sample_seed: int = opt(0, "--sample-seed", "Random seed of the generated samples.", low=0, high=MAX_SEED)
    compare_to: Optional[str] = opt(None, "--compare-to", "Also score this model (e.g. smollm2-135m, the base "
                                    "model) on the same songs: a perplexity and per-file column for each.")
    device: str = opt("auto", "--device", DEVICE_HELP)
    show_progress: bool = like(TrainConfig, "show_progress")

    def validate(self) -> None:
        from seqlab.device import resolve_device  # imports torch: only when an evaluation is about to run

        resolve_device(self.device)  # before any data is read


@dataclass(frozen=True)
class ArtistEvalConfig(Options):
    """Every option of `seqlab lyrics artist-eval` (kept cheap: a few short held-out songs per artist)."""

    model: str = like(EvalConfig, "model", help="Artist-conditioned run folder.")
    songs_per_artist: int = opt(3, "--songs-per-artist", "Held-out (validation) songs scored per artist.", low=1,
                                high=10_000)
    block_size: int = opt(64, "--block-size", "Lyric tokens scored per song (the song's start).", low=2,
                          high=MAX_BLOCK)
    batch_size: int = opt(8, "--batch-size", "Sequences per forward pass.", low=1, high=65536)
    style_artists: int = opt(5, "--style-artists", "Artists (most training songs first) whose conditioned samples "
                             "get the n-gram check (0 = skip).", low=0, high=10_000)
    samples: int = opt(4, "--samples", "Samples per artist for the n-gram check.", low=1, high=1000)
    max_new_tokens: int = opt(64, "--max-new-tokens", "Tokens per sample.", low=1, high=100_000)
    seed: int = opt(0, "--seed", "Random seed of the wrong-artist draw and the samples.", low=0, high=MAX_SEED)
    device: str = like(EvalConfig, "device")
    show_progress: bool = like(TrainConfig, "show_progress")


# What single commands add ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatsOptions(Options):
    """`seqlab lyrics stats`: the split and blocks it describes, as `train` would make them."""

    data_dir: Optional[str] = like(TrainConfig, "data_dir")
    val_fraction: float = like(TrainConfig, "val_fraction")
    seed: int = like(TrainConfig, "seed")
    block_size: int = like(TrainConfig, "block_size")


@dataclass(frozen=True)
class GenerateOptions(Options):
    """`seqlab lyrics generate`: which model, what it starts from, and how the text is shown."""

    model: str = like(EvalConfig, "model", help="Trained folder (model + tokenizer) or smollm2-135m.")
    prompt: str = like(EvalConfig, "prompt", help="Text the lyrics start with.")
    artist: Optional[str] = opt(None, "--artist", "Write in this artist's style (one the model was trained with; see "
                                "`seqlab lyrics artists`).")
    stream: bool = opt(True, "--stream", "Print tokens as they are generated.")
    device: str = like(EvalConfig, "device")
    show_progress: bool = like(TrainConfig, "show_progress")


@dataclass(frozen=True)
class ArtistsOptions(Options):
    """`seqlab lyrics artists`: the run folder whose artists are listed."""

    model: str = like(EvalConfig, "model", help="Trained folder.")
