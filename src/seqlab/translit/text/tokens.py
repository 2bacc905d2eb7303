"""What in running text is a word to transliterate, and what passes through untouched.

People type sentences with e-mail addresses, URLs, @handles, #hashtags, numbers with units (`10km`, `2nd`,
`3:30pm`) and words already in the target script. Transliterating those letter by letter (`Email: a@b.com` →
`इमाइल: आ@बी.कम`) is wrong, so they are tokens of their own and are written as they are; only runs of letters
of the input script are transliterated. The alternatives are tried left to right at each position, so an
address wins over the words inside it. Everything between tokens (spaces, punctuation, emoji) is kept as well.

Tokenizing is linear in the text (`tokens`): a plain `finditer` over the alternation is not, because the e-mail
rule scans a run of `[\\w.+-]` to its end from every position of the run that is tried (16,000 underscores took
1.3 s). The result is exactly the alternation's `finditer`: an e-mail can only start where the run starts, or
where the previous token ended inside a run that an address ends (found once, in one pass, beforehand).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from typing import Iterator

from seqlab.translit.config import DIRECTIONS

DEVANAGARI_RUN = r"[\u0900-\u0963\u0971-\u097F\u200c\u200d]+"  # letters and signs, not danda or digits; ZWNJ/ZWJ
_NOT_DEVANAGARI_LETTER = r"(?:(?![\u0900-\u097F])[^\W\d_])"
_LOCAL = r"[\w.+-]"  # an address's local part; its domain follows the @. Possessive: a run never gives a char back
_DOMAIN = r"@[\w-]++(?:\.[\w-]++)++"
_URL = r"(?P<url>(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}])"
_EMAIL = rf"(?P<email>{_LOCAL}++{_DOMAIN})"
_REST = (
    r"|(?P<tag>(?<![\w@#])[@#]\w+)"
    r"|(?P<number>\d+(?:[.,:/]\d+)*(?:[^\W\d_]+)?)"
)
_SCRIPT = {
    # Romanized → native: Latin (and other non-Devanagari) letter runs are words; Devanagari passes through.
    "roman-to-native": rf"|(?P<native>{DEVANAGARI_RUN})|(?P<word>{_NOT_DEVANAGARI_LETTER}+)",
    # Native → roman: Devanagari runs are words; Latin words pass through.
    "native-to-roman": rf"|(?P<word>{DEVANAGARI_RUN})|(?P<latin>[^\W\d_]+)",
}
assert set(_SCRIPT) == set(DIRECTIONS)
NEWLINE = r"|(?P<newline>\n)"  # for readers that need line ends as tokens too (the stdin stream's top-k mode)
# The alternation itself (for `fullmatch` of one word, and for a token known to start where it is tried) ...
TOKENS = {d: re.compile(_URL + "|" + _EMAIL + _REST + _SCRIPT[d]) for d in DIRECTIONS}
_TOKENS_NL = {d: re.compile(p.pattern + NEWLINE) for d, p in TOKENS.items()}
# ... and for scanning: an e-mail only where a run of local-part characters starts.
_SCAN = {(d, nl): re.compile(_URL + rf"|(?<!{_LOCAL}){_EMAIL}" + _REST + _SCRIPT[d] + (NEWLINE if nl else ""))
         for d in DIRECTIONS for nl in (False, True)}
_ADDRESS_RUN = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++(?={_DOMAIN})")  # runs an address ends: one pass, linear


def tokens(text: str, direction: str = DIRECTIONS[0], newlines: bool = False) -> Iterator[re.Match]:
    """Every token of `text` in order (as `TOKENS[direction].finditer`, plus line ends with `newlines`), in time
    linear in the text. Between tokens the scan tries e-mails at run starts only (a later position of the same
    run fails if the start did); after a token that ends inside a run an address ends, the full alternation is
    tried at that position, where an address must match (unless a URL does first)."""
    runs = [(m.start(), m.end()) for m in _ADDRESS_RUN.finditer(text)]
    starts = [start for start, _ in runs]
    scan, anchored = _SCAN[direction, newlines], (_TOKENS_NL if newlines else TOKENS)[direction]
    pos = 0
    while pos < len(text):
        index = bisect_right(starts, pos) - 1
        inside = index >= 0 and runs[index][0] < pos < runs[index][1]
        match = anchored.match(text, pos) if inside else scan.search(text, pos)
        if match is None:
            return
        yield match
        pos = match.end()


def word_matches(text: str, direction: str = DIRECTIONS[0]) -> Iterator[re.Match]:
    """The words of `text` to transliterate, in order (each a match with its span)."""
    return (m for m in tokens(text, direction) if m.lastgroup == "word")


def words(text: str, direction: str = DIRECTIONS[0]) -> list[str]:
    return [m.group(0) for m in word_matches(text, direction)]
