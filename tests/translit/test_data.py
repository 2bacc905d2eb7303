from __future__ import annotations

import pytest
from translit_helpers import write_dakshina

from seqlab.cli import main
from seqlab.errors import DataError
from seqlab.translit.data.corpus import Pair, load_split, read_aksharantar_csv, read_dakshina_tsv
from seqlab.translit.data.paths import find_split
from seqlab.translit.data.vocab import EOS_ID, UNK_ID, Vocab, Vocabs, batch_order


def test_reads_the_real_dakshina_and_aksharantar_splits(shared_data):
    train, skipped = load_split("dakshina", "hi", "train", str(shared_data))
    assert (len(train), skipped) == (44204, 0)
    assert train[0] == Pair("an", "अं", 3)
    test, _ = load_split("aksharantar", "hi", "test", str(shared_data))
    assert len(test) == 4096 and all(p.source.isascii() for p in test)
    first, _ = load_split("aksharantar", "hi", "train", str(shared_data))
    assert first[0] == Pair("shastragaar", "शस्त्रागार")


@pytest.mark.parametrize("content, message", [
    ("घर\tghar\t3\nपानी\tpani\n", ":2: expected 3 tab-separated fields, found 2"),
    ("घर\tghar\t3\n\tpani\t1\n", ":2: empty field"),
    ("घर\tghar\tmany\n", ":1: count 'many' is not a whole number"),
    ("घर\tghar\t3\nपानी\tpani\t²\n", ":2: count '²' is not a whole number"),
    ("घर\tghar\t" + "9" * 5000 + "\n", ":1: count has more than 9 digits"),
    ("घ\rर\tghar\t3\n", ":1: control character U+000D in a field"),
    ("", ": file is empty"),
])
def test_malformed_tsv_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_dakshina_tsv(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def test_non_utf8_line_is_a_bad_line_named_with_its_byte(tmp_path):
    """Issue 9, item 27: --skip-bad-lines stopped at a non-UTF-8 line instead of skipping it."""
    path = tmp_path / "latin1.tsv"
    path.write_bytes("घर\tghar\t3\n".encode() + b"caf\xe9\tcafe\t1\n" + "नाम\tnaam\t1\n".encode())
    with pytest.raises(DataError, match=r"latin1.tsv:2: not valid UTF-8 \(byte 0xe9\).*--skip-bad-lines"):
        read_dakshina_tsv(path)
    pairs, skipped = read_dakshina_tsv(path, skip_bad_lines=True)
    assert [p.source for p in pairs] == ["ghar", "naam"] and skipped == 1


def test_entirely_undecodable_file_has_no_usable_pairs(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"caf\xe9,cafe\n\xff\xfe\x00\n")
    with pytest.raises(DataError, match=r"binary.csv: no usable pairs \(2 bad lines skipped\)"):
        read_aksharantar_csv(path, skip_bad_lines=True)


def test_non_ascii_digit_count_is_skipped_and_counted(tmp_path):
    """Issue 9, item 2: a count of '²' passed str.isdigit() and then crashed int(), with or without the flag."""
    path = tmp_path / "counts.tsv"
    path.write_text("घर\tghar\t3\nपानी\tpani\t²\nनाम\tnaam\t١\nदिल\tdil\t1\n", encoding="utf-8")
    pairs, skipped = read_dakshina_tsv(path, skip_bad_lines=True)
    assert [(p.source, p.count) for p in pairs] == [("ghar", 3), ("dil", 1)] and skipped == 2


def test_unbalanced_csv_quote_is_one_bad_line(tmp_path):
    """Issue 9, item 3: an open quote swallowed the rest of the file into one field (csv field-limit traceback)."""
    path = tmp_path / "hin_train.csv"
    rows = [f"naam{i},नाम" for i in range(20000)]
    path.write_text("ghar,घर\n\"pani,पानी\n" + "\n".join(rows) + "\n" + "x" * 200_000 + ",घर\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"hin_train.csv:2: malformed CSV \(unexpected end of data\)"):
        read_aksharantar_csv(path)
    pairs, skipped = read_aksharantar_csv(path, skip_bad_lines=True)
    assert (len(pairs), skipped) == (20001, 2) and pairs[-1] == Pair("naam19999", "नाम")


def test_byte_order_mark_crlf_and_quoted_commas_are_read(tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes('\ufeffghar,घर\r\n"a,b",नाम\r\n\r\n'.encode())
    pairs, skipped = read_aksharantar_csv(path)
    assert pairs == [Pair("ghar", "घर"), Pair("a,b", "नाम")] and skipped == 0


@pytest.mark.parametrize("dataset, folder, name, content, message", [
    ("dakshina", "hi/lexicons", "hi.translit.sampled.train.tsv", "घर\tghar\t3\nपानी\tpani\t²\n".encode(),
     "train.tsv:2: count '²'"),
    ("dakshina", "hi/lexicons", "hi.translit.sampled.train.tsv", b"caf\xe9\tcafe\t1\n", "train.tsv:1: not valid UTF-8"),
    ("aksharantar", "aksharantar_hin", "hin_train.csv", "ghar,घर\n\"pani,पानी\n".encode() + b"naam,x\n" * 30000,
     "hin_train.csv:2: malformed CSV"),
], ids=["superscript-count", "latin-1-line", "open-quote"])
def test_cli_stops_at_a_bad_line_with_one_line(tmp_path, capsys, dataset, folder, name, content, message):
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / name).write_bytes(content)
    code = main(["translit", "train", "--dataset", dataset, "--data-dir", str(tmp_path), "--run-dir",
                 str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_skip_bad_lines_drops_and_counts(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("ghar,घर\nbroken\npani,पानी,extra\nnaam,नाम\n", encoding="utf-8")
    with pytest.raises(DataError, match="mixed.csv:2"):
        read_aksharantar_csv(path)
    pairs, skipped = read_aksharantar_csv(path, skip_bad_lines=True)
    assert [p.source for p in pairs] == ["ghar", "naam"] and skipped == 2


def test_directory_without_expected_files(tmp_path):
    with pytest.raises(DataError, match="has no dakshina train file for 'hi'"):
        find_split("dakshina", "hi", "train", str(tmp_path))
    with pytest.raises(DataError, match="no such directory"):
        find_split("dakshina", "hi", "train", str(tmp_path / "missing"))


def test_data_dir_is_the_only_source_even_when_the_cache_has_the_split(tmp_path, monkeypatch):
    """Issue 9, item 18: a split missing from --data-dir was silently taken from the download cache."""
    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path / "cache"))
    write_dakshina(tmp_path / "cache" / "dakshina_dataset_v1.0", {"dev": [("ghar", "घर")]})
    write_dakshina(tmp_path / "mine", {"train": [("pani", "पानी")]})
    assert find_split("dakshina", "hi", "dev").is_relative_to(tmp_path / "cache")  # without --data-dir: cached
    with pytest.raises(DataError, match=r"--data-dir .*mine has no dakshina dev file for 'hi'"):
        find_split("dakshina", "hi", "dev", str(tmp_path / "mine"))


def test_offline_and_nothing_found_names_every_option(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as err:
        find_split("aksharantar", "hi", "train")
    message = str(err.value)
    for option in ("--data-dir", "$SEQLAB_DATA_DIR", "./data", "download"):
        assert option in message


def test_env_var_and_local_data_folder_are_searched(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(shared_data))
    assert find_split("dakshina", "hi", "dev").name == "hi.translit.sampled.dev.tsv"
    monkeypatch.delenv("SEQLAB_DATA_DIR")
    (tmp_path / "data").symlink_to(shared_data)
    monkeypatch.chdir(tmp_path)
    assert find_split("aksharantar", "hi", "dev").name == "hin_valid.csv"


def test_vocab_maps_unseen_characters_to_unk_and_round_trips():
    vocabs = Vocabs.build([Pair("ghar", "घर"), Pair("pani", "पानी")])
    assert vocabs.source.encode("gx") == [vocabs.source.stoi["g"], UNK_ID]
    ids = vocabs.target.encode("पानी", add_eos=True)
    assert ids[-1] == EOS_ID and vocabs.target.decode(ids + [5, 6]) == "पानी"
    restored = Vocabs.from_dict(vocabs.to_dict())
    assert restored.source.itos == vocabs.source.itos and restored.target.itos == vocabs.target.itos
    assert Vocab.build(["ba", "ab"]).itos[4:] == ["a", "b"]


def test_batches_cover_every_row_once_and_group_lengths():
    import torch

    lengths = [1 + (i * 7) % 13 for i in range(500)]
    batches = batch_order(lengths, 32, torch.Generator().manual_seed(0))
    rows = sorted(r for b in batches for r in b)
    assert rows == list(range(500))
    spread = sum(max(lengths[r] for r in b) - min(lengths[r] for r in b) for b in batches) / len(batches)
    assert spread < 3
