"""Training examples from songs: packing (default) or the original recipe's pad-to-max, and a collator that
keeps EOS labels.

With pad = eos, `DataCollatorForLanguageModeling(mlm=False)` sets the label of *every* EOS token to -100
(transformers issue 23530), so the model never learns to end a song. `EosKeepingCollator` masks only the
positions the attention mask marks as padding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from transformers import DataCollatorForLanguageModeling

from seqlab.errors import SeqlabError

Example = dict[str, list[int]]


def tokenize_songs(tokenizer, songs: list[str]) -> list[list[int]]:
    """Token ids of each song followed by EOS (nothing truncated here)."""
    if tokenizer.eos_token_id is None:
        raise SeqlabError("the tokenizer has no EOS token; songs cannot be separated")
    ids = tokenizer(songs, add_special_tokens=False, verbose=False)["input_ids"]
    return [list(song) + [tokenizer.eos_token_id] for song in ids]


def pack(token_lists: list[list[int]], block_size: int, label_lists: list[list[int]] | None = None) -> list[Example]:
    """run_clm's group_texts: concatenate all songs (EOS-separated) and cut into `block_size` blocks.

    Unlike group_texts the last, shorter block is kept (and padded by the collator): nothing is truncated away.
    `label_lists` (same shapes as `token_lists`, -100 where a token is context only, e.g. an artist prefix) are cut
    the same way and travel with each block as "labels".
    """
    if block_size < 2:
        raise SeqlabError(f"--block-size must be at least 2, got {block_size}")
    stream = [token for tokens in token_lists for token in tokens]
    starts = range(0, len(stream), block_size)
    examples = [{"input_ids": stream[i : i + block_size], "attention_mask": [1] * len(stream[i : i + block_size])}
                for i in starts]
    if label_lists is not None:
        labels = [label for song in label_lists for label in song]
        for example, i in zip(examples, starts):
            example["labels"] = labels[i : i + block_size]
    if examples and len(examples[-1]["input_ids"]) < 2:  # a 1-token block has nothing to predict
        examples.pop()
    return examples


def pad_to_max(token_lists: list[list[int]], max_length: int, pad_id: int,
               label_lists: list[list[int]] | None = None) -> list[Example]:
    """the original recipe: every song padded or truncated to exactly `max_length` tokens."""
    if max_length < 2:
        raise SeqlabError(f"--block-size must be at least 2, got {max_length}")
    examples = []
    for index, tokens in enumerate(token_lists):
        tokens = tokens[:max_length]
        pad = max_length - len(tokens)
        example = {"input_ids": tokens + [pad_id] * pad, "attention_mask": [1] * len(tokens) + [0] * pad}
        if label_lists is not None:
            example["labels"] = label_lists[index][:max_length] + [-100] * pad
        examples.append(example)
    return examples


def build_examples(tokenizer, songs: list[str], block_size: int, packing: bool = True) -> list[Example]:
    """Tokenize songs and turn them into fixed-size training examples in the chosen mode."""
    return examples_from_tokens(tokenize_songs(tokenizer, songs), block_size, packing, tokenizer.pad_token_id)


def examples_from_tokens(token_lists: list[list[int]], block_size: int, packing: bool, pad_id: int,
                         label_lists: list[list[int]] | None = None) -> list[Example]:
    """The same from already tokenized songs, for callers that also need the token counts."""
    if packing:
        return pack(token_lists, block_size, label_lists)
    return pad_to_max(token_lists, block_size, pad_id, label_lists)


@dataclass
class TokenStats:
    """How much of what the model is fed is real text: the packing vs pad-to-max comparison."""

    examples: int
    slots: int  # token positions fed to the model per epoch (batch rows are padded to the same length)
    real: int  # positions holding real text (incl. EOS), i.e. attention_mask == 1
    source_tokens: int  # tokens in the songs (incl. one EOS each), before truncation

    @property
    def real_share(self) -> float:
        return self.real / self.slots if self.slots else 0.0

    @property
    def kept_share(self) -> float:
        return self.real / self.source_tokens if self.source_tokens else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"examples": self.examples, "token_slots": self.slots, "real_tokens": self.real,
                "source_tokens": self.source_tokens, "real_share": self.real_share, "kept_share": self.kept_share}


def token_stats(examples: list[Example], source_tokens: int, block_size: int) -> TokenStats:
    """Counts with each example occupying a full `block_size` row (as in a fixed-shape batch)."""
    real = sum(sum(ex["attention_mask"]) for ex in examples)
    return TokenStats(len(examples), len(examples) * block_size, real, source_tokens)


class EosKeepingCollator(DataCollatorForLanguageModeling):
    """`DataCollatorForLanguageModeling(mlm=False)` whose labels are -100 only where attention_mask is 0."""

    def __init__(self, tokenizer, pad_to_multiple_of: int | None = None) -> None:
        super().__init__(tokenizer=tokenizer, mlm=False, pad_to_multiple_of=pad_to_multiple_of)

    def torch_call(self, examples: list[Any]) -> dict[str, Any]:
        given = [example.get("labels") for example in examples]
        batch = super().torch_call([{k: v for k, v in example.items() if k != "labels"} for example in examples])
        labels = batch["input_ids"].clone()
        for row, row_labels in enumerate(given):  # an example's own labels (-100 on an artist prefix) win
            if row_labels is not None:
                labels[row, : len(row_labels)] = torch.tensor(row_labels, dtype=labels.dtype)
        if "attention_mask" in batch:
            labels[batch["attention_mask"] == 0] = -100
        batch["labels"] = labels
        return batch


class ExampleDataset(torch.utils.data.Dataset):
    """A list of {input_ids, attention_mask} dicts, as Trainer expects."""

    def __init__(self, examples: list[Example]) -> None:
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> Example:
        return self.examples[index]
