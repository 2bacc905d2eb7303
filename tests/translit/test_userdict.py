"""The user dictionary: learned pairs come first everywhere, survive concurrent writers, and bad files are named."""
from __future__ import annotations

import multiprocessing

import pytest

from seqlab.cli import main
from seqlab.errors import SeqlabError
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words.user_dictionary import UserDictionary, default_user_dictionary_path


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator()


def test_learned_spellings_come_first_in_every_mode(shipped, tmp_path):
    shipped.user_dictionary = UserDictionary(tmp_path / "user.tsv")
    try:
        plain = shipped.candidates(["mera"], 5)[0]
        shipped.user_dictionary.learn("Mera", plain[2])
        assert shipped.candidates(["MERA"], 5)[0] == [plain[2]] + [w for w in plain if w != plain[2]][:4]
        assert shipped.transliterate(["mera"], 1) == [plain[2]] == shipped.transliterate(["mera"], 5)
        sentence = shipped.transliterate_text("mera ghar", context=True)[0]
        assert sentence.split()[0] == plain[2]
        shipped.user_dictionary.learn("mera", "मेराा")  # newest first
        assert shipped.candidates(["mera"], 5)[0][:2] == ["मेराा", plain[2]]
        assert shipped.user_dictionary.forget("mera", "मेराा") == 1
        assert shipped.candidates(["mera"], 5)[0][0] == plain[2]
    finally:
        shipped.user_dictionary = None


def _learn_many(path: str, worker: int) -> None:
    dictionary = UserDictionary(path)
    for i in range(20):
        dictionary.learn(f"word{chr(97 + worker)}{chr(97 + i)}", f"शब्द{worker}{i}")


def test_concurrent_writers_lose_no_pair(tmp_path):
    path = tmp_path / "user.tsv"
    workers = [multiprocessing.get_context("fork").Process(target=_learn_many, args=(str(path), w))
               for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    pairs = UserDictionary(path).pairs()
    assert len(pairs) == 80 and len(set(pairs)) == 80


@pytest.mark.parametrize("content, message", [
    (b"mera\t\xff\xfe\n", "is not UTF-8 text"),
    ("mera मेरा\n".encode(), r"user.tsv:1 is corrupt \(expected ROMAN<TAB>NATIVE\)"),
    ("me ra\tमेरा\n".encode(), r"user.tsv:1 is corrupt \(ROMAN must be one word"),
])
def test_a_corrupt_file_is_an_error_naming_it(tmp_path, content, message):
    (tmp_path / "user.tsv").write_bytes(content)
    with pytest.raises(SeqlabError, match=message):
        UserDictionary(tmp_path / "user.tsv").lookup("mera")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_learn_forget_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(tmp_path / "user.tsv"))
    assert default_user_dictionary_path() == tmp_path / "user.tsv"
    assert run_cli(capsys, "translit", "learn", "Seqlab", "सेकलैब")[0] == 0
    (tmp_path / "pairs.tsv").write_text("ravi\tरवि\n\nkavi\tकवि\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "translit", "learn", "--file", str(tmp_path / "pairs.tsv"))
    assert code == 0 and "learned 2 pair(s)" in out
    assert run_cli(capsys, "translit", "predict", "seqlab", "ravi")[1] == "सेकलैब\nरवि\n"
    assert run_cli(capsys, "translit", "predict", "--no-user-dictionary", "seqlab")[1] != "सेकलैब\n"
    assert run_cli(capsys, "translit", "export")[1] == "seqlab\tसेकलैब\nravi\tरवि\nkavi\tकवि\n"
    assert run_cli(capsys, "translit", "forget", "ravi")[0] == 0
    for args, message in [
        (("forget", "ravi"), "'ravi' is not in"),
        (("learn", "--file", str(tmp_path / "bad.tsv")), "bad.tsv:1: expected ROMAN<TAB>NATIVE"),
        (("learn", "a b", "क"), "one word of letters"),
        (("learn", "ravi"), "give ROMAN and NATIVE"),
    ]:
        (tmp_path / "bad.tsv").write_text("only-one-field\n", encoding="utf-8")
        code, _, err = run_cli(capsys, "translit", *args)
        assert code == 2 and err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
