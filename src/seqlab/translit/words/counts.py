"""Word-count files: the one reader of KEY<TAB>…<TAB>COUNT lines.

A model folder's `prior.tsv` (WORD, COUNT), `lexicon.tsv` (ROMAN, NATIVE, COUNT) and `context.tsv.gz` (PREVIOUS,
WORD, COUNT), and the word counts `seqlab translit prior --source FILE.tsv` reads, are all parsed here, so that
each refuses the same things in the same words: a line of the wrong shape, and, as the corpus reader does
(data/corpus.py), a count of more than `MAX_COUNT_DIGITS` digits — real counts are small, and a huge one would
stop `int()` (over 4300 digits) or overflow the float arithmetic of the prior — each as a one-line error naming
FILE:LINE, never a traceback. Shipped models keep `prior.tsv` and `lexicon.tsv` gzip-compressed (`count_file`
finds either form): twelve languages' word lists in the clear would not fit the 150 MB the package allows them.
"""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from seqlab.translit.data.corpus import MAX_COUNT_DIGITS

MAX_COUNT_FILE_BYTES = 256 * 2**20  # uncompressed; the largest shipped word list is a few MB


def count_file(folder: Path, name: str) -> Path | None:
    """`folder/name`, else its gzip-compressed form `folder/name.gz`; None when the folder has neither."""
    for path in (Path(folder) / name, Path(folder) / f"{name}.gz"):
        if path.is_file():
            return path
    return None


def read_count_lines(path: Path, error: type[Exception], hint: str = "", max_bytes: int | None = None) -> list[str]:
    """The lines of a UTF-8 count file, gunzipped when its name ends in .gz; at most `max_bytes` of text (default
    MAX_COUNT_FILE_BYTES), so a hostile or broken file (a gzip bomb) is a one-line `error` ending in `hint`, not
    unbounded memory."""
    max_bytes = MAX_COUNT_FILE_BYTES if max_bytes is None else max_bytes
    packed = path.suffix == ".gz"
    try:
        with gzip.open(path, "rb") if packed else path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            limit = f"{max_bytes >> 20} MB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"
            raise error(f"{path}: over {limit} uncompressed{hint}")
        return raw.decode("utf-8").splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        why = exc.reason if isinstance(exc, UnicodeDecodeError) else exc
        raise error(f"{path}: not {'a gzip-compressed UTF-8 file' if packed else 'UTF-8'} ({why}){hint}") from None


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
