"""`seqlab lyrics artist-eval`: does the artist prefix work? Two checks on an artist-conditioned run.

1. Prefix perplexity: for every artist the model knows, a few of its held-out (validation) songs are scored three
   ways: after the right artist's prefix, after another artist's prefix (drawn with the seed) and with none. Only
   the lyric tokens are scored, the same ones in all three, each song cut to --block-size tokens; every sequence
   starts with EOS, as a song does inside packed training blocks. Conditioning works when the right prefix gives
   the lowest perplexity.
2. N-gram share: for a few artists, samples generated with the artist's prefix; the share of their word n-grams
   that occur in that artist's training songs vs. on average in each other artist's training songs.
"""
from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pandas as pd

from seqlab.errors import SeqlabError
from seqlab.lyrics import metrics
from seqlab.lyrics.conditioning import IGNORE, Artist, prefix_ids, read_artists
from seqlab.lyrics.config import ArtistEvalConfig, GenerationConfig, TrainConfig
from seqlab.lyrics.generate import sample
from seqlab.lyrics.model import load_trained
from seqlab.lyrics.progress import bars_enabled
from seqlab.lyrics.train import RUN_CONFIG, corpus_frames

CONDITIONS = ("right", "wrong", "none")
NGRAMS = (8, 4)  # 8-grams as in `evaluate`'s memorization; 4-grams, since a short run copies few 8-grams


def run_split(model: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's own train/validation songs, rebuilt from its lyrics_run.json (validated like command options);
    all of the validation split, whatever --max-val-songs the run was validated on."""
    path = Path(model).expanduser() / RUN_CONFIG
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["config"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SeqlabError(f"{path} is missing or corrupt ({exc}); artist-eval needs a run folder") from exc
    # max_val_songs only shortened validation during training; every validation song is unseen
    cfg = replace(TrainConfig.from_dict(saved, str(path)), max_val_songs=None)
    train, val, _ = corpus_frames(cfg)
    return train, val


def _sequence(tokenizer, artist: Artist | None, lyric_ids: list[int]) -> dict:
    """EOS + prefix (context only) + lyrics (scored): the same lyric targets whatever the prefix."""
    context = prefix_ids(tokenizer, artist) or [tokenizer.eos_token_id]
    ids = context + lyric_ids
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": [IGNORE] * len(context) + lyric_ids}


def prefix_table(model, tokenizer, artists: list[Artist], val: pd.DataFrame, cfg: ArtistEvalConfig) -> list[dict]:
    """One row per artist with held-out songs: perplexity with the right, a wrong and no prefix."""
    rng = random.Random(cfg.seed)
    blocks, groups, rows = [], [], []
    for artist in artists:
        songs = val[val.artist == artist.key].song.tolist()[: cfg.songs_per_artist]
        if not songs or len(artists) < 2:
            continue
        wrong = rng.choice([a for a in artists if a.key != artist.key])
        rows.append({"artist": artist.name, "songs": len(songs), "wrong_artist": wrong.name})
        for song in songs:
            lyric_ids = tokenizer(song, add_special_tokens=False)["input_ids"][: cfg.block_size]
            for condition, prefix_artist in zip(CONDITIONS, (artist, wrong, None)):
                blocks.append(_sequence(tokenizer, prefix_artist, lyric_ids))
                groups.append([3 * (len(rows) - 1) + CONDITIONS.index(condition)] * len(blocks[-1]["input_ids"]))
    if not rows:
        raise SeqlabError("no known artist has a validation song to score (or the model knows only one artist)")
    totals = metrics.grouped_nll(model, blocks, groups, cfg.batch_size, bars_enabled(cfg.show_progress))
    for number, row in enumerate(rows):
        counts = set()
        for offset, condition in enumerate(CONDITIONS):
            nll, count = totals[3 * number + offset]
            row[f"{condition}_perplexity"] = metrics.safe_exp(nll / count)
            counts.add(count)
        assert len(counts) == 1, "the three conditions must score the same lyric tokens"
        row["tokens"] = counts.pop()
        row["right_is_lowest"] = row["right_perplexity"] < min(row["wrong_perplexity"], row["none_perplexity"])
    return rows


def ngram_shares(model, tokenizer, artists: list[Artist], train: pd.DataFrame, cfg: ArtistEvalConfig) -> list[dict]:
    """For the `style_artists` artists with the most training songs: n-gram shares of their conditioned samples."""
    chosen = sorted(artists, key=lambda a: (-a.train_songs, a.key))[: cfg.style_artists]
    by_artist = {key: group.song.tolist() for key, group in train.groupby("artist")}
    grams = {n: {key: metrics.ngram_hashes(songs, n) for key, songs in by_artist.items()} for n in NGRAMS}
    rows = []
    for number, artist in enumerate(chosen):
        gen = GenerationConfig(max_new_tokens=cfg.max_new_tokens, num_return_sequences=cfg.samples,
                               seed=cfg.seed + 1000 * number)
        texts = sample(model, tokenizer, "", gen, prefix=prefix_ids(tokenizer, artist)).texts
        row = {"artist": artist.name, "samples": len(texts)}
        for n in NGRAMS:
            own = metrics.memorization_rate(texts, grams[n].get(artist.key, set()), n)
            others = [metrics.memorization_rate(texts, hashes, n) for key, hashes in grams[n].items()
                      if key != artist.key]
            row.update({f"own_share_{n}": own, f"other_mean_share_{n}": sum(others) / max(1, len(others)),
                        f"other_max_share_{n}": max(others, default=0.0)})
        rows.append(row)
    return rows


def artist_eval(cfg: ArtistEvalConfig) -> dict:
    """Both checks, as a dict (what --json prints)."""
    artists = read_artists(cfg.model)
    train, val = run_split(cfg.model)
    model, tokenizer = load_trained(cfg.model, device=cfg.device)
    table = prefix_table(model, tokenizer, artists, val, cfg)
    totals = {c: sum(r[f"{c}_perplexity"] for r in table) / len(table) for c in CONDITIONS}
    result = {"model": cfg.model, "artists_scored": len(table),
              "right_lowest": sum(r["right_is_lowest"] for r in table),
              **{f"mean_{c}_perplexity": value for c, value in totals.items()}, "prefix_table": table}
    if cfg.style_artists and cfg.samples:
        result["ngram_table"] = ngram_shares(model, tokenizer, artists, train, cfg)
    return result


def format_tables(result: dict) -> str:
    """Markdown tables for the terminal and the docs."""
    lines = ["| artist | songs | tokens | right prefix | wrong prefix (artist) | no prefix | right lowest |",
             "|---|---:|---:|---:|---:|---:|:---:|"]
    for r in result["prefix_table"]:
        lines.append(f"| {r['artist']} | {r['songs']} | {r['tokens']} | {r['right_perplexity']:.2f} | "
                     f"{r['wrong_perplexity']:.2f} ({r['wrong_artist']}) | {r['none_perplexity']:.2f} | "
                     f"{'yes' if r['right_is_lowest'] else 'no'} |")
    lines.append(f"right prefix lowest for {result['right_lowest']} of {result['artists_scored']} artists; mean "
                 f"perplexity right {result['mean_right_perplexity']:.2f}, wrong {result['mean_wrong_perplexity']:.2f}"
                 f", none {result['mean_none_perplexity']:.2f}")
    if "ngram_table" in result:
        header = " | ".join(f"{n}-grams: own | others mean | others max" for n in NGRAMS)
        lines += ["", f"| artist | samples | {header} |", "|---|---:|" + "---:|" * 3 * len(NGRAMS)]
        for r in result["ngram_table"]:
            cells = " | ".join(f"{r[f'own_share_{n}']:.3f} | {r[f'other_mean_share_{n}']:.3f} | "
                               f"{r[f'other_max_share_{n}']:.3f}" for n in NGRAMS)
            lines.append(f"| {r['artist']} | {r['samples']} | {cells} |")
    return "\n".join(lines)
