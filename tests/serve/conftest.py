"""One real server for the serving tests: the shipped Hindi model, a tiny lyrics model and a user dictionary in a
temporary folder; started once per session (a few seconds), stopped at the end."""
from __future__ import annotations

from pathlib import Path

import pytest
from serve_helpers import Server, make_tiny_gpt2

from seqlab.lyrics.conditioning import Artist, write_artists


@pytest.fixture(scope="session")
def tiny_lyrics_model(tmp_path_factory) -> Path:
    """A tiny GPT-2 with the artist list of a run trained with artist conditioning (its weights are random either
    way: the server reads the list and writes the artist's prefix before the prompt)."""
    folder = make_tiny_gpt2(tmp_path_factory.mktemp("tiny-lyrics"), tmp_path_factory.mktemp("tokenizer-cache"))
    write_artists(folder, [Artist("bob dylan", "Bob Dylan", 3), Artist("lil wayne", "Lil Wayne", 2)], 0.1)
    return folder


@pytest.fixture(scope="session")
def server(tmp_path_factory, tiny_lyrics_model):
    folder = tmp_path_factory.mktemp("serve")
    running = Server("--lang", "hi", "--lyrics-model", str(tiny_lyrics_model),
                     "--user-dictionary", str(folder / "userdict.tsv"), "--max-words", "50", "--max-body", "4096",
                     "--max-batch", "16", "--max-lyrics-length", "200",
                     "--header-timeout", "2", "--body-timeout", "2", "--max-connections", "32", log_dir=folder)
    yield running
    running.stop()
