"""`seqlab translit batch`: files, .gz files and folders transliterated on a Dask cluster (see translit/batch/).

Options come from `BatchOptions`; dask and torch are imported inside the command, so `seqlab --help` stays fast.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

import typer

from seqlab.options import command
from seqlab.translit.batch.options import BatchOptions


@command
def batch(
    inputs: List[Path] = typer.Argument(..., help="Text files (UTF-8, one sentence per line), .gz files, or folders "
                                        "of them.", show_default=False),
    options: BatchOptions = None,
) -> None:
    """Transliterate whole corpora on a Dask cluster: every input line gives the output line `predict` would write
    for it, in a file at the same relative path under --output. Resumable: after a crash or kill, the same command
    decodes only the shards that are missing."""
    from seqlab.translit.batch.progress import terminal_progress
    from seqlab.translit.batch.run import run_batch

    summary = run_batch(inputs, options, terminal_progress())
    typer.echo(summary.text())
    if options.json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
