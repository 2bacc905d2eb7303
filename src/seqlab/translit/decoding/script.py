"""Well-formed words of a script: a candidate that no one could type is never offered.

A character model can emit sequences that are not writing at all: `अौर` (an independent vowel followed by a
vowel sign, so the sign has no consonant to sit on), a sign at the start of a word, a doubled virama, a nukta on
a vowel. They rank high when the model is unsure (it learned `औ` and `ौ` from the same romanization) and are
never right, so the ranking drops them (`Transliterator.scored_candidates`, the one source of every candidate
list: `predict`, the server, tuning and sentence lattices).

Each script is a table: which characters are consonants, independent vowels, dependent vowel signs, viramas,
nuktas and nasal/visarga modifiers, and which of those classes may follow which. A script without a table
(Latin for native-to-roman models, Perso-Arabic) accepts everything. The other Brahmic scripts' tables come from
the language registry (languages.py: classes from the Unicode names, Malayalam's virama on the u sign).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from seqlab.translit.languages import SCRIPTS as REGISTRY_SCRIPTS

# The classes a character can have; START is "nothing before" (the word's first character).
START, CONSONANT, VOWEL, SIGN, VIRAMA, NUKTA, MODIFIER, OTHER = (
    "start", "consonant", "vowel", "sign", "virama", "nukta", "modifier", "other")

# What may come right before each class (OTHER, for digits, avagraha, joiners, …, may follow anything).
INDIC_MAY_FOLLOW: Mapping[str, frozenset[str]] = {
    SIGN: frozenset({CONSONANT, NUKTA}),                 # a vowel sign sits on a consonant: not on a vowel, sign
    VIRAMA: frozenset({CONSONANT, NUKTA}),               # kills a consonant's vowel: never twice, never a vowel's
    NUKTA: frozenset({CONSONANT}),                       # a dot below a consonant only
    MODIFIER: frozenset({CONSONANT, NUKTA, VOWEL, SIGN}),  # ं ँ ः nasalize a syllable: not alone, not twice
}


def _ranges(*spans: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(c) for start, end in spans for c in range(start, end + 1))


@dataclass(frozen=True)
class Script:
    """One script's character classes and its rule of which class may follow which."""

    name: str
    classes: Mapping[str, frozenset[str]]  # class → its characters
    may_follow: Mapping[str, frozenset[str]] = field(default_factory=lambda: INDIC_MAY_FOLLOW)

    def class_of(self, char: str) -> str:
        for name, chars in self.classes.items():
            if char in chars:
                return name
        return OTHER

    def owns(self, word: str) -> bool:
        """Whether `word` is written in this script (any of its characters is one of the script's letters)."""
        return any(self.class_of(c) != OTHER for c in word)

    def problem(self, word: str) -> str | None:
        """Why `word` is not well formed (the first offending character and what precedes it), or None."""
        before = START
        for position, char in enumerate(word):
            kind = self.class_of(char)
            allowed = self.may_follow.get(kind)
            if allowed is not None and before not in allowed:
                return f"{kind} U+{ord(char):04X} at {position} after {before}"
            before = kind
        return None


DEVANAGARI = Script("Devanagari", {
    CONSONANT: _ranges((0x0915, 0x0939), (0x0958, 0x095F), (0x0978, 0x097F)),
    VOWEL: _ranges((0x0904, 0x0914), (0x0960, 0x0961), (0x0972, 0x0977)),
    SIGN: _ranges((0x093A, 0x093B), (0x093E, 0x094C), (0x094E, 0x094F), (0x0955, 0x0957), (0x0962, 0x0963)),
    VIRAMA: _ranges((0x094D, 0x094D)),
    NUKTA: _ranges((0x093C, 0x093C)),
    MODIFIER: _ranges((0x0900, 0x0903)),
})

# Every other Brahmic script of the language registry: its classes derived from the Unicode names (languages.py;
# for Devanagari the derivation gives exactly the table above, tests/translit/test_languages.py checks it).
SCRIPTS: dict[str, Script] = {DEVANAGARI.name: DEVANAGARI, **{
    script.name: Script(script.name, script.syllable_classes, script.may_follow)
    for script in REGISTRY_SCRIPTS if script.brahmic and script.name != DEVANAGARI.name}}


def script_of(word: str) -> Script | None:
    """The table of the script `word` is written in, or None when no table knows it (every word then passes)."""
    return next((script for script in SCRIPTS.values() if script.owns(word)), None)


def well_formed(word: str) -> bool:
    """Whether `word` is a possible spelling in its script (always true for a script without a table)."""
    script = script_of(word)
    return script is None or script.problem(word) is None
