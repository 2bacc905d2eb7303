"""Transliteration: romanized text (Latin) → the native script of Dakshina's twelve languages (Hindi by default;
translit/languages.py) with a character RNN encoder–decoder.

Python API::

    from seqlab.translit import load_transliterator
    tr = load_transliterator()          # the shipped Hindi model, or load_transliterator("runs/…")
    tr.transliterate(["ghar", "pani"])   # ['घर', 'पानी']

    from seqlab.translit import transliterate_files
    transliterate_files(["corpus/"], "out/", workers=4)   # a Dask cluster; see translit/batch/
"""
import importlib

_MODULES = {"Transliterator": "transliterator", "load_transliterator": "transliterator",
            "transliterate_files": "batch.run"}
__all__ = list(_MODULES)


def __getattr__(name: str):
    """Load torch (and dask) only when the API is used, so `seqlab … --help` and `seqlab lyrics` start quickly."""
    if name in _MODULES:
        return getattr(importlib.import_module(f"seqlab.translit.{_MODULES[name]}"), name)
    raise AttributeError(f"module 'seqlab.translit' has no attribute {name!r}")
