"""`seqlab lyrics stats`: what the data is before any training (files, songs, characters, tokens, split)."""
from __future__ import annotations

from seqlab.lyrics.batching import examples_from_tokens, token_stats, tokenize_songs
from seqlab.lyrics.config import SPLIT_SEED, VAL_FRACTION
from seqlab.lyrics.corpus import LyricsCorpus, split_by_song


def corpus_report(corpus: LyricsCorpus, tokenizer, val_fraction: float = VAL_FRACTION, seed: int = SPLIT_SEED,
                  block_size: int = 256) -> dict:
    """All numbers `stats` prints, as a dict (also its --json output)."""
    songs = corpus.songs.song.tolist()
    train, val = split_by_song(songs, val_fraction, seed)
    train_tokens = tokenize_songs(tokenizer, train)
    source = sum(map(len, train_tokens))
    packed, padded = (token_stats(examples_from_tokens(train_tokens, block_size, packing, tokenizer.pad_token_id),
                                  source, block_size) for packing in (True, False))
    val_tokens = sum(map(len, tokenize_songs(tokenizer, val)))
    return {
        "source": str(corpus.source),
        "files_kept": len(corpus.files),
        "files_dropped": [{"file": name, "reason": why} for name, why in corpus.dropped],
        "songs": len(songs),
        "exact_duplicate_songs_dropped": corpus.exact_duplicates,
        "near_duplicate_songs_dropped": corpus.near_duplicate_songs,
        "near_duplicate_files": [{"files": [a, b], "shared_lines": round(share, 4)}
                                 for a, b, share in corpus.near_duplicate_pairs],
        "characters": int(corpus.songs.song.str.len().sum()),
        "tokens": source + val_tokens,
        "split": {"seed": seed, "val_fraction": val_fraction, "train_songs": len(train), "val_songs": len(val),
                  "train_tokens": source, "val_tokens": val_tokens},
        "per_epoch": {"packing": packed.as_dict(), "pad_to_max": padded.as_dict(), "block_size": block_size},
    }


def format_report(report: dict) -> str:
    """Human-readable lines for the terminal."""
    split, packed, padded = report["split"], report["per_epoch"]["packing"], report["per_epoch"]["pad_to_max"]
    lines = [
        f"source: {report['source']}",
        f"files kept: {report['files_kept']}, dropped: {len(report['files_dropped'])}",
        *[f"  dropped {d['file']}: {d['reason']}" for d in report["files_dropped"]],
        *[f"  near-duplicate files: {' ~ '.join(d['files'])} ({100 * d['shared_lines']:.1f}% of lines shared; "
          "their shared songs are counted once)" for d in report["near_duplicate_files"]],
        f"songs: {report['songs']} (dropped {report['exact_duplicate_songs_dropped']} exact duplicates, "
        f"{report['near_duplicate_songs_dropped']} from near-duplicate files)",
        f"characters: {report['characters']:,}",
        f"tokens (GPT-2, incl. one EOS per song): {report['tokens']:,}",
        f"split (by song, seed {split['seed']}): train {split['train_songs']} songs / "
        f"{split['train_tokens']:,} tokens, "
        f"validation {split['val_songs']} songs / {split['val_tokens']:,} tokens",
        f"per epoch, block {report['per_epoch']['block_size']}: packing {packed['examples']} blocks, "
        f"{packed['real_tokens']:,} real of {packed['token_slots']:,} token slots ({100 * packed['real_share']:.2f}%)",
        f"  pad-to-max {padded['examples']} rows, {padded['real_tokens']:,} real of {padded['token_slots']:,} slots "
        f"({100 * padded['real_share']:.2f}%), {100 * (1 - padded['kept_share']):.2f}% of the text truncated away",
    ]
    return "\n".join(lines)
