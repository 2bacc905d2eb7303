"""File I/O: atomic writes (a crash or kill -9 leaves either the old file or the new one, never half of one) and
bounded reads of regular files."""
from __future__ import annotations

import fcntl
import json
import os
import socket
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from seqlab.errors import SeqlabError


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is fsynced and renamed over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def read_json_record(path: Path, record_format: Any, error: type[Exception], unreadable: str, foreign: str) -> dict:
    """The JSON object a seqlab writer saved in `path` with "format": `record_format`. A file that cannot be read
    or parsed raises `error(unreadable)`, one of another format `error(foreign)`; both messages may name {path},
    `unreadable` also {exc}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(unreadable.format(path=path, exc=exc)) from None
    if not isinstance(data, dict) or data.get("format") != record_format:
        raise error(foreign.format(path=path))
    return data


def append_jsonl_atomic(path: str | os.PathLike, record: dict) -> None:
    """Append one JSON line by rewriting the (small) file, so a partial line can never appear."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    write_text_atomic(path, old + json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


TEMPORARY_PATTERN = ".*.tmp"  # what `atomic_path` names its temporaries


def folder_megabytes(folder: str | os.PathLike) -> float:
    """The size of every file under `folder`, in MiB (what a model folder adds to the package)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete temporaries that a writer killed mid-write (kill -9) left in `folder`. Call it only while holding
    the folder's `RunLock`: then no live writer owns them."""
    stale = [p for p in Path(folder).glob(TEMPORARY_PATTERN) if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def output_dir(path: str | os.PathLike, option: str) -> Path:
    """Create an output folder (and its parents) or say in one line why it cannot be one."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise SeqlabError(f"{option} {path} is a file, not a folder; give a folder path")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SeqlabError(f"{option} {path}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SeqlabError(f"{option} {path}: folder is not writable")
    return path


def output_file(path: str | os.PathLike, option: str) -> Path:
    """Check before the work (a generation, a training) that a file can be written at `path`: not a folder, in a
    writable folder (created with its parents), so the work is not lost to a bad path found only at the end."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise SeqlabError(f"{option} {path} is a folder; give a file name (e.g. {path / 'out.txt'})")
    output_dir(path.parent, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise SeqlabError(f"{option} {path}: file is not writable")
    return path


class RunLock:
    """One writer per run folder: an exclusive `flock` on FOLDER/.lock, which records the holder's PID.

    The kernel drops the lock when its process dies, even by kill -9, so a stale lock never blocks a resume;
    a second writer fails at once with a message naming the holder."""

    NAME = ".lock"

    def __init__(self, folder: str | os.PathLike, what: str = "run folder"):
        self.path, self.what, self._handle = Path(folder) / self.NAME, what, None

    def __enter__(self) -> "RunLock":
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SeqlabError(f"{self.path.parent} is in use by {holder}; wait for it to finish or use another "
                              f"{self.what}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_regular_file(path: str | os.PathLike, limit: int, what: str, too_large: str = "") -> bytes | None:
    """The bytes of the regular file at `path` (symlinks followed), None if there is none. Anything else (a folder,
    a FIFO that would block the reader for ever, /dev/zero that would fill memory) or a file over `limit` bytes is
    a SeqlabError naming `what`: the file is opened without blocking, checked, then read at most `limit` + 1
    bytes, so no file can hang the reader or grow its memory past the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SeqlabError(f"{what} cannot be read ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
        raise SeqlabError(f"{what} is {kind}, expected a file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise SeqlabError(f"{what} cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise SeqlabError(f"{what} is over {human_size(limit)}{too_large}")
    return data


def human_size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit:,} bytes"
