"""The user dictionary: learned pairs come first everywhere, survive concurrent writers, and bad files are named."""
from __future__ import annotations

import multiprocessing
import re

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


@pytest.mark.parametrize("content, reason", [
    (b"mera\t\xff\xfe\n", "not UTF-8 text"),
    ("mera मेरा\n".encode(), "expected ROMAN<TAB>NATIVE"),
    ("me ra\tमेरा\n".encode(), "ROMAN must be one word"),
    ("i\u0307i\u0307i\u0307\tकाल\n".encode(), "ROMAN must be one word"),  # what `learn İİİ` used to store
])
def test_an_unusable_line_is_skipped_with_a_warning_naming_it(tmp_path, capsys, content, reason):
    (tmp_path / "user.tsv").write_bytes("ghar\tघर\n".encode() + content + "kal\tकाल\n".encode())
    dictionary = UserDictionary(tmp_path / "user.tsv")
    assert dictionary.lookup("kal") == ["काल"] and dictionary.lookup("ghar") == ["घर"]
    assert dictionary.lookup("mera") == []
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1 and "user.tsv:2 skipped" in warnings[0] and reason in warnings[0], warnings
    dictionary.lookup("kal")
    assert capsys.readouterr().err == ""  # once per load, not per lookup


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("roman, message", [
    ("İstanbul", "lower-cases to 'i̇stanbul', which has U+0307 (not a letter)"),
    ("İİİ", "has U+0307"),
    ("İ" * 40, "has U+0307"),
    ("K" * 65, "ROMAN is 65 characters long"),
])
def test_a_roman_that_does_not_lower_case_to_letters_is_refused(tmp_path, monkeypatch, capsys, roman, message):
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(tmp_path / "user.tsv"))
    code, _, err = run_cli(capsys, "translit", "learn", roman, "इस्तांबुल")
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "user.tsv").exists()


def test_one_rule_for_writer_and_reader(tmp_path):
    dictionary = UserDictionary(tmp_path / "user.tsv")
    assert dictionary.learn("CAFE\u0301", "कैफ़े") == ("café", "कैफ़े")  # NFC, then lower-cased
    assert dictionary.lookup("Café") == dictionary.lookup("cafe\u0301") == ["कैफ़े"]
    assert dictionary.learn("Straße", "श्ट्रासे")[0] == "straße"  # str.lower, as the model reads input: ß stays
    assert UserDictionary(tmp_path / "user.tsv").pairs() == [("café", "कैफ़े"), ("straße", "श्ट्रासे")]


def test_forget_and_learn_repair_a_file_an_older_seqlab_poisoned(tmp_path, monkeypatch, capsys):
    path = tmp_path / "user.tsv"
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(path))
    path.write_text("ghar\tघर\ni\u0307i\u0307i\u0307\tकाल\nkal\tकाल\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "translit", "predict", "kal", "ghar")
    assert (code, out) == (0, "काल\nघर\n") and "user.tsv:2 skipped" in err
    code, out, err = run_cli(capsys, "translit", "export")
    assert (code, out) == (0, "ghar\tघर\nkal\tकाल\n")
    code, out, err = run_cli(capsys, "translit", "forget", "İİİ")
    assert code == 0 and "forgot 1 pair(s)" in out and "user.tsv:2 removed" in err
    assert path.read_text(encoding="utf-8") == "ghar\tघर\nkal\tकाल\n"
    assert run_cli(capsys, "translit", "predict", "kal")[2] == ""  # repaired: no warning any more


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


@pytest.mark.parametrize("native, code", [
    ("काल\u202e", "U+202E"), ("\ufeffकाल", "U+FEFF"), ("का\u200bल", "U+200B"), ("\u180e", "U+180E"),
    ("\ufff9", "U+FFF9"), ("\u200d", "U+200D"), ("काल\u200c", "U+200C"), ("का\ue000", "U+E000"),
])
def test_invisible_and_bidi_control_natives_are_refused(tmp_path, native, code):
    dictionary = UserDictionary(tmp_path / "user.tsv")
    with pytest.raises(SeqlabError, match=rf"NATIVE has {re.escape(code)} .*invisible or control character"):
        dictionary.learn("kal", native)
    assert dictionary.learn("kal", " क्\u200dष ") == ("kal", "क्\u200dष")  # a joiner inside shapes a conjunct
