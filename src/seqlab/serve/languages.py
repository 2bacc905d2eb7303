"""Which languages a server transliterates: one model (and decoding engine) per language, chosen by `--model DIR`,
`--model LANG=DIR` and `--lang LANG` (the shipped model of LANG), by default every shipped language's model.

Each language gets its own engine (decoding thread, cache, micro-batcher) and its own user dictionary file, so
a slow Bengali request never waits for a Tamil one's cache and a pick learned in Urdu is never offered in Hindi.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from pydantic import BaseModel, Field

from seqlab.errors import SeqlabError
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
        entry = LANGUAGES[self.lang]
        return LanguageInfo(code=self.lang, name=entry.name, native_name=entry.native, script=entry.script.name,
                            direction=entry.direction, font=entry.font, model=self.model_name)


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


def load_languages(options: ServeOptions, on_batch: Callable[[int], None],
                   on_cache: Callable[[bool], None]) -> dict[str, ServedLanguage]:
    """Load every model (seconds each); SeqlabError on a bad folder, before the server binds its port."""
    from seqlab.translit.transliterator import load_transliterator, model_direction

    sources, backend = model_sources(options), served_backend(options)
    served: dict[str, ServedLanguage] = {}
    for lang, folder in sources:
        translit = load_transliterator(folder, device=options.device, rescorers=options.rescorers,
                                       dtype=options.dtype, backend=backend, lang=lang)
        if translit.lang in served:
            raise SeqlabError(f"--model/--lang: '{translit.lang}' is given twice; serve one model per language")
        translit.user_dictionary = user_dictionary_for(options, translit.lang, len(sources) > 1)
        engine = TranslitEngine(translit, options, on_batch, on_cache)
        engine.warm_up()
        shown = Path(folder).name if folder else "shipped"  # no server paths to clients
        served[translit.lang] = ServedLanguage(translit.lang, engine, shown, translit.user_dictionary,
                                               model_direction(translit.config))
    if options.reverse_model:
        reverse = load_transliterator(options.reverse_model, device=options.device, dtype=options.dtype,
                                      backend=backend)
        if model_direction(reverse.config) != "native-to-roman":
            raise SeqlabError(f"--reverse-model {options.reverse_model}: not a native-to-roman model")
        if reverse.lang not in served:
            raise SeqlabError(f"--reverse-model {options.reverse_model}: a '{reverse.lang}' model, but this server "
                              f"transliterates {', '.join(served)}")
        served[reverse.lang].reverse = reverse
    reversible = shipped_languages("native-to-roman")
    for entry in served.values():  # a shipped forward model comes with its shipped reverse model, if there is one
        if entry.model_name == "shipped" and entry.reverse is None and entry.lang in reversible:
            entry.reverse = load_transliterator(shipped_model(entry.lang, "native-to-roman"), device=options.device,
                                                dtype=options.dtype, backend=backend)
    return served
