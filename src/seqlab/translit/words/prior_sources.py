"""Where a word prior's counts come from, and how several sources become one prior.

Sources (`seqlab translit prior --source …`):
- `wikipedia`: Dakshina's native-script Wikipedia sample (CC BY-SA 4.0), found under the data roots;
- `wordfreq`: the language's list of the `wordfreq` package, where it has one (bn, hi, ta, ur; Wikipedia, web
  text, Twitter, Reddit; CC BY-SA 4.0);
- a path: text in the output script (`.txt`, `.gz`) or word counts (`.tsv`, `WORD<TAB>COUNT`).

Leak-free by construction: Dakshina's romanized dev and test sentences were drawn from its Wikipedia file,
so every text line equal to one of those sentences (found under the data roots, e.g. in the official tarball)
is dropped before counting, and the number dropped is reported.

Several sources are mixed as normalized distributions, p(w) = Σ_i a_i · c_i(w) / N_i, with the weights a_i
tuned on dev (evaluation/tuning.py); the mixture is stored as pseudo-counts summing to `PSEUDO_TOKENS`.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import wordfreq

from seqlab.datadir import candidate_roots
from seqlab.errors import DataError
from seqlab.translit.data.paths import romanized_sentences, wikipedia_sample
from seqlab.translit.languages import DEFAULT_LANG, LANGUAGES, language
from seqlab.translit.words.prior import (
    WordPrior,
    count_words,
    parse_counts,
    read_text_lines,
)

PSEUDO_TOKENS = 10**8  # a mixture's total pseudo-count: the rarest word then counts ~1, unseen words 0.1
LICENSES = {"wikipedia": "CC BY-SA 4.0 (Dakshina v1.0)", "wordfreq": "CC BY-SA 4.0 (wordfreq data)"}


@dataclass
class PriorSource:
    """Word counts from one source, with where they came from and under which license."""

    name: str
    counts: Counter
    license: str = "as given by the user"
    dropped_lines: int = 0

    @property
    def tokens(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> dict:
        return {"name": self.name, "license": self.license, "words": len(self.counts), "tokens": self.tokens,
                "dropped_evaluation_lines": self.dropped_lines}


def evaluation_sentences(lang: str, data_dir: str | None = None) -> set[str]:
    """Every native sentence of Dakshina's romanized dev and test sets found under the data roots."""
    sentences: set[str] = set()
    for _, root in candidate_roots(data_dir):
        for split in ("dev", "test"):
            path = root / romanized_sentences(lang, split, "native")
            if path.is_file():
                sentences.update(line.strip() for line in read_text_lines(path) if line.strip())
    return sentences


def from_text(path: Path, exclude: set[str], name: str | None = None, license: str | None = None,
              lang: str = DEFAULT_LANG) -> PriorSource:
    """The language's words of a text file, without the lines in `exclude` (the evaluation sentences)."""
    lines = read_text_lines(path)
    kept = [line for line in lines if line.strip() not in exclude]
    dropped, counts = len(lines) - len(kept), count_words(kept, lang)
    if not counts:
        raise DataError(f"{path}: holds no {language(lang).script.name} words")
    return PriorSource(name or path.name, counts, license or LICENSES.get(name or "", "as given by the user"),
                       dropped)


def from_counts(path: Path, lang: str = DEFAULT_LANG) -> PriorSource:
    """A WORD<TAB>COUNT file (for instance a prior.tsv of another model)."""
    counts = parse_counts(read_text_lines(path), path, DataError, lang=lang)
    if not counts:
        raise DataError(f"{path}: holds no word counts")
    return PriorSource(path.name, counts)


def from_wordfreq(lang: str) -> PriorSource:
    """The package's frequency list for `lang`, as pseudo-counts (frequency × PSEUDO_TOKENS)."""
    entry = language(lang) if lang in LANGUAGES else None
    code = entry.wordfreq if entry else None
    if code is None or code not in wordfreq.available_languages():
        having = ", ".join(c for c, e in LANGUAGES.items() if e.wordfreq)
        raise DataError(f"wordfreq has no word list for '{lang}' (it has: {having}); use --source wikipedia")
    frequencies = wordfreq.get_frequency_dict(code)
    counts = Counter({w: max(1, round(f * PSEUDO_TOKENS)) for w, f in frequencies.items()
                      if entry.word.fullmatch(w)})
    return PriorSource("wordfreq", counts, LICENSES["wordfreq"])


def mix(sources: list[PriorSource], weights: Iterable[float]) -> WordPrior:
    """One prior from normalized sources: p(w) = Σ a_i c_i(w) / N_i, as pseudo-counts summing to PSEUDO_TOKENS."""
    weights = list(weights)
    total = sum(weights)
    probabilities: Counter = Counter()
    for source, weight in zip(sources, weights):
        if weight > 0:
            scale = weight / total / source.tokens
            for word, count in source.counts.items():
                probabilities[word] += count * scale
    return WordPrior(Counter({w: max(1, round(p * PSEUDO_TOKENS)) for w, p in probabilities.items()}))


def weight_grid(n_sources: int, step: float = 0.25) -> list[tuple[float, ...]]:
    """Mixture weights on the simplex in steps of `step` (for one source, just (1,))."""
    ticks = [round(i * step, 10) for i in range(round(1 / step) + 1)]
    return [w for w in itertools.product(ticks, repeat=n_sources) if abs(sum(w) - 1) < 1e-9]


def check_source_name(name: str, lang: str = DEFAULT_LANG) -> None:
    """A `--source NAME` that can be read: wikipedia, wordfreq or an existing file (checked before any model
    loads)."""
    path = Path(name).expanduser()
    if name in ("wikipedia", "wordfreq"):
        return
    if path.is_dir():
        raise DataError(f"--source {name}: is a folder; give a file of {language(lang).script.name} text (.txt, .gz) "
                        "or word counts (.tsv), or wikipedia or wordfreq")
    if not path.is_file():
        raise DataError(f"--source {name}: no such file (and not wikipedia or wordfreq)")


def load_source(name: str, lang: str, data_dir: str | None, exclude: set[str]) -> PriorSource:
    """`--source NAME`: wikipedia, wordfreq, a word-count .tsv or a text file in the output script."""
    if name == "wikipedia":
        return from_text(wikipedia_sample(lang, data_dir), exclude, "wikipedia", lang=lang)
    if name == "wordfreq":
        return from_wordfreq(lang)
    check_source_name(name, lang)
    path = Path(name).expanduser()
    return from_counts(path, lang) if path.suffix == ".tsv" else from_text(path, exclude, lang=lang)
