"""Reading the transliteration corpora: Dakshina lexicons (TSV) and Aksharantar (CSV), line by line, each bad line
named by FILE:LINE (or skipped and counted with --skip-bad-lines). Where the files are is paths.py's business,
fetching them download.py's.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from seqlab.errors import DataError
from seqlab.translit.config import DIRECTIONS
from seqlab.translit.data.paths import find_split

MAX_COUNT_DIGITS = 9  # annotator counts are small; int() refuses strings of over 4300 digits
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # C0/C1 controls but tab, line separators


@dataclass(frozen=True)
class Pair:
    """One training example: Latin `source`, native-script `target`, and how many annotators gave it."""

    source: str
    target: str
    count: int = 1


def _physical_lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield (line number, text, problem) per `\\n`-terminated line, decoded alone so that one undecodable
    line is one bad line; line numbers are those of editors and `sed -n`."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        what = "is a directory, expected a data file" if path.is_dir() else f"cannot be read ({exc.strerror})"
        raise DataError(f"{path}: {what}") from None
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            raw = raw.removesuffix(b"\n").removesuffix(b"\r")
            if lineno == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                yield lineno, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield lineno, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x}); re-save the file as UTF-8"


def _read_pairs(path: Path, skip_bad_lines: bool, parse: Callable[[str], Pair | str]) -> tuple[list[Pair], int]:
    """Parse each non-blank line with `parse` (a Pair, or what is wrong); stop at, or skip and count, bad lines."""
    pairs, skipped, blank = [], 0, True
    for lineno, text, problem in _physical_lines(path):
        if text is not None and not text.strip():
            continue
        blank = False
        result = parse(text) if problem is None else problem
        if isinstance(result, Pair):
            pairs.append(result)
        elif skip_bad_lines:
            skipped += 1
        else:
            raise DataError(f"{path}:{lineno}: {result} (use --skip-bad-lines to drop such lines)")
    if blank:
        raise DataError(f"{path}: file is empty")
    return _non_empty(pairs, path, skipped), skipped


def _check_fields(fields: list[str], expected: int, what: str) -> str | None:
    if len(fields) != expected:
        return f"expected {expected} {what} fields, found {len(fields)}"
    if any(not f.strip() for f in fields):
        return "empty field"
    control = next((m for m in map(_CONTROL.search, fields) if m), None)
    if control:  # a lone CR, NUL or line separator inside a word: junk, not a character to learn
        return f"control character U+{ord(control.group()):04X} in a field"
    return None


def _parse_tsv_line(line: str) -> Pair | str:
    fields = line.split("\t")
    problem = _check_fields(fields, 3, "tab-separated")
    if problem:
        return problem
    count = fields[2].strip()
    if not (count.isascii() and count.isdigit()):  # str.isdigit() alone accepts '²', which int() rejects
        return f"count {fields[2]!r} is not a whole number"
    if len(count) > MAX_COUNT_DIGITS:
        return f"count has more than {MAX_COUNT_DIGITS} digits"
    return Pair(source=fields[1].strip(), target=fields[0].strip(), count=int(count))


def _parse_csv_line(line: str) -> Pair | str:
    try:  # one physical line alone: an unbalanced quote cannot swallow the lines after it
        fields = next(csv.reader([line], strict=True))
    except csv.Error as exc:
        return f"malformed CSV ({exc}); check its quotes"
    return _check_fields(fields, 2, "comma-separated") or Pair(source=fields[0].strip(), target=fields[1].strip())


def read_dakshina_tsv(path: Path, skip_bad_lines: bool = False) -> tuple[list[Pair], int]:
    """Read `native<TAB>roman<TAB>count` lines; return (pairs, number of bad lines skipped)."""
    return _read_pairs(path, skip_bad_lines, _parse_tsv_line)


def read_aksharantar_csv(path: Path, skip_bad_lines: bool = False) -> tuple[list[Pair], int]:
    """Read `roman,native` rows (no header, one per line); return (pairs, number of bad lines skipped)."""
    return _read_pairs(path, skip_bad_lines, _parse_csv_line)


def _non_empty(pairs: list[Pair], path: Path, skipped: int) -> list[Pair]:
    if not pairs:
        raise DataError(f"{path}: no usable pairs ({skipped} bad lines skipped)")
    return pairs


def load_split(
    dataset: str, lang: str, split: str, data_dir: str | None = None, skip_bad_lines: bool = False,
    direction: str = DIRECTIONS[0],
) -> tuple[list[Pair], int]:
    """Locate and read one split; return (pairs, bad lines skipped). For native-to-roman the columns are swapped:
    the native word is the input and each attested romanization a target."""
    if direction not in DIRECTIONS:
        raise DataError(f"unknown direction {direction!r}; choose one of: {', '.join(DIRECTIONS)}")
    path = find_split(dataset, lang, split, data_dir)
    reader = read_dakshina_tsv if dataset == "dakshina" else read_aksharantar_csv
    pairs, skipped = reader(path, skip_bad_lines)
    if direction == "native-to-roman":
        pairs = [Pair(p.target, p.source, p.count) for p in pairs]
    return pairs, skipped
