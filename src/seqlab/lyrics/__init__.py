"""Lyrics generation: fine-tune GPT-2 (or any causal LM, e.g. the offline SmolLM2-135M) on song lyrics.

Python API::

    from seqlab.lyrics import generate_lyrics, load_corpus
    corpus = load_corpus("data/poetry")              # files / songs DataFrames, duplicates report
    generate_lyrics("gpt2-lyrics", "When the sun rises and stars begin to fade", seed=0, num_return_sequences=2)
    generate_lyrics("gpt2-lyrics", "Down the road", artist="Bob Dylan", seed=0)   # an artist-conditioned run

The heavy modules (torch, transformers) load on first use, so importing this package is cheap.
"""
from __future__ import annotations

from seqlab.lyrics.config import RECIPE_PROMPT


def generate_lyrics(model_dir: str, prompt: str = RECIPE_PROMPT, stream=None, **options) -> list[str]:
    """Generated texts (prompt included) from a trained folder or `smollm2-135m`; see GenerationConfig."""
    from seqlab.lyrics.generate import generate_lyrics as _generate

    return _generate(model_dir, prompt, stream=stream, **options)


def load_corpus(data=None, data_dir=None):
    """Read, normalize, filter and de-duplicate a lyrics folder or CSV (see seqlab.lyrics.corpus)."""
    from seqlab.lyrics.corpus import load_corpus as _load

    return _load(data, data_dir)


def train_lyrics(**options):
    """Run `seqlab lyrics train` from Python; options are TrainConfig fields. Returns a TrainResult."""
    from seqlab.lyrics.train import TrainConfig, train

    return train(TrainConfig(**options))


__all__ = ["RECIPE_PROMPT", "generate_lyrics", "load_corpus", "train_lyrics"]
