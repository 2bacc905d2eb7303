"""The offline GPT-2 tokenizer, packing vs pad-to-max, and the collator that keeps EOS labels."""
from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from lyrics_helpers import SONG_A, SONG_B, SONG_C
from transformers import DataCollatorForLanguageModeling

from seqlab.lyrics.batching import EosKeepingCollator, build_examples, pack, pad_to_max, token_stats, tokenize_songs
from seqlab.lyrics.tokenizer import gpt2_tokenizer_dir, load_gpt2_tokenizer

EOS = 50256


def test_gpt2_tokenizer_from_package_files(tmp_path):
    tok = load_gpt2_tokenizer(cache=tmp_path)
    assert (tmp_path / "gpt2-tokenizer" / "vocab.json").is_file()
    assert (tmp_path / "gpt2-tokenizer" / "merges.txt").is_file()
    assert len(tok) == 50257
    assert tok("Hello world").input_ids == [15496, 995]
    assert tok.convert_tokens_to_ids("<|endoftext|>") == EOS == tok.eos_token_id
    assert tok("<|endoftext|>").input_ids == [EOS]
    assert tok.pad_token_id == EOS and tok.model_max_length == 256
    assert tok.decode(tok(SONG_A).input_ids) == SONG_A  # byte-level BPE round-trips
    assert gpt2_tokenizer_dir(tmp_path) == tmp_path / "gpt2-tokenizer"  # second call reuses the copy


def test_tokenize_songs_appends_one_eos_each(tokenizer):
    ids = tokenize_songs(tokenizer, [SONG_A, SONG_B])
    assert [row[-1] for row in ids] == [EOS, EOS]
    assert all(row[:-1].count(EOS) == 0 for row in ids)


def test_packing_blocks_are_full_and_lose_nothing(tokenizer):
    token_lists = tokenize_songs(tokenizer, [SONG_A, SONG_B, SONG_C] * 3)
    blocks = pack(token_lists, 16)
    sizes = [len(b["input_ids"]) for b in blocks]
    assert all(size == 16 for size in sizes[:-1]) and 2 <= sizes[-1] <= 16
    flat = [t for row in token_lists for t in row]
    packed = [t for b in blocks for t in b["input_ids"]]
    assert packed == flat[: len(packed)]
    assert len(flat) - len(packed) <= 1  # at most a lone final token, which no block could predict anyway
    assert sum(t == EOS for t in packed) >= 8
    stats = token_stats(blocks, len(flat), 16)
    assert stats.kept_share >= 1 - 1 / len(flat)
    assert stats.real_share == sum(sizes) / (16 * len(blocks))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 100), min_size=1, max_size=40), min_size=1, max_size=20),
       st.integers(2, 64))
def test_packing_keeps_every_token_in_order_in_full_blocks(token_lists, block_size):
    blocks = pack(token_lists, block_size)
    flat = [t for row in token_lists for t in row]
    packed = [t for b in blocks for t in b["input_ids"]]
    assert packed == flat[: len(packed)] and len(flat) - len(packed) <= 1  # only a lone 1-token tail may go
    assert all(len(b["input_ids"]) == block_size for b in blocks[:-1])


def test_pad_to_max_pads_and_truncates(tokenizer):
    rows = pad_to_max([[1, 2, 3], list(range(10))], 5, EOS)
    assert rows[0] == {"input_ids": [1, 2, 3, EOS, EOS], "attention_mask": [1, 1, 1, 0, 0]}
    assert rows[1] == {"input_ids": [0, 1, 2, 3, 4], "attention_mask": [1] * 5}
    examples = build_examples(tokenizer, [SONG_A], 256, packing=False)
    ids, mask = examples[0]["input_ids"], examples[0]["attention_mask"]
    assert len(ids) == 256 and ids[sum(mask) - 1] == EOS


def test_collator_keeps_real_eos_labels_and_masks_padding(tokenizer):
    examples = build_examples(tokenizer, [SONG_A, SONG_B], 64, packing=False)
    batch = EosKeepingCollator(tokenizer)(examples)
    labels, mask, ids = batch["labels"], batch["attention_mask"], batch["input_ids"]
    assert torch.equal(labels[mask == 1], ids[mask == 1])
    assert (labels[mask == 0] == -100).all()
    assert ((labels == EOS).sum(dim=1) == 1).all()  # each song's real EOS is a training target
    stock = DataCollatorForLanguageModeling(tokenizer, mlm=False)(examples)["labels"]
    assert not (stock == EOS).any()  # transformers issue 23530: the stock collator masks every EOS


def test_collator_pads_a_short_last_packed_block(tokenizer):
    blocks = pack(tokenize_songs(tokenizer, [SONG_A, SONG_B]), 30)
    batch = EosKeepingCollator(tokenizer)(blocks[-2:])
    short = len(blocks[-1]["input_ids"])
    assert batch["input_ids"].shape == (2, 30)
    assert (batch["labels"][1, short:] == -100).all() and (batch["labels"][1, :short] != -100).all()
    assert (batch["labels"] == EOS).sum() == (batch["input_ids"][batch["attention_mask"] == 1] == EOS).sum()
