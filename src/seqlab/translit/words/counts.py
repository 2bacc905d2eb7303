"""Word-count files: the one reader of KEY<TAB>…<TAB>COUNT lines.

A model folder's `prior.tsv` (WORD, COUNT), `lexicon.tsv` (ROMAN, NATIVE, COUNT) and `context.tsv.gz` (PREVIOUS,
WORD, COUNT), and the word counts `seqlab translit prior --source FILE.tsv` reads, are all parsed here, so that
each refuses the same things in the same words: a line of the wrong shape, and, as the corpus reader does
(data/corpus.py), a count of more than `MAX_COUNT_DIGITS` digits — real counts are small, and a huge one would
stop `int()` (over 4300 digits) or overflow the float arithmetic of the prior — each as a one-line error naming
FILE:LINE, never a traceback.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from seqlab.translit.data.corpus import MAX_COUNT_DIGITS


def read_counts(lines: Iterable[str], path: Path, keys: Sequence[Callable[[str], object]], layout: str,
                error: type[Exception], hint: str = "", min_count: int = 0) -> Iterator[tuple[list[str], int]]:
    """(keys, count) of each line: its tab-separated fields, each checked by its predicate in `keys`, then a
    whole ASCII count ≥ `min_count`; anything else raises `error` naming FILE:LINE and the `layout` expected
    (e.g. WORD<TAB>COUNT), followed by `hint` (what to do about it)."""
    for lineno, line in enumerate(lines, start=1):
        fields = line.split("\t")
        count = fields[-1]
        if (len(fields) != len(keys) + 1 or not all(ok(field) for ok, field in zip(keys, fields))
                or not (count.isascii() and count.isdigit())):
            raise error(f"{path}:{lineno}: expected {layout}, got {line[:60]!r}{hint}")
        if len(count) > MAX_COUNT_DIGITS:
            raise error(f"{path}:{lineno}: count has more than {MAX_COUNT_DIGITS} digits{hint}")
        if int(count) < min_count:
            raise error(f"{path}:{lineno}: expected {layout}, got {line[:60]!r}{hint}")
        yield fields[:-1], int(count)
