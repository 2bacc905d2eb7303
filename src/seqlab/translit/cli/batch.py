"""`seqlab translit batch`: files, .gz files and folders transliterated on a Dask cluster (see translit/batch/).

Options come from `BatchOptions`; dask and torch are imported inside the command, so `seqlab --help` stays fast.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from seqlab.options import cli_option
from seqlab.translit.batch.options import BatchOptions


def _option(name: str, **kwargs):
    return cli_option(BatchOptions, name, **kwargs)


def batch(
    inputs: List[Path] = typer.Argument(..., help="Text files (UTF-8, one sentence per line), .gz files, or folders "
                                        "of them.", show_default=False),
    output: Path = _option("output", default=...),
    lang: Optional[str] = _option("lang"),
    model: Optional[Path] = _option("model"),
    direction: Optional[str] = _option("direction"),
    beam_size: Optional[int] = _option("beam_size"),
    context: bool = _option("context"),
    rescorers: bool = _option("rescorers"),
    device: str = _option("device"),
    user_dictionary: Optional[Path] = _option("user_dictionary"),
    no_user_dictionary: bool = _option("no_user_dictionary"),
    workers: Optional[int] = _option("workers"),
    scheduler: Optional[str] = _option("scheduler"),
    shard_lines: int = _option("shard_lines"),
    skip_bad_lines: bool = _option("skip_bad_lines"),
    json_summary: bool = _option("json", flag="--json"),
) -> None:
    """Transliterate whole corpora on a Dask cluster: every input line gives the output line `predict` would write
    for it, in a file at the same relative path under --output. Resumable: after a crash or kill, the same command
    decodes only the shards that are missing."""
    from seqlab.translit.batch.progress import terminal_progress
    from seqlab.translit.batch.run import run_batch

    values = dict(locals())
    options = BatchOptions.from_cli({**values, "json": values.pop("json_summary")})
    summary = run_batch(inputs, options, terminal_progress())
    typer.echo(summary.text())
    if options.json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
