"""Finding and reading the transliteration corpora: Dakshina lexicons (TSV) and Aksharantar (CSV).

Search order for a split file: `--data-dir` alone when given; else `$SEQLAB_DATA_DIR`, `./data`, the download
cache, and finally (Dakshina only) the official tarball, streamed so only the chosen language's files are kept.

`$SEQLAB_DAKSHINA_URL` replaces the tarball's URL; `file://` URLs are allowed there (a local mirror for offline
machines). Whatever the archive holds, only the three lexicon members of the chosen language are extracted, by
exact name, as regular files, to paths built from those names: no member can write outside the cache. The
Hindi lexicons are checked against their sha256; other languages have no published checksums and are not.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from tqdm import tqdm

from seqlab.datadir import cache_dir, candidate_roots
from seqlab.errors import DataError
from seqlab.io import atomic_path
from seqlab.translit.config import DATASETS, DIRECTIONS, SPLITS
from seqlab.translit.languages import LANGUAGES

DAKSHINA_URL = "https://storage.googleapis.com/gresearch/dakshina/dakshina_dataset_v1.0.tar"
DAKSHINA_TOP = "dakshina_dataset_v1.0"
DAKSHINA_URL_SCHEMES = ("http", "https", "file")  # file://: a local mirror for offline machines
DAKSHINA_LANG = re.compile(r"[a-z]{2,3}")
MAX_LEXICON_BYTES = 256 * 2**20  # the official lexicons are a few MB each
# sha256 of the lexicon members of the official tarball (from shared/data/dakshina/SOURCE.md).
DAKSHINA_SHA256 = {
    "hi/lexicons/hi.translit.sampled.train.tsv": "4b3f872d3363a91f949dfb640acab6a968ed7d2d65829a22af662c3e99ef7803",
    "hi/lexicons/hi.translit.sampled.dev.tsv": "62019ba0e046ceffd7211a2797daf2d2970da77586ee056dcecaa34c38392bce",
    "hi/lexicons/hi.translit.sampled.test.tsv": "37dccdd2ca18a520267588b472f293ce805a1444a5ca2a99169417da17d9bafd",
}
# Dakshina code → Aksharantar code (languages.py); Sinhala has none.
AKSHARANTAR_CODES = {code: lang.aksharantar for code, lang in LANGUAGES.items() if lang.aksharantar}
AKSHARANTAR_SPLIT_NAMES = {"train": "train", "dev": "valid", "test": "test"}
MAX_COUNT_DIGITS = 9  # annotator counts are small; int() refuses strings of over 4300 digits
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # C0/C1 controls but tab, line separators


@dataclass(frozen=True)
class Pair:
    """One training example: Latin `source`, native-script `target`, and how many annotators gave it."""

    source: str
    target: str
    count: int = 1


def relative_paths(dataset: str, lang: str, split: str) -> list[Path]:
    """Layouts accepted under a data root (the shared folder's, the tarball's, or the files directly)."""
    if dataset == "dakshina":
        member = Path(lang) / "lexicons" / f"{lang}.translit.sampled.{split}.tsv"
        return [Path("dakshina") / member, Path(DAKSHINA_TOP) / member, member, Path(member.name)]
    code = AKSHARANTAR_CODES.get(lang, lang)
    name = f"{code}_{AKSHARANTAR_SPLIT_NAMES[split]}.csv"
    return [Path(f"aksharantar_{code}") / name, Path("aksharantar") / code / name, Path(code) / name, Path(name)]


def romanized_sentences(lang: str, split: str, kind: str) -> Path:
    """Where Dakshina's romanized sentence set of a split lies under a data root (`kind`: roman or native)."""
    folder = relative_paths("dakshina", lang, "train")[0].parent.parent / "romanized"
    return folder / f"{lang}.romanized.rejoined.{split}.{kind}.txt"


def find_split(dataset: str, lang: str, split: str, data_dir: str | None = None, download: bool = True) -> Path:
    """Return the path of one split file, downloading Dakshina if needed; raise DataError naming every option."""
    if dataset not in DATASETS:
        raise DataError(f"unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}")
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    if dataset == "aksharantar" and lang in LANGUAGES and lang not in AKSHARANTAR_CODES:
        raise DataError(f"Aksharantar has no {LANGUAGES[lang].name} ('{lang}') split (it has: "
                        f"{', '.join(AKSHARANTAR_CODES)}); train on --dataset dakshina without --extra-train")
    roots = candidate_roots(data_dir)
    if not data_dir:  # an explicit --data-dir is the only source: no silent fallback to the cache
        roots.append(("download cache", cache_dir()))
    if data_dir and not Path(data_dir).expanduser().is_dir():
        raise DataError(f"--data-dir {data_dir}: no such directory")
    for _, root in roots:
        for rel in relative_paths(dataset, lang, split):
            if (root / rel).is_file():
                return root / rel
    if data_dir:
        expected = relative_paths(dataset, lang, split)[0]
        raise DataError(f"--data-dir {data_dir} has no {dataset} {split} file for '{lang}' "
                        f"(expected e.g. {data_dir}/{expected}; {_found_for(dataset, data_dir)})")
    if dataset == "dakshina" and download:
        try:
            download_dakshina(lang, cache_dir(), os.environ.get("SEQLAB_DAKSHINA_URL", DAKSHINA_URL))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DataError(_not_found_message(dataset, lang, f"download failed: {exc}")) from None
        return find_split(dataset, lang, split, None, download=False)
    why = "no official download for this dataset" if dataset != "dakshina" else "download disabled"
    raise DataError(_not_found_message(dataset, lang, why))


def _not_found_message(dataset: str, lang: str, why: str) -> str:
    where = relative_paths(dataset, lang, "train")[0].parent
    return (
        f"{dataset} data for '{lang}' not found. Give it with --data-dir DIR, or set $SEQLAB_DATA_DIR, "
        f"or put it in ./data (expected layout: <dir>/{where}/…); "
        f"the official Dakshina download ({DAKSHINA_URL}) is tried last ({why}); {_found_for(dataset, None)}"
    )


def languages_with_data(dataset: str = "dakshina", data_dir: str | None = None) -> list[str]:
    """The registry's languages whose `dataset` training split is found under the data roots (no download)."""
    roots = [root for _, root in candidate_roots(data_dir)] + ([] if data_dir else [cache_dir()])
    codes = AKSHARANTAR_CODES if dataset == "aksharantar" else LANGUAGES
    return [code for code in codes
            if any((root / rel).is_file() for root in roots for rel in relative_paths(dataset, code, "train"))]


def _found_for(dataset: str, data_dir: str | None) -> str:
    return f"{dataset} data found for: {', '.join(languages_with_data(dataset, data_dir)) or 'no language'}"


def dakshina_members(lang: str) -> dict[str, str]:
    """The only tar members extracted for `lang` (its three lexicons), each mapped to its path under the cache's
    top folder; `lang` is checked first because it is part of the paths written."""
    if not DAKSHINA_LANG.fullmatch(lang):
        raise DataError(f"language code {lang!r} is not 2-3 lowercase letters (Dakshina: hi, bn, ta, …)")
    rels = [f"{lang}/lexicons/{lang}.translit.sampled.{split}.tsv" for split in SPLITS]
    return {f"{DAKSHINA_TOP}/{rel}": rel for rel in rels}


def download_dakshina(lang: str, dest: Path, url: str = DAKSHINA_URL, checksums: dict[str, str] | None = None) -> Path:
    """Stream the ~2 GB tarball and extract only `lang`'s three lexicons. Only members with exactly the expected
    names that are regular files are read, and written to paths built from the expected names, never from the
    archive, so a hostile or broken archive (`..`, absolute names, links) cannot write outside `dest`."""
    checksums = DAKSHINA_SHA256 if checksums is None else checksums
    wanted = dakshina_members(lang)
    if urllib.parse.urlsplit(url).scheme not in DAKSHINA_URL_SCHEMES:
        raise DataError(f"Dakshina URL {url!r}: expected an http://, https:// or file:// URL")
    done, refused = set(), 0
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm.wrapattr(response, "read", total=total, desc="dakshina download", unit="B",
                               unit_scale=True) as stream, tarfile.open(fileobj=stream, mode="r|*") as tar:
                for member in tar:
                    rel = wanted.get(member.name)
                    if rel is not None and not member.isreg():  # a symlink, hard link or device: never followed
                        refused += 1
                    elif rel is not None:
                        _extract_member(tar, member, dest / DAKSHINA_TOP / rel, checksums.get(rel), url)
                        done.add(rel)
    except tarfile.TarError as exc:
        raise DataError(f"{url} is not a readable tar archive ({exc})") from None
    missing = [name for name, rel in wanted.items() if rel not in done]
    if missing:
        links = f"; {refused} link or special member(s) with these names refused" if refused else ""
        raise DataError(f"{url} has no regular file {', '.join(missing)}{links}")
    if any(rel not in checksums for rel in wanted.values()):
        print(f"warning: the Dakshina '{lang}' lexicons are not verified (no published checksums; only Hindi's "
              "are known)", file=sys.stderr)
    return dest / DAKSHINA_TOP


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, sha256: str | None,
                    url: str) -> None:
    """Copy one member to `target` in chunks (bounded memory) and atomically; a checksum mismatch keeps nothing."""
    if member.size > MAX_LEXICON_BYTES:
        raise DataError(f"{url}: {member.name} is {member.size} bytes, too large for a lexicon")
    source = tar.extractfile(member)
    digest = hashlib.sha256()
    with atomic_path(target) as tmp, tmp.open("wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
        if sha256 and digest.hexdigest() != sha256:
            raise DataError(f"checksum mismatch for {member.name} from {url}; the download is corrupt, try again")


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
