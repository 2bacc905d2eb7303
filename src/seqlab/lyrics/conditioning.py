"""Artist conditioning: a plain-text control prefix per song, and the list of artists a trained model knows.

Each training song may start with `<|artist|>Bob Dylan<|lyrics|>` and a newline (PREFIX_TEMPLATE). The prefix is
ordinary text, not new tokenizer entries: the vocabulary and embedding matrix keep their size (so LoRA, the
saved tokenizer and any base model work unchanged), and the artist's name is spelled with the model's own tokens,
so what a pretrained model already knows about "Bob Dylan" helps. The prefix tokens are context only: their labels
are -100, so the model is never trained to write them and perplexities count the same lyric tokens with or
without a prefix. A share of songs (--unconditioned-share) is trained without the prefix, so generation without
--artist still writes plain lyrics.

The artists a run was trained with are stored in the run folder as artists.json and validated when read.
"""
from __future__ import annotations

import difflib
import random
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from seqlab.errors import CheckpointError, SeqlabError
from seqlab.io import read_json_record

PREFIX_TEMPLATE = "<|artist|>{name}<|lyrics|>\n"
ARTISTS_FILE = "artists.json"
ARTISTS_FORMAT = "seqlab-lyrics-artists/1"
MAX_NAME_CHARS = 200
IGNORE = -100  # label of a position that is context only (the Trainer's and cross_entropy's ignore index)


def artist_key(name: str) -> str:
    """'Kanye_West', 'kanye-west' and ' KANYE  west ' all become 'kanye west': the identity of an artist."""
    return re.sub(r"[-_\s]+", " ", name).strip().casefold()


def display_name(key: str) -> str:
    """How the artist is written in the prefix and listed: 'bob dylan' → 'Bob Dylan'."""
    return string.capwords(key)


def prefix_text(name: str) -> str:
    return PREFIX_TEMPLATE.format(name=name)


def check_name(name: object, where: str) -> str:
    """An artist name must be short printable text without the prefix's markers, or the prefix would be ambiguous."""
    if not isinstance(name, str) or not name.strip():
        raise CheckpointError(f"{where}: artist names must be non-empty text, got {name!r}")
    if not name.isprintable() or len(name) > MAX_NAME_CHARS or "<|" in name or "|>" in name:
        raise CheckpointError(f"{where}: invalid artist name {name[:60]!r} (printable, at most {MAX_NAME_CHARS} "
                              "characters, no '<|' or '|>')")
    return name


@dataclass(frozen=True)
class Artist:
    key: str
    name: str
    train_songs: int  # songs trained with this artist's prefix


def write_artists(folder: Path, artists: Sequence[Artist], unconditioned_share: float) -> None:
    from seqlab.io import write_json_atomic

    write_json_atomic(folder / ARTISTS_FILE, {
        "format": ARTISTS_FORMAT, "prefix": PREFIX_TEMPLATE, "unconditioned_share": unconditioned_share,
        "artists": [{"key": a.key, "name": a.name, "train_songs": a.train_songs} for a in artists]})


def read_artists(model: str | Path) -> list[Artist]:
    """The artists of a run folder; a one-line error if it has none or the file is not what seqlab wrote."""
    path = Path(model).expanduser() / ARTISTS_FILE
    if not path.is_file():
        raise SeqlabError(f"{model} knows no artists: it has no {ARTISTS_FILE} (train with --artist-prefix, the "
                          "default, to condition on artists)")
    data = read_json_record(path, ARTISTS_FORMAT, CheckpointError, "{path} is corrupt: {exc}",
                            f"{{path}} is not a seqlab artist list (expected format {ARTISTS_FORMAT!r})")
    if data.get("prefix") != PREFIX_TEMPLATE:
        raise CheckpointError(f"{path}: prefix {data.get('prefix')!r} differs from this seqlab's "
                              f"{PREFIX_TEMPLATE!r}; the model was trained by another version")
    rows = data.get("artists")
    if not isinstance(rows, list) or not rows:
        raise CheckpointError(f"{path}: 'artists' must be a non-empty list")
    artists, seen = [], set()
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("train_songs"), int) or row["train_songs"] < 0:
            raise CheckpointError(f"{path}: each artist needs key, name and a song count, got {str(row)[:80]}")
        key, name = check_name(row.get("key"), str(path)), check_name(row.get("name"), str(path))
        if artist_key(key) != key or key in seen:
            raise CheckpointError(f"{path}: artist key {key!r} is not normalized or occurs twice")
        seen.add(key)
        artists.append(Artist(key, name, row["train_songs"]))
    return artists


def close_matches(name: str, keys: Sequence[str], limit: int = 5) -> list[str]:
    """Known keys that look like `name` (difflib), or that contain it as a word: 'wayne' → 'lil wayne'."""
    key = artist_key(name)
    found = difflib.get_close_matches(key, keys, n=limit, cutoff=0.6)
    found += [k for k in keys if key and key in k.split() + [k] and k not in found]
    return found[:limit]


def find_artist(artists: Sequence[Artist], name: str, what: str = "the model") -> Artist:
    """The artist called `name` (any case, '-' / '_' / spaces alike); else an error naming close matches."""
    key = artist_key(name)
    for artist in artists:
        if artist.key == key:
            return artist
    by_key = {a.key: a.name for a in artists}
    similar = [by_key[k] for k in close_matches(name, list(by_key))]
    hint = f"close matches: {', '.join(similar)}" if similar else (
        f"it knows {len(artists)} artists, e.g. {', '.join(a.name for a in artists[:5])}")
    raise SeqlabError(f"unknown artist {name!r} for {what}; {hint} (`seqlab lyrics artists` lists them all)")


def conditioned_tokens(tokenizer, songs: Sequence[str], keys: Sequence[str], unconditioned_share: float,
                       seed: int) -> tuple[list[list[int]], list[list[int]], list[Artist]]:
    """(token ids, labels, artists) of each song: prefix + song + EOS, the prefix's labels IGNORE.

    Which songs go without the prefix is drawn from `seed`, so a run is reproducible.
    """
    from seqlab.lyrics.batching import tokenize_songs

    song_ids = tokenize_songs(tokenizer, list(songs))
    prefixes: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    rng = random.Random(seed)
    ids_out, labels_out = [], []
    for ids, key in zip(song_ids, keys):
        if rng.random() < unconditioned_share:
            ids_out.append(ids)
            labels_out.append(list(ids))
            continue
        if key not in prefixes:
            prefixes[key] = tokenizer(prefix_text(display_name(key)), add_special_tokens=False)["input_ids"]
        counts[key] = counts.get(key, 0) + 1
        ids_out.append(prefixes[key] + ids)
        labels_out.append([IGNORE] * len(prefixes[key]) + ids)
    artists = [Artist(key, display_name(key), counts[key]) for key in sorted(counts)]
    return ids_out, labels_out, artists


def prefix_ids(tokenizer, artist: Artist | None) -> list[int]:
    """Token ids that start a conditioned generation: EOS, then the prefix, as a song starts inside the packed
    training stream (after the previous song's EOS); none for an unconditioned one."""
    if artist is None:
        return []
    return [tokenizer.eos_token_id] + tokenizer(prefix_text(artist.name), add_special_tokens=False)["input_ids"]
