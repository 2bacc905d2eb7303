"""Every error path of sentence evaluation, the bigram file, the user dictionary and directions: bad input in,
one clear line out (naming the file, line or option), never a traceback."""
from __future__ import annotations

import shutil

import pytest
from filelock import FileLock

from seqlab.cli import main
from seqlab.errors import CheckpointError, DataError, SeqlabError
from seqlab.translit.data.corpus import load_split
from seqlab.translit.data.paths import romanized_sentences
from seqlab.translit.evaluation import sentences as sentence_eval
from seqlab.translit.model.checkpoint import PRETRAINED_DIRS
from seqlab.translit.transliterator import load_transliterator, model_direction
from seqlab.translit.words import counts as counts_module
from seqlab.translit.words import user_dictionary as userdict
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.user_dictionary import UserDictionary, check_pair


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err


@pytest.mark.parametrize("roman, native, message", [
    ("mera", 5, "a learned pair is two strings"),
    ("mera", "मे रा", "NATIVE must be one word without spaces"),
    ("mera", "", "NATIVE must be one word"),
    ("a" * 65, "क", "ROMAN is 65 characters long; at most 64"),
])
def test_unlearnable_pairs(roman, native, message):
    with pytest.raises(SeqlabError, match=message):
        check_pair(roman, native)


def test_user_dictionary_files_that_cannot_be_used(tmp_path, monkeypatch):
    (tmp_path / "folder.tsv").mkdir()
    with pytest.raises(SeqlabError, match="folder.tsv is a folder, expected a file"):
        UserDictionary(tmp_path / "folder.tsv").lookup("mera")
    big = tmp_path / "big.tsv"
    big.write_text("mera\tमेरा\n" * 10, encoding="utf-8")
    monkeypatch.setattr(userdict, "MAX_FILE_BYTES", 50)
    with pytest.raises(SeqlabError, match="big.tsv is over 50 bytes; it is not a dictionary seqlab wrote"):
        UserDictionary(big).lookup("mera")
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(SeqlabError, match="cannot be written"):
        UserDictionary(tmp_path / "a-file" / "user.tsv").learn("mera", "मेरा")
    monkeypatch.setattr(userdict, "MAX_PAIRS", 2)
    full = UserDictionary(tmp_path / "full.tsv")
    full.learn_many([("ek", "एक"), ("do", "दो")])
    with pytest.raises(SeqlabError, match="would hold over 2 pairs or"):
        full.learn("teen", "तीन")
    assert full.pairs() == [("ek", "एक"), ("do", "दो")]  # nothing lost


def test_a_locked_user_dictionary_times_out_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(userdict, "LOCK_TIMEOUT_S", 0.2)
    path = tmp_path / "user.tsv"
    with FileLock(str(path) + ".lock"):
        with pytest.raises(SeqlabError, match="locked by another process for over 0 s; try again"):
            UserDictionary(path).learn("mera", "मेरा")


def test_learn_and_export_option_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEQLAB_USER_DICTIONARY", str(tmp_path / "user.tsv"))
    (tmp_path / "latin1.tsv").write_bytes("mera\tm\xe9ra\n".encode("latin-1"))
    (tmp_path / "bad-pair.tsv").write_text("ok\tठीक\nno pe\tनहीं\n", encoding="utf-8")
    (tmp_path / "big.tsv").write_text("mera\tमेरा\n" * 10, encoding="utf-8")
    monkeypatch.setattr("seqlab.translit.cli.dictionary.MAX_PAIRS_FILE_BYTES", 50)
    for args, message in [
        (("learn", "--file", str(tmp_path)), "is a folder"),
        (("learn", "--file", str(tmp_path / "nope.tsv")), "nope.tsv: no such file"),
        (("learn", "--file", str(tmp_path / "big.tsv")), "too large for a pairs file"),
        (("learn", "--file", str(tmp_path / "latin1.tsv")), "not UTF-8 text; convert it with iconv first"),
        (("learn", "--file", str(tmp_path / "bad-pair.tsv")), "bad-pair.tsv, pair 2: ROMAN must be one word"),
        (("learn", "mera", "मेरा", "--file", str(tmp_path / "bad-pair.tsv")), "give either ROMAN NATIVE or --file"),
        (("export", "--output", str(tmp_path)), "is a folder"),
    ]:
        assert_one_line_error(*run_cli(capsys, "translit", *args), message)
    assert not (tmp_path / "user.tsv").exists()  # a refused file learns nothing


def test_sentence_files_that_cannot_be_used(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="romanized dev sentences for 'hi' not found .*give --data-dir"):
        sentence_eval.load_sentences("hi", "tune", str(tmp_path))
    roman, native = (tmp_path / romanized_sentences("hi", "dev", kind) for kind in ("roman", "native"))
    roman.parent.mkdir(parents=True)
    roman.write_text("ek\ndo\n", encoding="utf-8")
    native.write_text("एक\n", encoding="utf-8")
    with pytest.raises(DataError, match="must have the same number of lines .*found 2 and 1"):
        sentence_eval.load_sentences("hi", "all", str(tmp_path))
    with pytest.raises(DataError, match="unknown half 'middle'; choose one of: tune, report, all"):
        sentence_eval.load_sentences("hi", "middle", str(tmp_path))
    monkeypatch.setattr(sentence_eval, "MAX_SENTENCE_FILE_BYTES", 4)
    with pytest.raises(DataError, match="not a Dakshina sentence file"):
        sentence_eval.load_sentences("hi", "all", str(tmp_path))


def test_a_bigram_file_over_the_size_limit(tmp_path, monkeypatch):
    BigramContext.from_lines(["और मैं घर"]).save(tmp_path)
    monkeypatch.setattr(counts_module, "MAX_COUNT_FILE_BYTES", 8)
    with pytest.raises(CheckpointError, match="over 8 bytes uncompressed; delete it and run `seqlab translit context`"):
        BigramContext.load(tmp_path)


def test_context_needs_a_word_prior(tmp_path, capsys):
    model = tmp_path / "reverse"
    shutil.copytree(PRETRAINED_DIRS["native-to-roman"], model)
    assert_one_line_error(*run_cli(capsys, "translit", "context", "--model", str(model)),
                          "has no word prior (prior.tsv): run `seqlab translit prior --model")


def test_unknown_directions(shared_data):
    with pytest.raises(SeqlabError, match="config.json: train.direction is 'sideways'; expected one of"):
        model_direction({"train": {"direction": "sideways"}})
    with pytest.raises(SeqlabError, match="unknown direction 'sideways'; choose one of: roman-to-native"):
        load_transliterator(direction="sideways")
    with pytest.raises(DataError, match="unknown direction 'sideways'"):
        load_split("dakshina", "hi", "dev", str(shared_data), direction="sideways")
