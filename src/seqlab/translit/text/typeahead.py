"""Type-ahead: one word's candidates ranked as sentence mode scores them, given the word typed before it.

Sentence mode (sentence.py) chooses a line's words jointly, maximizing Σ s(y_i) + κ · log P(y_i | y_{i-1}). A
person typing commits each word before the next one exists, so type-ahead ranks the word at the cursor by the
same terms with what is already there on its left:

    s(y) + κ · log P(y | v)     after a previous word v,        s(y) + λ · log P_prior(y)     at the start,

s being the candidate score without its prior term (lexicon weight μ; nasalized spellings join with a penalty,
sentence.nasal_variants), P the bigram model (bigrams.py), P_prior the unigram word prior. κ, λ, μ and the nasal
penalty are the running-text settings (config.TypeaheadConfig), tuned for the WER of always taking the first
candidate while typing the tune half of the dev sentences (`greedy_choice` replays exactly that).

Previous words are taken as they stand in the text. A Devanagari word is the context; a Latin one (a word the
user kept in Latin, an e-mail address) is unknown to the bigram model, so it is no context: the word is ranked
as at the start. Transliterating it first would make the ranking of one word cost a second decoding, for a
word the user chose not to transliterate. The bigram model sees one word back; up to two are accepted
(MAX_PREVIOUS) so that clients need not change when a longer context is used.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from seqlab.errors import SeqlabError
from seqlab.translit.config import TypeaheadConfig
from seqlab.translit.decoding.ranking import running_text_scores
from seqlab.translit.languages import DEFAULT_LANG, language
from seqlab.translit.text.sentence import Lattice
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.prior import WordPrior

MAX_PREVIOUS = 2
MAX_PREVIOUS_CHARS = 64  # config.MAX_WORD_LENGTH: a longer "word" is not one
EDITOR_LIST = 5  # candidates the editor asks for (serve/pages/editor.js K): the required cases hold there too


class RequiredFirst(NamedTuple):
    """A word whose first type-ahead candidate after the words `previous` must be `first`."""

    word: str
    previous: tuple[str, ...]
    first: str


# Per language, the first candidates running text cannot do without: the most frequent words, and a word whose
# spelling only the previous word decides (मैं after और, में after a noun). Tuning (`seqlab translit typeahead`)
# rejects settings that break one, and the tests check them through the API and the server.
REQUIRED_FIRST_CANDIDATES: dict[str, tuple[RequiredFirst, ...]] = {"hi": (
    RequiredFirst("aur", (), "और"), RequiredFirst("kal", ("मुझे",), "कल"), RequiredFirst("nahi", (), "नहीं"),
    RequiredFirst("ki", ("घर",), "की"), RequiredFirst("main", ("और",), "मैं"), RequiredFirst("main", ("घर",), "में"),
)}


def check_previous(previous: Sequence[str]) -> list[str]:
    """The previous words as given, refused (SeqlabError) when more than MAX_PREVIOUS or not single words."""
    previous = list(previous)
    if len(previous) > MAX_PREVIOUS:
        raise SeqlabError(f"previous: at most {MAX_PREVIOUS} words before the cursor, got {len(previous)}")
    for word in previous:
        check_standing_word(word, "previous")
    return previous


def check_standing_word(word: str, where: str) -> None:
    """SeqlabError naming `where` unless `word` is one word as it stands in the text (any script): 1 to
    MAX_PREVIOUS_CHARS characters, no whitespace."""
    if not isinstance(word, str) or not word or len(word) > MAX_PREVIOUS_CHARS or any(c.isspace() for c in word):
        raise SeqlabError(f"{where}: each word must be 1-{MAX_PREVIOUS_CHARS} characters without spaces, got "
                          f"{str(word)[:20]!r}")


def context_word(previous: Sequence[str], lang: str = DEFAULT_LANG) -> str | None:
    """The word the bigram model conditions on: the last previous word when it is a word of the language's script
    (languages.py), else none."""
    if not previous:
        return None
    last = previous[-1]
    return last if language(lang).word.fullmatch(last) else None


def ranked(candidates: Sequence[str], emissions: np.ndarray, previous: str | None, settings: TypeaheadConfig,
           context: BigramContext | None, prior: WordPrior | None) -> list[str]:
    """`candidates` best first by `ranking.running_text_scores` (ties: the earlier candidate)."""
    values = running_text_scores(candidates, emissions, previous, settings.context_weight, settings.prior_weight,
                                 context, prior)
    return [candidates[i] for i in np.argsort(-values, kind="stable")]


def greedy_choice(lat: Lattice, context_weight: float, prior_weight: float, context: BigramContext | None,
                  prior: WordPrior | None, lang: str = DEFAULT_LANG) -> list[str]:
    """What typing the line word by word and always taking the first candidate gives: each word ranked with the
    word committed before it as context (the first one of the line with the unigram prior). Uses the lattice's
    transition tables, so a grid of weights costs array lookups only."""
    if not lat.words or prior is None or context is None:
        return lat.choose(prior_weight if prior is not None else 0.0)
    _, transitions = lat.tables(context, prior)  # the first word has no previous one: the unigram prior
    chosen: list[str] = []
    word = language(lang).word
    row = -1  # the previous word's row in its transition table (-1: no context)
    for i, (emission, word_priors) in enumerate(zip(lat.emissions, lat.priors)):
        if lat.learned[i] or not len(emission):
            chosen.append(lat.learned[i] or "")
            row = 0 if lat.learned[i] else -1  # a learned word is its position's only row
        else:
            if row >= 0 and word.fullmatch(chosen[-1]):
                value = emission + context_weight * transitions[i - 1][row]
            else:
                value = emission + prior_weight * word_priors
            row = int(np.argmax(value))
            chosen.append(lat.candidates[i][row])
    return chosen
