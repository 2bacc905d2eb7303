"""Faster generation on CPU: int8 weights (the default there), bfloat16 and torch.compile, each a flag
(--quantize, --dtype, --compile); benchmarks/lyrics_generate_speed.py measures them against plain `generate`.

Generating one token reads every weight once, so on a CPU the time is mostly memory traffic, and int8 weights are a
quarter of float32's. `--quantize int8` is weight-only: each linear layer's weight is stored as int8 with one scale
per output row, and multiplied by bfloat16 activations in PyTorch's int8-weight kernel (`aten._weight_int8pack_mm`,
the one gpt-fast uses). Activations stay in floating point: `torch.ao.quantization.quantize_dynamic`, which
quantizes activations too (per tensor), was 2.4× faster but raised SmolLM2's held-out perplexity from 69.8 to
157–200, while weight-only int8 gives 69.8 (measured in the benchmark). The kernel is fast with bfloat16
activations only (13.5 vs 3.1 tokens/s with float32 ones), so int8 runs the rest of the model in bfloat16.
"""
from __future__ import annotations

import torch
from transformers.pytorch_utils import Conv1D

from seqlab.errors import SeqlabError
from seqlab.lyrics.config import SpeedConfig

DTYPE = {"float32": torch.float32, "bfloat16": torch.bfloat16}


class Int8WeightLinear(torch.nn.Module):
    """y = x · Wᵀ + b with W stored as int8 rows and a float scale per row (symmetric, max-abs / 127)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        weight = weight.detach().float()  # (out, in)
        scales = weight.abs().amax(dim=1).clamp(min=1e-12) / 127
        int8 = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8)
        self.register_buffer("weight_int8", int8.contiguous())
        self.register_buffer("scales", scales)
        self.bias = None if bias is None else torch.nn.Parameter(bias.detach(), requires_grad=False)
        self.out_features = weight.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1]).contiguous()
        y = torch._weight_int8pack_mm(flat, self.weight_int8, self.scales.to(x.dtype))
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias.to(y.dtype)


def quantize_int8(model) -> int:
    """Replace every nn.Linear (and GPT-2's Conv1D, whose weight is stored transposed) by Int8WeightLinear, in
    place; returns how many were replaced. The output layer is replaced too (its tie to the embedding is then a
    copy: fine for generating, not for training)."""
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, name, Int8WeightLinear(child.weight, child.bias))
            elif isinstance(child, Conv1D):
                setattr(module, name, Int8WeightLinear(child.weight.t(), child.bias))
            else:
                continue
            replaced += 1
    return replaced


def resolved(cfg: SpeedConfig, device: torch.device) -> tuple[str, str]:
    """(dtype, quantize) with 'auto' decided: int8 weights + bfloat16 on a CPU, float32 and no int8 on a GPU or
    with --compile (torch 2.13's inductor cannot lower the int8-weight kernel's input: a LoweringException)."""
    auto_int8 = device.type == "cpu" and not cfg.compile
    quantize = cfg.quantize if cfg.quantize != "auto" else ("int8" if auto_int8 else "none")
    dtype = cfg.dtype if cfg.dtype != "auto" else ("bfloat16" if quantize == "int8" else "float32")
    if quantize == "int8" and device.type != "cpu":
        raise SeqlabError(f"--quantize int8 runs on the CPU only, not on {device}; use --quantize none")
    if quantize == "int8" and cfg.compile:
        raise SeqlabError("--compile works with --quantize none only (torch.compile cannot compile the int8-weight "
                          "kernel)")
    return dtype, quantize


def prepare(model, cfg: SpeedConfig):
    """The model as it will generate: cast, with int8 weights and/or compiled per `cfg` (changed in place)."""
    device = next(model.parameters()).device
    dtype, quantize = resolved(cfg, device)
    model = model.to(DTYPE[dtype]).eval()
    if quantize == "int8":
        quantize_int8(model)
    if cfg.compile:
        model.generation_config.cache_implementation = "static"
        model.forward = torch.compile(model.forward, dynamic=False)
    return model
