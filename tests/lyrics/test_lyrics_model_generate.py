"""Loading models the way the CLI does, seeded/streamed generation that stops at EOS, and the SmolLM2 path."""
from __future__ import annotations

import io

import pytest
import torch
from lyrics_helpers import SONG_A, SONG_B, make_tiny_gpt2

from seqlab.errors import CheckpointError, SeqlabError
from seqlab.lyrics import generate_lyrics
from seqlab.lyrics.generate import GenerationConfig, new_token_budget, sample
from seqlab.lyrics.model import SMOLLM2, context_length, from_scratch, hub_reachable, load_model, load_trained

PROMPT = "When the sun rises"


def test_tiny_model_round_trip_through_from_pretrained(tiny_model_dir):
    model, tok = load_trained(str(tiny_model_dir))
    assert type(model).__name__ == "GPT2LMHeadModel" and model.config.n_layer == 2 and model.config.n_embd == 32
    assert len(tok) == 50257 and tok.pad_token_id == tok.eos_token_id == 50256
    again, _ = load_model(str(tiny_model_dir))  # the training path uses the same loader
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_same_seed_same_text(tiny_model_dir):
    model, tok = load_trained(str(tiny_model_dir))
    cfg = dict(max_length=24, num_return_sequences=2)
    first = sample(model, tok, PROMPT, GenerationConfig(seed=3, **cfg)).texts
    second = sample(model, tok, PROMPT, GenerationConfig(seed=3, **cfg)).texts
    other = sample(model, tok, PROMPT, GenerationConfig(seed=4, **cfg)).texts
    assert first == second and len(first) == 2
    assert first != other
    assert all(text.startswith(PROMPT) for text in first)
    exact = dict(quantize="none", dtype="float32")  # the API's CPU default is int8 weights: other tokens
    assert generate_lyrics(str(tiny_model_dir), PROMPT, seed=3, device="cpu", **cfg, **exact) == first  # Python API
    fast = generate_lyrics(str(tiny_model_dir), PROMPT, seed=3, device="cpu", **cfg)
    assert fast == generate_lyrics(str(tiny_model_dir), PROMPT, seed=3, device="cpu", **cfg)


def test_streamed_text_matches_returned_text(tiny_model_dir):
    model, tok = load_trained(str(tiny_model_dir))
    out = io.StringIO()
    result = sample(model, tok, PROMPT, GenerationConfig(max_length=25, seed=1), stream=out)
    assert out.getvalue() == result.texts[0] + "\n"
    assert 0 < result.new_tokens <= 25 - len(tok(PROMPT).input_ids)


def test_generation_stops_at_eos(tmp_path, tokenizer):
    """A model whose every next-token distribution is ~all EOS must stop after one token."""
    folder = make_tiny_gpt2(tmp_path / "eos", tokenizer)
    model, tok = load_trained(str(folder))
    with torch.no_grad():
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.fill_(1.0)  # every final hidden state becomes all ones
        model.config.tie_word_embeddings = False
        model.lm_head.weight = torch.nn.Parameter(torch.zeros_like(model.lm_head.weight))
        model.lm_head.weight[tok.eos_token_id] = 1.0  # EOS logit 32, every other logit 0
    result = sample(model, tok, PROMPT, GenerationConfig(max_length=60, seed=0))
    assert result.new_tokens == 1 and result.texts == [PROMPT]


def test_generation_options_out_of_range_name_their_flag():
    for options, message in [({"top_p": 1.5}, "--top-p"), ({"temperature": 0}, "--temperature"),
                             ({"max_length": 0}, "--max-length"), ({"num_return_sequences": 0}, "--num-return")]:
        with pytest.raises(SeqlabError, match=message):
            GenerationConfig(**options).validate()


def test_prompt_longer_than_max_length(tiny_model_dir):
    with pytest.raises(SeqlabError, match="--max-new-tokens"):
        generate_lyrics(str(tiny_model_dir), SONG_A + SONG_B, max_length=5)


def test_from_scratch_uses_gpt2_tokenizer():
    model, tok = from_scratch("tiny")
    assert model.config.vocab_size == len(tok) == 50257 and model.config.n_layer == 2
    with pytest.raises(SeqlabError, match="--size"):
        from_scratch("huge")


def test_unreachable_hub_lists_alternatives(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # nothing cached
    assert not hub_reachable()
    with pytest.raises(SeqlabError) as info:
        load_model("gpt2")
    message = str(info.value)
    for alternative in ("local model folder", "--model smollm2-135m", "--from-scratch", "unreachable"):
        assert alternative in message


def test_missing_or_corrupt_model_folders_are_checkpoint_errors(tmp_path, tiny_model_dir):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_trained(str(tmp_path / "nope"))
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_model_dir.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(CheckpointError, match="cannot load the model"):
        load_trained(str(broken))


@pytest.mark.slow
def test_smollm2_loads_and_computes_a_language_model_loss():
    model, tok = load_model(SMOLLM2)
    assert type(model).__name__ == "LlamaForCausalLM" and len(tok) == 49152
    assert tok.eos_token is not None and tok.pad_token_id == tok.eos_token_id
    ids = tok(SONG_A + "\n" + SONG_B, return_tensors="pt").input_ids
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss.item()
    assert 0.5 < loss < 6.0  # a trained LM; a random 49k-vocab model would be near ln(49152) = 10.8
    again, _ = load_trained(SMOLLM2)  # second load comes from the converted cache folder
    with torch.no_grad():
        assert abs(again(input_ids=ids, labels=ids).loss.item() - loss) < 1e-4


def test_new_token_budget_fits_the_request_into_the_context():
    """Issue 9 #12: what `generate` asks the model for, given the prompt length and the context."""
    assert new_token_budget(10, GenerationConfig(max_length=100), 128) == (90, None)
    assert new_token_budget(10, GenerationConfig(max_new_tokens=118), 128) == (118, None)  # exactly fills it
    fit, warning = new_token_budget(10, GenerationConfig(max_new_tokens=119), 128)
    assert fit == 118 and "at most 118 new tokens" in warning and "\n" not in warning
    assert new_token_budget(10, GenerationConfig(max_length=1_000_000), None) == (999_990, None)  # context unknown
    with pytest.raises(SeqlabError, match="the prompt is 128 tokens but the model's context is 128 tokens"):
        new_token_budget(128, GenerationConfig(max_new_tokens=1), 128)
    with pytest.raises(SeqlabError, match="not shorter than --max-length 100"):
        new_token_budget(100, GenerationConfig(), 1024)


def test_context_length_reads_gpt2_and_llama_configs(tiny_model_dir):
    from transformers import LlamaConfig, LlamaForCausalLM

    assert context_length(load_trained(str(tiny_model_dir))[0]) == 128
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=96))
    assert context_length(llama) == 96
