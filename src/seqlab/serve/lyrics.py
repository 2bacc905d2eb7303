"""POST /lyrics/generate: the lyrics job's own sampler (`seqlab.lyrics.generate.sample`, the recipe's defaults)
run in its own thread, its text streamed to the client as Server-Sent Events while the tokens are produced.

The sampler writes to a file-like stream; here that stream hands each piece to the event loop. When the client
goes away, the next write raises, which ends `model.generate` at once: an abandoned request stops costing CPU.
"""
from __future__ import annotations

import asyncio
import functools
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from pydantic import BaseModel, Field, create_model

from seqlab.errors import SeqlabError, first_line
from seqlab.lyrics.conditioning import ARTISTS_FILE, Artist, find_artist, prefix_ids, read_artists
from seqlab.lyrics.config import GenerateOptions, GenerationConfig
from seqlab.options import check_value, default_of, field_type, spec_of
from seqlab.serve.limits import ApiError, RequestBody

MAX_PROMPT = 4000  # characters; the model's context is checked in tokens as well
# The sampling knobs a request may set (the CLI's `generate` options of the same names).
REQUEST_FIELDS = ((GenerateOptions, "prompt"), (GenerateOptions, "artist"), (GenerationConfig, "max_length"),
                  (GenerationConfig, "seed"), (GenerationConfig, "top_k"), (GenerationConfig, "top_p"),
                  (GenerationConfig, "temperature"), (GenerationConfig, "repetition_penalty"))

_DONE = object()


def _request_model() -> type[BaseModel]:
    """The request body from the config fields: their types, `seqlab lyrics generate`'s defaults and help. The
    ranges are checked when the GenerationConfig is made, so a bad value is a 400 naming the knob."""
    fields: dict[str, Any] = {}
    for cls, name in REQUEST_FIELDS:
        kind, optional = field_type(cls, name)
        fields[name] = (Optional[kind] if optional else kind,
                        Field(default_of(cls, name), description=spec_of(cls, name).help))
    return create_model("LyricsRequest", __base__=RequestBody,
                        __doc__="The sampling knobs, with `seqlab lyrics generate`'s defaults.", **fields)


LyricsRequest = _request_model()


def _json_field(name: str) -> Optional[str]:
    """How an error names a setting on the server: its JSON field, if requests have one."""
    return name if name in LyricsRequest.model_fields else None


class _Cancelled(Exception):
    """Raised inside generation when its client has gone."""


class _ToLoop(io.TextIOBase):
    """A text stream whose writes (from the generating thread) land in an asyncio queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        self.loop, self.queue, self.cancelled = loop, queue, False

    def write(self, text: str) -> int:
        if self.cancelled:
            raise _Cancelled()
        if text:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, text)
        return len(text)


def _event(data: dict, name: Optional[str] = None) -> str:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


class LyricsService:
    """A loaded lyrics model; one generation at a time (others wait their turn in the thread's queue)."""

    def __init__(self, model_dir: str, device: str, max_length: int, on_outcome=None) -> None:
        from seqlab.lyrics.model import load_trained

        self.name, self.max_length = Path(model_dir).name, max_length  # the folder's name: never a path to clients
        self.model, self.tokenizer = load_trained(model_dir, device=device)
        # the artists of a run trained with artist conditioning (conditioning.py); none for other models
        self.artists: list[Artist] = read_artists(model_dir) if (Path(model_dir) / ARTISTS_FILE).is_file() else []
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqlab-lyrics")
        self._on_outcome = on_outcome or (lambda outcome: None)

    def defaults(self) -> dict:
        return LyricsRequest().model_dump()

    def artist(self, name: Optional[str]) -> Optional[Artist]:
        """The artist a request names (any case), a 400 naming close matches if the model has no such artist."""
        if name is None:
            return None
        if not self.artists:
            raise ApiError(400, f"artist: the lyrics model {self.name} was trained without artist conditioning")
        try:
            return find_artist(self.artists, name, "the lyrics model")
        except SeqlabError as exc:
            raise ApiError(400, str(exc).replace(" (`seqlab lyrics artists` lists them all)", "")) from None

    def config(self, request: LyricsRequest) -> GenerationConfig:
        """The request as the sampler's config, checked against the same ranges as the CLI's options."""
        if not request.prompt.strip():
            raise ApiError(400, "prompt is empty")
        if len(request.prompt) > MAX_PROMPT:
            raise ApiError(400, f"prompt is {len(request.prompt):,} characters; the limit is {MAX_PROMPT:,}")
        if request.max_length > self.max_length:
            raise ApiError(400, f"max_length must be at most {self.max_length} on this server, got "
                                f"{request.max_length}")
        values = request.model_dump(exclude={"prompt", "artist"})
        for name, value in values.items():  # SeqlabError → 400, naming the JSON field (not the CLI flag)
            check_value(GenerationConfig, name, value, label=name)
        return GenerationConfig(**values)

    def _check_budget(self, prompt: str, cfg: GenerationConfig, prefix_tokens: int = 0) -> Optional[str]:
        """In the lyrics thread (tokenizers are not shared across threads): refuse a prompt too long to continue."""
        from seqlab.lyrics.generate import new_token_budget
        from seqlab.lyrics.model import context_length

        tokens = len(self.tokenizer(prompt).input_ids) + prefix_tokens
        return new_token_budget(tokens, cfg, context_length(self.model), name=_json_field)[1]

    async def prepare(self, request: LyricsRequest) -> tuple[GenerationConfig, Optional[str], list[int]]:
        """The sampler's config, the budget warning and the artist's prefix ids ([] without an artist)."""
        cfg, artist = self.config(request), self.artist(request.artist)
        loop = asyncio.get_running_loop()
        prefix = await loop.run_in_executor(self._thread, prefix_ids, self.tokenizer, artist)
        warning = await loop.run_in_executor(self._thread, self._check_budget, request.prompt, cfg, len(prefix))
        return cfg, warning, prefix

    async def stream(self, prompt: str, cfg: GenerationConfig, warning: Optional[str],
                     prefix: Optional[list[int]] = None) -> AsyncIterator[str]:
        """SSE events: `data: {"text": …}` pieces (the prompt first), then `event: done` (or `event: error`)."""
        from seqlab.lyrics.generate import sample

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        sink = _ToLoop(loop, queue)
        job = loop.run_in_executor(self._thread, functools.partial(
            sample, self.model, self.tokenizer, prompt, cfg, stream=sink, log=io.StringIO(), prefix=prefix))
        job.add_done_callback(lambda done: (done.cancelled() or done.exception(), queue.put_nowait(_DONE)))
        try:
            if warning:
                yield _event({"warning": warning}, "warning")
            while (piece := await queue.get()) is not _DONE:
                yield _event({"text": piece})
            error = job.exception()
            if error is None:
                result = job.result()
                self._on_outcome("done")
                yield _event({"new_tokens": result.new_tokens, "seconds": round(result.seconds, 3)}, "done")
            else:
                self._on_outcome("error")
                yield _event({"error": first_line(error)}, "error")
        finally:
            if not job.done():  # the client left mid-stream: stop generating at the next token
                sink.cancelled = True
                self._on_outcome("disconnected")

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
