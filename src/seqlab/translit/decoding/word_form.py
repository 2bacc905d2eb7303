"""What the model reads for a word, and which words are too long for it: one definition for decoding, the lexicon,
running text, the API's word checks and the server. Torch-free, and below the packages that use it (words/,
text/, serve/), so that none of them imports back up.
"""
from __future__ import annotations

from seqlab.translit.config import MAX_WORD_LENGTH


def model_form(word: str) -> str:
    """What the model reads for `word`: the word lower-cased (input is case-insensitive). Lowering can lengthen a
    word (`İ` becomes `i̇`, i + U+0307), so the length limit is measured on this form, here and everywhere."""
    return word.lower()


def cache_key(word: str, beam_size: int) -> tuple[str, int]:
    """A word's key in the candidate cache (`Transliterator.cached_scored`; batch/word_table.py fills it too)."""
    return model_form(word), beam_size


def too_long(word: str) -> bool:
    """Whether `word` is longer than MAX_WORD_LENGTH as the model reads it: such a word passes through untouched."""
    return len(model_form(word)) > MAX_WORD_LENGTH
