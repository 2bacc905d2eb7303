"""The HTTP endpoints: transliteration (varnam/IndicXlit-compatible GET /tl/{lang}/{word}, batch and sentence
POST /transliterate), learning, lyrics, languages, health and metrics. They validate, then hand the work to the
engines (engine.py, lyrics.py), which run the models off the event loop."""
from __future__ import annotations

import os
from typing import Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from seqlab.options import check_value, spec_of
from seqlab.serve.config import ServeOptions
from seqlab.serve.languages import LanguageList, LanguageLoadError, ServedLanguage
from seqlab.serve.limits import ApiError, RequestBody, check_k, check_previous_words, check_word, check_words
from seqlab.serve.lyrics import LyricsRequest
from seqlab.translit.text.reread import MAX_REREAD, check_window

router = APIRouter()


class TransliterateRequest(RequestBody):
    """Either `words` (candidates per word) or `text` (whole sentences: digits, punctuation and spacing kept)."""

    lang: Optional[str] = Field(None, description="Language code (GET /languages; default: the server's first).")
    words: Optional[list[str]] = Field(None, description="Words (runs of letters) to give candidates for.")
    text: Optional[str] = Field(None, description="Text to transliterate as `predict --sentence` does.")
    k: Optional[int] = Field(None, description="Candidates per word (words mode).")
    prev: Optional[list[str]] = Field(None, description="Words mode: the up to two words before the cursor, as they "
                                      "stand in the text; each word is ranked as the word after them.")


class RereadRequest(RequestBody):
    """The last few words typed and what each now stands as (text/reread.py)."""

    lang: Optional[str] = Field(None, description="Language code (GET /languages; default: the server's first).")
    words: list[str] = Field(..., description=f"The last 1-{MAX_REREAD} words of a line as typed (romanized).")
    committed: list[str] = Field(..., description="Each word as it now stands in the text (the same word: kept as "
                                 "typed, never re-read).")
    before: Optional[str] = Field(None, description="The word before them as it stands (none: they start the line).")
    min_margin: Optional[float] = Field(None, description="Offer only re-readings of at least this margin, "
                                        f"{spec_of(ServeOptions, 'reread_margin').allowed(float)} (default: the "
                                        "server's --reread-margin; 0: every one).")


class LearnRequest(RequestBody):
    lang: Optional[str] = Field(None, description="Language code (GET /languages; default: the server's first).")
    roman: str = Field(..., description="The romanized word as typed.")
    native: Optional[str] = Field(None, description="The native-script word picked (DELETE: omit to forget all).")


def _state(request: Request):
    return request.app.state.seqlab


async def _language(request: Request, lang: Optional[str]) -> ServedLanguage:
    """The served language `lang` (None: the server's first), loaded first if this is its first request; 404
    naming the languages the server has, 503 if its model fails to load."""
    state = _state(request)
    try:
        served = state.default if lang is None else await state.languages.get(lang)
    except LanguageLoadError as exc:
        raise ApiError(503, str(exc)) from None
    if served is None:
        raise ApiError(404, f"unknown language {lang[:20]!r}; this server has: {', '.join(state.languages)}")
    return served


@router.get("/tl/{lang}/{word}", summary="Top-k candidates of one word (varnam/IndicXlit format)")
async def candidates(request: Request, lang: str, word: str,
                     k: Optional[int] = Query(None, description="How many candidates (default 5)."),
                     prev: Optional[str] = Query(None, description="The up to two words before the cursor as they "
                                                 "stand in the text, separated by `+` (a space): candidates are "
                                                 "ranked as the word after them (none: the start of a text).")) -> dict:
    state = _state(request)
    served = await _language(request, lang)
    k = check_k(state.options.default_k if k is None else k, state.options.max_k)
    check_word(word, direction=served.direction, lang=served.lang)
    previous = check_previous_words(prev.split() if prev is not None else [])
    answer = {"result": await served.engine.word(word, k, previous)}
    unknown = served.engine.unknown_characters([word])
    if unknown:
        answer["unknown_characters"] = unknown
    return answer


@router.get("/rtl/{lang}/{word}", summary="Top-k romanizations of one native-script word (the reverse direction)")
async def romanizations(request: Request, lang: str, word: str,
                        k: Optional[int] = Query(None, description="How many candidates (default 5).")) -> dict:
    state = _state(request)
    served = await _language(request, lang)
    if served.reverse is None:
        raise ApiError(503, f"no reverse ({served.lang} native script → Latin) model is loaded; start the server "
                            "with --reverse-model")
    k = check_k(state.options.default_k if k is None else k, state.options.max_k)
    check_word(word, direction="native-to-roman", lang=served.lang)
    result = await served.engine.run(served.reverse.candidates, [word], max(k, state.options.beam_size))
    answer = {"result": result[0][:k]}
    unknown = sorted(served.reverse.unknown_characters([word]))  # read as <unk>, reported as GET /tl does
    if unknown:
        answer["unknown_characters"] = unknown
    return answer


@router.post("/transliterate", summary="Candidates of many words (one batch), or whole sentences")
async def transliterate(request: Request, body: TransliterateRequest) -> dict:
    state = _state(request)
    served = await _language(request, body.lang)
    if (body.words is None) == (body.text is None):
        raise ApiError(400, "give exactly one of \"words\" (a list of words) or \"text\" (sentences)")
    if body.text is not None:
        if body.k is not None or body.prev is not None:
            raise ApiError(400, "k and prev apply to \"words\", not to \"text\"")
        if len(body.text) > state.options.max_text:
            raise ApiError(400, f"text is {len(body.text):,} characters; the limit is {state.options.max_text:,}")
        result, words, too_long = await served.engine.text(body.text)
        return {"result": result, "words": len(words), "too_long": too_long,
                "unknown_characters": served.engine.unknown_characters(words)}
    k = check_k(state.options.default_k if body.k is None else body.k, state.options.max_k)
    check_words(body.words, state.options.max_words, served.direction, served.lang)
    previous = check_previous_words(body.prev or [])
    return {"result": await served.engine.words(body.words, k, previous),
            "unknown_characters": served.engine.unknown_characters(body.words)}


@router.post("/reread", summary="Earlier committed words that the words typed after them read otherwise")
async def reread(request: Request, body: RereadRequest) -> dict:
    """Sentence mode's reading of the window, for each earlier word it reads otherwise by at least the margin
    asked for: its position, the word, and the margin (best path score minus the best path keeping the committed
    word). The editor offers these as one-key corrections."""
    served = await _language(request, body.lang)
    check_window(body.words, body.committed, body.before)  # a 400 at once, not after the decoding queue
    least = _state(request).options.reread_margin if body.min_margin is None else \
        check_value(ServeOptions, "reread_margin", body.min_margin, label="min_margin")  # its range, finite
    found = await served.engine.reread(body.words, body.committed, body.before)
    return {"result": [{"index": r.index, "word": r.word, "margin": r.margin} for r in found if r.margin >= least]}


async def _check_learn(request: Request, body: LearnRequest, need_native: bool) -> ServedLanguage:
    state = _state(request)
    if state.options.read_only:
        raise ApiError(403, "this server is read-only: learning is off (started with --read-only)")
    served = await _language(request, body.lang)
    check_word(body.roman, "roman")
    if need_native and not body.native:
        raise ApiError(400, "native is missing: give the native-script word that was picked")
    return served


@router.post("/learn", summary="Remember a picked candidate: later suggestions for `roman` rank it first")
async def learn(request: Request, body: LearnRequest) -> dict:
    served = await _check_learn(request, body, need_native=True)
    roman, native = await served.engine.change_dictionary(served.user_dictionary.learn, body.roman, body.native)
    return {"learned": {"roman": roman, "native": native}}  # as stored, so what the client sees is what is offered


@router.delete("/learn", summary="Forget learned picks for `roman` (one, or all when `native` is omitted)")
async def forget(request: Request, body: LearnRequest) -> dict:
    served = await _check_learn(request, body, need_native=False)
    return {"forgotten": await served.engine.change_dictionary(served.user_dictionary.forget, body.roman,
                                                               body.native)}


@router.post("/lyrics/generate", summary="Generate lyrics from a prompt, streamed as Server-Sent Events")
async def lyrics_generate(request: Request, body: LyricsRequest):
    lyrics = _state(request).lyrics
    if lyrics is None:
        raise ApiError(503, "no lyrics model is loaded: start the server with --lyrics-model DIR (or smollm2-135m)")
    cfg, warning, prefix = await lyrics.prepare(body)
    return StreamingResponse(lyrics.stream(body.prompt, cfg, warning, prefix), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/lyrics/info", summary="Whether a lyrics model is loaded, and the sampling defaults")
async def lyrics_info(request: Request) -> dict:
    lyrics = _state(request).lyrics
    defaults = lyrics.defaults() if lyrics else LyricsRequest().model_dump()
    return {"loaded": lyrics is not None, "model": lyrics.name if lyrics else None, "defaults": defaults,
            "max_length_limit": _state(request).options.max_lyrics_length}


@router.get("/lyrics/artists", summary="The artists the lyrics model was trained with (none: no conditioning)")
async def lyrics_artists(request: Request) -> dict:
    lyrics = _state(request).lyrics
    if lyrics is None:
        raise ApiError(503, "no lyrics model is loaded: start the server with --lyrics-model DIR (or smollm2-135m)")
    return {"artists": [{"name": a.name, "train_songs": a.train_songs} for a in lyrics.artists]}


@router.get("/languages", summary="The languages this server transliterates (the first is the default)",
            response_model=LanguageList)
async def languages(request: Request) -> LanguageList:
    return LanguageList(languages=_state(request).languages.info())


@router.get("/healthz", summary="Liveness and what is loaded")
@router.head("/healthz", include_in_schema=False)  # monitors and load balancers often probe with HEAD
async def healthz(request: Request) -> dict:
    state = _state(request)
    return {"status": "ok", "pid": os.getpid(), "lang": state.lang, "languages": list(state.languages),
            "loaded_languages": [served.lang for served in state.languages.loaded()],
            "direction": state.direction,
            "model": state.model_name, "dtype": state.engine.translit.dtype_name,
            "backend": state.engine.translit.backend,
            "lyrics_model": state.lyrics is not None,
            "read_only": state.options.read_only,
            "micro_batching": state.options.micro_batching, "beam_size": state.options.beam_size,
            "rescorers": state.options.rescorers, "cached_words": len(state.engine.cache)}


@router.get("/metrics", summary="Prometheus metrics (text format)")
async def metrics(request: Request) -> Response:
    state = _state(request)
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
