"""An input file cut into shards of whole lines: the unit a worker decodes, the manifest records and a resume redoes.

A shard is `shard_lines` lines, or fewer once it holds SHARD_BYTES: a line never straddles two shards, so each
line keeps its sentence context and the shards' outputs, one after the other, are exactly what `predict` writes
for the whole file. The cut depends only on the file's bytes and `shard_lines`, so a resumed run cuts the same
shards. Files are read sequentially (plain or gzip alike) and one shard at a time, so memory stays flat however
large the corpus. Bytes are checked the way `predict` checks stdin: a line that is not UTF-8 is an error naming
FILE:LINE, or with `skip_bad_lines` an empty line in its place (counted); a file with NUL bytes in its first
block is binary and refused; a line longer than MAX_LINE_BYTES is refused (it would have to be held whole).
"""
from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from seqlab.errors import SeqlabError, first_line
from seqlab.translit.batch.inputs import InputFile

SHARD_BYTES = 8 << 20
MAX_LINE_BYTES = 16 << 20
BINARY_PROBE = 8192  # bytes looked at for NULs, as git and grep do


@dataclass
class Shard:
    """Lines first_line … first_line + lines - 1 (1-based) of a file, decoded; `skipped` of them were not UTF-8."""

    index: int
    first_line: int
    lines: int
    text: str
    skipped: int = 0


def read_shards(source: InputFile, shard_lines: int, skip_bad_lines: bool) -> Iterator[Shard]:
    """The shards of `source`, in order (see the module)."""
    try:
        with _open(source) as handle:
            _refuse_binary(source, handle)
            yield from _cut(source, handle, shard_lines, skip_bad_lines)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise SeqlabError(f"{source.path}: not a valid gzip file ({first_line(exc)})") from None
    except OSError as exc:
        raise SeqlabError(f"{source.path}: cannot read it ({exc.strerror or first_line(exc)})") from None


def count_shards(source: InputFile, shard_lines: int, skip_bad_lines: bool) -> tuple[int, int]:
    """(shards, lines) of `source`, reading it through once: every bad input is found before any work starts."""
    shards = lines = 0
    for shard in read_shards(source, shard_lines, skip_bad_lines):
        shards, lines = shards + 1, lines + shard.lines
    return shards, lines


def _open(source: InputFile) -> BinaryIO:
    return gzip.open(source.path, "rb") if source.compressed else open(source.path, "rb")


def _refuse_binary(source: InputFile, handle) -> None:
    if b"\0" in handle.peek(BINARY_PROBE)[:BINARY_PROBE]:
        raise SeqlabError(f"{source.path} is a binary file (it holds NUL bytes), not text; leave it out of the inputs")


def _cut(source: InputFile, handle, shard_lines: int, skip_bad_lines: bool) -> Iterator[Shard]:
    index, first, raw, size = 0, 1, [], 0
    while line := handle.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES:
            raise SeqlabError(f"{source.path}:{first + len(raw)}: line longer than {MAX_LINE_BYTES >> 20} MiB; batch "
                              "holds whole lines in memory (split it, or use `predict` on standard input)")
        raw.append(line)
        size += len(line)
        if len(raw) == shard_lines or size >= SHARD_BYTES:
            yield _decode(source, index, first, raw, skip_bad_lines)
            index, first, raw, size = index + 1, first + len(raw), [], 0
    if raw:
        yield _decode(source, index, first, raw, skip_bad_lines)


def _decode(source: InputFile, index: int, first: int, raw: list[bytes], skip_bad_lines: bool) -> Shard:
    """Whole shard at once (fast); only when that fails line by line, to name or skip the bad ones."""
    try:
        return Shard(index, first, len(raw), b"".join(raw).decode("utf-8"))
    except UnicodeDecodeError:
        pass
    texts, skipped = [], 0
    for number, line in enumerate(raw, first):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if not skip_bad_lines:
                raise SeqlabError(f"{source.path}:{number}: not valid UTF-8 (byte 0x{line[exc.start]:02x}); convert "
                                  "it with iconv first, or give --skip-bad-lines to write an empty line for it"
                                  ) from None
            texts.append("\n")  # one output line per input line, even for the last, unterminated one
            skipped += 1
    return Shard(index, first, len(raw), "".join(texts), skipped)
