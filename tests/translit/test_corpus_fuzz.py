"""Property tests of the corpus readers: whatever bytes a data file holds, the reader returns pairs or raises
DataError (never another exception), and valid lines come back exactly as written."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqlab.errors import DataError
from seqlab.translit.data.corpus import Pair, read_aksharantar_csv, read_dakshina_tsv

READERS = {"tsv": read_dakshina_tsv, "csv": read_aksharantar_csv}
# Pieces that trip line splitting, quoting, decoding and count parsing; joined at random with raw bytes.
TRICKY = [b"\t", b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xe9", b"\xe0\xa4", b"\xef\xbb\xbf", b" ",
          "घर".encode(), b"ghar", b"3", "²".encode(), "١".encode(), "\u2028".encode(), b"9" * 12, b"\x85", b'""']
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

WORDS = [b"ghar", "घर".encode(), b"3", b'"pani', b'"a,b"', b" 7 "]
COUNTS = ["²".encode(), "١".encode(), b"12", b"9" * 4400, b"-1", b"3"]  # non-ASCII digits, past int()'s limit
piece = st.one_of(st.sampled_from(TRICKY), st.binary(max_size=3))
word_field = st.sampled_from(WORDS)
field = st.one_of(word_field, word_field, word_field, st.lists(piece, max_size=3).map(b"".join))  # mostly words
line = st.one_of(
    st.tuples(field, field, st.one_of(st.sampled_from(COUNTS), field)).map(b"\t".join),  # Dakshina-shaped
    st.tuples(field, field).map(b",".join),  # Aksharantar-shaped
    st.tuples(st.sampled_from([b"\t", b","]), st.lists(field, min_size=1, max_size=4)).map(lambda t: t[0].join(t[1])),
)
file_bytes = st.one_of(
    st.binary(max_size=300),  # anything at all
    st.lists(piece, max_size=60).map(b"".join),  # tricky pieces, unstructured
    st.lists(line, min_size=1, max_size=8).map(b"\n".join),  # lines of separated fields: reaches the parsers
)


def word(alphabet: str) -> st.SearchStrategy[str]:
    """A valid field: non-empty, no surrounding whitespace (the readers strip it), no tab or line break."""
    return st.text(alphabet, min_size=1, max_size=12).filter(lambda s: s.strip() == s)


roman = word("abcdefghijklmnopqrstuvwxyz '-,\"")
native = word("".join(map(chr, range(0x0900, 0x0980))) + " ")


@pytest.mark.parametrize("kind", ["tsv", "csv"])
@pytest.mark.parametrize("skip_bad_lines", [False, True], ids=["strict", "skip"])
@FUZZ
@given(data=file_bytes)
def test_any_bytes_give_pairs_or_a_data_error(tmp_path, kind, skip_bad_lines, data):
    path = tmp_path / f"fuzz.{kind}"
    path.write_bytes(data)
    try:
        pairs, skipped = READERS[kind](path, skip_bad_lines)
    except DataError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message
        assert not skip_bad_lines or message.endswith(("file is empty", "bad lines skipped)"))  # only whole-file
        return
    assert pairs and all(isinstance(p, Pair) and p.source and p.target for p in pairs)
    assert skipped == 0 or skip_bad_lines
    assert len(pairs) + skipped <= data.count(b"\n") + 1


@ROUND_TRIP
@given(rows=st.lists(st.tuples(roman, native, st.integers(0, 10**9 - 1)), min_size=1, max_size=20))
def test_valid_tsv_lines_round_trip(tmp_path, rows):
    path = tmp_path / "valid.tsv"
    path.write_text("".join(f"{n}\t{r}\t{c}\n" for r, n, c in rows), encoding="utf-8")
    for skip_bad_lines in (False, True):
        assert read_dakshina_tsv(path, skip_bad_lines) == ([Pair(r, n, c) for r, n, c in rows], 0)


@ROUND_TRIP
@given(rows=st.lists(st.tuples(roman, native), min_size=1, max_size=20))
def test_valid_csv_lines_round_trip(tmp_path, rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "valid.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    for skip_bad_lines in (False, True):
        assert read_aksharantar_csv(path, skip_bad_lines) == ([Pair(r, n) for r, n in rows], 0)
