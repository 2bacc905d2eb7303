"""Every option of the transliteration job, declared once: name, default, range, CLI flag and help.

`ModelConfig`, `TrainConfig` and `DecodingConfig` are what a run directory's config.json holds under
"model", "train" and "decoding" (field names unchanged since the first release, so old runs and the shipped
model load). The commands take their options from here (`seqlab.options.command`; the `…Options` classes at the
end hold what a single command adds), the sweep's search space its defaults and ranges, `analyze` its sizes, and
loading a model folder validates config.json against the same ranges (`from_dict`), so a value the CLI would
refuse is refused on disk too. Configs are frozen and validated when made. Torch-free on purpose.
"""
from __future__ import annotations

import os
import socket
from dataclasses import MISSING, asdict, dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Optional

from seqlab.device import DEVICE_HELP, INFERENCE_DTYPES
from seqlab.options import Options, from_dict, like, opt
from seqlab.translit.languages import DEFAULT_LANG, LANGUAGE_CODES

CELLS = ("rnn", "gru", "lstm")
ATTENTIONS = ("none", "bahdanau", "luong")
DATASETS = ("dakshina", "aksharantar")
SPLITS = ("train", "dev", "test")
HALVES = ("tune", "report", "all")  # of Dakshina's romanized dev sentences: κ is tuned on one, reported on the other
# Which column of a corpus is the input: romanized Latin → native script (the default), or the reverse.
DIRECTIONS = ("roman-to-native", "native-to-roman")
MAX_VOCAB = 100_000  # characters: real vocabularies hold about 70; far more means a corrupt file
MAX_BEAM = 100
# Longest romanized word `predict` transliterates: Dakshina's longest Hindi romanization has 20 characters
# (Aksharantar's 26); decoding cost grows with length squared, so longer tokens pass through untouched.
MAX_WORD_LENGTH = 64
USER_DICTIONARY_ENV = "SEQLAB_USER_DICTIONARY"  # where the user dictionary is, instead of the per-user data folder
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a signed 64-bit integer
SAMPLERS, PRUNERS = ("tpe", "random", "grid"), ("median", "hyperband", "none")
PRECISIONS = ("fp32", "bf16")
# What runs a loaded model's networks (engine/): ONNX Runtime on the CPU, or PyTorch; `auto` picks by device.
BACKENDS = ("auto", "torch", "onnx", "onnx-int8")


def backend_option(auto: str = "onnx on a CPU, torch on CUDA") -> Any:
    """The `--backend` field, declared once (LoadOptions and the server's options use it); `auto` says what auto
    picks there."""
    return opt("auto", "--backend", "What runs the models when decoding: onnx (ONNX Runtime, CPU only: several "
               "times faster for few words) | onnx-int8 (the same with int8 weights: faster still, answers may "
               f"differ slightly) | torch (PyTorch) | auto ({auto}). Training is always PyTorch.", choices=BACKENDS)


@dataclass(frozen=True)
class ModelConfig(Options):
    """The network (see model.py). Vocabulary sizes are known only after reading the training data."""

    source_vocab: Optional[int] = opt(None, help="Source characters incl. 4 specials.", low=5, high=MAX_VOCAB)
    target_vocab: Optional[int] = opt(None, help="Target characters incl. 4 specials.", low=5, high=MAX_VOCAB)
    embedding_size: int = opt(64, "--emb", "Embedding size m.", low=1, high=4096)
    hidden_size: int = opt(256, "--hidden", "Hidden size k (encoder and decoder).", low=1, high=8192)
    cell: str = opt("gru", "--cell", "Recurrent cell: " + " | ".join(CELLS) + ".", choices=CELLS)
    encoder_layers: int = opt(1, "--enc-layers", "Encoder layers.", low=1, high=16)
    decoder_layers: int = opt(1, "--dec-layers", "Decoder layers.", low=1, high=16)
    bidirectional: bool = opt(False, "--bidirectional", "Bidirectional encoder (directions summed for the decoder).")
    dropout: float = opt(0.0, "--dropout", "Dropout on embeddings, between layers and before the output layer.",
                         low=0.0, high=1.0, high_open=True)
    attention: str = opt("none", "--attention", "Attention: " + " | ".join(ATTENTIONS) + ".", choices=ATTENTIONS)

    def with_vocabs(self, source: int, target: int) -> "ModelConfig":
        return replace(self, source_vocab=source, target_vocab=target)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DataOptions(Options):
    """Which corpus a command reads; TrainConfig saves the same fields."""

    dataset: str = opt("dakshina", "--dataset", " | ".join(DATASETS), choices=DATASETS)
    lang: str = opt(DEFAULT_LANG, "--lang", "Language code (Dakshina): " + " | ".join(LANGUAGE_CODES) + ".",
                    choices=LANGUAGE_CODES)
    data_dir: Optional[str] = opt(None, "--data-dir", "Data root; else $SEQLAB_DATA_DIR, ./data, then download.")
    skip_bad_lines: bool = opt(False, "--skip-bad-lines", "Drop and count malformed lines instead of stopping.")


@dataclass(frozen=True)
class TrainConfig(Options):
    """How a model is trained; saved in config.json so that --resume continues with exactly these settings."""

    dataset: str = like(DataOptions, "dataset")
    lang: str = like(DataOptions, "lang")
    data_dir: Optional[str] = like(DataOptions, "data_dir")
    skip_bad_lines: bool = like(DataOptions, "skip_bad_lines")
    extra_train: Optional[str] = opt(None, "--extra-train", "Also train on this dataset's training split "
                                     "(deduplicated; dev and test stay --dataset's): " + " | ".join(DATASETS) + ".",
                                     choices=DATASETS)
    direction: str = opt(DIRECTIONS[0], "--direction", "Romanized → native script, or the reverse (same network, "
                         "columns swapped): " + " | ".join(DIRECTIONS) + ".", choices=DIRECTIONS)
    limit_train: Optional[int] = opt(None, "--limit-train", "Use only the first N training pairs.", low=1)
    epochs: int = opt(20, "--epochs", "Maximum epochs.", low=1)
    time_budget: Optional[float] = opt(None, "--time-budget", "Stop after this many minutes.", low=0.0, low_open=True)
    batch_size: int = opt(64, "--batch-size", "Pairs per batch.", low=1, high=65536)
    lr: float = opt(2e-3, "--lr", "Peak AdamW learning rate (warmup, then cosine decay).", low=0.0, high=10.0,
                    low_open=True, high_open=True)
    weight_decay: float = opt(0.01, "--weight-decay", "AdamW weight decay.", low=0.0, high=10.0)
    clip_norm: float = opt(1.0, help="Gradient-norm clipping threshold.", low=0.0, low_open=True)
    warmup_steps: int = opt(200, help="Linear warmup steps (at most a tenth of training).", low=0)
    label_smoothing: float = opt(0.0, "--label-smoothing", "Label smoothing of the cross-entropy.", low=0.0,
                                 high=1.0, high_open=True)
    teacher_forcing: float = opt(1.0, "--teacher-forcing", "Probability of feeding the true previous character.",
                                 low=0.0, high=1.0)
    patience: int = opt(5, "--patience", "Early stopping: epochs without dev-accuracy gain.", low=1)
    dev_beam_size: int = opt(1, "--dev-beam-size", "Beam for the per-epoch dev accuracy (1 = greedy).", low=1,
                             high=MAX_BEAM)
    seed: int = opt(0, "--seed", "Random seed (runs are deterministic on CPU).", low=0, high=MAX_SEED)
    device: str = opt("auto", "--device", DEVICE_HELP)
    # Runs saved before this option existed lack the key and load as fp32, which is how they were trained.
    precision: str = opt("fp32", "--precision", "Training arithmetic: fp32, or bf16 autocast (matrix products and "
                         "RNN layers in bfloat16, weights, loss and optimizer in fp32; faster on CPUs with AVX-512 "
                         "BF16 and on recent GPUs; dev scoring stays fp32).", choices=PRECISIONS)
    show_progress: bool = opt(True, help="Progress bar and per-epoch lines.")

    def validate(self) -> None:
        from seqlab.device import resolve_device  # imports torch: only when a run is about to start

        resolve_device(self.device)


@dataclass(frozen=True)
class DecodingConfig(Options):
    """How a model decodes by default; `seqlab translit prior` tunes these on dev and saves them in config.json."""

    beam_size: int = opt(1, "--beam-size", "1 = greedy (default: the model's own, see config.json 'decoding').",
                         low=1, high=MAX_BEAM)
    length_penalty: float = opt(1.0, "--length-penalty", "Beam scores are log-prob / length**this.", low=0.0,
                                high=10.0)
    prior_weight: float = opt(0.0, "--prior-weight", "Weight λ of the word-frequency prior in beam reranking "
                              "(0 = off).", low=0.0, high=100.0)
    lexicon_weight: float = opt(0.0, "--lexicon-weight", "Weight μ of log(1 + training-lexicon count) in reranking; "
                                "lexicon words are candidates whatever μ is.", low=0.0, high=100.0)
    context_weight: float = opt(0.0, "--context-weight", "Weight κ of the word bigram model that chooses a "
                                "sentence's words jointly (0 = word by word).", low=0.0, high=100.0)
    context_lexicon_weight: float = opt(0.0, "--context-lexicon-weight", "Weight μ of log(1 + training-lexicon "
                                        "count) when a sentence's words are chosen jointly (running text repeats "
                                        "the lexicon's frequent words; dev word lists never do).", low=0.0, high=100.0)
    nasal_penalty: Optional[float] = opt(None, "--nasal-penalty", "Sentence context: a candidate ending in a vowel "
                                         "also offers its spelling with a final nasal (में for `me`), scored this "
                                         "much lower (unset = off).", low=0.0, high=100.0)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "config.json") -> "DecodingConfig":
        """The "decoding" section of a model's config.json (it also records how the values were tuned)."""
        section = config.get("decoding", {})
        return from_dict(cls, section, f"{where}: decoding", ignore=DECODING_RECORD)


@dataclass(frozen=True)
class TypeaheadConfig(Options):
    """How one word is ranked while a person types running text (GET /tl, the editor, `predict --top-k` on text):
    as sentence mode scores it, given the word before it (text/typeahead.py). Tuned for first-candidate WER on the
    tune half of the dev sentences (`seqlab translit typeahead`) and saved as the record "typeahead" of config.json
    "decoding", beside the word-list settings (which `evaluate` keeps using). The rescorers change the candidate
    scores' scale, so decoding with them ranks with its own record "typeahead_rescored" (tuned with `--rescorers`),
    or "typeahead" where the model has none. A model without either record ranks with its sentence settings (κ, μ
    and nasal penalty of "decoding", and λ = κ)."""

    context_weight: float = opt(0.0, help="Weight κ of log P(word | previous word).",
                                low=0.0, high=100.0)
    prior_weight: float = opt(0.0, help="Weight λ of the unigram prior when there is no "
                              "previous word (start of text).", low=0.0, high=100.0)
    lexicon_weight: float = opt(0.0, help="Weight μ of log(1 + training-lexicon count).",
                                low=0.0, high=100.0)
    nasal_penalty: Optional[float] = opt(None, help="Nasalized spellings of a candidate "
                                         "ending in a vowel join, scored this much lower (unset = off).", low=0.0,
                                         high=100.0)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "config.json",
                    rescored: bool = False) -> "TypeaheadConfig":
        """The settings for decoding with (`rescored`) or without the rescorers: that decoding's record, else
        "typeahead", else the sentence settings."""
        section = config.get("decoding", {})
        for name in (typeahead_record(rescored), TYPEAHEAD):
            if isinstance(section, Mapping) and name in section:
                return from_dict(cls, section[name], f"{where}: decoding.{name}", ignore=TYPEAHEAD_RECORD)
        sentence = DecodingConfig.from_config(config, where)
        return cls(sentence.context_weight, sentence.context_weight, sentence.context_lexicon_weight,
                   sentence.nasal_penalty)


TYPEAHEAD = "typeahead"  # its record in config.json "decoding" (tuned without the rescorers)
TYPEAHEAD_RESCORED = "typeahead_rescored"  # the record tuned for decoding with the rescorers


def typeahead_record(rescored: bool) -> str:
    """The name of the running-text record for decoding with (True) or without the rescorers."""
    return TYPEAHEAD_RESCORED if rescored else TYPEAHEAD


# What `seqlab translit typeahead` records beside the values (for reports, never used to rank).
TYPEAHEAD_RECORD = ("tune_wer", "tune_wer_sentence_mode", "tune_wer_word_list_settings", "tune_sentences",
                    "tune_rejected_settings", "tuned_with")


@dataclass(frozen=True)
class LoadOptions(Options):
    """What `load_transliterator` (the Python API) takes beside the model folder, checked as the CLI checks its
    options: a bad value is one SeqlabError naming the parameter (or the CLI flag that sets it), before anything
    is read."""

    batch_size: int = opt(256, help="Words decoded in one batch.", low=1, high=65536)
    device: str = opt("cpu", "--device", DEVICE_HELP)
    dtype: str = opt("float32", "--dtype", "What the models compute in.", choices=INFERENCE_DTYPES)
    rescorers: bool = opt(True, help="Also rescore with the model folder's rescorer models.")
    backend: str = backend_option()


@dataclass(frozen=True)
class RescorerWeight(Options):
    """The weight ν of one rescoring model (config.json `decoding.rescorers`, see rescore.py)."""

    weight: float = opt(0.0, help="Weight of the rescorer's length-normalized log-probability.", low=0.0, high=10.0)


# What `seqlab translit prior` records beside the decoding values (read back for reports, never used to decode).
# What `seqlab translit context` tunes and records; `prior`, which rewrites the section, keeps them.
CONTEXT_SETTINGS = ("context_weight", "context_lexicon_weight", "nasal_penalty")
CONTEXT_RECORD = ("context_tune_wer", "context_tune_wer_without", "context_tune_sentences", "context_bigrams",
                  "context_sources")
DECODING_RECORD = ("dev_accuracy", "dev_accuracy_without_prior", "prior_source", "prior_words", "prior_tokens",
                   "prior_sources", "rescorers", TYPEAHEAD, TYPEAHEAD_RESCORED) + CONTEXT_RECORD


@dataclass(frozen=True)
class SweepOptions(Options):
    """Everything one `seqlab translit sweep` worker needs; the study-level options are recorded in sweep.json."""

    out: Path = opt(flag="--out", help="Sweep directory: sweep.json, study.db, trials/trial-NNNN/.")
    trials: int = opt(flag="--trials", help="Finished (complete or pruned) trials the study should hold.", low=1,
                      high=100_000)
    # The command resolves these four before the sweep starts (None: not yet).
    space: dict = opt(help="The parsed search space (see space.py).", factory=dict)
    train: TrainConfig = opt(help="What every trial's training shares (data, epochs, patience, seed).",
                             factory=TrainConfig)
    study: Optional[str] = opt(None, "--study", "Study name (default: the --out folder's name).")
    storage: Optional[str] = opt(None, "--storage", "Optuna storage URL (default: SQLite study.db in --out); "
                                 "postgresql://… for several workers.")
    sampler: str = opt("tpe", "--sampler", " | ".join(SAMPLERS), choices=SAMPLERS)
    pruner: str = opt("median", "--pruner", " | ".join(PRUNERS) + " (on per-epoch dev accuracy)", choices=PRUNERS)
    timeout: Optional[float] = opt(None, "--timeout", "Start no new trial after this many minutes.", low=0.0,
                                   low_open=True)
    seed: int = opt(0, "--seed", "Seed of the sampler and of every training run.", low=0, high=MAX_SEED)
    heartbeat: int = opt(10, "--heartbeat", "Seconds between trial heartbeats; a trial silent for 3× this is marked "
                         "failed and retried.", low=1, high=3600)
    wandb: bool = opt(False, "--wandb", "Also log every trial to Weights & Biases (offline unless WANDB_MODE says "
                      "otherwise).")
    wandb_project: str = opt("seqlab-translit", "--wandb-project", "W&B project name.")
    halving_top: int = opt(0, "--halving-top", "Successive halving: once the study is finished, train the best N "
                           "complete trials again on the full training data (no --limit-train) and pick the winner "
                           "by that dev accuracy (0 = off: the best proxy trial wins).", low=0, high=1000)
    halving_epochs: Optional[int] = opt(None, "--halving-epochs", "Epoch limit of each full-data run "
                                        "(default: --epochs).", low=1, high=100_000)
    halving_budget: Optional[float] = opt(None, "--halving-budget", "Minutes per full-data run at most "
                                          "(default: no limit).", low=0.0, low_open=True)
    progress: bool = True
    space_file: str = "space"
    worker: str = opt(factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


@dataclass(frozen=True)
class TrialOptions(Options):
    """What every sweep trial's training takes from the `seqlab translit sweep` command line."""

    epochs: int = like(TrainConfig, "epochs", help="Maximum epochs per trial.")
    patience: int = like(TrainConfig, "patience", help="Early stopping per trial.")
    time_budget: Optional[float] = like(TrainConfig, "time_budget", flag="--trial-budget",
                                        help="Minutes per trial at most.")
    limit_train: Optional[int] = like(TrainConfig, "limit_train")


@dataclass(frozen=True)
class FinalOptions(Options):
    """How the best configuration is trained to convergence; dataset, language and data root default to the sweep's."""

    epochs: int = opt(30, "--final-epochs", "Epoch limit for training the best configuration.", low=1, high=100_000)
    patience: int = like(TrainConfig, "patience", help="Early stopping of the final run: epochs without dev gain.")
    time_budget: Optional[float] = like(TrainConfig, "time_budget", help="Minutes for the final training.")
    limit_train: Optional[int] = like(TrainConfig, "limit_train", help="Final run: first N training pairs only.")
    dataset: Optional[str] = like(DataOptions, "dataset", None, help="Dataset (default: the sweep's).")
    lang: Optional[str] = like(DataOptions, "lang", None, help="Language (default: the sweep's).")
    data_dir: Optional[str] = like(DataOptions, "data_dir", help="Data root (default: the sweep's).")


@dataclass(frozen=True)
class AnalyzeOptions:
    """The sizes `seqlab translit analyze` counts: `analysis.formulas.Sizes` adds the formulas' methods and checks
    the values there (the formulas need none of the model's limits on m and k)."""

    emb: int = opt(flag="--emb", help="Embedding size m (source and target).")
    hidden: int = like(ModelConfig, "hidden_size", MISSING, high=None)
    seq_len: int = opt(flag="--seq-len", help="Length T of the source and of the target.")
    vocab: int = opt(flag="--vocab", help="Vocabulary size V as built, the 4 specials included.")
    cell: str = like(ModelConfig, "cell", "rnn", help="Recurrent cell: rnn (default: the textbook network) | gru | "
                     "lstm.")
    enc_layers: int = like(ModelConfig, "encoder_layers")
    dec_layers: int = like(ModelConfig, "decoder_layers")
    attention: str = like(ModelConfig, "attention")
    bidirectional: bool = like(ModelConfig, "bidirectional")


# Commands that use a model: its language unless given; without --model, --lang picks the shipped model (hi). These
# fields have no choices: load_transliterator refuses an unknown language listing the languages and shipped models.
MODEL_LANG_HELP = ("Language code: " + " | ".join(LANGUAGE_CODES) + " (default: the model's; without --model, the "
                   "shipped model of this language, else hi).")


# What single commands add ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvaluateOptions(Options):
    """`seqlab translit evaluate`: the split, the candidate list, and decoding values that replace the model's."""

    split: str = opt("test", "--split", " | ".join(SPLITS), choices=SPLITS)
    beam_size: Optional[int] = like(DecodingConfig, "beam_size", None)
    top_k: int = opt(5, "--top-k", "Length of the candidate list for top-k accuracy.", low=1, high=MAX_BEAM)
    length_penalty: Optional[float] = like(DecodingConfig, "length_penalty", None)
    prior_weight: Optional[float] = like(DecodingConfig, "prior_weight", None)
    lexicon_weight: Optional[float] = like(DecodingConfig, "lexicon_weight", None)
    device: str = like(TrainConfig, "device")
    direction: Optional[str] = like(TrainConfig, "direction", None, help=" | ".join(DIRECTIONS) + " (default: the "
                                    "model's; without --model, picks the shipped model of that direction).")
    backend: str = like(LoadOptions, "backend")
    rescorers: bool = opt(True, "--rescorers", "Rescore with the model folder's rescorer models (--no-rescorers: "
                          "several times faster, a little less accurate; the server's default decoding).")

    def decoding(self) -> dict[str, Any]:
        """The decoding values given, to replace the model's own (config.json "decoding")."""
        names = ("beam_size", "length_penalty", "prior_weight", "lexicon_weight")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


@dataclass(frozen=True)
class PredictOptions(Options):
    """`seqlab translit predict`: how the words are decoded and shown."""

    top_k: int = like(EvaluateOptions, "top_k", 1, help="With K > 1: for every word (run of letters) of the input, "
                      "one line of its K best candidates, best first, separated by spaces; an argument or stdin line "
                      "without letters is printed as it is. Not with --sentence.")
    beam_size: Optional[int] = like(DecodingConfig, "beam_size", None)
    device: str = like(TrainConfig, "device", "cpu",
                       help="auto | cpu (default: few words decode fastest on the CPU) | cuda | cuda:N")
    direction: Optional[str] = like(EvaluateOptions, "direction")
    rescorers: bool = like(EvaluateOptions, "rescorers")
    backend: str = like(LoadOptions, "backend")
    lang: Optional[str] = like(DataOptions, "lang", None, help=MODEL_LANG_HELP, choices=None)


@dataclass(frozen=True)
class PriorOptions(Options):
    """`seqlab translit prior`: the beam its tuning reranks, and the dev split it tunes on."""

    beam_size: int = like(DecodingConfig, "beam_size", 5, help="Beam used when reranking.")
    dataset: str = like(DataOptions, "dataset")
    lang: Optional[str] = like(DataOptions, "lang", None, help=MODEL_LANG_HELP, choices=None)
    data_dir: Optional[str] = like(DataOptions, "data_dir")


@dataclass(frozen=True)
class SentenceOptions(Options):
    """Where Dakshina's romanized dev sentences are (`context`, `evaluate-sentences`; they are not downloaded)."""

    lang: Optional[str] = like(DataOptions, "lang", None, help=MODEL_LANG_HELP, choices=None)
    data_dir: Optional[str] = like(DataOptions, "data_dir", help="Data root; else $SEQLAB_DATA_DIR, ./data.")


@dataclass(frozen=True)
class SentenceEvalOptions(Options):
    """`seqlab translit evaluate-sentences`: which half, and how its sentences are decoded."""

    half: str = opt("report", "--half", " | ".join(HALVES) + " (κ is tuned on 'tune').", choices=HALVES)
    beam_size: Optional[int] = like(DecodingConfig, "beam_size", None, help="Beam (default: the model's).")
    rescorers: bool = like(PredictOptions, "rescorers", help="Rescore with the model folder's rescorer models (the "
                           "CLI default; `seqlab serve` leaves them out for speed).")
    backend: str = like(LoadOptions, "backend")


@dataclass(frozen=True)
class TypeaheadTuneOptions(Options):
    """`seqlab translit typeahead`: the decoding the running-text ranking is tuned for."""

    beam_size: int = like(DecodingConfig, "beam_size", 5, help="Beam of the decoding tuned for (`seqlab serve`'s "
                          "default).")
    rescorers: bool = like(PredictOptions, "rescorers", False, help="Tune for decoding with the rescorer models (the "
                           "CLI's default) instead of without (`seqlab serve`'s).")


@dataclass(frozen=True)
class ReportOptions(Options):
    """`seqlab translit report`: how the final model is decoded on test."""

    beam_size: Optional[int] = like(DecodingConfig, "beam_size", None,
                                    help="Test decoding beam (default: the best trial's).")
    top_k: int = like(EvaluateOptions, "top_k", help="Candidate list length for top-k accuracy.")
