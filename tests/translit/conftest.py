from __future__ import annotations

from pathlib import Path

import pytest

from seqlab.translit.corpus import read_dakshina_tsv


def write_dakshina(root: Path, splits: dict[str, list[tuple[str, str]]], lang: str = "hi") -> Path:
    """A Dakshina-layout folder (root/hi/lexicons/…) holding the given (roman, native) pairs."""
    folder = root / lang / "lexicons"
    folder.mkdir(parents=True, exist_ok=True)
    for split, pairs in splits.items():
        lines = [f"{native}\t{roman}\t1" for roman, native in pairs]
        (folder / f"{lang}.translit.sampled.{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def real_pairs(shared_data):
    pairs, _ = read_dakshina_tsv(shared_data / "dakshina" / "hi" / "lexicons" / "hi.translit.sampled.train.tsv")
    return [(p.source, p.target) for p in pairs]


@pytest.fixture
def small_data(tmp_path, real_pairs) -> Path:
    """600 real training pairs, 100 dev, 100 test."""
    return write_dakshina(tmp_path / "data", {
        "train": real_pairs[::70][:600], "dev": real_pairs[35::400][:100], "test": real_pairs[17::400][:100]})
