"""Fuzzing the corpus reader: whatever bytes a folder of files or a CSV holds, `load_corpus` returns a corpus or
raises DataError (one line for the CLI), never any other exception."""
from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lyrics_helpers import SONG_A, SONG_B

from seqlab.errors import DataError
from seqlab.lyrics.corpus import LyricsCorpus, load_corpus

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)  # encodable as UTF-8
lyric_lines = st.lists(st.sampled_from(SONG_A.split("\n") + SONG_B.split("\n") + ["", " ", "\x00", "\ufeff"]),
                       max_size=30).map("\n".join)
content = st.one_of(st.binary(max_size=300), text.map(str.encode), lyric_lines.map(str.encode),
                    st.tuples(lyric_lines, st.binary(max_size=20)).map(lambda pair: pair[0].encode() + pair[1]))
file_name = st.tuples(st.text("abcXYZ-_ .1\n\t\x1b", min_size=1, max_size=8),
                      st.sampled_from([".txt", ".TXT", ".csv", ""]))


def outcome(path: Path) -> LyricsCorpus | DataError:
    try:
        corpus = load_corpus(path)
    except DataError as exc:
        assert "\n" not in str(exc), exc  # the CLI prints `error: MESSAGE` as one line
        return exc
    assert len(corpus.files) > 0 and corpus.files.text.str.len().gt(50).all()
    assert not corpus.files.text.str.contains("\r").any()
    return corpus


@FUZZ
@given(st.lists(st.tuples(file_name, content), max_size=5))
def test_folder_of_arbitrary_files(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "poetry"
        folder.mkdir()
        for (stem, suffix), data in files:
            (folder / (stem.strip() + "x" + suffix)).write_bytes(data)
        outcome(folder)


@FUZZ
@given(content)
def test_single_text_file_of_arbitrary_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "songs.txt"
        path.write_bytes(data)
        outcome(path)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


header = st.lists(st.one_of(st.sampled_from(["lyrics", "Text", "artist", " LYRIC ", "title", ""]), text),
                  min_size=1, max_size=4)
cells = st.one_of(text, lyric_lines)


@FUZZ
@given(header, st.lists(st.lists(cells, max_size=5), max_size=8))
def test_csv_with_arbitrary_cells(columns, rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "songs.csv"
        path.write_bytes(csv_bytes(columns, rows))
        outcome(path)


@FUZZ
@given(st.sampled_from([b"lyrics\n", b"artist,lyrics\n", b"", b"\xef\xbb\xbflyrics,artist\r\n"]),
       st.one_of(st.binary(max_size=300), content))
def test_csv_of_arbitrary_bytes(first_line, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "songs.csv"
        path.write_bytes(first_line + data)
        outcome(path)
