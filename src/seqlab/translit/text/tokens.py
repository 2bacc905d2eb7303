"""What in running text is a word to transliterate, and what passes through untouched.

People type sentences with e-mail addresses, URLs, @handles, #hashtags, numbers with units (`10km`, `2nd`,
`3:30pm`) and words already in the target script. Transliterating those letter by letter (`Email: a@b.com` →
`इमाइल: आ@बी.कम`) is wrong, so they are tokens of their own and are written as they are; only runs of letters
of the input script are transliterated. The alternatives are tried left to right at each position, so an
address wins over the words inside it. Everything between tokens (spaces, punctuation, emoji) is kept as well.
"""
from __future__ import annotations

import re
from typing import Iterator

from seqlab.translit.config import DIRECTIONS

DEVANAGARI_RUN = r"[\u0900-\u0963\u0971-\u097F\u200c\u200d]+"  # letters and signs, not danda or digits; ZWNJ/ZWJ
_NOT_DEVANAGARI_LETTER = r"(?:(?![\u0900-\u097F])[^\W\d_])"
_PASS_THROUGH = (
    r"(?P<url>(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}])"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<tag>(?<![\w@#])[@#]\w+)"
    r"|(?P<number>\d+(?:[.,:/]\d+)*(?:[^\W\d_]+)?)"
)
TOKENS = {
    # Romanized → native: Latin (and other non-Devanagari) letter runs are words; Devanagari passes through.
    "roman-to-native": re.compile(_PASS_THROUGH + rf"|(?P<native>{DEVANAGARI_RUN})"
                                  rf"|(?P<word>{_NOT_DEVANAGARI_LETTER}+)"),
    # Native → roman: Devanagari runs are words; Latin words pass through.
    "native-to-roman": re.compile(_PASS_THROUGH + rf"|(?P<word>{DEVANAGARI_RUN})|(?P<latin>[^\W\d_]+)"),
}
assert set(TOKENS) == set(DIRECTIONS)


def word_matches(text: str, direction: str = DIRECTIONS[0]) -> Iterator[re.Match]:
    """The words of `text` to transliterate, in order (each a match with its span)."""
    return (m for m in TOKENS[direction].finditer(text) if m.lastgroup == "word")


def words(text: str, direction: str = DIRECTIONS[0]) -> list[str]:
    return [m.group(0) for m in word_matches(text, direction)]
