"""Lexicon memory: the romanizations a model was trained on, as candidates it can always offer.

A small network does not memorize its training lexicon: `delhi` is in the Dakshina training split 10 times as
दिल्ली, yet the beam never proposes it. Each run folder therefore keeps `lexicon.tsv` (romanization, native word,
annotator count), and decoding adds the lexicon's native words for an input (lower-cased) to the beam's
candidates. Every candidate is scored alike (`decoding.ranking.candidate_score`): the model's own log-probability of it
(forced decoding), the word prior, and log(1 + count) with the weight μ that `seqlab translit prior` tunes on dev.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from seqlab.errors import CheckpointError
from seqlab.io import write_text_atomic
from seqlab.translit.data.corpus import Pair
from seqlab.translit.decoding.word_form import model_form
from seqlab.translit.words.counts import count_file, read_count_lines, read_counts

LEXICON_FILE = "lexicon.tsv"


class Lexicon:
    """romanization (lower-case) → {native word: count}."""

    def __init__(self, entries: dict[str, Counter]):
        self.entries = entries

    @classmethod
    def from_pairs(cls, pairs: Iterable[Pair]) -> "Lexicon":
        entries: dict[str, Counter] = defaultdict(Counter)
        for pair in pairs:
            entries[model_form(pair.source)][pair.target] += max(pair.count, 1)
        return cls(dict(entries))

    def lookup(self, word: str) -> Counter:
        return self.entries.get(model_form(word), Counter())

    def __len__(self) -> int:
        return sum(len(natives) for natives in self.entries.values())

    def save(self, folder: Path) -> Path:
        lines = [f"{roman}\t{native}\t{count}" for roman in sorted(self.entries)
                 for native, count in sorted(self.entries[roman].items())]
        write_text_atomic(Path(folder) / LEXICON_FILE, "".join(line + "\n" for line in lines))
        return Path(folder) / LEXICON_FILE

    @classmethod
    def load(cls, folder: Path) -> "Lexicon | None":
        path = count_file(folder, LEXICON_FILE)
        if path is None:
            return None
        hint = "; delete the file to decode without lexicon memory"
        entries: dict[str, Counter] = defaultdict(Counter)
        for (roman, native), count in read_counts(read_count_lines(path, CheckpointError, hint), path, [bool, bool],
                                                  "ROMAN<TAB>NATIVE<TAB>COUNT", CheckpointError, hint):
            entries[model_form(roman)][native] += count
        return cls(dict(entries))
