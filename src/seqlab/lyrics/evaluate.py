"""`seqlab lyrics evaluate`: validation perplexity plus diversity and memorization of generated samples.

Without --data the run's own lyrics_run.json says which data, seed and validation fraction were used, so the
validation split is exactly the one held out in training. With --data the same seeded split of that source is
used (or all of it with --split all, e.g. for a held-out folder).
"""
from __future__ import annotations

import json
from pathlib import Path

from seqlab.errors import SeqlabError
from seqlab.lyrics import metrics
from seqlab.lyrics.batching import build_examples
from seqlab.lyrics.config import EvalConfig, GenerationConfig
from seqlab.lyrics.corpus import load_corpus, split_by_song
from seqlab.lyrics.generate import sample
from seqlab.lyrics.model import check_block_size, load_trained
from seqlab.lyrics.train import RUN_CONFIG


def _run_config(model: str) -> dict:
    path = Path(model).expanduser() / RUN_CONFIG
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("config", {})
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        raise SeqlabError(f"{path} is corrupt: {exc}") from exc


def eval_songs(cfg: EvalConfig) -> tuple[list[str], list[str], str]:
    """(train songs, evaluation songs, description) for the chosen data and split."""
    run = _run_config(cfg.model)
    data = cfg.data or run.get("data")
    data_dir = cfg.data_dir or run.get("data_dir")
    if cfg.data is None and not run:
        raise SeqlabError(f"{cfg.model} has no {RUN_CONFIG} (not trained by seqlab); pass --data to say which "
                          "lyrics to evaluate on")
    seed = cfg.seed if cfg.seed is not None else run.get("seed", 42)
    fraction = cfg.val_fraction if cfg.val_fraction is not None else run.get("val_fraction", 0.1)
    corpus = load_corpus(data, data_dir)
    songs = corpus.songs.song.tolist()
    if cfg.split == "all":
        return songs, songs, f"all {len(songs)} songs of {corpus.source}"
    train, val = split_by_song(songs, fraction, seed)
    limit = cfg.max_val_songs or (run.get("max_val_songs") if cfg.data is None else None)
    val = val[:limit] if limit else val
    return train, val, f"validation split of {corpus.source} (seed {seed}, fraction {fraction}, {len(val)} songs)"


def evaluate(cfg: EvalConfig) -> dict:
    """All numbers of one evaluation, as a flat dict (also what --json prints)."""
    cfg.validate()
    train_songs, songs, description = eval_songs(cfg)
    model, tokenizer = load_trained(cfg.model, device=cfg.device)
    check_block_size(model, cfg.block_size, cfg.model)
    blocks = build_examples(tokenizer, songs, cfg.block_size, packing=True)
    ppl, tokens = metrics.perplexity(model, blocks, cfg.batch_size, cfg.show_progress)
    result = {"model": str(cfg.model), "eval_data": description, "eval_songs": len(songs), "eval_tokens": tokens,
              "perplexity": ppl, "num_samples": cfg.num_samples}
    if cfg.num_samples:
        gen = GenerationConfig(max_length=cfg.max_length, num_return_sequences=cfg.num_samples, seed=cfg.sample_seed)
        generated = sample(model, tokenizer, cfg.prompt, gen)
        continuations = [text[len(cfg.prompt):] if text.startswith(cfg.prompt) else text for text in generated.texts]
        result.update({
            "distinct_1": metrics.distinct_n(continuations, 1),
            "distinct_2": metrics.distinct_n(continuations, 2),
            "repeated_line_rate": metrics.repeated_line_rate(continuations),
            "memorized_8gram_share": metrics.memorization_rate(continuations, metrics.ngram_hashes(train_songs, 8)),
            "generation_tokens_per_second": generated.tokens_per_second,
        })
    return result
