"""The FastAPI app of `seqlab serve`: models loaded once per process, endpoints (routes.py), the two web pages
(pages/, plain HTML/JS/CSS shipped in the package: no build step, no CDN), metrics and the limits on bad input.

`create_app(options)` builds it; `app_from_env()` is the factory each worker process of `--workers N` calls
(uvicorn imports it by name and the options travel as JSON in $SEQLAB_SERVE_OPTIONS). A process holds nothing
a request leaves behind except caches, so any number of them can serve behind a load balancer (learned picks,
when learning is on, live in the user dictionary file).
"""
from __future__ import annotations

import gc
import logging
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from seqlab.serve.config import OPTIONS_ENV, ServeOptions
from seqlab.serve.engine import TranslitEngine
from seqlab.serve.guards import RequestGuards, default_allowed_hosts
from seqlab.serve.languages import Languages, ServedLanguage, load_languages
from seqlab.serve.limits import BodyLimit, install_error_handlers
from seqlab.serve.lyrics import LyricsService
from seqlab.serve.metrics import Metrics, MetricsMiddleware
from seqlab.serve.routes import router
from seqlab.translit.words.user_dictionary import UserDictionary

PAGES = Path(__file__).parent / "pages"
log = logging.getLogger("seqlab.serve")


@dataclass
class ServerState:
    """What the endpoints share (app.state.seqlab): the languages (languages.py), the first the default."""

    options: ServeOptions
    languages: Languages
    metrics: Metrics
    lyrics: Optional[LyricsService] = None

    @property
    def default(self) -> ServedLanguage:
        return self.languages.default

    # The first language's parts, as the server held them when it had one language (healthz, tests, benchmarks).
    @property
    def lang(self) -> str:
        return self.default.lang

    @property
    def engine(self) -> TranslitEngine:
        return self.default.engine

    @property
    def model_name(self) -> str:
        return self.default.model_name

    @property
    def direction(self) -> str:
        return self.default.direction

    @property
    def user_dictionary(self) -> UserDictionary:
        return self.default.user_dictionary


def load_state(options: ServeOptions) -> ServerState:
    """Load the models (seconds); SeqlabError on a bad folder, before the server binds its port."""
    metrics = Metrics()
    served = load_languages(options, metrics.observe_batch, metrics.observe_cache, after_load=quiet_collector)
    state = ServerState(options, served, metrics)
    if options.lyrics_model:
        state.lyrics = LyricsService(options.lyrics_model, options.device, options.max_lyrics_length,
                                     lambda outcome: metrics.lyrics_streams.labels(outcome).inc())
    return state


def create_app(options: ServeOptions, state: Optional[ServerState] = None) -> FastAPI:
    state = state or load_state(options)
    quiet_collector()  # the models are loaded: keep them out of the cycle collector's passes

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for served in state.languages.loaded():
            await served.engine.close()
        state.languages.close()
        if state.lyrics is not None:
            state.lyrics.close()

    app = FastAPI(title="seqlab", summary="Romanized text → the native script of Dakshina's languages (type-ahead "
                  "candidates, sentences) and lyrics generation.", version=_version(), lifespan=lifespan)
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


def quiet_collector() -> None:
    """Keep Python's cycle collector from pausing a loaded server: call once the models are loaded.

    A full collection walks every tracked object; with the models' word lists and the caches filling, each took
    tens of milliseconds, and every request in flight waited for it (128 typists, `serve_load.py --typists`: p99
    122 ms with the defaults, 30 ms with the collector off). `gc.freeze()` moves everything loaded so far (the
    models, lexicons, priors: they live as long as the process) out of every future collection; the collector
    stays on, with its thresholds, for the cycles requests leave (larger thresholds made each pause longer). A
    language loaded at its first request calls it again (`Languages.after_load`)."""
    gc.freeze()


def _version() -> str:
    from seqlab import __version__

    return __version__
