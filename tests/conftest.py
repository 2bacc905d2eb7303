"""Shared fixtures: where the project's real data lives and small data folders built per test."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SEQLAB_DATA_DIR") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory) -> Iterator[Path]:
    """One cache for the whole run, so converted models (SmolLM2, ONNX graphs) are built once, never in ~/.cache;
    set for the whole session, so servers that session fixtures start use it too."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQLAB_CACHE_DIR", str(cache))
        yield cache


@pytest.fixture(autouse=True)
def _offline_and_isolated(monkeypatch, _session_cache):
    """Never touch the network or the user's cache from tests."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(_session_cache))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "dakshina").is_dir():
        pytest.fail(f"project data not found at {SHARED_DATA}; set SEQLAB_DATA_DIR (the Makefile does)")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """Tiny test models run fastest on one thread, and it keeps timings sane when the machine is busy."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_language_models(tmp_path_factory, shared_data) -> dict[str, Path]:
    """Tiny Bengali, Urdu and Tamil models (tiny_languages.py), trained once per session: {lang: run folder}."""
    from tiny_languages import TINY_LANGUAGES, train_tiny_model

    root = tmp_path_factory.mktemp("languages")
    return {lang: train_tiny_model(shared_data, root / lang, lang) for lang in TINY_LANGUAGES}
