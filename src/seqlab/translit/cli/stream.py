"""Standard input, transliterated as it arrives: batched per read, in input order, with flat memory."""
from __future__ import annotations

import codecs
import os
import re
import sys
from collections import Counter
from functools import partial
from typing import Callable, Iterator

from seqlab.errors import SeqlabError
from seqlab.translit.config import MAX_WORD_LENGTH
from seqlab.translit.decoding.word_form import too_long
from seqlab.translit.text.tokens import tokens, word_matches
from seqlab.translit.transliterator import LEADING_WORD, Transliterator

_LINE_TEXT_LIMIT = 1 << 16  # characters of an unfinished line held back before its start is written
_MAX_TOKEN_HELD = 4096  # a trailing run without spaces (URL, e-mail) held back whole up to this length
_NON_SPACE = re.compile(r"\S*")


class TextStream:
    """Transliterates text that arrives in pieces (standard input), keeping input order and flat memory.

    The complete lines of each piece are decoded in one batched call and written at once, so a typed line is
    answered immediately and a file is decoded in batches of thousands of words. An unfinished line is held
    back up to _LINE_TEXT_LIMIT characters, then written but for its last word; a word longer than
    MAX_WORD_LENGTH is written through untouched as it arrives, so not even a gigabyte-long line is ever
    held in memory. With top_k > 1 every word becomes one line of its top_k best candidates (separated by
    spaces), ranked as running text after the first candidates of the words before it on its line (type-ahead's
    ranking, text/typeahead.py; word by word with context=False), and a line without words is written as it is.
    Bytes are decoded as strict UTF-8: the first bad line is an error naming it.
    """

    def __init__(self, translit: Transliterator, write: Callable[[str], object], beam_size: int | None = None,
                 top_k: int = 1, source: str = "standard input", context: bool = True):
        self.translit, self.write, self.beam_size, self.top_k, self.source = translit, write, beam_size, top_k, source
        self.context = context  # each line's words chosen jointly (context.py), where the model has a bigram model
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
        self._previous: list[str] = []  # top-k: the line's last two words as written (first candidates)

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
        if len(text) - cut > _LINE_TEXT_LIMIT:  # then all of it but its last (maybe unfinished) token
            last_word = LEADING_WORD.match(text[-MAX_WORD_LENGTH - 1 :][::-1]).end()
            last_token = _NON_SPACE.match(text[-_MAX_TOKEN_HELD - 1 :][::-1]).end()  # an address may go on too
            cut = len(text) - (last_token if last_token <= _MAX_TOKEN_HELD else last_word)
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
        result, words, too_long = self.translit.transliterate_text(text, self.beam_size, self.context)
        self.unknown.update(self.translit.unknown_characters(words))
        self.too_long += too_long
        return result

    def _emit_candidates(self, text: str) -> str:
        words = [m.group(0) for m in word_matches(text, self.translit.direction, self.translit.lang)]
        short = [w for w in words if not too_long(w)]
        self.unknown.update(self.translit.unknown_characters(short))
        self.too_long += len(words) - len(short)
        beam = max(self.top_k, self.beam_size or 1)
        if self.context:
            self.translit.cached_scored(short, beam)  # one batched decoding; each word is then ranked in turn
        ranked = iter([] if self.context or not short else self.translit.candidate_lists(short,
                                                                                        self.translit.settings(beam)))
        out, start = [], 0
        for m in tokens(text, self.translit.direction, True, self.translit.lang):  # line ends too: a line per word
            token = m.group(0)
            if m.lastgroup == "native":  # a word already in the output script is context as it stands
                self._previous = [*self._previous, token][-2:]
            if m.lastgroup not in ("newline", "word"):  # passed-through tokens get no candidate line
                continue
            if token == "\n":
                if not self._line_words:
                    out.append(self._line_text + text[start : m.end()])
                self._line_words, self._line_text, self._line_cut, self._previous = 0, "", False, []
            else:
                shown = token if too_long(token) else " ".join(self._ranked(token, beam, ranked))
                out.append(self._word_line_start() + shown + "\n")
            start = m.end()
        if not self._line_words:
            self._line_text += text[start:]
            if len(self._line_text) > _LINE_TEXT_LIMIT:  # a huge line without words so far: write its start now
                out.append(self._line_text)
                self._line_text, self._line_cut = "", True
        return "".join(out)

    def _ranked(self, word: str, beam: int, ranked: Iterator[list[str]]) -> list[str]:
        """The top_k candidates of `word`: after the line's words before it, or the next of the word-mode lists."""
        if not self.context:
            return next(ranked)[: self.top_k]
        found = self.translit.candidates_in_context([word], self._previous, beam)[0]
        self._previous = [*self._previous, found[0] if found else word][-2:]
        return found[: self.top_k]

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


def check_arguments(texts: list[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates; refuse them before they reach the output."""
    for number, text in enumerate(texts, 1):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(text[exc.start]) - 0xDC00  # os.fsdecode's surrogateescape: U+DC80–U+DCFF are bytes 0x80–0xFF
            shown = f"byte 0x{byte:02x}" if 0x80 <= byte <= 0xFF else f"U+{ord(text[exc.start]):04X}"
            raise SeqlabError(f"argument {number} is not valid UTF-8 ({shown})") from None


def stdin_chunks(size: int = 1 << 16) -> Iterator[bytes | str]:
    """Whatever standard input has ready, up to `size` bytes: a typed line at once, a file in big batches.
    Falls back to sys.stdin's binary buffer, or its text, where it has no file descriptor (tests)."""
    stdin = sys.stdin
    if stdin is None:  # started with stdin closed
        raise SeqlabError("no words given and standard input is closed")
    try:
        fd = stdin.fileno()
        read = partial(os.read, fd, size)
    except (AttributeError, OSError, ValueError):
        buffer = getattr(stdin, "buffer", None)
        read = partial(getattr(buffer, "read1", buffer.read), size) if buffer is not None else partial(stdin.read, size)
    try:
        while chunk := read():
            yield chunk
    except OSError as exc:
        raise SeqlabError(f"cannot read standard input: {exc.strerror or exc}") from None
