"""Character vocabularies and length-bucketed, padded batches."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import torch

from seqlab.errors import CheckpointError
from seqlab.translit.data.corpus import Pair

PAD, UNK, SOS, EOS = "<pad>", "<unk>", "<sos>", "<eos>"
SPECIALS = (PAD, UNK, SOS, EOS)
PAD_ID, UNK_ID, SOS_ID, EOS_ID = range(4)


class Vocab:
    """Characters seen in training, after the four specials; anything else maps to <unk>."""

    def __init__(self, chars: Iterable[str]):
        self.itos: list[str] = list(SPECIALS) + [c for c in chars if c not in SPECIALS]
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def build(cls, words: Iterable[str]) -> "Vocab":
        counts = Counter(c for w in words for c in w)
        return cls(sorted(counts))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, word: str, add_eos: bool = False) -> list[int]:
        ids = [self.stoi.get(c, UNK_ID) for c in word]
        return ids + [EOS_ID] if add_eos else ids

    def decode(self, ids: Iterable[int]) -> str:
        """Stop at <eos>; drop padding and <sos>."""
        out = []
        for i in ids:
            if i == EOS_ID:
                break
            if i in (PAD_ID, SOS_ID):
                continue
            out.append(self.itos[i] if i < len(self.itos) else self.itos[UNK_ID])
        return "".join(out)


@dataclass
class Vocabs:
    source: Vocab
    target: Vocab

    @classmethod
    def build(cls, pairs: Sequence[Pair]) -> "Vocabs":
        return cls(Vocab.build(p.source for p in pairs), Vocab.build(p.target for p in pairs))

    def to_dict(self) -> dict:
        return {"source": self.source.itos, "target": self.target.itos}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabs":
        try:
            src, tgt = data["source"], data["target"]
            if list(src[:4]) != list(SPECIALS) or list(tgt[:4]) != list(SPECIALS):
                raise ValueError("special tokens missing")
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"vocabulary file is malformed ({exc})") from None
        return cls(Vocab(src[4:]), Vocab(tgt[4:]))


@dataclass
class Batch:
    """Padded id tensors, batch-first. `target` ends with <eos>; `index` maps rows back to the input order."""

    source: torch.Tensor
    source_lengths: torch.Tensor
    target: torch.Tensor | None
    index: torch.Tensor

    def __len__(self) -> int:
        return self.source.size(0)

    def to(self, device: torch.device) -> "Batch":
        """Ids move to `device`; lengths stay on the CPU, where packing wants them."""
        target = None if self.target is None else self.target.to(device, non_blocking=True)
        return Batch(self.source.to(device, non_blocking=True), self.source_lengths, target, self.index)


def pad(seqs: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, longest) ids padded with PAD_ID, and the lengths (at least 1). Padded as lists and made a tensor in one
    call: a tensor per row cost more than the network itself for a word's dozen candidates."""
    lengths = [max(len(s), 1) for s in seqs]
    width = max(lengths)
    rows = [[*seq, *[PAD_ID] * (width - len(seq))] for seq in seqs]
    return torch.tensor(rows, dtype=torch.long), torch.tensor(lengths, dtype=torch.long)


def encode_pairs(pairs: Sequence[Pair], vocabs: Vocabs) -> list[tuple[list[int], list[int]]]:
    return [(vocabs.source.encode(p.source), vocabs.target.encode(p.target, add_eos=True)) for p in pairs]


def make_batch(rows: Sequence[int], sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]] | None) -> Batch:
    src, src_len = pad([sources[i] for i in rows])
    tgt = pad([targets[i] for i in rows])[0] if targets is not None else None
    return Batch(src, src_len, tgt, torch.tensor(list(rows), dtype=torch.long))


def batch_order(
    lengths: Sequence[int], batch_size: int, generator: torch.Generator | None = None, bucket: int = 50
) -> list[list[int]]:
    """Group similar lengths into batches to save padding; shuffled when a generator is given."""
    n = len(lengths)
    order = torch.randperm(n, generator=generator).tolist() if generator is not None else list(range(n))
    batches: list[list[int]] = []
    chunk = batch_size * bucket
    for start in range(0, n, chunk):
        group = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(group[i : i + batch_size] for i in range(0, len(group), batch_size))
    if generator is not None:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    return batches


def iterate_batches(
    sources: Sequence[Sequence[int]],
    targets: Sequence[Sequence[int]] | None,
    batch_size: int,
    generator: torch.Generator | None = None,
) -> Iterator[Batch]:
    lengths = [len(s) for s in sources]
    for rows in batch_order(lengths, batch_size, generator):
        yield make_batch(rows, sources, targets)
