"""Run by test_lyrics_ddp.py under `torchrun --nproc_per_node 2`: the real `seqlab lyrics train` command, plus a
callback that writes, on every rank, a hash of the weights that rank ends with (rank{N}.sha256 in HASH_DIR)."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from transformers import TrainerCallback

import seqlab.lyrics.train as lyrics_train
from seqlab.cli import main


def weights_hash(model) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


class HashAtEnd(TrainerCallback):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def on_train_end(self, args, state, control, model=None, **kwargs):
        rank = int(os.environ.get("RANK", "0"))
        # args.world_size is what the Trainer itself uses (2 only when torch.distributed is set up)
        (self.folder / f"rank{rank}.sha256").write_text(f"{args.world_size} {args.parallel_mode.value} "
                                                        f"{weights_hash(model)}")


if __name__ == "__main__":
    hash_dir = Path(sys.argv[1])
    build = lyrics_train.build_trainer

    def build_with_hash(*args, **kwargs):
        trainer, tokenizer, info = build(*args, **kwargs)
        trainer.add_callback(HashAtEnd(hash_dir))
        return trainer, tokenizer, info

    lyrics_train.build_trainer = build_with_hash
    sys.exit(main(sys.argv[2:]))
