"""Run directories and model folders on disk.

A run directory holds config.json, vocab.json, metrics.jsonl, best.safetensors, last.safetensors
and train_state.pt (everything needed to resume: weights, optimizer, schedule, RNG states, counters),
each written atomically. A shipped model folder needs only config.json, vocab.json, model.safetensors.
Nothing is ever unpickled: weights are safetensors, train_state.pt is loaded with weights_only=True.
"""
from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch.overrides import TorchFunctionMode

from seqlab.errors import CheckpointError, SeqlabError, first_line
from seqlab.io import atomic_path, write_json_atomic
from seqlab.translit.config import DIRECTIONS, ModelConfig
from seqlab.translit.data.vocab import Vocabs
from seqlab.translit.languages import DEFAULT_LANG, shipped_dir
from seqlab.translit.model.network import Seq2Seq

CONFIG, VOCAB, METRICS = "config.json", "vocab.json", "metrics.jsonl"
BEST, LAST, SHIPPED, TRAIN_STATE = "best.safetensors", "last.safetensors", "model.safetensors", "train_state.pt"
# The shipped Hindi model of each direction (config.DIRECTIONS); other languages': languages.shipped_model.
PRETRAINED_DIRS = {direction: shipped_dir(DEFAULT_LANG, direction) for direction in DIRECTIONS}
PRETRAINED_DIR = PRETRAINED_DIRS["roman-to-native"]


def save_weights(model: Seq2Seq, path: Path, metadata: dict[str, str] | None = None) -> None:
    tensors = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata or {})


def save_run_files(run_dir: Path, config: dict, vocabs: Vocabs) -> None:
    write_json_atomic(run_dir / CONFIG, config)
    write_json_atomic(run_dir / VOCAB, vocabs.to_dict())


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise CheckpointError(f"{path} is missing; is {path.parent} a seqlab run directory or model folder?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is corrupt ({exc})") from None


def read_config(model_dir: Path) -> dict:
    return _read_json(Path(model_dir) / CONFIG)


def weights_file(model_dir: Path) -> Path:
    """Prefer the best checkpoint of a run, then a shipped model file, then the last checkpoint."""
    for name in (BEST, SHIPPED, LAST):
        if (Path(model_dir) / name).is_file():
            return Path(model_dir) / name
    raise CheckpointError(f"{model_dir} holds no weights ({BEST}, {SHIPPED} or {LAST}); train a model first")


def load_model(model_dir: str | Path, weights: Path | None = None) -> tuple[Seq2Seq, Vocabs, dict]:
    """Rebuild the model from its folder: (model in eval mode, vocabularies, full config)."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise CheckpointError(f"model folder {model_dir} does not exist")
    config = read_config(model_dir)
    vocabs = Vocabs.from_dict(_read_json(model_dir / VOCAB))
    if not isinstance(config, dict) or "model" not in config:
        raise CheckpointError(f"{model_dir / CONFIG} has no 'model' section; is {model_dir} a seqlab transliteration "
                              "run directory or model folder?")
    try:
        model_config = ModelConfig.from_dict(config["model"], f"{model_dir / CONFIG}: model")
    except SeqlabError as exc:
        raise CheckpointError(str(exc)) from None
    if (model_config.source_vocab, model_config.target_vocab) != (len(vocabs.source), len(vocabs.target)):
        raise CheckpointError(f"{model_dir}: {CONFIG} says {model_config.source_vocab}/{model_config.target_vocab} "
                              f"characters, {VOCAB} holds {len(vocabs.source)}/{len(vocabs.target)}")
    path = weights or weights_file(model_dir)
    _check_size(model_config, path)  # before any memory is allocated for the weights
    model = Seq2Seq(model_config)
    try:
        model.load_state_dict(load_file(str(path)))
    except (SafetensorError, OSError, RuntimeError) as exc:
        raise CheckpointError(f"{path} is corrupt or does not match {CONFIG}: {first_line(exc)}") from None
    model.eval()
    return model, vocabs, config


class _NoRandomInit(TorchFunctionMode):
    """Skips `normal_` (the embeddings' initialization): on a meta tensor it changes nothing, yet its first call
    imports torch._dynamo, seconds that every model load would pay."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", None) == "normal_":
            return args[0] if args else kwargs["tensor"]
        return func(*args, **(kwargs or {}))


def expected_shapes(model_config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The shape of every tensor in the state_dict of the model `model_config` describes, from the model built on
    the meta device: shapes without allocating (a hand-edited config may describe gigabytes)."""
    with torch.device("meta"), _NoRandomInit():
        model = Seq2Seq(model_config)
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def _check_size(model_config: ModelConfig, path: Path) -> None:
    """Compare the parameter count of the model config.json describes with the weight file's (read from its
    header), so a hand-edited config (hidden_size 8192, 16 layers) fails at once instead of first allocating
    gigabytes."""
    expected = sum(math.prod(shape) for shape in expected_shapes(model_config).values())
    try:
        with safe_open(str(path), framework="pt") as weights:
            found = sum(math.prod(weights.get_slice(name).get_shape()) for name in weights.keys())
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{path} is corrupt: {first_line(exc)}") from None
    if found != expected:
        raise CheckpointError(f"{path} holds {found:,} parameters but {CONFIG} describes a model of {expected:,}; "
                              "the folder's files come from different models")


def save_train_state(run_dir: Path, state: dict) -> None:
    with atomic_path(run_dir / TRAIN_STATE) as tmp:
        torch.save(state, tmp)


def load_train_state(run_dir: Path) -> dict:
    path = Path(run_dir) / TRAIN_STATE
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: {run_dir} has no completed epoch to resume from")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise CheckpointError(f"{path} is corrupt ({first_line(exc)}); delete it to start over") from None
