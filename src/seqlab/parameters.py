"""Counting a network's parameters: one definition for the transliteration network (training, sweeps, the
analysis check) and the lyrics models. Torch-free: anything with `.parameters()` of tensors will do."""
from __future__ import annotations

from typing import Any


def count_parameters(model: Any, trainable_only: bool = False) -> int:
    """Scalars in the model's parameter tensors (only those that train, with `trainable_only`)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
