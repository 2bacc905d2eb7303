"""Error paths of the shared machinery: option specs read from disk, the CLI's last-resort OSError line, and the
predict/prior inputs that only a hostile user sends."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from seqlab.cli import main
from seqlab.errors import DataError, SeqlabError
from seqlab.options import Options, from_dict, opt


@dataclass
class Sample(Options):
    size: int = opt(flag="--size", help="A required size.", low=1, high=10)
    ratio: float = opt(0.5, "--ratio", "A ratio.", low=0.0, high=1.0)


@pytest.mark.parametrize("data, message", [
    ([1, 2], "sample must be a JSON object, got list"),
    ({"size": 3, "colour": "red"}, "sample has unknown key 'colour'"),
    ({"ratio": 0.1}, "sample lacks 'size'"),
    ({"size": 3, "ratio": "0.1"}, "sample: ratio must be a number, got '0.1'"),
    ({"size": 11}, "sample: size must be an integer in 1–10, got 11"),
])
def test_from_dict_refuses_bad_sections_in_one_line(data, message):
    with pytest.raises(SeqlabError, match=message.replace("[", r"\[")):
        from_dict(Sample, data, "sample")
    assert from_dict(Sample, {"size": 3}, "sample") == Sample(3, 0.5)


def test_an_os_error_becomes_one_line(capsys, tmp_path):
    unreadable = tmp_path / "model"
    unreadable.mkdir()
    (unreadable / "config.json").mkdir()  # a folder where a file must be: reading it raises IsADirectoryError
    code = main(["translit", "predict", "--model", str(unreadable), "ghar"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


def test_non_utf8_arguments_and_a_closed_stdin_are_one_line_errors(capsys, monkeypatch):
    assert main(["translit", "predict", "ghar", "pani\udcff"]) == 2
    assert capsys.readouterr().err == "error: argument 2 is not valid UTF-8 (byte 0xff)\n"
    monkeypatch.setattr("sys.stdin", None)
    assert main(["translit", "predict"]) == 2
    assert capsys.readouterr().err == "error: no words given and standard input is closed\n"


def test_a_storage_path_that_is_a_folder_and_a_language_wordfreq_lacks(capsys, tmp_path):
    from seqlab.translit.words.prior_sources import from_wordfreq

    with pytest.raises(DataError, match="wordfreq has no word list for 'xx'"):
        from_wordfreq("xx")
    folder = tmp_path / "db"
    folder.mkdir()
    code = main(["translit", "sweep", "--trials", "1", "--out", str(tmp_path / "sweep"), "--storage",
                 f"sqlite:///{folder}", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is a folder, not a database file" in err, err


def test_stdin_without_a_file_descriptor_is_read_from_its_text(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))  # no fileno(): the text fallback
    assert main(["translit", "predict", "--beam-size", "1"]) == 0
    assert capsys.readouterr().out == "123\n"
