"""The languages seqlab transliterates, declared once: Dakshina's twelve, each with its script.

Everything that differs between languages reads it from here: the `--lang` choices, the corpus file names and
the Aksharantar code, what counts as a letter, digit or punctuation mark of the output script (the tokenizer's
pass-through, the word prior's and the bigram model's words, sentence WER), the wordfreq list, the direction
of writing and the Noto font of the editor and the report, where a shipped model lies, and the user dictionary
file. Torch-free and import-light: `seqlab --help` and the server's page code read it.

A script's letters are the code points of its Unicode block(s) whose general category is a letter or a mark
(L*, M*), plus the few symbols its languages write as words (Sindhi's ۽ "and" and ۾ "in" are So); digits are
its Nd code points. Character classes are built from those sets as code-point ranges, so each is one linear
regex class whatever the script. Each Brahmic script also has a well-formedness table (`syllable_classes`,
`may_follow`: which letters are consonants, vowels, vowel signs, viramas, nuktas and nasal/visarga modifiers, and
which may follow which), derived from the Unicode names, for the type-ahead's filter of malformed candidates.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from seqlab.errors import SeqlabError

JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: inside words of most Indic scripts (Sinhala's yansaya, rakaaraansaya)
PRETRAINED_ROOT = Path(__file__).parent / "pretrained"
REVERSE_SUFFIX = "-native-to-roman"  # pretrained/<lang>-native-to-roman/: the shipped reverse model
DEFAULT_LANG = "hi"  # the language of models saved before config.json recorded one, and of a bare `predict`
DANDA = "\u0964\u0965"  # । ॥ : the sentence marks of most Brahmic scripts (encoded once, in Devanagari's block)
# Well-formedness tables of the Brahmic scripts (the type-ahead's candidate filter, decoding/script.py): the class of
# each letter and sign, and which classes may come right before a sign, virama, nukta or nasal/visarga modifier.
CONSONANT, VOWEL, SIGN, VIRAMA, NUKTA, MODIFIER = "consonant", "vowel", "sign", "virama", "nukta", "modifier"
INDIC_MAY_FOLLOW = {SIGN: frozenset({CONSONANT, NUKTA}), VIRAMA: frozenset({CONSONANT, NUKTA}),
                    NUKTA: frozenset({CONSONANT}), MODIFIER: frozenset({CONSONANT, NUKTA, VOWEL, SIGN})}
# Independent vowel letters, by the words their Unicode names end in (LETTER <name>).
_VOWEL_NAMES = frozenset({"A", "AA", "I", "II", "U", "UU", "VOCALIC R", "VOCALIC RR", "VOCALIC L", "VOCALIC LL",
                          "E", "EE", "AI", "O", "OO", "AU", "SHORT A", "CANDRA A", "CANDRA E", "SHORT E", "CANDRA O",
                          "SHORT O", "OE", "OOE", "AW", "UE", "UUE"})
_MODIFIER_NAMES = ("CANDRABINDU", "ANUSVARA", "VISARGA", "BINDI", "TIPPI", "ADDAK")


@dataclass(frozen=True)
class Script:
    """A writing system: its Unicode block(s) and what in them is a letter, a digit or punctuation."""

    name: str
    blocks: tuple[tuple[int, int], ...]  # inclusive code-point ranges
    punctuation: str  # sentence punctuation its text uses (kept between words, never part of one)
    direction: str = "ltr"
    extra_letters: str = ""  # symbols (category So) written as words
    extra_word_signs: str = ""  # signs the word prior counts inside words (Devanagari's ॰ in डॉ॰), not letters
    probe: str = ""  # a consonant every font of the script has (the report's font check)
    brahmic: bool = True  # consonants with vowel signs, viramas and nuktas: it has a well-formedness table
    vowel_letters: tuple[tuple[int, int], ...] = ()  # independent vowels where their names do not say (Sinhala)
    virama_after_sign: bool = False  # Malayalam's samvruthokaram ു്: a virama on the u sign

    def code_points(self) -> Iterable[int]:
        for low, high in self.blocks:
            yield from range(low, high + 1)

    @functools.cached_property
    def letters(self) -> str:
        """Letters and combining signs of the script, in code-point order."""
        found = [chr(c) for c in self.code_points() if unicodedata.category(chr(c))[0] in "LM"]
        return "".join(sorted(set(found) | set(self.extra_letters)))

    @functools.cached_property
    def digits(self) -> str:
        """Every decimal digit of the script's block(s) (Perso-Arabic has two sets: ٠–٩ and ۰–۹)."""
        return "".join(chr(c) for c in self.code_points() if unicodedata.category(chr(c)) == "Nd")

    @property
    def letter_class(self) -> str:
        """A regex class body (no brackets) of the letters."""
        return _class_body(self.letters)

    @property
    def run(self) -> str:
        """What the tokenizer takes as one word of this script: letters, signs and ZWNJ/ZWJ (not digits or
        punctuation)."""
        return f"[{self.letter_class}{JOINERS}]+"

    def writes(self, text: str) -> bool:
        """True when `text` is non-empty and every character is a letter of this script or a joiner."""
        return bool(text) and all(c in self.letters or c in JOINERS for c in text)

    @functools.cached_property
    def syllable_classes(self) -> dict[str, frozenset[str]]:
        """class → its characters, from the Unicode names (VOWEL SIGN …, SIGN VIRAMA, SIGN NUKTA, LETTER <vowel>,
        …); empty for a script without the Brahmic structure. Length marks, avagraha, OM, joiners: no class."""
        if not self.brahmic:
            return {}
        found: dict[str, set[str]] = {}
        for point in self.code_points():
            kind = self._syllable_class(point)
            if kind:
                found.setdefault(kind, set()).add(chr(point))
        return {kind: frozenset(chars) for kind, chars in found.items()}

    def _syllable_class(self, point: int) -> str | None:
        char = chr(point)
        category, name = unicodedata.category(char), unicodedata.name(char, "").partition(" ")[2]
        if category[0] == "M":
            return (SIGN if "VOWEL SIGN" in name else VIRAMA if "VIRAMA" in name or "AL-LAKUNA" in name
                    else NUKTA if "NUKTA" in name else MODIFIER if any(m in name for m in _MODIFIER_NAMES) else None)
        if category != "Lo" or not (name.startswith(("LETTER ", "VOWEL ")) or name in ("IRI", "URA")):
            return None  # IRI, URA: Gurmukhi's vowel bearers take signs as consonants do
        letter = name.partition(" ")[2]
        if "CHILLU" in letter:  # Malayalam's vowelless final consonants take no sign
            return None
        if self.vowel_letters:
            return VOWEL if any(low <= point <= high for low, high in self.vowel_letters) else CONSONANT
        return VOWEL if letter in _VOWEL_NAMES else CONSONANT

    @property
    def may_follow(self) -> dict[str, frozenset[str]]:
        """Which classes may come right before each constrained class (others may follow anything)."""
        if not self.brahmic:
            return {}
        if self.virama_after_sign:
            return {**INDIC_MAY_FOLLOW, VIRAMA: INDIC_MAY_FOLLOW[VIRAMA] | {SIGN}}
        return dict(INDIC_MAY_FOLLOW)


@dataclass(frozen=True)
class Language:
    """One Dakshina language: codes, script, digits and fonts; `native` is its own name for itself."""

    code: str
    name: str
    native: str
    script: Script
    aksharantar: Optional[str]  # Aksharantar's three-letter code (Sinhala has no Aksharantar split)
    font: str  # the Noto family of the editor and the report
    wordfreq: Optional[str] = None  # the wordfreq package's code, where it has a list
    digits: str = ""  # the native digits 0–9 this language writes (default: the script's first ten)
    # ZWNJ/ZWJ inside prior, bigram and WER words (Marathi's eyelash ra र्‍य, Sinhala's yansaya). Hindi: no, as
    # its shipped prior, bigrams and WER were counted.
    joiners_in_words: bool = True
    # IndicXlit's Dakshina test top-1, % (each distinct input once, any attested reference: `evaluate`'s "IndicXlit
    # convention"), as issue 22 quotes it; it reports none for sd and si.
    indicxlit_top1: Optional[float] = None

    @property
    def direction(self) -> str:
        return self.script.direction

    @property
    def native_digits(self) -> str:
        return self.digits or self.script.digits[:10]

    @functools.cached_property
    def word(self) -> re.Pattern:
        """A word of the word prior and the bigram model: letters, digits and word signs of the script."""
        script = self.script
        chars = script.letters + script.digits + script.extra_word_signs + (JOINERS if self.joiners_in_words else "")
        return re.compile(f"[{_class_body(chars)}]+")

    @functools.cached_property
    def wer_word(self) -> re.Pattern:
        """A word of sentence WER: a maximal run of letters of the script."""
        return re.compile(f"[{self.script.letter_class}{JOINERS if self.joiners_in_words else ''}]+")

    def describe(self) -> dict:
        """What GET /languages and the docs show of a language."""
        return {"code": self.code, "name": self.name, "native_name": self.native, "script": self.script.name,
                "direction": self.direction, "font": self.font, "digits": self.native_digits,
                "punctuation": self.script.punctuation, "aksharantar": self.aksharantar, "wordfreq": self.wordfreq}


DEVANAGARI = Script("Devanagari", ((0x0900, 0x097F),), DANDA, extra_word_signs="\u0970", probe="क")
BENGALI = Script("Bengali", ((0x0980, 0x09FF),), DANDA, probe="ক")
GURMUKHI = Script("Gurmukhi", ((0x0A00, 0x0A7F),), DANDA, probe="ਕ")
GUJARATI = Script("Gujarati", ((0x0A80, 0x0AFF),), DANDA, probe="ક")
TAMIL = Script("Tamil", ((0x0B80, 0x0BFF),), "", probe="க")
TELUGU = Script("Telugu", ((0x0C00, 0x0C7F),), DANDA, probe="క")
KANNADA = Script("Kannada", ((0x0C80, 0x0CFF),), DANDA, probe="ಕ")
MALAYALAM = Script("Malayalam", ((0x0D00, 0x0D7F),), DANDA, probe="ക", virama_after_sign=True)
SINHALA = Script("Sinhala", ((0x0D80, 0x0DFF),), "\u0df4", probe="ක", vowel_letters=((0x0D85, 0x0D96),))
# Arabic's block and supplement; the comma, semicolon, question mark, full stop (۔), percent and separators.
PERSO_ARABIC = Script("Perso-Arabic", ((0x0600, 0x06FF), (0x0750, 0x077F)), "،؛؟۔٪٫٬", direction="rtl",
                      extra_letters="\u06fd\u06fe", probe="ک", brahmic=False)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    Language("bn", "Bengali", "বাংলা", BENGALI, "ben", "Noto Sans Bengali", "bn", indicxlit_top1=55.49),
    Language("gu", "Gujarati", "ગુજરાતી", GUJARATI, "guj", "Noto Sans Gujarati", indicxlit_top1=62.02),
    Language("hi", "Hindi", "हिन्दी", DEVANAGARI, "hin", "Noto Sans Devanagari", "hi", joiners_in_words=False,
             indicxlit_top1=60.56),
    Language("kn", "Kannada", "ಕನ್ನಡ", KANNADA, "kan", "Noto Sans Kannada", indicxlit_top1=77.18),
    Language("ml", "Malayalam", "മലയാളം", MALAYALAM, "mal", "Noto Sans Malayalam", indicxlit_top1=63.56),
    Language("mr", "Marathi", "मराठी", DEVANAGARI, "mar", "Noto Sans Devanagari", indicxlit_top1=64.85),
    Language("pa", "Punjabi", "ਪੰਜਾਬੀ", GURMUKHI, "pan", "Noto Sans Gurmukhi", indicxlit_top1=47.24),
    Language("sd", "Sindhi", "سنڌي", PERSO_ARABIC, "sid", "Noto Naskh Arabic", digits="٠١٢٣٤٥٦٧٨٩"),
    Language("si", "Sinhala", "සිංහල", SINHALA, None, "Noto Sans Sinhala"),
    Language("ta", "Tamil", "தமிழ்", TAMIL, "tam", "Noto Sans Tamil", "ta", indicxlit_top1=68.10),
    Language("te", "Telugu", "తెలుగు", TELUGU, "tel", "Noto Sans Telugu", indicxlit_top1=73.38),
    Language("ur", "Urdu", "اردو", PERSO_ARABIC, "urd", "Noto Nastaliq Urdu", "ur", digits="۰۱۲۳۴۵۶۷۸۹",
             indicxlit_top1=42.12),
)}
LANGUAGE_CODES = tuple(LANGUAGES)
SCRIPTS = tuple(dict.fromkeys(lang.script for lang in LANGUAGES.values()))


def language(code: str, flag: str = "--lang") -> Language:
    """The registry entry of `code`; an unknown code is a one-line error listing the languages and the shipped
    models."""
    found = LANGUAGES.get(code) if isinstance(code, str) else None
    if found is None:
        raise SeqlabError(f"{flag} {str(code)[:20]!r}: unknown language; {available()}")
    return found


def script_of(code: Optional[str]) -> Script:
    """The output script of a language (Devanagari for models saved before languages were recorded)."""
    return language(code or DEFAULT_LANG).script


def shipped_dir(code: str, direction: str = "roman-to-native") -> Path:
    """Where the shipped model of a language and direction lies (it may not exist: see `shipped_model`)."""
    return PRETRAINED_ROOT / (code + (REVERSE_SUFFIX if direction == "native-to-roman" else ""))


def shipped_languages(direction: str = "roman-to-native") -> list[str]:
    """Codes of the languages with a shipped model of `direction`, in registry order."""
    return [code for code in LANGUAGES if (shipped_dir(code, direction) / "config.json").is_file()]


def shipped_model(code: str, direction: str = "roman-to-native") -> Path:
    """The shipped model folder of a language; one-line errors for an unknown language or one not shipped."""
    language(code)
    path = shipped_dir(code, direction)
    if not (path / "config.json").is_file():
        which = "" if direction == "roman-to-native" else f" {direction}"
        recipe = (f"bash scripts/train-language.sh {code}" if direction == "roman-to-native" else
                  f"seqlab translit train --lang {code} --direction {direction} --run-dir DIR")
        raise SeqlabError(f"no shipped{which} model for '{code}' ({LANGUAGES[code].name}); give --model DIR "
                          f"(train one with `{recipe}`); {available(direction)}")
    return path


def available(direction: str = "roman-to-native") -> str:
    """The languages there is data for (Dakshina's twelve) and those with a shipped model, in one line."""
    known = ", ".join(f"{code} ({lang.name})" for code, lang in LANGUAGES.items())
    shipped = ", ".join(shipped_languages(direction)) or "none"
    which = "" if direction == "roman-to-native" else f" {direction}"
    return f"languages (Dakshina data): {known}; shipped{which} models: {shipped}"


def user_dictionary_name(code: str) -> str:
    """The file name of a language's user dictionary in the per-user data folder."""
    return f"user-dictionary-{language(code).code}.tsv"


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def _class_body(chars: str) -> str:
    """A regex class body of the characters as ranges: "abcx" → "a-cx"."""
    points = sorted({ord(c) for c in chars})
    parts, start = [], None
    for i, point in enumerate(points):
        if start is None:
            start = point
        if i + 1 == len(points) or points[i + 1] != point + 1:
            low, high = chr(start), chr(point)
            parts.append(_escape(low) if start == point else f"{_escape(low)}-{_escape(high)}")
            start = None
    return "".join(parts)
