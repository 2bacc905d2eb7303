"""Generation speed options: int8 weights (+ bfloat16) keep the model's predictions, flags resolve as documented."""
from __future__ import annotations

import pytest
import torch

from seqlab.errors import SeqlabError
from seqlab.lyrics.config import GenerationConfig, SpeedConfig
from seqlab.lyrics.generate import sample
from seqlab.lyrics.model import load_trained
from seqlab.lyrics.speed import Int8WeightLinear, prepare, quantize_int8, resolved

CPU, GPU = torch.device("cpu"), torch.device("cuda")


def test_auto_means_int8_and_bfloat16_on_cpu_and_float32_on_gpu():
    assert resolved(SpeedConfig(), CPU) == ("bfloat16", "int8")
    assert resolved(SpeedConfig(), GPU) == ("float32", "none")
    assert resolved(SpeedConfig(quantize="none"), CPU) == ("float32", "none")
    assert resolved(SpeedConfig(quantize="int8", dtype="float32"), CPU) == ("float32", "int8")
    with pytest.raises(SeqlabError, match="--quantize int8 runs on the CPU only"):
        resolved(SpeedConfig(quantize="int8"), GPU)
    assert resolved(SpeedConfig(compile=True), CPU) == ("float32", "none")
    with pytest.raises(SeqlabError, match="--compile works with --quantize none only"):
        resolved(SpeedConfig(compile=True, quantize="int8"), CPU)
    with pytest.raises(SeqlabError, match="--dtype must be one of auto, float32, bfloat16"):
        SpeedConfig(dtype="int4").validate()


def test_int8_weights_predict_like_float32(tiny_model_dir):
    reference, tok = load_trained(str(tiny_model_dir))
    model, _ = load_trained(str(tiny_model_dir))
    assert quantize_int8(model.to(torch.float32)) == 9  # 2 blocks × 4 Conv1D (attention, MLP) + the output layer
    assert isinstance(model.lm_head, Int8WeightLinear) and model.lm_head.weight_int8.dtype == torch.int8
    ids = torch.tensor([tok("Sunrise on the river, golden light is calling")["input_ids"]])
    with torch.no_grad():
        want, got = reference(input_ids=ids).logits, model(input_ids=ids).logits
    error = float((want - got).abs().max()) / float(want.abs().max())
    assert 0 < error < 0.03, error  # per-row int8: within a few per cent of the logits' range
    fast = prepare(load_trained(str(tiny_model_dir))[0], SpeedConfig())  # the CPU default: int8 + bfloat16
    result = sample(fast, tok, "Sunrise", GenerationConfig(max_new_tokens=12, seed=0))
    assert result.texts[0].startswith("Sunrise") and result.new_tokens > 0
    plain = prepare(load_trained(str(tiny_model_dir))[0], SpeedConfig(quantize="none"))
    same = sample(plain, tok, "Sunrise", GenerationConfig(max_new_tokens=12, seed=0)).texts
    assert same == sample(reference, tok, "Sunrise", GenerationConfig(max_new_tokens=12, seed=0)).texts
