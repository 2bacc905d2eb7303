"""`seqlab lyrics evaluate`: perplexity (overall and per file/artist), optionally of a second model on the very
same songs, plus diversity and memorization of generated samples.

Without --data the run's own lyrics_run.json says which data, seed and validation fraction were used, so the
validation split is exactly the one held out in training. With --data the same seeded split of that source is
used (or all of it with --split all, e.g. for a held-out folder or an artist left out of training).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from seqlab.errors import SeqlabError
from seqlab.lyrics import metrics
from seqlab.lyrics.batching import pack, tokenize_songs
from seqlab.lyrics.config import SPLIT_SEED, VAL_FRACTION, EvalConfig, GenerationConfig
from seqlab.lyrics.corpus import load_corpus, split_frame
from seqlab.lyrics.generate import sample
from seqlab.lyrics.model import check_block_size, load_trained
from seqlab.lyrics.progress import bars_enabled
from seqlab.lyrics.train import RUN_CONFIG


def _run_config(model: str) -> dict:
    path = Path(model).expanduser() / RUN_CONFIG
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("config", {})
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        raise SeqlabError(f"{path} is corrupt: {exc}") from exc


def eval_frames(cfg: EvalConfig) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(train songs, evaluation songs, description): DataFrames with file, artist and song columns."""
    run = _run_config(cfg.model)
    data = cfg.data or run.get("data")
    data_dir = cfg.data_dir or run.get("data_dir")
    if cfg.data is None and not run:
        raise SeqlabError(f"{cfg.model} has no {RUN_CONFIG} (not trained by seqlab); pass --data to say which "
                          "lyrics to evaluate on")
    seed = cfg.seed if cfg.seed is not None else run.get("seed", SPLIT_SEED)
    fraction = cfg.val_fraction if cfg.val_fraction is not None else run.get("val_fraction", VAL_FRACTION)
    corpus = load_corpus(data, data_dir)
    songs = corpus.songs
    if cfg.split == "all":
        chosen = songs.iloc[: cfg.max_val_songs] if cfg.max_val_songs else songs
        return songs, chosen, f"{'first' if cfg.max_val_songs else 'all'} {len(chosen)} songs of {corpus.source}"
    if cfg.data is None and run.get("hold_out_artist"):  # the run's own split left that artist out
        from seqlab.lyrics.conditioning import artist_key

        songs = songs[songs.artist != artist_key(run["hold_out_artist"])].reset_index(drop=True)
    train, val = split_frame(songs, fraction, seed)
    limit = cfg.max_val_songs or (run.get("max_val_songs") if cfg.data is None else None)
    val = val.iloc[:limit] if limit else val
    return train, val, f"validation split of {corpus.source} (seed {seed}, fraction {fraction}, {len(val)} songs)"


def file_perplexities(model, tokenizer, songs: pd.DataFrame, cfg: EvalConfig) -> tuple[float, int, dict]:
    """(perplexity, tokens, {file: (NLL, tokens)}) over the packed blocks of `songs`, in one forward pass.

    The blocks are exactly those of the overall perplexity (all songs packed together, as in training), and each
    predicted token is credited to the file of the song it belongs to.
    """
    token_lists = tokenize_songs(tokenizer, songs.song.tolist())
    files = sorted(set(songs.file))
    index = {name: i for i, name in enumerate(files)}
    group_lists = [[index[name]] * len(tokens) for name, tokens in zip(songs.file, token_lists)]
    blocks = pack(token_lists, cfg.block_size, group_lists)  # "labels" here carry the file of each token
    groups = [block.pop("labels") for block in blocks]
    totals = metrics.grouped_nll(model, blocks, groups, cfg.batch_size, bars_enabled(cfg.show_progress))
    nll, count = sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())
    ppl = metrics.safe_exp(nll / count) if count else float("nan")
    return ppl, count, {files[g]: value for g, value in totals.items()}


def _per_file_rows(songs: pd.DataFrame, mine: dict, other: dict | None) -> list[dict]:
    rows = []
    for name, group in songs.groupby("file", sort=True):
        nll, count = mine.get(name, (0.0, 0))
        row = {"file": name, "artist": group.artist.iloc[0], "songs": len(group), "tokens": count,
               "perplexity": metrics.safe_exp(nll / count) if count else float("nan")}
        if other is not None:
            base_nll, base_count = other.get(name, (0.0, 0))
            row["compare_perplexity"] = metrics.safe_exp(base_nll / base_count) if base_count else float("nan")
            row["change"] = row["perplexity"] / row["compare_perplexity"] - 1
        rows.append(row)
    return rows


def evaluate(cfg: EvalConfig) -> dict:
    """All numbers of one evaluation, as a dict (also what --json prints); per-file rows under "per_file"."""
    cfg.validate()
    train_songs, songs, description = eval_frames(cfg)
    other = None
    result = {"model": str(cfg.model), "eval_data": description, "eval_songs": len(songs)}
    if cfg.compare_to:
        base, base_tokenizer = load_trained(cfg.compare_to, device=cfg.device)
        check_block_size(base, cfg.block_size, cfg.compare_to)
        base_ppl, base_tokens, other = file_perplexities(base, base_tokenizer, songs, cfg)
        result.update({"compare_to": cfg.compare_to, "compare_perplexity": base_ppl,
                       "compare_tokens": base_tokens})
        del base
    model, tokenizer = load_trained(cfg.model, device=cfg.device)
    check_block_size(model, cfg.block_size, cfg.model)
    ppl, tokens, mine = file_perplexities(model, tokenizer, songs, cfg)
    result.update({"eval_tokens": tokens, "perplexity": ppl})
    if cfg.compare_to:
        result["change"] = ppl / result["compare_perplexity"] - 1
        if tokens != result["compare_tokens"]:
            result["note"] = ("the two models tokenize differently, so their per-token perplexities are not directly "
                              "comparable")
    result["num_samples"] = cfg.num_samples
    if cfg.num_samples:
        gen = GenerationConfig(max_length=cfg.max_length, num_return_sequences=cfg.num_samples, seed=cfg.sample_seed)
        generated = sample(model, tokenizer, cfg.prompt, gen)
        continuations = [text[len(cfg.prompt):] if text.startswith(cfg.prompt) else text for text in generated.texts]
        result.update({
            "distinct_1": metrics.distinct_n(continuations, 1),
            "distinct_2": metrics.distinct_n(continuations, 2),
            "repeated_line_rate": metrics.repeated_line_rate(continuations),
            "memorized_8gram_share": metrics.memorization_rate(
                continuations, metrics.ngram_hashes(train_songs.song.tolist(), 8)),
            "generation_tokens_per_second": generated.tokens_per_second,
        })
    result["per_file"] = _per_file_rows(songs, mine, other)
    return result


def format_per_file(result: dict) -> str:
    """The per-file table for the terminal (Markdown, so it can be pasted into docs)."""
    compare = "compare_to" in result
    head = "| file | artist | songs | tokens | perplexity |" + (" base perplexity | change |" if compare else "")
    lines = [head, "|---|---|---:|---:|---:|" + ("---:|---:|" if compare else "")]
    for row in result["per_file"]:
        line = f"| {row['file']} | {row['artist']} | {row['songs']} | {row['tokens']:,} | {row['perplexity']:.2f} |"
        if compare:
            line += f" {row['compare_perplexity']:.2f} | {100 * row['change']:+.1f} % |"
        lines.append(line)
    return "\n".join(lines)
