"""What in running text is a word to transliterate, and what passes through untouched.

People type sentences with e-mail addresses, URLs, @handles, #hashtags, numbers with units (`10km`, `2nd`,
`3:30pm`) and words already in the target script. Transliterating those letter by letter (`Email: a@b.com` →
`इमाइल: आ@बी.कम`) is wrong, so they are tokens of their own and are written as they are; only runs of letters
of the input script are transliterated. The alternatives are tried left to right at each position, so an
address wins over the words inside it. Everything between tokens (spaces, punctuation, emoji) is kept as well.
"""
from __future__ import annotations

import functools
import re
from typing import Iterator

from seqlab.translit.config import DIRECTIONS
from seqlab.translit.languages import DEFAULT_LANG, language

_PASS_THROUGH = (
    r"(?P<url>(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}])"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<tag>(?<![\w@#])[@#]\w+)"
    r"|(?P<number>\d+(?:[.,:/]\d+)*(?:[^\W\d_]+)?)"
)


@functools.lru_cache(maxsize=None)
def token_pattern(direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> re.Pattern:
    """The tokenizer of one direction and output language (languages.py gives the script's letters: one
    character class each, so every alternative stays a simple run and matching stays linear in the text)."""
    script = language(lang).script
    if direction == "roman-to-native":
        # Latin (and other scripts') letter runs are words; text already in the output script passes through.
        not_native = rf"(?:(?![{script.letter_class}])[^\W\d_])"
        return re.compile(_PASS_THROUGH + rf"|(?P<native>{script.run})|(?P<word>{not_native}+)")
    # Native → roman: runs of the script's letters are words; Latin words pass through.
    return re.compile(_PASS_THROUGH + rf"|(?P<word>{script.run})|(?P<latin>[^\W\d_]+)")


TOKENS = {direction: token_pattern(direction) for direction in DIRECTIONS}  # Hindi's, as before languages
DEVANAGARI_RUN = language(DEFAULT_LANG).script.run


def word_matches(text: str, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> Iterator[re.Match]:
    """The words of `text` to transliterate, in order (each a match with its span)."""
    return (m for m in token_pattern(direction, lang).finditer(text) if m.lastgroup == "word")


def words(text: str, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> list[str]:
    return [m.group(0) for m in word_matches(text, direction, lang)]
