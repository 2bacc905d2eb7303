"""Helpers for the transliteration tests (imported by test modules; fixtures live in conftest.py)."""
from __future__ import annotations

from pathlib import Path


def write_dakshina(root: Path, splits: dict[str, list[tuple[str, str]]], lang: str = "hi") -> Path:
    """A Dakshina-layout folder (root/hi/lexicons/…) holding the given (roman, native) pairs."""
    folder = root / lang / "lexicons"
    folder.mkdir(parents=True, exist_ok=True)
    for split, pairs in splits.items():
        lines = [f"{native}\t{roman}\t1" for roman, native in pairs]
        (folder / f"{lang}.translit.sampled.{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
