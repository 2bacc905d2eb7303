"""The user's own spellings: `seqlab translit learn ROMAN NATIVE` pairs, offered first in every mode.

A model gets names and personal spellings wrong however good it is, and a type-ahead user who picks the second
candidate for `mera` once expects it first next time. Pairs live in one TSV file per language (ROMAN<TAB>NATIVE,
oldest first) in the per-user data folder (platformdirs), or wherever `$SEQLAB_USER_DICTIONARY` or the server's
`--user-dictionary` points. Several processes may learn at once (a server, a CLI): every change is a
read-modify-write under an exclusive file lock and an atomic replace, so no writer's pair is lost and a reader never
sees half a file. Readers reload when the file changes, so a server sees what the CLI learned.
"""
from __future__ import annotations

import codecs
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import Callable, NamedTuple, Optional, Sequence

import platformdirs
from filelock import FileLock, Timeout

from seqlab.errors import SeqlabError
from seqlab.io import human_size, read_regular_file, write_text_atomic
from seqlab.translit.config import MAX_WORD_LENGTH, USER_DICTIONARY_ENV
from seqlab.translit.languages import DEFAULT_LANG, user_dictionary_name

# A personal dictionary holds hundreds of pairs; more is a wrong file, not a dictionary. Readers refuse a file over
# MAX_FILE_BYTES (bounded time and memory: a full one, 175,000 short pairs, loads in about 1.2 s into 55 MB) and
# writers refuse to grow a file past either limit, so what seqlab writes it can always read, and `forget` can always
# shrink what it reads.
MAX_PAIRS = 100_000
MAX_FILE_BYTES = 4 * 2**20
LOCK_TIMEOUT_S = 10.0
MAX_WARNINGS = 5  # unusable lines named one by one per load; more are counted
_LATIN_WORD = re.compile(r"[^\W\d_]+")  # what `predict` transliterates as one word
_BAD_NATIVE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible, control, unassigned and private characters: a pick made of them (U+202E, U+FEFF, U+FFF9 …) would be
# offered first to every user as a blank or a reordering of the line. ZWNJ and ZWJ shape Devanagari conjuncts and
# are allowed between two visible characters.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
_JOINERS = "\u200c\u200d"
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")  # every code point of the block is assigned and visible


def default_user_dictionary_path(lang: str = DEFAULT_LANG) -> Path:
    """$SEQLAB_USER_DICTIONARY, else <user data folder>/seqlab/user-dictionary-<lang>.tsv (an unknown language is
    a one-line error listing the languages)."""
    name = user_dictionary_name(lang)
    if os.environ.get(USER_DICTIONARY_ENV):
        return Path(os.environ[USER_DICTIONARY_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("seqlab", appauthor=False)) / name


def roman_key(word: str) -> str:
    """The one form a romanization is stored and looked up in, by writers and readers alike: Unicode NFC, then
    `str.lower()` (the lower-casing the model applies to its input; not `casefold`, which would turn `ß` into `ss`
    and match words the model reads differently), then NFC again. Some capitals grow when lower-cased (`İ` → `i` +
    U+0307): `check_pair` refuses a ROMAN whose key is not one word of letters of at most MAX_WORD_LENGTH."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", word).lower())


def check_pair(roman: str, native: str) -> tuple[str, str]:
    """A learnable pair, as stored: ROMAN one word of letters, stored as its `roman_key` (input is
    case-insensitive); NATIVE one word without spaces, control or invisible characters; both at most
    MAX_WORD_LENGTH characters. The same check guards `learn` and every line read back, so what is written can be
    read."""
    if not isinstance(roman, str) or not isinstance(native, str):
        raise SeqlabError("a learned pair is two strings: ROMAN and NATIVE")
    return _check_roman(roman.strip()), _check_native(native.strip())


def _check_roman(roman: str) -> str:
    if roman.isascii() and roman.isalpha() and len(roman) <= MAX_WORD_LENGTH:
        return roman.lower()  # the common case, and its key without normalising (ASCII is NFC)
    roman = unicodedata.normalize("NFC", roman)
    if not _LATIN_WORD.fullmatch(roman):
        raise SeqlabError(f"ROMAN must be one word of letters (no spaces, digits or punctuation), got {roman[:40]!r}")
    key = roman_key(roman)
    if not _LATIN_WORD.fullmatch(key):
        bad = next(c for c in key if not _LATIN_WORD.fullmatch(c))
        raise SeqlabError(f"ROMAN {roman[:40]!r} lower-cases to {key[:40]!r}, which has U+{ord(bad):04X} (not a "
                          "letter), so it cannot be looked up; type it without that capital")
    if len(key) > MAX_WORD_LENGTH:
        lowered = " once lower-cased" if len(key) != len(roman) else ""
        raise SeqlabError(f"ROMAN is {len(key)} characters long{lowered}; at most {MAX_WORD_LENGTH} can be learned")
    return key


def _check_native(native: str) -> str:
    if _DEVANAGARI_WORD.fullmatch(native) and len(native) <= MAX_WORD_LENGTH:
        return native  # the common case: every character of the block is visible
    if not native or _BAD_NATIVE.search(native):
        raise SeqlabError(f"NATIVE must be one word without spaces or control characters, got {native[:40]!r}")
    for index, char in enumerate(native):
        joiner_inside = char in _JOINERS and 0 < index < len(native) - 1 and native[index + 1] not in _JOINERS
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES and not joiner_inside:
            name = unicodedata.name(char, "unassigned")
            raise SeqlabError(f"NATIVE has U+{ord(char):04X} ({name}), an invisible or control character; learn the "
                              "word without it")
    if len(native) > MAX_WORD_LENGTH:
        raise SeqlabError(f"NATIVE is {len(native)} characters long; at most {MAX_WORD_LENGTH} can be learned")
    return native


class Skipped(NamedTuple):
    """A line of the file that is not a usable pair: its number, its fields where it had them, and why."""

    lineno: int
    roman: Optional[str]
    native: Optional[str]
    reason: str


class UserDictionary:
    """romanization → the user's native spellings, most recently learned first."""

    def __init__(self, path: str | os.PathLike, reload_on_lookup: bool = True):
        """`reload_on_lookup=False`: lookups use what was last loaded and the owner calls `refresh` (the server
        does, in a thread of its own when `stale`, so no request parses the file on the event loop)."""
        self.path = Path(path)
        self.reload_on_lookup = reload_on_lookup
        self._pairs: list[tuple[str, str]] = []
        self._by_roman: dict[str, list[str]] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._loaded = False

    def _target(self) -> Path:
        """Where writes go: a symlinked dictionary is followed on purpose (its target gets the pair, and its lock
        is the target's, shared with every other name for the same file)."""
        return Path(os.path.realpath(self.path))

    def _lock(self) -> FileLock:
        return FileLock(str(self._target()) + ".lock", timeout=LOCK_TIMEOUT_S)

    def _read(self) -> tuple[list[tuple[str, str]], list[Skipped]]:
        """The usable pairs on disk (none if the file does not exist) and the lines skipped as unusable: one bad line
        (hand-edited, or written by an older seqlab under another rule) never makes the whole dictionary unusable.
        A file that is not a dictionary at all (a folder, too large) is an error naming it."""
        data = read_regular_file(self.path, MAX_FILE_BYTES, f"user dictionary {self.path}",
                                 "; it is not a dictionary seqlab wrote (move it away)")
        if data is None:
            return [], []
        pairs, skipped = [], []
        data = data.removeprefix(codecs.BOM_UTF8)  # as some editors save UTF-8
        for lineno, raw in enumerate(data.split(b"\n"), start=1):
            raw = raw.removesuffix(b"\r")
            if not raw.strip():
                continue
            fields: list[str] = []
            try:
                fields = raw.decode("utf-8").split("\t")
                if len(fields) != 2:
                    raise SeqlabError("expected ROMAN<TAB>NATIVE")
                pairs.append(check_pair(*fields))
            except UnicodeDecodeError:
                skipped.append(Skipped(lineno, None, None, "not UTF-8 text"))
            except SeqlabError as exc:
                skipped.append(Skipped(lineno, fields[0], fields[1] if len(fields) > 1 else None, str(exc)))
        return pairs, skipped

    def _warn(self, skipped: list[Skipped], verb: str, note: str = "") -> None:
        """One line per unusable line (the first few), on stderr: the server's log, the CLI's terminal."""
        for line in skipped[:MAX_WARNINGS]:
            print(f"warning: user dictionary {self.path}:{line.lineno} {verb} ({line.reason}){note}",
                  file=sys.stderr, flush=True)
        if len(skipped) > MAX_WARNINGS:
            print(f"warning: user dictionary {self.path}: {len(skipped) - MAX_WARNINGS} more unusable lines {verb}",
                  file=sys.stderr, flush=True)

    def _current_stamp(self) -> tuple[int, int, int] | None:
        """What identifies the file's content cheaply (one stat): an atomic replace changes the inode."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SeqlabError(f"user dictionary {self.path} cannot be read ({exc.strerror or exc})") from None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def stale(self) -> bool:
        """Whether the file changed since it was last loaded (one stat; no reading)."""
        return not self._loaded or self._current_stamp() != self._stamp

    def refresh(self) -> None:
        """Reload when the file changed since the last read (another process learned something); unusable lines
        are skipped with a warning, once per load."""
        stamp = self._current_stamp()
        if stamp != self._stamp or not self._loaded:
            pairs, skipped = self._read() if stamp is not None else ([], [])
            self._warn(skipped, "skipped", "; the next learn or forget rewrites the file without it")
            self._set(pairs)
            self._stamp, self._loaded = stamp, True

    def _set(self, pairs: list[tuple[str, str]]) -> None:
        """Swap in the new pairs at once: lookups in other threads see the old dictionary or the new one."""
        by_roman: dict[str, list[str]] = {}
        for roman, native in reversed(pairs):  # newest first
            natives = by_roman.setdefault(roman, [])
            if native not in natives:
                natives.append(native)
        self._pairs, self._by_roman = pairs, by_roman

    def _change(self, edit: Callable[[list[tuple[str, str]], list[Skipped]], tuple[list[tuple[str, str]], int]]
                ) -> int:
        """Apply `edit(pairs, skipped lines) -> (new pairs, changes)` under the lock and write the result atomically.
        A file with unusable lines is rewritten even without changes: a write keeps only the usable lines."""
        target = self._target()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._lock():
                pairs, skipped = self._read()
                new_pairs, changes = edit(pairs, skipped)
                text = "".join(f"{r}\t{n}\n" for r, n in new_pairs)
                growing = len(new_pairs) > len(pairs)  # forgetting may always shrink a file that is too large
                if growing and (len(new_pairs) > MAX_PAIRS or len(text.encode()) > MAX_FILE_BYTES):
                    raise SeqlabError(f"user dictionary {self.path} would hold over {MAX_PAIRS:,} pairs or "
                                      f"{human_size(MAX_FILE_BYTES)}; forget some first")
                if changes or skipped:
                    write_text_atomic(target, text)
                    self._warn(skipped, "removed")
        except Timeout:
            raise SeqlabError(f"user dictionary {self.path} is locked by another process for over "
                              f"{LOCK_TIMEOUT_S:.0f} s; try again") from None
        except OSError as exc:
            raise SeqlabError(f"user dictionary {self.path} cannot be written ({exc.strerror or exc})") from None
        self._loaded = False  # reread on next lookup
        return changes

    def learn(self, roman: str, native: str) -> tuple[str, str]:
        """Remember that ROMAN is written NATIVE (learning a pair again makes it the newest); returns the pair as
        stored (ROMAN as its `roman_key`)."""
        pair = check_pair(roman, native)
        self._change(lambda pairs, skipped: ([p for p in pairs if p != pair] + [pair], 1))
        return pair

    def learn_many(self, pairs: list[tuple[str, str]]) -> int:
        """Learn several pairs in one locked write (a --file of pairs); returns how many were given."""
        checked = [check_pair(r, n) for r, n in pairs]
        new = set(checked)
        return self._change(lambda old, skipped: ([p for p in old if p not in new] + list(dict.fromkeys(checked)),
                                                  len(checked)))

    def forget(self, roman: str, native: str | None = None) -> int:
        """Forget ROMAN's pair with NATIVE, or all of ROMAN's pairs; returns how many were removed. Unusable lines
        of that ROMAN count as removed too (every write drops them), so `forget İİİ` repairs what an older seqlab
        wrote for it."""
        key = roman_key(roman.strip())
        native = None if native is None else native.strip()

        def matches(line_roman: str | None, line_native: str | None) -> bool:
            return line_roman is not None and roman_key(line_roman.strip()) == key and (
                native is None or (line_native or "").strip() == native)

        def edit(pairs, skipped):
            kept = [p for p in pairs if not matches(*p)]
            return kept, len(pairs) - len(kept) + sum(matches(line.roman, line.native) for line in skipped)

        return self._change(edit)

    def lookup(self, roman: str) -> list[str]:
        """The user's spellings of ROMAN (case-insensitive), most recently learned first."""
        return self.lookup_many([roman])[0]

    def lookup_many(self, romans: Sequence[str]) -> list[list[str]]:
        """`lookup` for many words, with one check of the file (a stat, not one per word)."""
        if self.reload_on_lookup:
            self.refresh()
        by_roman = self._by_roman
        return [list(by_roman.get(roman_key(roman), ())) for roman in romans]

    def pairs(self) -> list[tuple[str, str]]:
        """Every learned pair, oldest first (the file as it is now)."""
        self.refresh()
        return list(self._pairs)

    def __len__(self) -> int:
        return len(self.pairs())

    def __bool__(self) -> bool:
        """A dictionary is there even when empty: `if translit.user_dictionary` must not read the file (through
        __len__) on every request."""
        return True
