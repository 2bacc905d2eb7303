"""Where tensors live: one `--device` vocabulary for both jobs."""
from __future__ import annotations

from typing import TYPE_CHECKING

from seqlab.errors import SeqlabError

if TYPE_CHECKING:
    import torch

DEVICE_HELP = "auto (a CUDA GPU when PyTorch sees one) | cpu | cuda | cuda:N"
INFERENCE_DTYPES = ("auto", "float32", "bfloat16")


def resolve_device(name: str) -> torch.device:
    """`auto` takes the GPU when there is one, so the same command works on a laptop and on a GPU box."""
    import torch  # here, so that importing DEVICE_HELP stays cheap for the CLI

    if name not in ("auto", "cpu", "cuda") and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise SeqlabError(f"--device must be auto, cpu, cuda or cuda:N, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name != "cpu" and not torch.cuda.is_available():
        raise SeqlabError(f"--device {name}: PyTorch sees no CUDA GPU here; use --device cpu (or auto)")
    device = torch.device(name)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise SeqlabError(f"--device {name}: only {torch.cuda.device_count()} CUDA GPU(s) here")
    return device


def resolve_inference_dtype(name: str, device: torch.device) -> torch.dtype:
    """The dtype a model decodes in. `auto` is bfloat16 on a CPU that multiplies bfloat16 natively (AVX-512 BF16
    or AMX: 1.4-1.7x the words/s of float32 for the shipped transliteration model, the same top-1 on Dakshina
    test) and float32 everywhere else (emulated bfloat16 is slower than float32)."""
    import torch

    if name not in INFERENCE_DTYPES:
        raise SeqlabError(f"--dtype must be one of {', '.join(INFERENCE_DTYPES)}, got {name!r}")
    if name == "auto":
        native_bf16 = device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        name = "bfloat16" if native_bf16 else "float32"
    return getattr(torch, name)
