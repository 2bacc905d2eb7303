"""Sentence context: a word bigram model over native-script sentences (the words of the model's language,
languages.py), which chooses a sentence's words jointly.

Word by word, `main` is मैं or में and `ki` की or कि only by chance: the letters do not decide, the neighbours
do. Each word to transliterate gets its candidate list as in word mode (beam ∪ lexicon, with the model's and the
rescorers' scores), and a sentence's words are chosen together by Viterbi over that lattice (text/sentence.py),
maximizing

    Σ_i  s(y_i)  +  κ · log P(y_i | y_{i-1})

where s is `ranking.candidate_score` without its prior term and P is an interpolated absolute-discounting bigram
model (Kneser–Ney's discounting, D = 0.75) whose lower order is the model's tuned unigram word prior:

    P(w | v) = max(c(v, w) − D, 0) / c(v)  +  D · N₁₊(v •) / c(v) · P_prior(w),     P(w | v) = P_prior(w) if c(v) = 0.

With no context (an unseen previous word) this is the word prior, so context mode never knows less than word
mode. The bigram counts come from the same leak-free text as the prior (evaluation sentences dropped) and are
kept in the model folder as `context.tsv.gz` (PREVIOUS<TAB>WORD<TAB>COUNT, `<s>` starting a line); κ is tuned on
one half of Dakshina's dev sentences (`seqlab translit context`) and saved as `decoding.context_weight`.
"""
from __future__ import annotations

import gzip
import math
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from seqlab.errors import CheckpointError
from seqlab.io import atomic_path
from seqlab.translit.languages import DEFAULT_LANG, language
from seqlab.translit.words.counts import read_count_lines, read_counts
from seqlab.translit.words.prior import WordPrior

CONTEXT_FILE = "context.tsv.gz"
START = "<s>"
DISCOUNT = 0.75


class BigramContext:
    """Counts c(v, w) of word w after word v (or after START), and the interpolated P(w | v) above."""

    def __init__(self, counts: dict[str, Counter]):
        self.counts = counts
        self.totals = {v: sum(c.values()) for v, c in counts.items()}
        self.types = {v: len(c) for v, c in counts.items()}

    @classmethod
    def from_lines(cls, lines: Iterable[str], lang: str = DEFAULT_LANG) -> "BigramContext":
        """Bigrams of the language's words of each line (a line is a sentence; START begins it)."""
        counts: dict[str, Counter] = {}
        word_pattern = language(lang).word
        for line in lines:
            words = [START] + word_pattern.findall(line)
            for previous, word in zip(words, words[1:]):
                counts.setdefault(previous, Counter())[word] += 1
        return cls(counts)

    def log_prob(self, word: str, previous: str, prior: WordPrior) -> float:
        return self._interpolated(word, previous, prior.log_prob(word))

    def _interpolated(self, word: str, previous: str, prior_log_prob: float) -> float:
        following = self.counts.get(previous)
        if not following:
            return prior_log_prob
        total = self.totals[previous]
        return math.log(max(following.get(word, 0) - DISCOUNT, 0.0) / total
                        + DISCOUNT * self.types[previous] / total * math.exp(prior_log_prob))

    def starts(self, words: Sequence[str], prior: WordPrior) -> np.ndarray:
        """log P(w | START) of each word: how likely it is to begin a sentence, (len(words),)."""
        return self.transitions([START], words, prior)[0]

    def transitions(self, previous: Sequence[str], words: Sequence[str], prior: WordPrior) -> np.ndarray:
        """log P(words[j] | previous[i]) as a (len(previous), len(words)) array; each word's prior is looked up
        once, not once per previous word."""
        priors = [prior.log_prob(w) for w in words]
        return np.array([[self._interpolated(w, v, p) for w, p in zip(words, priors)] for v in previous],
                        dtype=np.float64)

    def __len__(self) -> int:
        return sum(self.types.values())

    def save(self, folder: Path) -> Path:
        path = Path(folder) / CONTEXT_FILE
        lines = "".join(f"{v}\t{w}\t{c}\n" for v in sorted(self.counts) for w, c in sorted(self.counts[v].items()))
        with atomic_path(path) as tmp:
            tmp.write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))
        return path

    @classmethod
    def load(cls, folder: Path, lang: str = DEFAULT_LANG) -> "BigramContext | None":
        path, word_pattern = Path(folder) / CONTEXT_FILE, language(lang).word
        if not path.is_file():
            return None
        hint = "; delete it and run `seqlab translit context` again"
        lines = read_count_lines(path, CheckpointError, hint)  # (words/counts.py: at most MAX_COUNT_FILE_BYTES)
        counts: dict[str, Counter] = {}
        keys = [lambda v: v == START or word_pattern.fullmatch(v), word_pattern.fullmatch]
        for (previous, word), count in read_counts(lines, path, keys,
                                                   "PREVIOUS<TAB>WORD<TAB>COUNT", CheckpointError, hint, min_count=1):
            counts.setdefault(previous, Counter())[word] += count
        return cls(counts)
