"""Every option of `seqlab serve`, declared once: default, range, CLI flag and help (torch- and FastAPI-free, so
`seqlab --help` stays fast). The limits here are the server's bad-input rules: each one is a 4xx answer."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Optional

from seqlab.device import INFERENCE_DTYPES
from seqlab.errors import SeqlabError
from seqlab.options import Options, from_dict, opt
from seqlab.translit.config import MAX_BEAM, backend_option
from seqlab.translit.languages import LANGUAGE_CODES

OPTIONS_ENV = "SEQLAB_SERVE_OPTIONS"  # how `--workers N` hands the options to each worker process (JSON)


@dataclass(frozen=True)
class ServeOptions(Options):
    """How `seqlab serve` runs; every value is validated once, when the options are made (from the command line
    or, in a worker process, from OPTIONS_ENV)."""

    host: str = opt("127.0.0.1", "--host", "Address to bind; 0.0.0.0 exposes the server to the network.")
    port: int = opt(8000, "--port", "TCP port.", low=1, high=65535)
    model: Optional[list[str]] = opt(None, "--model", "Repeatable: a transliteration run directory or model folder "
                                     "(its language from its config.json), or LANG=DIR (default: the shipped model "
                                     "of every language that has one).")
    lang: Optional[list[str]] = opt(None, "--lang", "Repeatable: also serve the shipped model of this language (" +
                                    " | ".join(LANGUAGE_CODES) + ").")
    reverse_model: Optional[str] = opt(None, "--reverse-model", "Native script → Latin model folder for GET "
                                       "/rtl/{lang}/{word} (default: a shipped forward model's shipped reverse "
                                       "model; none with --model).")
    lyrics_model: Optional[str] = opt(None, "--lyrics-model", "Lyrics model folder or smollm2-135m (default: none; "
                                      "POST /lyrics/generate then answers 503).")
    workers: int = opt(1, "--workers", "Worker processes (each loads the models; the server is stateless). A worker "
                       "decodes in one thread: one per core serves the most words.", low=1, high=64)
    beam_size: int = opt(5, "--beam-size", "Beam of the served decoding (prior and lexicon always on).", low=1,
                         high=MAX_BEAM)
    rescorers: bool = opt(False, "--rescorers", "Also rescore with the model folder's rescorer models (about 3x "
                          "slower; the CLI's default decoding).")
    default_k: int = opt(5, "--default-k", "Candidates per word when a request gives no k.", low=1, high=MAX_BEAM)
    max_k: int = opt(10, "--max-k", "Largest k a request may ask for.", low=1, high=MAX_BEAM)
    reread_margin: float = opt(2.0, "--reread-margin", "Least margin (sentence mode's best path score over the "
                               "path keeping the committed word) at which POST /reread offers a committed word's "
                               "re-reading: the editor's one-key corrections. The default was chosen on the tune half "
                               "of the Hindi dev sentences (README, Type-ahead).", low=0.0, high=1000.0)
    max_words: int = opt(1000, "--max-words", "Most words in one POST /transliterate.", low=1, high=1_000_000)
    max_text: int = opt(20_000, "--max-text", "Most characters of text in one POST /transliterate.", low=1,
                        high=10_000_000)
    max_body: int = opt(1 << 20, "--max-body", "Largest request body in bytes (413 above it).", low=64,
                        high=1 << 30)
    max_batch: int = opt(64, "--max-batch", "Most words the micro-batcher decodes in one call.", low=1, high=4096)
    max_wait_ms: float = opt(2.0, "--max-wait-ms", "How long the micro-batcher waits for more words.", low=0.0,
                             high=1000.0)
    micro_batching: bool = opt(True, "--micro-batching", "Decode concurrent single-word requests together "
                               "(--no-micro-batching: one decoder call per request, for comparison).")
    cache_size: int = opt(50_000, "--cache-size", "Words whose candidates are kept in an LRU cache (0 = off).",
                          low=0, high=10_000_000)
    header_timeout: float = opt(10.0, "--header-timeout", "Seconds a client may take to send a request's line and "
                                "headers (from connecting, or from the previous answer); slower ones get 408 and are "
                                "closed.", low=0.1, high=3600.0)
    body_timeout: float = opt(30.0, "--body-timeout", "Seconds a request's body may take to arrive in full after its "
                              "headers (chunked too); slower ones get 408 and are closed.", low=0.1, high=3600.0)
    max_connections: int = opt(512, "--max-connections", "Open connections per process (keep it under `ulimit -n`). "
                               "A new one over the limit closes the connection that has waited longest on its client "
                               "(unfinished headers or body, or idle); if every one waits on the server, it gets 503.",
                               low=1, high=1_000_000)
    max_lyrics_length: int = opt(400, "--max-lyrics-length", "Largest max_length a lyrics request may ask for.",
                                 low=1, high=100_000)
    read_only: bool = opt(False, "--read-only", "Refuse POST /learn (shared servers).")
    user_dictionary: Optional[str] = opt(None, "--user-dictionary", "File of learned picks (default: the user's "
                                         "data folder).")
    allowed_hosts: Optional[list[str]] = opt(None, "--allowed-host", "A Host name to answer to (repeatable; * for any, "
                                             "*.example.org for its subdomains). Default: the loopback names when "
                                             "bound to loopback (a DNS-rebinding guard), any name otherwise.")
    cors_origin: Optional[str] = opt(None, "--cors-origin", "Allow browser pages from this origin (e.g. "
                                     "http://localhost:3000, or *); CORS is off without it.")
    access_log: bool = opt(False, "--access-log", "Log every request (off: it costs throughput).")
    device: str = opt("cpu", "--device", "Device of the models: cpu | cuda | cuda:N | auto.")
    dtype: str = opt("float32", "--dtype", "What the transliteration models compute in with --backend torch: "
                     "float32 | bfloat16 | auto (bfloat16 on a CPU with native bfloat16, else float32). bfloat16 "
                     "answers faster (same top-1 on Dakshina test), but the server's memory rises by a third while "
                     "oneDNN meets new batch shapes. ONNX Runtime computes in float32.",
                     choices=INFERENCE_DTYPES)
    backend: str = backend_option("onnx-int8 on a CPU: 1.5x the float32 throughput, Dakshina test top-1 58.22 % "
                                  "against 58.35 %; torch on CUDA")

    def check(self) -> None:
        hosts = self.allowed_hosts
        if hosts is not None and (not isinstance(hosts, (list, tuple)) or not all(isinstance(h, str) and h.strip()
                                                                                   for h in hosts)):
            raise SeqlabError(f"--allowed-host must be host names, got {str(hosts)[:60]}")
        if self.default_k > self.max_k:
            raise SeqlabError(f"--default-k {self.default_k} is larger than --max-k {self.max_k}")

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> "ServeOptions":
        data: Any = json.loads(text)
        return from_dict(cls, data, OPTIONS_ENV)
