"""The FastAPI app of `seqlab serve`: models loaded once per process, endpoints (routes.py), the two web pages
(pages/, plain HTML/JS/CSS shipped in the package: no build step, no CDN), metrics and the limits on bad input.

`create_app(options)` builds it; `app_from_env()` is the factory each worker process of `--workers N` calls
(uvicorn imports it by name and the options travel as JSON in $SEQLAB_SERVE_OPTIONS). A process holds nothing
a request leaves behind except caches, so any number of them can serve behind a load balancer (learned picks,
when learning is on, live in the user dictionary file).
"""
from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from seqlab.errors import SeqlabError
from seqlab.serve.config import OPTIONS_ENV, ServeOptions
from seqlab.serve.engine import TranslitEngine
from seqlab.serve.guards import RequestGuards, default_allowed_hosts
from seqlab.serve.limits import BodyLimit, install_error_handlers
from seqlab.serve.lyrics import LyricsService
from seqlab.serve.metrics import Metrics, MetricsMiddleware
from seqlab.serve.routes import router
from seqlab.translit.config import DIRECTIONS
from seqlab.translit.words.user_dictionary import UserDictionary, default_user_dictionary_path

if TYPE_CHECKING:  # torch is imported when the models load, not when `seqlab --help` imports this module
    from seqlab.translit.transliterator import Transliterator

PAGES = Path(__file__).parent / "pages"
log = logging.getLogger("seqlab.serve")


@dataclass
class ServerState:
    """What the endpoints share (app.state.seqlab)."""

    options: ServeOptions
    engine: TranslitEngine
    metrics: Metrics
    lang: str
    model_name: str
    lyrics: Optional[LyricsService] = None
    user_dictionary: Optional[UserDictionary] = None
    direction: str = DIRECTIONS[0]
    reverse: Optional[Transliterator] = None  # Devanagari → Latin, for GET /rtl (decoded in the engine's thread)


def _user_dictionary(options: ServeOptions, lang: str) -> UserDictionary:
    """The user dictionary: learned picks are offered first (also with --read-only, which only stops learning)."""
    path = Path(options.user_dictionary) if options.user_dictionary else default_user_dictionary_path(lang)
    dictionary = UserDictionary(path, reload_on_lookup=False)  # the engine reloads it, off the event loop
    dictionary.pairs()  # a file that cannot be a dictionary (a FIFO, too large) is a one-line error now
    return dictionary


def load_state(options: ServeOptions) -> ServerState:
    """Load the models (seconds); SeqlabError on a bad folder, before the server binds its port."""
    from seqlab.translit.transliterator import load_transliterator, model_direction

    metrics = Metrics()
    translit = load_transliterator(options.model, device=options.device, rescorers=options.rescorers,
                                   dtype=options.dtype, backend=options.backend)
    lang = str(translit.config.get("train", {}).get("lang") or "hi")
    translit.user_dictionary = _user_dictionary(options, lang)
    engine = TranslitEngine(translit, options, metrics.observe_batch, metrics.observe_cache)
    engine.warm_up()
    shown = Path(options.model).name if options.model else f"shipped ({lang})"  # no server paths to clients
    state = ServerState(options, engine, metrics, lang, shown, None,
                        translit.user_dictionary, model_direction(translit.config))
    if options.reverse_model or not options.model:
        state.reverse = load_transliterator(options.reverse_model, device=options.device, dtype=options.dtype,
                                            direction=None if options.reverse_model else "native-to-roman",
                                            backend=options.backend)
        if model_direction(state.reverse.config) != "native-to-roman":
            raise SeqlabError(f"--reverse-model {options.reverse_model}: not a native-to-roman model")
    if options.lyrics_model:
        state.lyrics = LyricsService(options.lyrics_model, options.device, options.max_lyrics_length,
                                     lambda outcome: metrics.lyrics_streams.labels(outcome).inc())
    return state


def create_app(options: ServeOptions, state: Optional[ServerState] = None) -> FastAPI:
    state = state or load_state(options)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        await state.engine.close()
        if state.lyrics is not None:
            state.lyrics.close()

    app = FastAPI(title="seqlab", summary="Romanized Hindi → Devanagari (type-ahead candidates, sentences) and "
                  "lyrics generation.", version=_version(), lifespan=lifespan)
    app.state.seqlab = state
    install_error_handlers(app)
    add_routes(app)
    if options.cors_origin:
        app.add_middleware(CORSMiddleware, allow_origins=[options.cors_origin], allow_methods=["GET", "POST",
                           "DELETE"], allow_headers=["content-type"])
    app.add_middleware(BodyLimit, limit=options.max_body)
    app.add_middleware(RequestGuards, allowed_hosts=default_allowed_hosts(options.host, options.allowed_hosts),
                       cors_origin=options.cors_origin)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app


def add_routes(app: FastAPI) -> None:
    """Every endpoint and page of the server (models not needed: tests walk this list)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=PAGES), name="static")

    @app.get("/", include_in_schema=False)
    async def editor() -> FileResponse:
        return FileResponse(PAGES / "index.html")

    @app.get("/lyrics", include_in_schema=False)
    async def lyrics_page() -> FileResponse:
        return FileResponse(PAGES / "lyrics.html")


def app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (`--workers N`)."""
    return create_app(ServeOptions.from_env(os.environ[OPTIONS_ENV]))


def _version() -> str:
    from seqlab import __version__

    return __version__
