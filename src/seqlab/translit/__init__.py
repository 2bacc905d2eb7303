"""Transliteration: romanized text (Latin) → the native script of Dakshina's twelve languages (Hindi by default;
translit/languages.py) with a character RNN encoder–decoder.

Python API::

    from seqlab.translit import load_transliterator
    tr = load_transliterator()          # the shipped Hindi model, or load_transliterator("runs/…")
    tr.transliterate(["ghar", "pani"])   # ['घर', 'पानी']
"""
__all__ = ["Transliterator", "load_transliterator"]


def __getattr__(name: str):
    """Load torch only when the API is used, so `seqlab … --help` and `seqlab lyrics` start quickly."""
    if name in __all__:
        from seqlab.translit import transliterator as predict

        return getattr(predict, name)
    raise AttributeError(f"module 'seqlab.translit' has no attribute {name!r}")
