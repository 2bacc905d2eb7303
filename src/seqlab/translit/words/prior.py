"""A word-frequency prior over the output script's words, used to rerank beam-search candidates.

Many wrong outputs are plausible-looking spellings that no one writes; how often a candidate occurs in
native-script text tells them apart. Candidates are ranked by

    log P_model(y | x) / |y|^α  +  λ · log P_prior(y)

with an add-δ smoothed unigram prior, and α, λ tuned on the dev split (`seqlab translit prior`).
The counts come from Dakshina's native-script Wikipedia sample (CC BY-SA 4.0) or any text you give. What is
a word is the language's (languages.py: letters and digits of its script; Hindi's without joiners).
"""
from __future__ import annotations

import gzip
import math
from collections import Counter
from pathlib import Path
from typing import Iterable

from seqlab.errors import CheckpointError, DataError
from seqlab.io import write_text_atomic
from seqlab.translit.languages import DEFAULT_LANG, language
from seqlab.translit.words.counts import count_file, read_count_lines, read_counts

PRIOR_FILE = "prior.tsv"
DEVANAGARI_WORD = language(DEFAULT_LANG).word  # Hindi's words, as before languages were added
SMOOTHING = 0.1


def read_text_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, gzip-compressed when it ends in .gz."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return handle.read().splitlines()
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc})") from None


def count_words(lines: Iterable[str], lang: str = DEFAULT_LANG) -> Counter:
    """The language's words of some text, counted."""
    word, counts = language(lang).word, Counter()
    for line in lines:
        counts.update(word.findall(line))
    return counts


def parse_counts(lines: Iterable[str], path: Path, error: type[Exception], hint: str = "",
                 lang: str = DEFAULT_LANG) -> Counter:
    """WORD<TAB>COUNT lines (a word of the language, a whole count ≥ 0) → counts; `error` names FILE:LINE."""
    counts: Counter = Counter()
    entry = language(lang)
    for (word,), count in read_counts(lines, path, [entry.word.fullmatch],
                                      f"WORD<TAB>COUNT (a {entry.script.name} word, a whole count ≥ 0)", error, hint):
        counts[word] += count
    return counts


class WordPrior:
    def __init__(self, counts: Counter):
        if not counts:
            raise DataError("the prior text holds no words of the output script")
        self.counts = counts
        self.total = sum(counts.values())
        self._unseen = math.log(SMOOTHING / (self.total + SMOOTHING * len(counts)))

    @classmethod
    def from_lines(cls, lines: Iterable[str], lang: str = DEFAULT_LANG) -> "WordPrior":
        counts = count_words(lines, lang)
        if not counts:
            raise DataError(f"the prior text holds no {language(lang).script.name} words")
        return cls(counts)

    @classmethod
    def from_text_file(cls, path: Path, lang: str = DEFAULT_LANG) -> "WordPrior":
        return cls.from_lines(read_text_lines(path), lang)

    def log_prob(self, word: str) -> float:
        count = self.counts.get(word, 0)
        if not count:
            return self._unseen
        return math.log((count + SMOOTHING) / (self.total + SMOOTHING * len(self.counts)))

    def save(self, folder: Path) -> Path:
        lines = [f"{w}\t{c}" for w, c in sorted(self.counts.items(), key=lambda wc: (-wc[1], wc[0]))]
        write_text_atomic(folder / PRIOR_FILE, "\n".join(lines) + "\n")
        return folder / PRIOR_FILE

    @classmethod
    def load(cls, folder: Path, lang: str = DEFAULT_LANG) -> "WordPrior | None":
        path = count_file(folder, PRIOR_FILE)
        if path is None:
            return None
        hint = "; delete the file and run `seqlab translit prior` again"
        counts = parse_counts(read_count_lines(path, CheckpointError, hint), path, CheckpointError, hint, lang)
        return cls(counts)
