"""Property tests of user-dictionary files: whatever bytes the file holds, readers get the usable pairs (each line
they cannot use skipped with one warning line naming it) and never an exception; the CLI answers or gives one line;
the next write keeps exactly the usable pairs; and whatever `learn` accepts reads back as it was stored."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit.words.user_dictionary import UserDictionary, check_pair

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Pieces that trip line splitting, decoding, normalisation and the pair checks; joined at random with raw bytes.
TRICKY = [b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xe0\xa4", b"\xef\xbb\xbf", b" ", b"ghar", b"GHAR",
          "घर".encode(), "İ".encode(), "i\u0307".encode(), "ß".encode(), "e\u0301".encode(), "\u202e".encode(),
          "\u200d".encode(), "\ufeff".encode(), "\u2028".encode(), b"\x85", b"3", b"a" * 70, "क".encode() * 70]
piece = st.one_of(st.sampled_from(TRICKY), st.binary(max_size=3))
field = st.one_of(st.sampled_from([b"ghar", b"Kal", "घर".encode(), "काल".encode(), "İstanbul".encode()]),
                  st.lists(piece, max_size=3).map(b"".join))
line = st.one_of(st.tuples(field, field).map(b"\t".join), st.lists(field, max_size=4).map(b"\t".join))
file_bytes = st.one_of(st.binary(max_size=300), st.lists(piece, max_size=60).map(b"".join),
                       st.lists(line, min_size=1, max_size=8).map(b"\n".join))


@FUZZ
@given(data=file_bytes)
def test_any_file_loads_its_usable_pairs_and_warns_once_per_unusable_line(tmp_path, capsys, data):
    path = tmp_path / "user.tsv"
    path.write_bytes(data)
    pairs = UserDictionary(path).pairs()
    for roman, native in pairs:
        assert check_pair(roman, native) == (roman, native)  # what is read is stored form: reading is idempotent
    warnings = capsys.readouterr().err.splitlines()
    assert all(w.startswith("warning: user dictionary ") for w in warnings), warnings
    lines = [raw for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n") if raw.removesuffix(b"\r").strip()]
    unusable = len(lines) - len(pairs)  # every line is used or named (the first few; then a count)
    assert len(warnings) == (unusable if unusable <= 5 else 6), (unusable, warnings)


@FUZZ
@given(data=file_bytes)
def test_the_cli_answers_or_says_one_line_and_a_write_keeps_the_usable_pairs(tmp_path, monkeypatch, capsys, data):
    path = tmp_path / "user.tsv"
    path.write_bytes(data)
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(path))
    usable = UserDictionary(path).pairs()
    capsys.readouterr()
    assert main(["translit", "export"]) == 0
    assert capsys.readouterr().out == "".join(f"{r}\t{n}\n" for r, n in usable)
    code = main(["translit", "learn", "naya", "नया"])
    out, err = capsys.readouterr()
    assert code == 0 and "learned naya → नया" in out, err
    assert UserDictionary(path).pairs() == [p for p in usable if p != ("naya", "नया")] + [("naya", "नया")]
    assert capsys.readouterr().err == ""  # the write dropped every unusable line


@FUZZ
@given(roman=st.text(max_size=70), native=st.text(max_size=70))
def test_what_learn_accepts_reads_back_as_stored(tmp_path, roman, native):
    dictionary = UserDictionary(tmp_path / "user.tsv")
    try:
        stored = dictionary.learn(roman, native)
    except SeqlabError as exc:
        assert "\n" not in str(exc)
        return
    assert UserDictionary(tmp_path / "user.tsv").pairs()[-1] == stored
    assert UserDictionary(tmp_path / "user.tsv").lookup(roman.strip())[0] == stored[1]
    dictionary.forget(roman)
    assert stored not in UserDictionary(tmp_path / "user.tsv").pairs()


@pytest.mark.parametrize("line", ["\ufeffghar\tघर", "ghar\tघर\r", "GHAR\tघर"])
def test_lines_a_text_editor_may_write_are_usable(tmp_path, line):
    (tmp_path / "user.tsv").write_text(line + "\n", encoding="utf-8")
    assert UserDictionary(tmp_path / "user.tsv").pairs() == [("ghar", "घर")]
