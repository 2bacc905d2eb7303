"""The checked download of Dakshina: only the chosen language's three lexicons are taken from the official tarball.

`$SEQLAB_DAKSHINA_URL` replaces the tarball's URL; `file://` URLs are allowed there (a local mirror for offline
machines). Whatever the archive holds, only the three lexicon members of the chosen language are extracted, by
exact name, as regular files, to paths built from those names: no member can write outside the cache. The
Hindi lexicons are checked against their sha256; other languages have no published checksums and are not.
"""
from __future__ import annotations

import hashlib
import re
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from seqlab.errors import DataError
from seqlab.io import atomic_path
from seqlab.translit.config import SPLITS

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
