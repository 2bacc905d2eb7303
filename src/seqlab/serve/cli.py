"""The `seqlab serve` command; its options come from ServeOptions (config.py), declared once."""
from __future__ import annotations

from typing import List, Optional

from seqlab.options import cli_option
from seqlab.serve.config import ServeOptions


def serve(
    host: str = cli_option(ServeOptions, "host"),
    port: int = cli_option(ServeOptions, "port"),
    model: Optional[List[str]] = cli_option(ServeOptions, "model"),
    lang: Optional[List[str]] = cli_option(ServeOptions, "lang"),
    reverse_model: Optional[str] = cli_option(ServeOptions, "reverse_model"),
    lyrics_model: Optional[str] = cli_option(ServeOptions, "lyrics_model"),
    workers: int = cli_option(ServeOptions, "workers"),
    beam_size: int = cli_option(ServeOptions, "beam_size"),
    rescorers: bool = cli_option(ServeOptions, "rescorers"),
    default_k: int = cli_option(ServeOptions, "default_k"),
    max_k: int = cli_option(ServeOptions, "max_k"),
    max_words: int = cli_option(ServeOptions, "max_words"),
    max_text: int = cli_option(ServeOptions, "max_text"),
    max_body: int = cli_option(ServeOptions, "max_body"),
    max_batch: int = cli_option(ServeOptions, "max_batch"),
    max_wait_ms: float = cli_option(ServeOptions, "max_wait_ms"),
    micro_batching: bool = cli_option(ServeOptions, "micro_batching"),
    cache_size: int = cli_option(ServeOptions, "cache_size"),
    max_lyrics_length: int = cli_option(ServeOptions, "max_lyrics_length"),
    read_only: bool = cli_option(ServeOptions, "read_only"),
    user_dictionary: Optional[str] = cli_option(ServeOptions, "user_dictionary"),
    cors_origin: Optional[str] = cli_option(ServeOptions, "cors_origin"),
    access_log: bool = cli_option(ServeOptions, "access_log"),
    device: str = cli_option(ServeOptions, "device"),
    dtype: str = cli_option(ServeOptions, "dtype"),
) -> None:
    """Serve transliteration (HTTP API + type-ahead editor at /, one model per language) and lyrics (/lyrics);
    docs at /docs."""
    from seqlab.serve.server import serve as run

    options = ServeOptions.from_cli(dict(locals()))
    options.validate()
    run(options)
