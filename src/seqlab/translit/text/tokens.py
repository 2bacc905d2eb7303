"""What in running text is a word to transliterate, and what passes through untouched.

People type sentences with e-mail addresses, URLs, @handles, #hashtags, numbers with units (`10km`, `2nd`,
`3:30pm`) and words already in the target script. Transliterating those letter by letter (`Email: a@b.com` →
`इमाइल: आ@बी.कम`) is wrong, so they are tokens of their own and are written as they are; only runs of letters
of the input script are transliterated. The alternatives are tried left to right at each position, so an
address wins over the words inside it. Everything between tokens (spaces, punctuation, emoji) is kept as well.

Tokenizing is linear in the text (`tokens`): a plain `finditer` over the alternation is not, because the e-mail
rule scans a run of `[\\w.+-]` to its end from every position of the run that is tried (16,000 underscores took
1.3 s). The result is exactly the alternation's `finditer`: an e-mail can only start where the run starts, or
where the previous token ended inside a run that an address ends (found once, in one pass, beforehand). The
output script's alternatives (what is already native text, what is a word) come from the language's script
(languages.py), each one character class, so the structure and the linear time are the same for every language.
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right
from typing import Iterator

from seqlab.translit.config import DIRECTIONS
from seqlab.translit.decoding.word_form import model_form, too_long
from seqlab.translit.languages import DEFAULT_LANG, language

_LOCAL = r"[\w.+-]"  # an address's local part; its domain follows the @. Possessive: a run never gives a char back
_DOMAIN = r"@[\w-]++(?:\.[\w-]++)++"
_URL = r"(?P<url>(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}])"
_EMAIL = rf"(?P<email>{_LOCAL}++{_DOMAIN})"
_REST = (
    r"|(?P<tag>(?<![\w@#])[@#]\w+)"
    r"|(?P<number>\d+(?:[.,:/]\d+)*(?:[^\W\d_]+)?)"
)
NEWLINE = r"|(?P<newline>\n)"  # for readers that need line ends as tokens too (the stdin stream's top-k mode)
_ADDRESS_RUN = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++(?={_DOMAIN})")  # runs an address ends: one pass, linear


def _script_part(direction: str, lang: str) -> str:
    """The alternatives that depend on the output script (languages.py: one character class each)."""
    script = language(lang).script
    if direction == "roman-to-native":
        # Latin (and other scripts') letter runs are words; text already in the output script passes through.
        return rf"|(?P<native>{script.run})|(?P<word>(?:(?![{script.letter_class}])[^\W\d_])+)"
    # Native → roman: runs of the script's letters are words; Latin words pass through.
    return rf"|(?P<word>{script.run})|(?P<latin>[^\W\d_]+)"


@functools.lru_cache(maxsize=None)
def token_pattern(direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG, newlines: bool = False) -> re.Pattern:
    """The alternation itself, for `fullmatch` of one word and for a token known to start where it is tried."""
    return re.compile(_URL + "|" + _EMAIL + _REST + _script_part(direction, lang) + (NEWLINE if newlines else ""))


@functools.lru_cache(maxsize=None)
def _scan(direction: str, lang: str, newlines: bool) -> re.Pattern:
    """For scanning: an e-mail only where a run of local-part characters starts."""
    return re.compile(_URL + rf"|(?<!{_LOCAL}){_EMAIL}" + _REST + _script_part(direction, lang)
                      + (NEWLINE if newlines else ""))


TOKENS = {d: token_pattern(d) for d in DIRECTIONS}  # Hindi's, as before languages
DEVANAGARI_RUN = language(DEFAULT_LANG).script.run


def tokens(text: str, direction: str = DIRECTIONS[0], newlines: bool = False,
           lang: str = DEFAULT_LANG) -> Iterator[re.Match]:
    """Every token of `text` in order (as `token_pattern(direction, lang).finditer`, plus line ends with
    `newlines`), in time
    linear in the text. Between tokens the scan tries e-mails at run starts only (a later position of the same
    run fails if the start did); after a token that ends inside a run an address ends, the full alternation is
    tried at that position, where an address must match (unless a URL does first)."""
    runs = [(m.start(), m.end()) for m in _ADDRESS_RUN.finditer(text)]
    starts = [start for start, _ in runs]
    scan, anchored = _scan(direction, lang, newlines), token_pattern(direction, lang, newlines)
    pos = 0
    while pos < len(text):
        index = bisect_right(starts, pos) - 1
        inside = index >= 0 and runs[index][0] < pos < runs[index][1]
        match = anchored.match(text, pos) if inside else scan.search(text, pos)
        if match is None:
            return
        yield match
        pos = match.end()


def word_matches(text: str, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> Iterator[re.Match]:
    """The words of `text` to transliterate, in order (each a match with its span)."""
    return (m for m in tokens(text, direction, lang=lang) if m.lastgroup == "word")


def words(text: str, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> list[str]:
    return [m.group(0) for m in word_matches(text, direction, lang)]


def distinct_forms(text: str, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> list[str]:
    """The words sentence mode decodes for `text` (`Transliterator.transliterate_text`: not too long), as the model
    reads them, each once, in order of first use: what the server decodes ahead in pieces and a batch job shares."""
    return list(dict.fromkeys(model_form(m.group(0)) for m in word_matches(text, direction, lang)
                              if not too_long(m.group(0))))
