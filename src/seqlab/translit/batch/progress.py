"""What a batch job shows while it runs and when it ends.

On a terminal a tqdm bar (lines, lines/s, words/s, ETA); anywhere else, such as a log file or CI, a plain line every
LOG_EVERY_S seconds, since a redrawn bar becomes hundreds of lines there. The API is silent unless given one.
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from typing import TextIO

from tqdm import tqdm

LOG_EVERY_S = 30.0


class Progress:
    """Silent; the base of the visible kinds (and a hook for callers of `transliterate_files`)."""

    def start(self, total_lines: int, done_lines: int) -> None:
        """The corpus has `total_lines`, of which an earlier run finished `done_lines`."""

    def update(self, lines: int, words: int) -> None:
        """A shard of `lines` lines and `words` words is finished."""

    def close(self) -> None:
        """The job ended (finished or not)."""


class _Rates(Progress):
    def start(self, total_lines: int, done_lines: int) -> None:
        self.total, self.lines, self.words, self.began = total_lines, done_lines, 0, time.monotonic()
        self.first = done_lines

    def update(self, lines: int, words: int) -> None:
        self.lines, self.words = self.lines + lines, self.words + words

    def rates(self) -> tuple[float, float, float | None]:
        """(lines/s, words/s, seconds left) of this run so far."""
        seconds = max(time.monotonic() - self.began, 1e-9)
        per_s = (self.lines - self.first) / seconds
        left = (self.total - self.lines) / per_s if per_s > 0 else None
        return per_s, self.words / seconds, left


class BarProgress(_Rates):
    def start(self, total_lines: int, done_lines: int) -> None:
        super().start(total_lines, done_lines)
        self.bar = tqdm(total=total_lines, initial=done_lines, unit="line", unit_scale=total_lines >= 100_000,
                        file=sys.stderr, desc="batch", dynamic_ncols=True)

    def update(self, lines: int, words: int) -> None:
        super().update(lines, words)
        self.bar.set_postfix_str(f"{self.rates()[1]:,.0f} words/s", refresh=False)
        self.bar.update(lines)

    def close(self) -> None:
        if hasattr(self, "bar"):
            self.bar.close()


class LogProgress(_Rates):
    def __init__(self, stream: TextIO | None = None, every_s: float = LOG_EVERY_S):
        self.stream, self.every_s = stream, every_s

    def start(self, total_lines: int, done_lines: int) -> None:
        super().start(total_lines, done_lines)
        self.logged = self.began
        self._say(f"batch: {total_lines:,} lines to transliterate" +
                  (f", {done_lines:,} of them done by an earlier run" if done_lines else ""))

    def update(self, lines: int, words: int) -> None:
        super().update(lines, words)
        now = time.monotonic()
        if now - self.logged >= self.every_s and self.lines < self.total:
            self.logged = now
            per_s, words_s, left = self.rates()
            share = self.lines / self.total if self.total else 1.0
            eta = f", about {_duration(left)} left" if left is not None else ""
            self._say(f"batch: {self.lines:,}/{self.total:,} lines ({share:.0%}), {per_s:,.1f} lines/s, "
                      f"{words_s:,.0f} words/s{eta}")

    def _say(self, line: str) -> None:
        print(line, file=self.stream or sys.stderr, flush=True)


def terminal_progress() -> Progress:
    """A bar where a person watches stderr, log lines elsewhere."""
    return BarProgress() if sys.stderr.isatty() else LogProgress()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


@dataclass
class BatchSummary:
    """The corpus's counts (every finished shard, this run's and earlier runs') and this run's speed."""

    output: str
    files: int
    lines: int
    words: int
    unknown_characters: str  # the distinct characters never seen in training (read as <unk>), sorted
    unknown_count: int  # their occurrences
    too_long: int  # words longer than MAX_WORD_LENGTH, written as they are
    skipped_lines: int  # lines that were not UTF-8, written as empty lines (--skip-bad-lines)
    shards: int
    shards_decoded: int  # by this run
    shards_reused: int  # finished by an earlier run
    words_decoded: int  # by this run
    seconds: float  # this run's decoding time (cluster start and model loading included)
    model_words: int = 0  # words whose candidates the model decoded in this run, all workers together (sharing.py:
    # each distinct word once, however many workers; 0 for greedy decoding, which decodes every word as it comes)

    @property
    def words_per_s(self) -> float:
        return self.words_decoded / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "words_per_s": round(self.words_per_s, 1), "seconds": round(self.seconds, 2)}

    def text(self) -> str:
        reused = f" ({self.shards_reused} finished by an earlier run)" if self.shards_reused else ""
        unknown = (f"{self.unknown_count:,} unknown characters read as <unk> ({self.unknown_characters})"
                   if self.unknown_count else "no unknown characters")
        return (f"{self.lines:,} lines, {self.words:,} words in {self.files:,} file(s) → {self.output}\n"
                f"decoded {self.shards_decoded:,} of {self.shards:,} shards{reused} in {self.seconds:,.1f} s: "
                f"{self.words_per_s:,.0f} words/s"
                + (f" ({self.model_words:,} distinct words decoded by the model)" if self.model_words else "") + "\n"
                f"{unknown}; {self.too_long:,} over-long words left as they are; "
                f"{self.skipped_lines:,} bad lines skipped")
