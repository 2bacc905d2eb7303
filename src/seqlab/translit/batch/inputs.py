"""The files a batch job reads, and where each one's transliteration goes.

An INPUT file is written to OUTPUT/its-name; an INPUT folder to OUTPUT/folder-name/…, every file below it at the
same relative path (hidden files and folders are left out: editor backups, .git). So the output mirrors the input
tree, and two inputs can never write the same file (such a pair is refused). A .gz input gives a .gz output.
Inputs and output are checked against each other before anything runs: an input inside the output folder, or an
output folder inside an input folder, would make one run's results the next run's inputs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from seqlab.errors import SeqlabError

STATE_DIR = ".seqlab-batch"  # the run's own files under OUTPUT: manifest, finished shards, lock


@dataclass(frozen=True)
class InputFile:
    """One file to transliterate: where it is, where its result goes (relative to OUTPUT), and its identity when
    the run began (size and modification time, recorded in the manifest so a changed file is noticed)."""

    path: Path
    name: str  # the output path relative to OUTPUT, with / separators
    size: int
    mtime_ns: int

    @property
    def compressed(self) -> bool:
        return self.path.name.endswith(".gz")

    def identity(self) -> dict:
        return {"input": str(self.path), "output": self.name, "size": self.size, "mtime_ns": self.mtime_ns}


def find_inputs(inputs: Iterable[str | os.PathLike], output: str | os.PathLike) -> list[InputFile]:
    """Every file the INPUT arguments name, in a stable order, with one-line errors for what cannot be run."""
    out = Path(output).expanduser().resolve()
    found: dict[str, InputFile] = {}
    given = [Path(p).expanduser() for p in inputs]
    if not given:
        raise SeqlabError("no INPUT given: name text files, .gz files or folders of them")
    for arg in given:
        for file in _files_of(arg, out):
            other = found.get(file.name)
            if other is not None:
                raise SeqlabError(f"inputs {other.path} and {file.path} would both be written to {out / file.name}; "
                                  "rename one or transliterate them in separate runs")
            found[file.name] = file
    return list(found.values())


def _files_of(arg: Path, out: Path) -> list[InputFile]:
    if not arg.exists():
        raise SeqlabError(f"input {arg}: no such file or folder")
    path = arg.resolve()
    if path == out or out in path.parents:
        raise SeqlabError(f"input {arg} is inside the output folder {out}; give an --output folder elsewhere")
    if path.is_file():
        return [_input_file(path, path.name, arg)]
    if not path.is_dir():
        raise SeqlabError(f"input {arg} is neither a file nor a folder")
    if path in out.parents:
        raise SeqlabError(f"--output {out} is inside input folder {arg}: its results would be read as inputs; give an "
                          "--output folder outside it")
    top = path.name or "input"  # `/` has no name
    files = [p for p in sorted(path.rglob("*")) if p.is_file() and not _hidden(p.relative_to(path))]
    if not files:
        raise SeqlabError(f"input {arg}: the folder holds no files")
    return [_input_file(p, f"{top}/{p.relative_to(path).as_posix()}", p) for p in files]


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _input_file(path: Path, name: str, shown: Path) -> InputFile:
    if name.split("/")[0] == STATE_DIR:
        raise SeqlabError(f"input {shown} has the name of the run's own folder {STATE_DIR}; rename it")
    try:
        stat = path.stat()
    except OSError as exc:
        raise SeqlabError(f"input {shown}: cannot read it ({exc.strerror or exc})") from None
    if not os.access(path, os.R_OK):
        raise SeqlabError(f"input {shown}: cannot read it (permission denied)")
    return InputFile(path, name, stat.st_size, stat.st_mtime_ns)
