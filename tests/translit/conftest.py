"""Fixtures of the transliteration tests: real Dakshina pairs, small data folders, a model folder to damage, a
PostgreSQL server."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pg_server import postgres_url  # noqa: F401  (session fixture: a PostgreSQL server of our own)
from translit_helpers import LEGACY_RUN, write_dakshina

from seqlab.translit.data.corpus import read_dakshina_tsv


@pytest.fixture(scope="session")
def real_pairs(shared_data):
    pairs, _ = read_dakshina_tsv(shared_data / "dakshina" / "hi" / "lexicons" / "hi.translit.sampled.train.tsv")
    return [(p.source, p.target) for p in pairs]


@pytest.fixture
def small_data(tmp_path, real_pairs) -> Path:
    """600 real training pairs, 100 dev, 100 test."""
    return write_dakshina(tmp_path / "data", {
        "train": real_pairs[::70][:600], "dev": real_pairs[35::400][:100], "test": real_pairs[17::400][:100]})


@pytest.fixture
def tiny_data(tmp_path, real_pairs) -> Path:
    """150 real training pairs and 30 dev pairs."""
    return write_dakshina(tmp_path / "data", {"train": real_pairs[::300][:150], "dev": real_pairs[7::900][:30]})


@pytest.fixture
def model_copy(tmp_path) -> Path:
    """A real trained model folder that a test may damage."""
    return Path(shutil.copytree(LEGACY_RUN, tmp_path / "model", ignore=shutil.ignore_patterns("expected_*", "data")))
