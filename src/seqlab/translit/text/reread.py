"""Re-reading the last few committed words of running text with the words typed after them.

Type-ahead (typeahead.py) commits each word with its left context only. Once a few more words are there, sentence
mode's Viterbi (sentence.py) over them may read an earlier word differently: `kal` was committed as काल, and the
words after it make कल the better reading. `reread` reports such words with a margin: the score of the best path
over the window minus the score of the best path that keeps the committed word (sentence.path_scores), so a
client can offer only the clear ones (issue 21: a one-key correction; benchmarks/typeahead_keystrokes.py
--corrections measures whether that helps).

The window is scored as sentence mode scores a line (the model's decoding as `transliterate_text` uses it: its
beam, 10 for the shipped Hindi model, wider than the server's type-ahead beam of 5, so a re-reading may be a word
the editor never showed; its context lexicon weight and nasalized spellings), after `before`, the word left of
the window as it stands (none: the window starts the line), held fixed. A word kept as it stands (typed in the
output script, or left in Latin: its `committed` equals what was typed) and a word the user dictionary spells are
fixed too: context, never re-read. Only words with a word after them are re-read: the last one was just ranked
with all the context there is on its left.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from seqlab.errors import SeqlabError
from seqlab.translit.config import DecodingConfig
from seqlab.translit.text.sentence import Lattice, path_scores
from seqlab.translit.text.typeahead import check_standing_word
from seqlab.translit.transliterator import Transliterator

MAX_REREAD = 6  # words in one window: the bigram context reaches one word, a few suffice


@dataclass(frozen=True)
class Reread:
    """An earlier word of the window that sentence mode reads differently from what was committed."""

    index: int  # its position in the window
    word: str  # sentence mode's reading of it
    margin: float  # best path score minus the best path score keeping the committed word (≥ 0)


def check_window(words: Sequence[str], committed: Sequence[str], before: str | None) -> None:
    """SeqlabError naming the problem: 1–MAX_REREAD words, a committed text per word, single words throughout."""
    if not 1 <= len(words) <= MAX_REREAD:
        raise SeqlabError(f"words: give 1-{MAX_REREAD} words (the last ones typed), got {len(words)}")
    if len(committed) != len(words):
        raise SeqlabError(f"committed: one per word ({len(words)}), got {len(committed)}")
    for text in committed:
        check_standing_word(text, "committed")
    if before is not None:
        check_standing_word(before, "before")


def reread(translit: Transliterator, words: Sequence[str], committed: Sequence[str],
           before: str | None = None) -> list[Reread]:
    """The earlier words of the window (`words` as typed, `committed` as they now stand) that sentence mode reads
    otherwise, with their margins; [] when the model has no sentence context (no bigram model, greedy decoding)
    or a committed word is not among its position's candidates (nothing to compare)."""
    check_window(words, committed, before)
    decoded = [i for i, (w, c) in enumerate(zip(words, committed)) if w != c]
    translit.check_words([words[i] for i in decoded])
    s = translit.settings()
    if s.beam_size == 1 or s.context_weight <= 0 or not decoded:
        return []
    lat = _window(translit, words, committed, before, decoded, s)
    start, transitions = lat.tables(translit.context, translit.prior)
    scores = path_scores(lat.joint_emissions(), start, transitions, s.context_weight)
    shift, rows = (1 if before is not None else 0), lat.options()
    found = []
    for i in decoded:
        options, through = rows[i + shift], scores[i + shift]
        # (a word the user dictionary spells has that spelling as its only option: it is never read otherwise)
        if i == len(words) - 1 or committed[i] not in options:
            continue
        best = int(np.argmax(through))
        if options[best] != committed[i]:
            margin = float(through[best] - through[options.index(committed[i])])
            found.append(Reread(i, options[best], round(margin, 4)))
    return found


def _window(translit: Transliterator, words: Sequence[str], committed: Sequence[str], before: str | None,
            decoded: list[int], settings: DecodingConfig) -> Lattice:
    """The window as one sentence-mode lattice (Transliterator.lattices), words kept as they stand fixed, and
    `before` (when given) a fixed first position."""
    lat = translit.lattices([[words[i] for i in decoded]], settings, joint=True)[0]
    rows = iter(zip(lat.candidates, lat.emissions, lat.priors, lat.learned))
    fixed = (np.zeros(1), np.zeros(1))
    table: list[tuple] = [([before], *fixed, before)] if before is not None else []
    for i, text in enumerate(committed):
        table.append(next(rows) if i in decoded else ([text], *fixed, text))
    candidates, emissions, priors, learned = (list(column) for column in zip(*table))
    return Lattice(([before] if before is not None else []) + list(words), candidates, emissions, priors, learned)
