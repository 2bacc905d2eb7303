"""Sentence evaluation: word error rate on Dakshina's romanized dev sentences, by error type, and tuning κ.

WER follows the issue's definition: only letters of the output script count (languages.py; for Hindi U+0900–U+0963,
U+0971–U+097F; danda, digits and punctuation are not words), and it is the word-level edit distance over the number
of reference words.
The 5,000 dev sentences are split in two fixed halves: κ is tuned on the first ("tune"), WER is reported on the
second ("report"); no component is ever trained on either.

Error types, from one minimum-edit alignment per sentence:
- choice: a substituted word whose reference was among that input word's candidates (ranking or context chose
  another: what the bigram model can fix);
- spelling: a substituted word whose reference was not a candidate (the model never proposed it);
- split/join: inserted or deleted words (the romanized and native sentences split words differently).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from seqlab.errors import DataError
from seqlab.translit.config import HALVES, MAX_WORD_LENGTH, DecodingConfig
from seqlab.translit.data.paths import sentence_files
from seqlab.translit.evaluation.metrics import edit_table
from seqlab.translit.languages import DEFAULT_LANG, language
from seqlab.translit.text.sentence import Lattice
from seqlab.translit.text.tokens import words as input_words
from seqlab.translit.text.typeahead import greedy_choice
from seqlab.translit.words.prior import read_text_lines

WER_LETTERS = language(DEFAULT_LANG).wer_word  # Hindi's
MAX_SENTENCE_FILE_BYTES = 64 * 2**20


def wer_words(text: str, lang: str = DEFAULT_LANG) -> list[str]:
    """The words WER counts: maximal runs of letters of the language's script."""
    return language(lang).wer_word.findall(text)


def load_sentences(lang: str, half: str, data_dir: str | None = None) -> tuple[list[str], list[str]]:
    """(romanized, native) dev sentences of one half ('tune': the first, 'report': the second, or 'all')."""
    if half not in HALVES:
        raise DataError(f"unknown half {half!r}; choose one of: {', '.join(HALVES)}")
    roman_path, native_path = sentence_files(lang, "dev", data_dir)
    for path in (roman_path, native_path):
        if path.stat().st_size > MAX_SENTENCE_FILE_BYTES:
            raise DataError(f"{path}: over {MAX_SENTENCE_FILE_BYTES >> 20} MB, not a Dakshina sentence file")
    roman, native = read_text_lines(roman_path), read_text_lines(native_path)
    if len(roman) != len(native) or not roman:
        raise DataError(f"{roman_path} and {native_path} must have the same number of lines (not zero); "
                        f"found {len(roman)} and {len(native)}")
    middle = len(roman) // 2
    part = {"tune": slice(0, middle), "report": slice(middle, None), "all": slice(None)}[half]
    return roman[part], native[part]


def align(reference: list[str], hypothesis: list[str]) -> list[tuple[str, int, int]]:
    """One minimum-edit alignment (a backtrace of metrics.edit_table): ('ok' | 'sub' | 'del' | 'ins', reference
    index, hypothesis index) steps."""
    cost = edit_table(reference, hypothesis)
    steps, i, j = [], len(reference), len(hypothesis)
    while i > 0 or j > 0:
        same = i > 0 and j > 0 and reference[i - 1] == hypothesis[j - 1]
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + (not same):
            steps.append(("ok" if same else "sub", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            steps.append(("del", i - 1, j))
            i -= 1
        else:
            steps.append(("ins", i, j - 1))
            j -= 1
    return steps[::-1]


@dataclass
class WerReport:
    reference_words: int = 0
    errors: Counter = field(default_factory=Counter)  # choice, spelling, split/join
    confusions: Counter = field(default_factory=Counter)  # (reference, hypothesis) of choice errors

    @property
    def wer(self) -> float:
        return sum(self.errors.values()) / max(self.reference_words, 1)

    def summary(self, top: int = 10) -> dict:
        n = max(self.reference_words, 1)
        return {"wer": round(self.wer, 4), "reference_words": self.reference_words,
                **{f"{kind}_errors": round(self.errors[kind] / n, 4) for kind in ("choice", "spelling", "split/join")},
                "top_choice_confusions": [f"{r}→{h} ×{c}" for (r, h), c in self.confusions.most_common(top)]}


def score_sentence(report: WerReport, reference: str, outputs: list[str], lat: Lattice,
                   lang: str = DEFAULT_LANG) -> None:
    """Add one sentence's errors; `outputs` are the chosen words of `lat` (one per input word)."""
    hypothesis, offered = [], []
    for output, candidates in zip(outputs, lat.candidates):
        for word in wer_words(output, lang):
            hypothesis.append(word)
            offered.append(candidates)
    ref = wer_words(reference, lang)
    report.reference_words += len(ref)
    for op, i, j in align(ref, hypothesis):
        if op == "sub":
            kind = "choice" if ref[i] in offered[j] else "spelling"
            report.errors[kind] += 1
            if kind == "choice":
                report.confusions[(ref[i], hypothesis[j])] += 1
        elif op != "ok":
            report.errors["split/join"] += 1


def evaluate_lattices(lattices: list[Lattice], references: list[str], choose, lang: str = DEFAULT_LANG) -> WerReport:
    """WER of `choose(lattice) -> outputs` over sentences."""
    report = WerReport()
    for lat, reference in zip(lattices, references):
        score_sentence(report, reference, choose(lat), lat, lang)
    return report


def sentence_words(translit, romans: list[str]) -> list[list[str]]:
    """Each sentence's words to transliterate, as `transliterate_text` finds them (pass-through tokens out)."""
    return [[w for w in input_words(line, translit.direction, translit.lang) if len(w) <= MAX_WORD_LENGTH]
            for line in romans]


def word_by_word(translit, lines: list[list[str]], references: list[str], decoding: DecodingConfig) -> WerReport:
    """WER with each word chosen alone (`decoding`'s prior and lexicon weights)."""
    decoding = translit.usable(decoding)
    lattices = translit.lattices(lines, decoding)
    return evaluate_lattices(lattices, references, lambda lat: lat.choose(decoding.prior_weight), translit.lang)


def with_context(translit, lines: list[list[str]], references: list[str], decoding: DecodingConfig) -> WerReport:
    """WER with each sentence's words chosen jointly by the bigram model (`decoding`'s κ, μ and nasal penalty)."""
    decoding = translit.usable(decoding)
    lattices = translit.lattices(lines, decoding, joint=True)
    return evaluate_lattices(lattices, references, lambda lat: lat.choose(
        decoding.prior_weight, translit.context, decoding.context_weight, translit.prior), translit.lang)


def typeahead(translit, lines: list[list[str]], references: list[str], decoding: DecodingConfig) -> WerReport:
    """WER of typing each sentence word by word, always taking the first candidate (text/typeahead.py, the model's
    running-text settings; `decoding`'s beam, length penalty and rescorers)."""
    t = translit.typeahead_settings()
    lattices = translit.lattices(lines, typeahead_lattice_settings(decoding, t.lexicon_weight, t.nasal_penalty),
                                 joint=True)
    return evaluate_lattices(lattices, references, lambda lat: greedy_choice(
        lat, t.context_weight, t.prior_weight, translit.context, translit.prior, translit.lang), translit.lang)


def typeahead_lattice_settings(decoding: DecodingConfig, lexicon_weight: float,
                               nasal_penalty: float | None) -> DecodingConfig:
    """`decoding` with type-ahead's μ and nasal penalty where `Transliterator.lattices(joint=True)` reads them."""
    return replace(decoding, context_lexicon_weight=lexicon_weight, nasal_penalty=nasal_penalty)
