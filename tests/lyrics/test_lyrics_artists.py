"""Artist conditioning: the control prefix, its masked labels, the artist list in the run folder, `generate --artist`,
`seqlab lyrics artists`, near-duplicate files as one artist, and `generate -n N --output FILE`."""
from __future__ import annotations

import json

import pytest
from lyrics_helpers import SONG_A, SONG_B, assert_one_line_error, run_cli, write

from seqlab.errors import SeqlabError
from seqlab.lyrics.batching import EosKeepingCollator, pack
from seqlab.lyrics.conditioning import (
    ARTISTS_FILE,
    IGNORE,
    Artist,
    artist_key,
    conditioned_tokens,
    find_artist,
    prefix_text,
    read_artists,
)
from seqlab.lyrics.corpus import load_corpus
from seqlab.lyrics.train import TrainConfig, train


def test_artist_names_are_normalized_and_near_duplicate_files_are_one_artist(lyrics_dir):
    assert artist_key("Kanye_West") == artist_key("kanye-west") == artist_key(" KANYE  west ") == "kanye west"
    write(lyrics_dir / "bootleg-copy.txt", f"{SONG_A}\n\n{SONG_B}\n")  # the same lines as artist-one.txt
    corpus = load_corpus(lyrics_dir)
    assert ("artist-one.txt", "bootleg-copy.txt") in [(a, b) for a, b, _ in corpus.near_duplicate_pairs]
    assert dict(zip(corpus.files.file, corpus.files.artist))["bootleg-copy.txt"] == "artist one"
    assert sorted(set(corpus.songs.artist)) == ["artist one", "artist three", "artist two"]


def test_prefix_tokens_are_context_only(tokenizer):
    songs, keys = ["la la la", "do re mi", "one two"], ["ann", "bob", "ann"]
    ids, labels, artists = conditioned_tokens(tokenizer, songs, keys, unconditioned_share=0.0, seed=0)
    prefix = tokenizer(prefix_text("Ann"), add_special_tokens=False)["input_ids"]
    assert ids[0][: len(prefix)] == prefix and labels[0][: len(prefix)] == [IGNORE] * len(prefix)
    assert labels[0][len(prefix):] == ids[0][len(prefix):] and ids[0][-1] == tokenizer.eos_token_id
    assert [(a.name, a.train_songs) for a in artists] == [("Ann", 2), ("Bob", 1)]
    plain, plain_labels, none = conditioned_tokens(tokenizer, songs, keys, unconditioned_share=1.0, seed=0)
    assert plain == plain_labels and none == [] and plain[1] == tokenizer("do re mi")["input_ids"] + [50256]
    some = conditioned_tokens(tokenizer, songs * 20, keys * 20, unconditioned_share=0.5, seed=1)[0]
    assert some == conditioned_tokens(tokenizer, songs * 20, keys * 20, unconditioned_share=0.5, seed=1)[0]
    assert 10 < sum(s[0] == prefix[0] for s in some) < 50  # about half keep their prefix
    blocks = pack(ids, 8, labels)
    batch = EosKeepingCollator(tokenizer)(blocks)
    assert (batch["labels"][0, : len(prefix)] == IGNORE).all()  # the collator keeps the example's own labels
    masked = sum(song.count(IGNORE) for song in labels)  # 3 prefixes, plus the padding of the last block
    assert int((batch["labels"] == IGNORE).sum()) == masked + (8 - len(blocks[-1]["input_ids"]))


def test_find_artist_names_close_matches():
    known = [Artist("lil wayne", "Lil Wayne", 3), Artist("bob dylan", "Bob Dylan", 2)]
    assert find_artist(known, "LIL_WAYNE").name == "Lil Wayne"
    with pytest.raises(SeqlabError, match=r"unknown artist 'bob dilan' .*close matches: Bob Dylan"):
        find_artist(known, "bob dilan")
    with pytest.raises(SeqlabError, match="close matches: Lil Wayne"):
        find_artist(known, "wayne")


def test_artist_conditioned_run_end_to_end(lyrics_dir, tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "run"
    train(TrainConfig(data=str(lyrics_dir), model=str(tiny_model_dir), output_dir=str(out), max_steps=2,
                      block_size=32, val_fraction=0.3, show_progress=False, seed=0, unconditioned_share=0.0))
    names = [a.name for a in read_artists(out)]
    assert names == sorted(names) and "Artist Two" in names and len(names) >= 2
    code, stdout, err = run_cli(["lyrics", "artists", "--model", str(out), "--json"], capsys)
    assert code == 0, err
    assert [a["name"] for a in json.loads(stdout.strip().splitlines()[-1])] == names
    args = ["lyrics", "generate", "--model", str(out), "--prompt", "Sunrise", "--max-new-tokens", "6", "--seed", "7"]
    code, text, err = run_cli([*args, "--artist", "artist_two", "--no-stream"], capsys)
    assert code == 0 and text.startswith("Sunrise") and "<|artist|>" not in text, err
    code, stdout, err = run_cli(["lyrics", "artist-eval", "--model", str(out), "--songs-per-artist", "2",
                                 "--block-size", "16", "--style-artists", "2", "--samples", "1", "--max-new-tokens",
                                 "8", "--json"], capsys)
    assert code == 0, err
    assert "| artist | songs | tokens | right prefix |" in stdout
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["artists_scored"] == len(report["prefix_table"]) >= 1
    for row in report["prefix_table"]:  # the prefix changes the context, so the three numbers differ
        assert row["wrong_artist"] != row["artist"] and row["tokens"] > 0
        assert len({row["right_perplexity"], row["wrong_perplexity"], row["none_perplexity"]}) == 3
    assert len(report["ngram_table"]) == 2
    assert all(0.0 <= row["own_share_4"] <= 1.0 for row in report["ngram_table"])
    from seqlab.lyrics import generate_lyrics

    api = generate_lyrics(str(out), "Sunrise", artist="Artist Two", max_new_tokens=6, seed=7, device="cpu")
    assert api == [text.strip()]  # the Python API, same defaults, same text
    code, _, err = run_cli([*args, "--artist", "Artist Tow"], capsys)
    assert_one_line_error(code, err, "unknown artist 'Artist Tow'", "close matches: Artist Two")
    code, _, err = run_cli(["lyrics", "artists", "--model", str(tiny_model_dir)], capsys)
    assert_one_line_error(code, err, "knows no artists", ARTISTS_FILE)
    path = out / ARTISTS_FILE
    data = json.loads(path.read_text())
    for broken in ({**data, "artists": [{"key": "a\nb", "name": "A", "train_songs": 1}]},
                   {**data, "prefix": "{name}:"}, [1, 2]):
        path.write_text(json.dumps(broken))
        code, _, err = run_cli(["lyrics", "artists", "--model", str(out)], capsys)
        assert_one_line_error(code, err, str(path))
    path.write_text("{oops")
    code, _, err = run_cli([*args, "--artist", "Artist Two"], capsys)
    assert_one_line_error(code, err, "is corrupt")


def test_hold_out_artist_leaves_its_songs_out(lyrics_dir, tmp_path, tiny_model_dir):
    from seqlab.lyrics.train import corpus_frames

    cfg = TrainConfig(data=str(lyrics_dir), model=str(tiny_model_dir), val_fraction=0.3, hold_out_artist="Artist-Two")
    train_songs, val_songs, info = corpus_frames(cfg)
    assert "artist two" not in set(train_songs.artist) | set(val_songs.artist)
    assert info["held_out_artist"] == "artist two" and info["held_out_songs"] == 3
    with pytest.raises(SeqlabError, match="'artist tw0' is not an artist .*close matches: artist two"):
        corpus_frames(TrainConfig(data=str(lyrics_dir), hold_out_artist="artist tw0"))


def test_generate_to_file_one_block_per_song_with_its_seed(tiny_model_dir, tmp_path, capsys):
    path = tmp_path / "songs.txt"
    base = ["lyrics", "generate", "--model", str(tiny_model_dir), "--prompt", "Sunrise", "--max-new-tokens", "8",
            "--no-stream"]
    code, _, err = run_cli([*base, "-n", "3", "--seed", "10", "--output", str(path)], capsys)
    assert code == 0, err
    blocks = [b for b in path.read_text().split("=" * 20 + "\n") if b.strip()]
    assert len(blocks) == 3
    assert "# seed: 11" in blocks[1] and "# top_k: 50" in blocks[1] and "# model: " in blocks[1]
    text = blocks[1].split("\n\n", 1)[1].strip()
    code, alone, err = run_cli([*base, "--seed", "11"], capsys)  # each block is reproduced by its own seed
    assert code == 0 and alone.strip() == text, err
