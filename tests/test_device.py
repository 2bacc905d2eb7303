"""`--device` parsing shared by both jobs: every refusal is a one-line SeqlabError naming what to do."""
from __future__ import annotations

import pytest
import torch

from seqlab.device import resolve_device
from seqlab.errors import SeqlabError


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:", "cuda:x", "CPU", ""])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(SeqlabError, match="--device must be auto, cpu, cuda or cuda:N"):
        resolve_device(name)


def test_cpu_always_works_and_auto_follows_cuda_availability():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_missing_gpu_and_gpu_index_out_of_range(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SeqlabError, match="PyTorch sees no CUDA GPU here; use --device cpu"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(SeqlabError, match=r"--device cuda:3: only 1 CUDA GPU\(s\) here"):
        resolve_device("cuda:3")
    assert resolve_device("cuda:0") == torch.device("cuda:0")
