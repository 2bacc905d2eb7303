"""Every option of `seqlab translit batch` and of `transliterate_files`, declared once (flag, default, range, help).

The decoding options are `predict`'s, so that a corpus comes out exactly as `predict` would write it line by
line. `OUTPUT_OPTIONS` are the fields that change what is written: a run resumed with other values would mix two
outputs in one folder, so the manifest records them and a resume with different ones is refused.
Dask-free and torch-free, so the CLI builds its options without importing either.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from seqlab.errors import SeqlabError
from seqlab.options import Options, opt, spec_of
from seqlab.translit.config import DIRECTIONS, MAX_BEAM, DecodingConfig
from seqlab.translit.languages import LANGUAGE_CODES

MAX_WORKERS = 4096
# The fields that decide the bytes written (with the model's and the user dictionary's hashes, see model.py).
OUTPUT_OPTIONS = ("lang", "direction", "beam_size", "context", "rescorers", "device", "skip_bad_lines", "shard_lines")


@dataclass(frozen=True)
class BatchOptions(Options):
    """What one batch job does; `inputs` are given apart (the command's arguments, the API's first argument)."""

    output: Path = opt(flag="--output", help="Folder for the results: each input file's transliteration at the same "
                       "relative path (a .gz input gives a .gz output), and the run's manifest in .seqlab-batch/.")
    lang: Optional[str] = opt(None, "--lang", "Language code: picks the shipped model and the default user "
                              "dictionary (user-dictionary-LANG.tsv); with --model it must be the model's "
                              "(default: the model's, hi for the shipped one).", choices=LANGUAGE_CODES)
    model: Optional[Path] = opt(None, "--model", "Run directory or model folder (default: the shipped model). On a "
                                "cluster every worker must see it at this path.")
    direction: Optional[str] = opt(None, "--direction", " | ".join(DIRECTIONS) + " (default: the model's; without "
                                   "--model, picks the shipped model of that direction).", choices=DIRECTIONS)
    beam_size: Optional[int] = opt(None, "--beam-size", spec_of(DecodingConfig, "beam_size").help, low=1,
                                   high=MAX_BEAM)
    context: bool = opt(True, "--context", "Choose each line's words jointly with the model's bigram model of the "
                        "sentence context (--no-context: each word alone), as `predict` on stdin.")
    rescorers: bool = opt(True, "--rescorers", "Rescore with the model folder's rescorer models (--no-rescorers: "
                          "several times faster, a little less accurate).")
    device: str = opt("cpu", "--device", "Where each worker decodes: cpu | cuda | cuda:N | auto.")
    user_dictionary: Optional[Path] = opt(None, "--user-dictionary", "The user dictionary file, read once here and "
                                          "sent to the workers (default: $SEQLAB_USER_DICTIONARY, else "
                                          "user-dictionary-LANG.tsv in the per-user data folder).")
    no_user_dictionary: bool = opt(False, "--no-user-dictionary", "Ignore the learned pairs.")
    workers: Optional[int] = opt(None, "--workers", "Local worker processes, one thread each (default: the "
                                 "machine's cores). Not with --scheduler.", low=1, high=MAX_WORKERS)
    scheduler: Optional[str] = opt(None, "--scheduler", "Address of a running Dask scheduler "
                                   "(tcp://HOST:8786) whose workers do the decoding, instead of a local cluster.")
    shard_lines: int = opt(1000, "--shard-lines", "Lines per shard: the unit of work, of progress and of resuming "
                           "(a shard also ends after 8 MiB).", low=1, high=10_000_000)
    skip_bad_lines: bool = opt(False, "--skip-bad-lines", "Write an empty line for each input line that is not "
                               "UTF-8, and count it, instead of stopping at the first one.")
    json: bool = opt(False, "--json", "Print the summary as JSON on the last line of stdout.")

    def check(self) -> None:
        if self.workers is not None and self.scheduler is not None:
            raise SeqlabError("--workers is for a local cluster; with --scheduler the cluster's workers decode "
                              "(start more with `dask worker`)")
        if self.scheduler is not None and not self.scheduler.strip():
            raise SeqlabError("--scheduler must be an address such as tcp://HOST:8786, got an empty one")

    @property
    def local_workers(self) -> int:
        """Worker processes of the local cluster: --workers, else one per core this process may run on."""
        if self.workers is not None:
            return self.workers
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    def output_options(self) -> dict:
        """The fields that decide the bytes written (see OUTPUT_OPTIONS), as the manifest records them."""
        return {name: getattr(self, name) for name in OUTPUT_OPTIONS}


def flag(name: str) -> str:
    """A field's command-line flag, for messages."""
    return spec_of(BatchOptions, name).flag or name
