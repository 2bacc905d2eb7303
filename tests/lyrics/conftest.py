"""Shared fixtures: a handful of short lyric files and a tiny GPT-2 saved with save_pretrained."""
from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # never wait on the network in tests
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path

import pytest
from lyrics_helpers import SONG_A, SONG_B, SONG_C, SONG_D, SONG_E, SONG_F, make_tiny_gpt2, write


@pytest.fixture
def lyrics_dir(tmp_path: Path) -> Path:
    """Three artists, a BOM + CRLF file, a too-short file and a near-duplicate of one artist."""
    folder = tmp_path / "poetry"
    folder.mkdir()
    write(folder / "artist-one.txt", f"{SONG_A}\n\n{SONG_B}\n\n{SONG_A}\n")  # SONG_A twice: exact duplicate
    write(folder / "Artist_Two.txt", "\ufeff" + f"{SONG_C}  \n\n{SONG_D}\n".replace("\n", "\r\n"))
    write(folder / "artist-two.txt", f"{SONG_D.upper()}\n\n{SONG_C.upper()}\n\n{SONG_E}\n")  # near-dup: case differs
    write(folder / "artist-three.txt", f"{SONG_F}\n")
    write(folder / "short.txt", "Too short to keep.\n")
    return folder


@pytest.fixture(scope="session")
def tokenizer():
    from seqlab.lyrics.tokenizer import load_gpt2_tokenizer

    return load_gpt2_tokenizer()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tokenizer) -> Path:
    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"), tokenizer)


