"""Where the data are: the layouts accepted under a data root, and the search for a split file, the romanized
sentences and the native-script Wikipedia sample.

Search order for a split file: `--data-dir` alone when given; else `$SEQLAB_DATA_DIR`, `./data`, the download
cache, and finally (Dakshina only) the official tarball (download.py), of which only the chosen language's files
are kept.
"""
from __future__ import annotations

import os
import urllib.error
from pathlib import Path

from seqlab.datadir import cache_dir, candidate_roots
from seqlab.errors import DataError
from seqlab.translit.config import DATASETS, SPLITS
from seqlab.translit.data.download import DAKSHINA_TOP, DAKSHINA_URL, download_dakshina
from seqlab.translit.languages import LANGUAGES

# Dakshina code → Aksharantar code (languages.py); Sinhala has none.
AKSHARANTAR_CODES = {code: lang.aksharantar for code, lang in LANGUAGES.items() if lang.aksharantar}
AKSHARANTAR_SPLIT_NAMES = {"train": "train", "dev": "valid", "test": "test"}


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


def wikipedia_sample(lang: str, data_dir: str | None = None) -> Path:
    """The Dakshina native-script Wikipedia sample for `lang`, found under the usual data roots."""
    lexicon_dir = relative_paths("dakshina", lang, "train")[0].parent
    name = f"{lang}.wiki-filt.valid.text.shuf.txt.gz"
    for _, root in candidate_roots(data_dir):
        path = root / lexicon_dir.parent / "native_script_wikipedia" / name
        if path.is_file():
            return path
    raise DataError(f"Dakshina Wikipedia sample {name} not found under --data-dir, $SEQLAB_DATA_DIR or ./data "
                    f"(expected <dir>/{lexicon_dir.parent}/native_script_wikipedia/{name}); give any "
                    f"{LANGUAGES[lang].script.name if lang in LANGUAGES else 'native-script'} text file with --text "
                    "instead")


def sentence_files(lang: str, split: str, data_dir: str | None = None) -> tuple[Path, Path]:
    """Dakshina's romanized sentence files (roman, native) of a split, found under the data roots."""
    for _, root in candidate_roots(data_dir):
        roman, native = (root / romanized_sentences(lang, split, kind) for kind in ("roman", "native"))
        if roman.is_file() and native.is_file():
            return roman, native
    raise DataError(f"Dakshina romanized {split} sentences for '{lang}' not found (expected "
                    f"<data root>/{romanized_sentences(lang, split, 'roman')} and .native.txt; give "
                    "--data-dir or set $SEQLAB_DATA_DIR)")
