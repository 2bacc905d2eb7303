"""The Python API behind `predict`: word-length limit, text with kept non-letters, and TextStream (stdin) that
must give the same output however its input is cut into pieces."""
from __future__ import annotations

import pytest
import torch

from seqlab.errors import SeqlabError
from seqlab.translit.cli import stream as stream_module
from seqlab.translit.cli.stream import TextStream
from seqlab.translit.config import MAX_WORD_LENGTH
from seqlab.translit.data.corpus import load_split, read_aksharantar_csv, read_dakshina_tsv
from seqlab.translit.decoding.search import max_output_lengths
from seqlab.translit.transliterator import load_transliterator


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator()


def stream_output(translit, pieces, top_k: int = 1, beam_size: int | None = 1) -> tuple[str, TextStream]:
    written: list[str] = []
    stream = TextStream(translit, written.append, beam_size, top_k)
    for piece in pieces:
        stream.feed(piece)
    stream.finish()
    return "".join(written), stream


def test_max_word_length_leaves_room_for_every_real_romanization(shared_data):
    """Every romanization of the Hindi lexicons fits (measured, not restated: Dakshina's longest has 20 characters,
    Aksharantar's 26); decoding cost grows with the length squared, so the limit stays far below absurd."""
    files = [(read_dakshina_tsv, shared_data / "dakshina" / "hi" / "lexicons" / f"hi.translit.sampled.{split}.tsv")
             for split in ("train", "dev", "test")]
    files += [(read_aksharantar_csv, shared_data / "aksharantar_hin" / f"hin_{split}.csv")
              for split in ("train", "valid", "test")]
    longest = max(len(pair.source) for read, path in files for pair in read(path, skip_bad_lines=True)[0])
    assert 20 <= longest < MAX_WORD_LENGTH <= 100


@pytest.mark.parametrize("call", ["transliterate", "candidates"])
def test_api_refuses_a_word_over_the_limit_naming_it(shipped, call):
    with pytest.raises(SeqlabError, match=f"longer than {MAX_WORD_LENGTH} characters .* of 2,000 characters"):
        getattr(shipped, call)(["ghar", "a" * 2000])


def test_output_bound_is_proportional_to_the_input_length(shipped):
    lengths = torch.tensor([1, 20, MAX_WORD_LENGTH])
    assert max_output_lengths(lengths).tolist() == [2 * n + 5 for n in lengths.tolist()]
    word = "ab" * (MAX_WORD_LENGTH // 2)
    for beam in (1, 5):
        assert len(shipped.transliterate([word], beam)[0]) <= 2 * len(word) + 5


def test_sentence_keeps_non_letters_and_over_long_words(shipped):
    long_word = "a" * (MAX_WORD_LENGTH + 1)
    assert shipped.transliterate_sentence(f"ghar, 42 {long_word} pani 😀!") == f"घर, 42 {long_word} पानी 😀!"
    text, words, too_long = shipped.transliterate_text(f"ghar\n{long_word}\n\npani")
    assert text == f"घर\n{long_word}\n\nपानी" and words == ["ghar", "pani"] and too_long == 1


TEXT = ("ghar, pani!\n\n123 (7)\nmain 2 baje ghar jaunga.\n😀 dilli दिल्ली λόγος a@b.com\r\n"
        + "a" * (MAX_WORD_LENGTH + 6) + " kal ...\n" + "7" * 40 + "\nmera naam")


@pytest.mark.parametrize("top_k", [1, 3])
def test_stream_output_does_not_depend_on_how_input_is_cut(shipped, monkeypatch, top_k):
    """Cut everywhere, multi-byte characters included, and with a tiny held-back limit so that long lines are
    written in parts and the over-long word is passed through as it arrives."""
    data = TEXT.encode("utf-8")
    whole, stream = stream_output(shipped, [data], top_k)
    assert stream.too_long == 1 and {"λ", "γ"} <= set(stream.unknown) and not {"द", "ल"} & set(stream.unknown)
    if top_k == 1:
        assert whole == "".join(shipped.transliterate_sentence(line, 1) + "\n" for line in TEXT.split("\n"))
    else:
        lines = whole.split("\n")
        ghar = shipped.candidates(["ghar"], 3, previous=[])[0]  # running text: each word after the one before
        pani = shipped.candidates(["pani"], 3, previous=ghar[:1])[0]
        assert lines[:3] == [" ".join(ghar), " ".join(pani), ""]
        assert lines[3] == "123 (7)" and "a" * (MAX_WORD_LENGTH + 6) in lines and "7" * 40 in lines
    monkeypatch.setattr(stream_module, "_LINE_TEXT_LIMIT", 5)
    for size in (1, 2, 3, 7, 64):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        assert stream_output(shipped, pieces, top_k)[0] == whole, size


def test_stream_names_the_first_bad_line_after_writing_the_lines_before(shipped):
    written: list[str] = []
    stream = TextStream(shipped, written.append, 1)
    stream.feed(b"ghar\npa")
    with pytest.raises(SeqlabError, match=r"^standard input line 2 is not valid UTF-8 \(byte 0xff\)"):
        stream.feed(b"ni\xff\xfe\nkal\n")
    assert "".join(written) == "घर\n"
    stream = TextStream(shipped, written.append, 1)
    stream.feed(b"ghar\n\xe0\xa4")  # a character cut off by the end of input
    with pytest.raises(SeqlabError, match=r"line 2 is not valid UTF-8 \(byte 0xe0\)"):
        stream.finish()


def test_bfloat16_decoding_agrees_with_float32(shipped):
    """`seqlab serve --dtype bfloat16` (or `auto` on CPUs with native bfloat16) changes the arithmetic, not the
    answers: the same best word for nearly every word (and the same top-1 accuracy on Dakshina test)."""
    pairs, _ = load_split("dakshina", "hi", "dev")
    words = [p.source for p in pairs[:60]]
    bf16 = load_transliterator(rescorers=False, dtype="bfloat16")
    assert bf16.dtype_name == "bfloat16" and shipped.dtype_name == "float32"
    plain = load_transliterator(rescorers=False)
    same = sum(a[0] == b[0] for a, b in zip(bf16.candidates(words, 5), plain.candidates(words, 5)))
    assert same >= 57, same
    with pytest.raises(SeqlabError, match="--dtype must be one of auto, float32, bfloat16"):
        load_transliterator(dtype="float16")
