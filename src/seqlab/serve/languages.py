"""Which languages a server transliterates: one model (and decoding engine) per language, chosen by `--model DIR`,
`--model LANG=DIR` and `--lang LANG` (the shipped model of LANG), by default every shipped language's model.

Each language gets its own engine (decoding thread, cache, micro-batcher) and its own user dictionary file, so
a slow Bengali request never waits for a Tamil one's cache and a pick learned in Urdu is never offered in Hindi.

The first language and every `--model` folder are loaded before the port opens (a bad folder is a one-line error
then); the other shipped models are loaded at their language's first request (`Languages`), so a server of all
twelve starts in seconds and each worker holds only the models of the languages it was asked for.
"""
from __future__ import annotations

import asyncio
import functools
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from pydantic import BaseModel, Field

from seqlab.errors import SeqlabError, first_line
from seqlab.serve.config import ServeOptions
from seqlab.serve.engine import TranslitEngine
from seqlab.translit.config import DIRECTIONS
from seqlab.translit.languages import DEFAULT_LANG, LANGUAGES, language, shipped_languages, shipped_model
from seqlab.translit.words.user_dictionary import UserDictionary, default_user_dictionary_path

if TYPE_CHECKING:  # torch is imported when the models load, not when `seqlab --help` imports this module
    from seqlab.translit.transliterator import Transliterator


class LanguageInfo(BaseModel):
    """One language a server transliterates (GET /languages)."""

    code: str = Field(..., description="Language code, as in /tl/{lang}/{word}.")
    name: str = Field(..., description="English name.")
    native_name: str = Field(..., description="The language's name in its own script.")
    script: str = Field(..., description="Output script.")
    direction: str = Field(..., description="ltr or rtl: how the output script is written.")
    font: str = Field(..., description="The Noto font family the editor shows it in.")
    model: str = Field(..., description="The model folder, or 'shipped'.")


class LanguageList(BaseModel):
    languages: list[LanguageInfo]


@dataclass
class ServedLanguage:
    """One language's model, engine and user dictionary (and, for a shipped model, its reverse model)."""

    lang: str
    engine: TranslitEngine
    model_name: str
    user_dictionary: UserDictionary
    direction: str = DIRECTIONS[0]
    reverse: Optional[Transliterator] = None  # native → Latin, for GET /rtl (decoded in the engine's thread)

    def info(self) -> LanguageInfo:
        return language_info(self.lang, self.model_name)


SHIPPED = "shipped"  # the model name shown for a shipped model (no server paths to clients)


def language_info(code: str, model_name: str) -> LanguageInfo:
    entry = LANGUAGES[code]
    return LanguageInfo(code=code, name=entry.name, native_name=entry.native, script=entry.script.name,
                        direction=entry.direction, font=entry.font, model=model_name)


class LanguageLoadError(Exception):
    """A language's model failed to load at its first request (the request answers 503; the next one retries)."""


class Languages:
    """The languages a server transliterates, in order (the first is the default), each loaded once: those in
    `loaded` already, those in `pending` (code → how to load it) at their first request, in a loading thread of
    their own so the event loop and the other languages' decoding go on meanwhile. Requests for a language that is
    loading wait for it; `after_load` runs once each has loaded (the server freezes the collector's view of it)."""

    def __init__(self, loaded: dict[str, ServedLanguage], pending: dict[str, Callable[[], ServedLanguage]],
                 order: list[str], after_load: Callable[[], None]) -> None:
        self.order, self.after_load = order, after_load
        self._loaded, self._pending = loaded, pending
        self._loading: dict[str, asyncio.Future] = {}  # code → its load under way
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seqlab-load")

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    @property
    def default(self) -> ServedLanguage:
        return self._loaded[self.order[0]]

    def loaded(self) -> list[ServedLanguage]:
        return [self._loaded[code] for code in self.order if code in self._loaded]

    def info(self) -> list[LanguageInfo]:
        return [self._loaded[code].info() if code in self._loaded else language_info(code, SHIPPED)
                for code in self.order]

    async def get(self, code: str) -> Optional[ServedLanguage]:
        """The language `code`, loaded first if it has not been; None if the server does not have it. Requests that
        arrive during a load wait for that one load; a request that leaves meanwhile does not stop it."""
        if code in self._loaded:
            return self._loaded[code]
        if code not in self._pending:
            return None
        loading = self._loading.get(code)
        if loading is None:
            loading = asyncio.get_running_loop().run_in_executor(self._loader, self._load, code)
            loading.add_done_callback(functools.partial(self._finish, code))
            self._loading[code] = loading
        return await asyncio.shield(loading)

    def _finish(self, code: str, loading: asyncio.Future) -> None:
        """In the event loop, once a load ends: keep what it loaded; after a failure the next request retries."""
        del self._loading[code]
        if not loading.cancelled() and loading.exception() is None:
            self._loaded[code] = loading.result()

    def _load(self, code: str) -> ServedLanguage:
        """In the loading thread; said on the server's log (a first request waits seconds for it)."""
        start = time.monotonic()
        try:
            served = self._pending[code]()
        except Exception as exc:  # noqa: BLE001 — whatever it was, the request answers in one line
            print(f"seqlab serve: the {code} model could not be loaded: {first_line(exc)}", file=sys.stderr,
                  flush=True)
            raise LanguageLoadError(f"the {code} model could not be loaded ({first_line(exc)}); try again, or "
                                    "see the server's log") from None
        self.after_load()
        print(f"seqlab serve: loaded the {code} model at its first request ({time.monotonic() - start:.1f} s)",
              file=sys.stderr, flush=True)
        return served

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)


def served_backend(options: ServeOptions) -> str:
    """--backend as the server runs it. Its auto is ONNX Runtime with int8 weights wherever the CLI's auto picks
    ONNX Runtime: a server's capacity is its decoding rate, and int8 weights decode the served words about 1.5x as
    fast for 0.04 point of top-1 (README, Serving); the CLI's auto stays float32, the accuracy reference.
    --backend onnx keeps float32."""
    from seqlab.device import resolve_device  # torch: imported when the models load
    from seqlab.translit.engine import resolve_backend

    if options.backend != "auto":
        return options.backend
    picked = resolve_backend("auto", resolve_device(options.device).type, options.dtype)
    return "onnx-int8" if picked == "onnx" else picked


def model_sources(options: ServeOptions) -> list[tuple[Optional[str], Optional[str]]]:
    """(language or None, folder or None = shipped) per model to load, from --model and --lang, in order; by
    default every shipped language. A language named twice is an error."""
    sources: list[tuple[Optional[str], Optional[str]]] = []
    for item in options.model or []:
        code, equals, folder = item.partition("=")
        if equals and code in LANGUAGES and folder:
            sources.append((code, folder))
        elif equals and not Path(item).exists():
            language(code, "--model LANG=DIR: LANG")  # an unknown LANG: the one-line list of languages
            raise SeqlabError(f"--model {item}: expected DIR or LANG=DIR with a folder after '='")
        else:
            sources.append((None, item))
    sources += [(language(code).code, None) for code in options.lang or []]
    if not sources:  # the default language first: it is the editor's and the language-less routes' default
        sources = [(code, None) for code in sorted(shipped_languages(), key=lambda code: code != DEFAULT_LANG)]
    if not sources:
        raise SeqlabError("no shipped transliteration model is installed; give --model DIR")
    return sources


def user_dictionary_for(options: ServeOptions, lang: str, several: bool) -> UserDictionary:
    """The language's user dictionary: --user-dictionary FILE (with several languages FILE's name gets -LANG), else
    the per-user file of that language. A corrupt file is a one-line error now, not a failed request later."""
    if options.user_dictionary:
        path = Path(options.user_dictionary)
        if several:
            path = path.with_name(f"{path.stem}-{lang}{path.suffix}")
    else:
        path = default_user_dictionary_path(lang)
    dictionary = UserDictionary(path, reload_on_lookup=False)  # the engine reloads it, off the event loop
    dictionary.pairs()  # a file that cannot be a dictionary (a FIFO, too large) is a one-line error now
    return dictionary


def load_languages(options: ServeOptions, on_batch: Callable[[int], None], on_cache: Callable[[bool], None],
                   after_load: Callable[[], None]) -> Languages:
    """Load the first language and every --model folder (seconds each; SeqlabError on a bad folder, before the
    server binds its port), and get the other shipped languages ready to load at their first request."""
    sources, backend = model_sources(options), served_backend(options)
    several = len(sources) > 1
    load = functools.partial(_load_language, options, backend, several, on_batch, on_cache)
    reverse = _reverse_model(options, backend)
    loaded: dict[str, ServedLanguage] = {}
    pending: dict[str, Callable[[], ServedLanguage]] = {}
    order: list[str] = []
    for lang, folder in sources:
        if lang in order:
            raise SeqlabError(f"--model/--lang: '{lang}' is given twice; serve one model per language")
        if order and folder is None and (reverse is None or reverse.lang != lang):
            shipped_model(lang)  # a language without a shipped model, or a corrupt dictionary: one-line errors now
            pending[lang] = functools.partial(load, lang, None, dictionary=user_dictionary_for(options, lang, several))
            order.append(lang)
            continue
        served = load(lang, folder, shipped_reverse=reverse is None or reverse.lang != lang)
        if served.lang in order:
            raise SeqlabError(f"--model/--lang: '{served.lang}' is given twice; serve one model per language")
        loaded[served.lang] = served
        order.append(served.lang)
    if reverse is not None:
        if reverse.lang not in loaded:
            raise SeqlabError(f"--reverse-model {options.reverse_model}: a '{reverse.lang}' model, but this server "
                              f"transliterates {', '.join(order)}")
        loaded[reverse.lang].reverse = reverse
    return Languages(loaded, pending, order, after_load)


def _reverse_model(options: ServeOptions, backend: str) -> Optional[Transliterator]:
    """--reverse-model, loaded (its language is then loaded at start too, to hold it)."""
    from seqlab.translit.transliterator import load_transliterator, model_direction

    if not options.reverse_model:
        return None
    reverse = load_transliterator(options.reverse_model, device=options.device, dtype=options.dtype, backend=backend)
    if model_direction(reverse.config) != "native-to-roman":
        raise SeqlabError(f"--reverse-model {options.reverse_model}: not a native-to-roman model")
    return reverse


def _load_language(options: ServeOptions, backend: str, several: bool, on_batch: Callable[[int], None],
                   on_cache: Callable[[bool], None], lang: Optional[str], folder: Optional[str],
                   shipped_reverse: bool = True, dictionary: Optional[UserDictionary] = None) -> ServedLanguage:
    """One language's model, user dictionary (`dictionary`, else its own) and engine (warmed up), and
    (`shipped_reverse`) the shipped reverse model that comes with a shipped forward model, if there is one."""
    from seqlab.translit.transliterator import load_transliterator, model_direction

    translit = load_transliterator(folder, device=options.device, rescorers=options.rescorers, dtype=options.dtype,
                                   backend=backend, lang=lang)
    translit.user_dictionary = dictionary if dictionary is not None else user_dictionary_for(options, translit.lang,
                                                                                              several)
    engine = TranslitEngine(translit, options, on_batch, on_cache)
    engine.warm_up()
    served = ServedLanguage(translit.lang, engine, Path(folder).name if folder else SHIPPED,
                            translit.user_dictionary, model_direction(translit.config))
    if shipped_reverse and folder is None and translit.lang in shipped_languages("native-to-roman"):
        served.reverse = load_transliterator(shipped_model(translit.lang, "native-to-roman"), device=options.device,
                                             dtype=options.dtype, backend=backend)
    return served
