"""What the word methods of the Python API (`Transliterator.candidates`, `.transliterate`) take: a list of words.

The server refuses a "word" that is not one (`GET /tl/hi/ghar%20pani`, a Devanagari word sent to the romanized →
Devanagari model); the API used to decode them anyway and answer nonsense (`["ghar pani"]` → `['घर्पणी']`,
`["घर"]` → `['टीएच']`, a bare string decoded letter by letter). It refuses them the same way, one line naming the
item. The rules are the model's own, not a script's, so models of every language and direction keep working:
- a word is text without spaces, digits or punctuation: each character a letter or a combining mark (or ZWJ/ZWNJ),
  or one the model was trained on (some corpora's native words hold a digit or a comma);
- a word whose characters are all output characters of the model, and none its input, is already in the output
  script (text passes such words through: `transliterate_sentence`).
Letters the model never saw are allowed: they are read as <unk> and reported by `unknown_characters`.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Container, Sequence
from typing import Any

from seqlab.errors import SeqlabError
from seqlab.translit.decoding.word_form import model_form

_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: part of words of most Indic scripts
_TEXT_HINT = "give one word per item; transliterate_sentence() takes text with spaces, digits and punctuation"


def _shown(word: str) -> str:
    return repr(word if len(word) <= 24 else word[:24] + "…")


def check_words(words: Any, source: Container[str], target: Container[str], direction: str) -> None:
    """Raise SeqlabError naming the first item of `words` that is not one word for a model whose input characters
    are `source` and output characters `target`."""
    if isinstance(words, (str, bytes)) or not isinstance(words, Sequence):
        shown = f" {_shown(words)}" if isinstance(words, str) else ""
        raise SeqlabError(f"words must be a list of words, got {type(words).__name__}{shown}; for one word give a "
                          "list of one, e.g. ['ghar']")
    for index, word in enumerate(words):
        where = f"words[{index}]"
        if not isinstance(word, str):
            raise SeqlabError(f"{where} must be a string, got {type(word).__name__}")
        if not word:
            raise SeqlabError(f"{where} is empty")
        try:
            word.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise SeqlabError(f"{where} is not valid Unicode text (a lone surrogate at character {exc.start + 1})") \
                from None
        lowered = model_form(word)
        for char in lowered:
            if unicodedata.category(char)[0] not in "LM" and char not in _JOINERS and char not in source:
                raise SeqlabError(f"{where} {_shown(word)} has {char!r} (U+{ord(char):04X}), which is not a letter; "
                                  + _TEXT_HINT)
        if all(c in target and c not in source for c in lowered):
            raise SeqlabError(f"{where} {_shown(word)} is already in the output script ({direction} model); "
                              "transliterate_sentence() passes such words through untouched")
