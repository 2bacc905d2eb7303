"""Reading, normalization, filtering, de-duplication and the by-song split."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from lyrics_helpers import SONG_A, SONG_B, SONG_C, SONG_D, SONG_E, SONG_F, write

from seqlab.errors import DataError
from seqlab.lyrics.corpus import (
    MAX_SONG_LINES,
    find_near_duplicates,
    load_corpus,
    normalize,
    resolve_data_path,
    split_by_song,
    split_songs,
)

REAL = Path(os.environ.get("SEQLAB_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data") / "poetry"


def test_normalize_strips_bom_crlf_and_trailing_spaces():
    assert normalize("\ufeffone  \r\ntwo\t\r\nthree\rfour\n\n") == "one\ntwo\nthree\nfour"


def test_split_songs_on_blank_lines_and_long_runs():
    assert split_songs("a\nb\n\n \nc\n\n\n\nd") == ["a\nb", "c", "d"]
    run = "\n".join(f"line {i}" for i in range(MAX_SONG_LINES * 2 + 5))
    parts = split_songs(run)
    assert [len(p.split("\n")) for p in parts] == [MAX_SONG_LINES, MAX_SONG_LINES, 5]
    assert "\n".join(parts) == run  # nothing lost, order kept


def test_load_folder_dataframe_filter_and_dedup(lyrics_dir):
    corpus = load_corpus(lyrics_dir)
    assert list(corpus.files.columns) == ["file", "artist", "text"]
    assert sorted(corpus.files.file) == ["Artist_Two.txt", "artist-one.txt", "artist-three.txt", "artist-two.txt"]
    assert corpus.dropped == [("short.txt", "18 characters (need more than 50)")]
    two = corpus.files.set_index("file").loc["Artist_Two.txt"]
    assert two.artist == "artist two" and "\r" not in two.text and not two.text.startswith("\ufeff")
    assert corpus.exact_duplicates == 1  # SONG_A appears twice in artist-one.txt
    assert [(a, b) for a, b, _ in corpus.near_duplicate_pairs] == [("Artist_Two.txt", "artist-two.txt")]
    assert corpus.near_duplicate_songs == 2  # SONG_C and SONG_D counted once
    assert sorted(corpus.songs.song) == sorted([SONG_A, SONG_B, SONG_C, SONG_D, SONG_E, SONG_F])


def test_more_than_50_characters_rule(tmp_path):
    write(tmp_path / "fifty.txt", "x" * 50)
    write(tmp_path / "fifty-one.txt", "y" * 51)
    corpus = load_corpus(tmp_path)
    assert list(corpus.files.file) == ["fifty-one.txt"]
    assert [name for name, _ in corpus.dropped] == ["fifty.txt"]


def test_csv_rows_with_a_lyrics_column_become_songs_and_short_rows_are_dropped(tmp_path):
    frame = pd.DataFrame({"Artist": ["Ann", "Bob", "Cy"], "Lyrics": [SONG_A, SONG_B, "short"]})
    path = tmp_path / "songs.csv"
    frame.to_csv(path, index=False)
    corpus = load_corpus(path)
    assert list(corpus.files.artist) == ["ann", "bob"]
    assert list(corpus.songs.song) == [SONG_A, SONG_B]
    assert corpus.dropped[0][0] == "songs.csv:4"


def test_csv_without_text_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("artist,title\nAnn,Sunrise\n", encoding="utf-8")
    with pytest.raises(DataError, match="no lyrics column"):
        load_corpus(path)


def test_non_utf8_bytes_name_file_and_line(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"first line is fine and long enough to keep\nsecond \xff\xfe line\n")
    with pytest.raises(DataError, match=r"bad.txt: not valid UTF-8 .*line 2"):
        load_corpus(tmp_path)


def test_near_duplicate_threshold_is_by_shared_lines():
    files = pd.DataFrame({"file": ["a", "b", "c"], "artist": ["a", "b", "c"],
                          "text": ["1\n2\n3\n4\n5", "5\n4\n3\n2\n9", "1\n7\n8\n9\n10"]})
    pairs = find_near_duplicates(files, threshold=0.8)
    assert [(a, b, round(s, 2)) for a, b, s in pairs] == [("a", "b", 0.8)]


def test_split_by_song_is_seeded_disjoint_and_complete():
    songs = [f"song {i}\nline two of {i}" for i in range(50)]
    train, val = split_by_song(songs, 0.2, seed=7)
    assert len(val) == 10 and len(train) == 40
    assert set(train).isdisjoint(val) and sorted(train + val) == sorted(songs)
    assert split_by_song(songs, 0.2, seed=7) == (train, val)
    assert split_by_song(songs, 0.2, seed=8)[1] != val
    train_lines = {line for song in train for line in song.split("\n")}
    assert all(line not in train_lines for song in val for line in song.split("\n"))  # whole songs move


def test_split_needs_two_songs():
    with pytest.raises(DataError, match="at least 2 songs"):
        split_by_song(["only one"], 0.1, 0)


def test_lyrics_folder_is_found_via_data_dir_then_env_var_with_all_options_named(tmp_path, monkeypatch, lyrics_dir):
    monkeypatch.chdir(tmp_path / "poetry")  # no ./data here
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(tmp_path))
    assert resolve_data_path(None) == tmp_path / "poetry"
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="paultimothymooney/poetry") as info:
        resolve_data_path(None)
    assert "$SEQLAB_DATA_DIR" in str(info.value) and "--data-dir" in str(info.value)
    assert resolve_data_path(None, data_dir=tmp_path) == tmp_path / "poetry"


def test_real_poetry_folder_keeps_47_files_and_counts_near_duplicates_once():
    if not REAL.is_dir():
        pytest.fail(f"project data not found at {REAL}; set SEQLAB_DATA_DIR (the Makefile does)")
    corpus = load_corpus(REAL)
    assert len(corpus.files) == 47 and corpus.dropped == []
    pairs = {(a, b) for a, b, share in corpus.near_duplicate_pairs if share > 0.9}
    assert pairs == {("Kanye_West.txt", "kanye-west.txt"), ("Lil_Wayne.txt", "lil-wayne.txt")}
    assert not corpus.songs.song.duplicated().any()
    assert corpus.near_duplicate_songs > 100  # most of the second copy of each pair is counted once


def test_text_of_control_characters_is_dropped_with_its_reason(tmp_path):
    """Issue 9 #22: a file of NUL bytes was accepted as a song; more than 10 % control characters is not lyrics."""
    (tmp_path / "nul.txt").write_bytes(b"\x00" * 200)
    write(tmp_path / "song.txt", SONG_A)
    write(tmp_path / "ten-percent.txt", "x" * 90 + "\x0c" * 5 + "\x1b" * 5)  # exactly 10 %: kept
    write(tmp_path / "eleven-percent.txt", "la\tla\n" * 8 + "y" * 41 + "\x07" * 11)  # tabs, newlines do not count
    corpus = load_corpus(tmp_path)
    assert sorted(corpus.files.file) == ["song.txt", "ten-percent.txt"]
    assert dict(corpus.dropped) == {
        "nul.txt": "200 of 200 characters are control characters (at most 10% may be)",
        "eleven-percent.txt": "11 of 100 characters are control characters (at most 10% may be)",
    }
    assert not corpus.songs.song.str.contains("\x00").any()
