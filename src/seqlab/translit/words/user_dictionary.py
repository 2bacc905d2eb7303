"""The user's own spellings: `seqlab translit learn ROMAN NATIVE` pairs, offered first in every mode.

A model gets names and personal spellings wrong however good it is, and a type-ahead user who picks the second
candidate for `mera` once expects it first next time. Pairs live in one TSV file per language (ROMAN<TAB>NATIVE,
oldest first) in the per-user data folder (platformdirs), or wherever `$SEQLAB_USER_DICTIONARY` or the server's
`--user-dictionary` points. Several processes may learn at once (a server, a CLI): every change is a
read-modify-write under an exclusive file lock and an atomic replace, so no writer's pair is lost and a reader never
sees half a file. Readers reload when the file changes, so a server sees what the CLI learned.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

import platformdirs
from filelock import FileLock, Timeout

from seqlab.errors import SeqlabError
from seqlab.io import write_text_atomic
from seqlab.translit.config import MAX_WORD_LENGTH, USER_DICTIONARY_ENV
from seqlab.translit.languages import DEFAULT_LANG, user_dictionary_name

MAX_PAIRS = 1_000_000  # a personal dictionary holds hundreds of pairs; more is a wrong file, not a dictionary
MAX_FILE_BYTES = 64 * 2**20
LOCK_TIMEOUT_S = 10.0
_LATIN_WORD = re.compile(r"[^\W\d_]+")  # what `predict` transliterates as one word
_BAD_NATIVE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")


def default_user_dictionary_path(lang: str = DEFAULT_LANG) -> Path:
    """$SEQLAB_USER_DICTIONARY, else <user data folder>/seqlab/user-dictionary-<lang>.tsv (an unknown language is
    a one-line error listing the languages)."""
    name = user_dictionary_name(lang)
    if os.environ.get(USER_DICTIONARY_ENV):
        return Path(os.environ[USER_DICTIONARY_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("seqlab", appauthor=False)) / name


def check_pair(roman: str, native: str) -> tuple[str, str]:
    """A learnable pair: ROMAN one word of letters (stored lower-case: input is case-insensitive), NATIVE one
    word without spaces or control characters; both at most MAX_WORD_LENGTH characters."""
    if not isinstance(roman, str) or not isinstance(native, str):
        raise SeqlabError("a learned pair is two strings: ROMAN and NATIVE")
    roman, native = roman.strip(), native.strip()
    if not _LATIN_WORD.fullmatch(roman):
        raise SeqlabError(f"ROMAN must be one word of letters (no spaces, digits or punctuation), got {roman[:40]!r}")
    if not native or _BAD_NATIVE.search(native):
        raise SeqlabError(f"NATIVE must be one word without spaces or control characters, got {native[:40]!r}")
    for name, word in (("ROMAN", roman), ("NATIVE", native)):
        if len(word) > MAX_WORD_LENGTH:
            raise SeqlabError(f"{name} is {len(word)} characters long; at most {MAX_WORD_LENGTH} can be learned")
    return roman.lower(), native


class UserDictionary:
    """romanization → the user's native spellings, most recently learned first."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._pairs: list[tuple[str, str]] = []
        self._by_roman: dict[str, list[str]] = {}
        self._stamp: tuple[int, int] | None = None

    def _lock(self) -> FileLock:
        return FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def _read(self) -> list[tuple[str, str]]:
        """The pairs on disk (none if the file does not exist); a corrupt file is an error naming it."""
        if self.path.is_dir():
            raise SeqlabError(f"user dictionary {self.path} is a folder, expected a file")
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise SeqlabError(f"user dictionary {self.path} is over {MAX_FILE_BYTES >> 20} MB; it is not a "
                                  "dictionary seqlab wrote (move it away)")
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError:
            raise SeqlabError(f"user dictionary {self.path} is not UTF-8 text; fix or remove it") from None
        except OSError as exc:
            raise SeqlabError(f"user dictionary {self.path} cannot be read ({exc.strerror or exc})") from None
        pairs = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            fields = line.split("\t")
            try:
                if len(fields) != 2:
                    raise SeqlabError("expected ROMAN<TAB>NATIVE")
                pairs.append(check_pair(*fields))
            except SeqlabError as exc:
                raise SeqlabError(f"user dictionary {self.path}:{lineno} is corrupt ({exc}); fix or delete that "
                                  "line") from None
        return pairs

    def _refresh(self) -> None:
        """Reload when the file changed since the last read (another process learned something)."""
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        except OSError as exc:
            raise SeqlabError(f"user dictionary {self.path} cannot be read ({exc.strerror or exc})") from None
        if stamp != self._stamp or stamp is None:
            self._set(self._read() if stamp is not None else [])
            self._stamp = stamp

    def _set(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._by_roman = {}
        for roman, native in reversed(pairs):  # newest first
            natives = self._by_roman.setdefault(roman, [])
            if native not in natives:
                natives.append(native)

    def _change(self, edit) -> int:
        """Apply `edit(pairs) -> (new pairs, changes)` under the lock and write the result atomically."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock():
                pairs = self._read()
                new_pairs, changes = edit(pairs)
                if len(new_pairs) > MAX_PAIRS:
                    raise SeqlabError(f"user dictionary {self.path} would hold over {MAX_PAIRS:,} pairs")
                if changes:
                    write_text_atomic(self.path, "".join(f"{r}\t{n}\n" for r, n in new_pairs))
        except Timeout:
            raise SeqlabError(f"user dictionary {self.path} is locked by another process for over "
                              f"{LOCK_TIMEOUT_S:.0f} s; try again") from None
        except OSError as exc:
            raise SeqlabError(f"user dictionary {self.path} cannot be written ({exc.strerror or exc})") from None
        self._stamp = None  # reread on next lookup
        return changes

    def learn(self, roman: str, native: str) -> None:
        """Remember that ROMAN is written NATIVE; learning a pair again makes it the newest."""
        pair = check_pair(roman, native)
        self._change(lambda pairs: ([p for p in pairs if p != pair] + [pair], 1))

    def learn_many(self, pairs: list[tuple[str, str]]) -> int:
        """Learn several pairs in one locked write (a --file of pairs); returns how many were given."""
        checked = [check_pair(r, n) for r, n in pairs]
        new = set(checked)
        return self._change(lambda old: ([p for p in old if p not in new] + list(dict.fromkeys(checked)),
                                         len(checked)))

    def forget(self, roman: str, native: str | None = None) -> int:
        """Forget ROMAN's pair with NATIVE, or all of ROMAN's pairs; returns how many were removed."""
        roman = roman.strip().lower()

        def edit(pairs):
            kept = [p for p in pairs if not (p[0] == roman and (native is None or p[1] == native.strip()))]
            return kept, len(pairs) - len(kept)

        return self._change(edit)

    def lookup(self, roman: str) -> list[str]:
        """The user's spellings of ROMAN (case-insensitive), most recently learned first."""
        return self.lookup_many([roman])[0]

    def lookup_many(self, romans: Sequence[str]) -> list[list[str]]:
        """`lookup` for many words, with one check of the file (a stat, not one per word)."""
        self._refresh()
        return [list(self._by_roman.get(roman.lower(), ())) for roman in romans]

    def pairs(self) -> list[tuple[str, str]]:
        """Every learned pair, oldest first."""
        self._refresh()
        return list(self._pairs)

    def __len__(self) -> int:
        return len(self.pairs())
