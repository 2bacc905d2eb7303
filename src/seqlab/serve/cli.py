"""The `seqlab serve` command; its options come from ServeOptions (config.py), declared once."""
from __future__ import annotations

from seqlab.options import command
from seqlab.serve.config import ServeOptions


@command
def serve(options: ServeOptions) -> None:
    """Serve transliteration (HTTP API + type-ahead editor at /, one model per language) and lyrics (/lyrics);
    docs at /docs."""
    from seqlab.serve.server import serve as run

    run(options)
