"""Using a trained model: words, top-k candidates and whole sentences (the Python API behind `predict`)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import torch

from seqlab.device import resolve_device
from seqlab.errors import SeqlabError
from seqlab.options import check_fields
from seqlab.translit.checkpoint import PRETRAINED_DIR, load_model
from seqlab.translit.config import MAX_WORD_LENGTH, DecodingConfig
from seqlab.translit.decode import beam_search, candidate_score, greedy_decode
from seqlab.translit.model import Seq2Seq
from seqlab.translit.prior import WordPrior
from seqlab.translit.vocab import Vocabs, make_batch

# A run of letters (any script) is a word to transliterate; digits, spaces and punctuation pass through.
WORD = re.compile(r"[^\W\d_]+")
LEADING_WORD = re.compile(r"[^\W\d_]*")  # the letters a text starts with (possibly none)


def check_word_lengths(words: Sequence[str]) -> None:
    """Decoding time and memory grow with the square of a word's length: refuse what no real word needs."""
    for word in words:
        if len(word) > MAX_WORD_LENGTH:
            raise SeqlabError(f"words longer than {MAX_WORD_LENGTH} characters cannot be transliterated, got one of "
                              f"{len(word):,} characters ({word[:20]}…)")


class Transliterator:
    """A loaded model plus its vocabularies (and optional word prior); decodes many words at once in
    length-sorted batches."""

    def __init__(self, model: Seq2Seq, vocabs: Vocabs, config: dict | None = None, batch_size: int = 256,
                 prior: WordPrior | None = None):
        self.model, self.vocabs, self.config, self.batch_size = model.eval(), vocabs, config or {}, batch_size
        self.prior = prior
        self.decoding = DecodingConfig.from_config(self.config)

    def unknown_characters(self, words: Iterable[str]) -> Counter:
        """Input characters the model never saw in training (they are read as <unk>)."""
        return Counter(c for w in words for c in w.lower() if c not in self.vocabs.source.stoi)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _batches(self, words: Sequence[str]):
        check_word_lengths(words)
        encoded = [self.vocabs.source.encode(w.lower()) for w in words]
        order = sorted(range(len(words)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), self.batch_size):
            yield make_batch(order[start : start + self.batch_size], encoded, None).to(self.device)

    def scored_candidates(self, words: Sequence[str], beam_size: int) -> list[list[tuple[str, float, int]]]:
        """Per word, the beam's (output, log-prob, length as in `candidate_score`) before any ranking choice."""
        if beam_size < 1:
            raise SeqlabError(f"beam size must be at least 1, got {beam_size}")
        results: list[list[tuple[str, float, int]]] = [[] for _ in words]
        for batch in self._batches(words):
            hyps = beam_search(self.model, batch.source, batch.source_lengths, beam_size, 1.0)
            for row, word_hyps in zip(batch.index.tolist(), hyps):
                results[row] = [(self.vocabs.target.decode(h.tokens), h.log_prob, h.length) for h in word_hyps]
        return results

    def settings(self, beam_size: int | None = None, length_penalty: float | None = None,
                 prior_weight: float | None = None) -> DecodingConfig:
        """The decoding actually used: given values, else the model's defaults; no prior, no prior weight."""
        d = self.decoding
        chosen = DecodingConfig(d.beam_size if beam_size is None else beam_size,
                                d.length_penalty if length_penalty is None else length_penalty,
                                d.prior_weight if prior_weight is None else prior_weight)
        check_fields(chosen)  # a NaN or negative weight is refused, never silently ignored
        if self.prior is None:
            chosen.prior_weight = 0.0
        return chosen

    def candidates(self, words: Sequence[str], beam_size: int | None = None, length_penalty: float | None = None,
                   prior_weight: float | None = None) -> list[list[str]]:
        """Up to `beam_size` distinct outputs per word, best first (batched beam search, then reranking)."""
        s = self.settings(beam_size or max(self.decoding.beam_size, 5), length_penalty, prior_weight)
        return [_distinct(w for w, _ in rank(c, s.length_penalty, s.prior_weight, self.prior))
                for c in self.scored_candidates(words, s.beam_size)]

    def transliterate(self, words: Sequence[str], beam_size: int | None = None, length_penalty: float | None = None,
                      prior_weight: float | None = None) -> list[str]:
        """One Devanagari word per input word: greedy for beam size 1, else the best reranked beam."""
        beam_size = self.settings(beam_size).beam_size
        if beam_size > 1:
            return [c[0] if c else "" for c in self.candidates(words, beam_size, length_penalty, prior_weight)]
        results = [""] * len(words)
        for batch in self._batches(words):
            tokens, _ = greedy_decode(self.model, batch.source, batch.source_lengths)
            for row, ids in zip(batch.index.tolist(), tokens.tolist()):
                results[row] = self.vocabs.target.decode(ids)
        return results

    def attention(self, word: str) -> tuple[str, torch.Tensor | None]:
        """Greedy output and its attention matrix (output chars × input chars), None without attention."""
        check_word_lengths([word])
        batch = make_batch([0], [self.vocabs.source.encode(word.lower())], None).to(self.device)
        tokens, weights = greedy_decode(self.model, batch.source, batch.source_lengths, keep_attention=True)
        output = self.vocabs.target.decode(tokens[0].tolist())
        return output, None if weights is None else weights[0, : len(output) + 1, : len(word)]

    def transliterate_sentence(self, text: str, beam_size: int | None = None) -> str:
        """Transliterate the words of `text`; keep spaces, punctuation and digits exactly as they are, and words
        longer than MAX_WORD_LENGTH too."""
        return self.transliterate_text(text, beam_size)[0]

    def transliterate_text(self, text: str, beam_size: int | None = None) -> tuple[str, list[str], int]:
        """`transliterate_sentence` for text of any size (many lines at once: one batched decoding); also
        returns the words decoded and the number of words left as they were for being too long."""
        words = [m.group(0) for m in WORD.finditer(text)]
        short = [w for w in words if len(w) <= MAX_WORD_LENGTH]
        outputs = iter(self.transliterate(short, beam_size) if short else [])
        result = WORD.sub(lambda m: next(outputs) if len(m.group(0)) <= MAX_WORD_LENGTH else m.group(0), text)
        return result, short, len(words) - len(short)


def rank(candidates: list[tuple[str, float, int]], length_penalty: float, prior_weight: float,
         prior: WordPrior | None) -> list[tuple[str, float]]:
    """Order (output, log-prob, length) candidates by `candidate_score`, best first; the prior counts only when
    one is loaded and its weight is positive."""
    weight = prior_weight if prior is not None and prior_weight > 0 else 0.0
    scored = [(word, candidate_score(log_prob, length, length_penalty, weight, prior.log_prob(word) if weight else 0.0))
              for word, log_prob, length in candidates]
    return sorted(scored, key=lambda ws: ws[1], reverse=True)


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def load_transliterator(model_dir: str | Path | None = None, batch_size: int = 256,
                        device: str = "cpu") -> Transliterator:
    """Load a run directory or model folder; without one, the Hindi model shipped with seqlab.
    Decoding defaults to the CPU: single words are faster there than a GPU round trip."""
    target = resolve_device(device)  # a wrong --device fails before the model is read
    path = Path(model_dir) if model_dir else PRETRAINED_DIR
    model, vocabs, config = load_model(path)
    model.to(target)
    return Transliterator(model, vocabs, config, batch_size, WordPrior.load(path))
