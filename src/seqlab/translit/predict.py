"""Using a trained model: words, top-k candidates and whole sentences (the Python API behind `predict`)."""
from __future__ import annotations

import codecs
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Sequence

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


class TextStream:
    """Transliterates text that arrives in pieces (standard input), keeping input order and flat memory.

    The complete lines of each piece are decoded in one batched call and written at once, so a typed line is
    answered immediately and a file is decoded in batches of thousands of words. An unfinished line is held
    back up to _LINE_TEXT_LIMIT characters, then written but for its last word; a word longer than
    MAX_WORD_LENGTH is written through untouched as it arrives, so not even a gigabyte-long line is ever
    held in memory. With top_k > 1 every word becomes one line of its top_k best candidates (separated by
    spaces) and a line without words is written as it is.
    Bytes are decoded as strict UTF-8: the first bad line is an error naming it.
    """

    def __init__(self, translit: Transliterator, write: Callable[[str], object], beam_size: int | None = None,
                 top_k: int = 1, source: str = "standard input"):
        self.translit, self.write, self.beam_size, self.top_k, self.source = translit, write, beam_size, top_k, source
        self.unknown: Counter = Counter()  # characters never seen in training, read as <unk>
        self.too_long = 0  # words longer than MAX_WORD_LENGTH, written as they are
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._line = 1  # the line being read, for decoding errors
        self._tail = ""  # the unfinished last line (of a very long one, its last word) not yet transliterated
        self._in_long = False  # inside an over-long word whose start is already written
        self._last = ""  # the last character read
        self._line_words = 0  # top-k: words of the current line so far
        self._line_text = ""  # top-k: the current line while it has no words (written as it is if none come)
        self._line_cut = False  # top-k: the start of that line was written already (it was very long)

    def feed(self, data: bytes | str, final: bool = False) -> None:
        """Transliterate and write the lines `data` completes (see the class)."""
        if isinstance(data, str):
            self._text(data, final)
            return
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            self._text(exc.object[: exc.start].decode("utf-8"), False)  # writes the lines before the bad one
            raise SeqlabError(f"{self.source} line {self._line} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}"
                              "); convert it with iconv first") from None
        self._text(text, final)

    def finish(self) -> None:
        """End of input: write the held-back word and end the last line."""
        self.feed(b"", final=True)

    def _text(self, text: str, final: bool) -> None:
        self._line += text.count("\n")
        self._last = text[-1:] or self._last
        text, out = self._tail + text, []
        if self._in_long:  # the over-long word goes on: write its next letters as they are
            run = LEADING_WORD.match(text).end()
            self._in_long = run == len(text) and not final
            out.append(text[:run] + ("\n" if self.top_k > 1 and not self._in_long else ""))
            text = text[run:]
        cut = len(text) if final else text.rfind("\n") + 1  # whole lines, unless the last one is very long:
        if len(text) - cut > _LINE_TEXT_LIMIT:  # then all of it but its last (maybe unfinished) word
            last_word = LEADING_WORD.match(text[-MAX_WORD_LENGTH - 1 :][::-1]).end()
            cut = len(text) - last_word
            if last_word > MAX_WORD_LENGTH:  # an over-long word has begun: write it as it comes
                cut = len(text) - LEADING_WORD.match(text[::-1]).end()
                self.too_long += 1
                self._in_long = True
        self._tail = text[cut:]
        out.append(self._emit(text[:cut]))
        if self._in_long and self._tail:
            out.append(self._word_line_start() + self._tail)
            self._tail = ""
        if final:
            out.append(self._end())
        if any(out):
            self.write("".join(out))

    def _emit(self, text: str) -> str:
        if not text:
            return ""
        if self.top_k > 1:
            return self._emit_candidates(text)
        result, words, too_long = self.translit.transliterate_text(text, self.beam_size)
        self.unknown.update(self.translit.unknown_characters(words))
        self.too_long += too_long
        return result

    def _emit_candidates(self, text: str) -> str:
        words = [m.group(0) for m in WORD.finditer(text)]
        short = [w for w in words if len(w) <= MAX_WORD_LENGTH]
        self.unknown.update(self.translit.unknown_characters(short))
        self.too_long += len(words) - len(short)
        beam = max(self.top_k, self.beam_size or 1)
        ranked = iter(self.translit.candidates(short, beam) if short else [])
        out, start = [], 0
        for m in _WORD_OR_NEWLINE.finditer(text):
            token = m.group(0)
            if token == "\n":
                if not self._line_words:
                    out.append(self._line_text + text[start : m.end()])
                self._line_words, self._line_text, self._line_cut = 0, "", False
            else:
                shown = " ".join(next(ranked)[: self.top_k]) if len(token) <= MAX_WORD_LENGTH else token
                out.append(self._word_line_start() + shown + "\n")
            start = m.end()
        if not self._line_words:
            self._line_text += text[start:]
            if len(self._line_text) > _LINE_TEXT_LIMIT:  # a huge line without words so far: write its start now
                out.append(self._line_text)
                self._line_text, self._line_cut = "", True
        return "".join(out)

    def _word_line_start(self) -> str:
        """Top-k: a word begins a line; that ends a word-less line whose start was already written."""
        if self.top_k <= 1:
            return ""
        start = "\n" if self._line_cut and not self._line_words else ""
        self._line_words, self._line_text = self._line_words + 1, ""
        return start

    def _end(self) -> str:
        if self.top_k > 1:
            return self._line_text + "\n" if not self._line_words and (self._line_text or self._line_cut) else ""
        return "\n" if self._last not in ("", "\n") else ""


_WORD_OR_NEWLINE = re.compile(r"[^\W\d_]+|\n")
_LINE_TEXT_LIMIT = 1 << 16  # characters of an unfinished line held back before its start is written
