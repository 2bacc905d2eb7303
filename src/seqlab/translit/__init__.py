"""Transliteration: romanized Hindi (Latin) → Devanagari with a character RNN encoder–decoder.

Python API::

    from seqlab.translit import load_transliterator
    tr = load_transliterator()          # the shipped Hindi model, or load_transliterator("runs/…")
    tr.transliterate(["ghar", "pani"])   # ['घर', 'पानी']
"""
from seqlab.translit.predict import Transliterator, load_transliterator

__all__ = ["Transliterator", "load_transliterator"]
