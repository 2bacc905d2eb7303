"""Tiny models of other languages than Hindi, trained in the test run on a few lines of each language's real
Dakshina data (a helper module: tests/conftest.py's `tiny_language_models` fixture trains them once a session).

Each is a real `seqlab translit train` run with a word prior and a bigram context model (`prior`, `context`) on
the first lines of the language's Wikipedia sample, so every per-language path (tokens, prior words, WER words,
user dictionary, serving) runs on real script text; none of them is meant to be accurate.
"""
from __future__ import annotations

import gzip
from pathlib import Path

from seqlab.cli import main
from seqlab.translit.data.corpus import read_dakshina_tsv

TINY_LANGUAGES = ("bn", "ur", "ta")  # two left-to-right Brahmic scripts and one right-to-left Perso-Arabic one


def dakshina_folder(shared: Path, lang: str) -> Path:
    return shared / "dakshina" / lang


def real_pairs(shared: Path, lang: str, split: str = "train") -> list[tuple[str, str]]:
    """(roman, native) pairs of a Dakshina lexicon."""
    path = dakshina_folder(shared, lang) / "lexicons" / f"{lang}.translit.sampled.{split}.tsv"
    return [(p.source, p.target) for p in read_dakshina_tsv(path)[0]]


def first_pairs(shared: Path, lang: str, count: int = 50) -> list[tuple[str, str]]:
    """The first (roman, native) pairs of a language's Dakshina train lexicon, without reading all of it."""
    path = dakshina_folder(shared, lang) / "lexicons" / f"{lang}.translit.sampled.train.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = [next(handle).rstrip("\n").split("\t") for _ in range(count)]
    return [(roman, native) for native, roman, _ in rows]


def write_language_data(shared: Path, root: Path, lang: str, train: int = 1000, held_out: int = 60,
                        sentences: int = 12, wiki_lines: int = 300) -> tuple[Path, Path]:
    """A data root (root/dakshina/<lang>/…) with a sample of the real lexicon and the first romanized dev
    sentences, and a text file of the first Wikipedia lines; returns (data root, text file)."""
    pairs = real_pairs(shared, lang)
    step = max(1, len(pairs) // (train + 2 * held_out))
    sample = pairs[::step]
    splits = {"train": sample[:train], "dev": sample[train:train + held_out],
              "test": sample[train + held_out:train + 2 * held_out]}
    lexicons = root / "dakshina" / lang / "lexicons"
    lexicons.mkdir(parents=True)
    for split, chosen in splits.items():
        lines = "".join(f"{native}\t{roman}\t1\n" for roman, native in chosen)
        (lexicons / f"{lang}.translit.sampled.{split}.tsv").write_text(lines, encoding="utf-8")
    source, target = dakshina_folder(shared, lang) / "romanized", root / "dakshina" / lang / "romanized"
    target.mkdir()
    for kind in ("roman", "native"):
        name = f"{lang}.romanized.rejoined.dev.{kind}.txt"
        lines = (source / name).read_text(encoding="utf-8").splitlines()[:sentences]
        (target / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    wiki = dakshina_folder(shared, lang) / "native_script_wikipedia" / f"{lang}.wiki-filt.valid.text.shuf.txt.gz"
    with gzip.open(wiki, "rt", encoding="utf-8") as handle:
        text = [next(handle) for _ in range(wiki_lines)]
    text_file = root / f"{lang}-wiki.txt"
    text_file.write_text("".join(text), encoding="utf-8")
    return root, text_file


def train_tiny_model(shared: Path, root: Path, lang: str) -> Path:
    """A tiny model of `lang` with a word prior and a bigram context model; returns its run folder."""
    data, text = write_language_data(shared, root / "data", lang)
    run = root / "run"
    common = ["--lang", lang, "--data-dir", str(data)]
    assert main(["translit", "train", *common, "--epochs", "5", "--emb", "16", "--hidden", "48", "--attention",
                 "luong", "--batch-size", "32", "--lr", "0.01", "--seed", "0", "--run-dir", str(run)]) == 0
    assert main(["translit", "prior", "--model", str(run), *common, "--text", str(text), "--beam-size", "3"]) == 0
    assert main(["translit", "context", "--model", str(run), *common, "--text", str(text)]) == 0
    return run
