"""Bad input becomes a 4xx JSON answer naming the problem, never a 500 or a stack trace: the body-size limit
(an ASGI middleware, before anything parses the body), one JSON error shape for every refusal, and the checks
on words that every endpoint shares."""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException

from seqlab.errors import SeqlabError, first_line
from seqlab.translit.config import DIRECTIONS, MAX_WORD_LENGTH
from seqlab.translit.decoding.word_form import model_form, too_long
from seqlab.translit.languages import DEFAULT_LANG
from seqlab.translit.text.tokens import token_pattern
from seqlab.translit.text.typeahead import check_previous

log = logging.getLogger("seqlab.serve")
_LETTERS = re.compile(r"[^\W\d_]*")


class ApiError(Exception):
    """A refusal with its HTTP status; the message is the JSON answer's "error"."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RequestBody(BaseModel):
    """Base of every JSON request body: unknown keys and loose types are refused, and so is text that is not
    Unicode. JSON may escape lone surrogates (`"\\ud800"`), which Python decodes into strings that no encoder,
    tokenizer or file accepts; every string field is checked here, once for all endpoints, so such text is a 422
    naming the field instead of a 500 wherever it would first be used."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _unicode_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    check_unicode(item, f" in item {index}")
        elif isinstance(value, str):
            check_unicode(value)
        return value


def check_unicode(text: str, where: str = "") -> None:
    """Refuse lone surrogates (U+D800–U+DFFF), the only strings that cannot be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PydanticCustomError("unicode_surrogate", "not valid Unicode text: a lone surrogate (U+{code}){where} at "
                                  "character {index}", {"code": f"{ord(text[exc.start]):04X}", "where": where,
                                                        "index": exc.start + 1}) from None


def error_response(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _shown(value: str, limit: int = 24) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def check_word(word: str, where: str = "word", direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> str:
    """A word is what `predict` transliterates as one word (tokens.py: a run of letters of the input script) of at
    most MAX_WORD_LENGTH characters. Letters the model never saw are allowed (read as <unk>, as `predict` does, and
    reported); anything else is refused, naming the first character that is not a letter."""
    if not word:
        raise ApiError(400, f"{where} is empty")
    if too_long(word):
        length = len(model_form(word))
        grown = " once lower-cased" if length != len(word) else ""
        raise ApiError(400, f"{where} is {length:,} characters long{grown}; the limit is {MAX_WORD_LENGTH}")
    match = token_pattern(direction, lang).fullmatch(word)
    if match is not None and match.lastgroup == "word":
        return word
    end = _LETTERS.match(word).end()
    if end < len(word) and (match is None or match.lastgroup not in ("native", "latin")):  # (signs are not \w)
        bad = word[end]
        raise ApiError(400, f"{where} {_shown(word)} has {bad!r} (U+{ord(bad):04X}), which is not a letter; send "
                            "digits, spaces and punctuation as text (POST /transliterate with \"text\")")
    raise ApiError(400, f"{where} {_shown(word)} is already in the output script ({direction} model); in text it "
                        "passes through untouched")


def check_words(words: Sequence[str], limit: int, direction: str = DIRECTIONS[0], lang: str = DEFAULT_LANG) -> None:
    if not words:
        raise ApiError(400, "words is empty: give at least one word")
    if len(words) > limit:
        raise ApiError(400, f"too many words: {len(words):,}; the limit is {limit:,} per request")
    for index, word in enumerate(words):
        check_word(word, f"words[{index}]", direction, lang)


def check_previous_words(previous: Sequence[str]) -> list[str]:
    """`prev`: up to two words as they stand in the text (text/typeahead.py), else a 400 naming the problem."""
    try:
        return check_previous(previous)
    except SeqlabError as exc:
        raise ApiError(400, str(exc).replace("previous:", "prev:", 1)) from None


def check_k(k: int, limit: int) -> int:
    if not 1 <= k <= limit:
        raise ApiError(400, f"k must be an integer in 1–{limit}, got {k}")
    return k


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict]]:
    """One line naming the first problem, and the problems in short (never the input itself: it may be huge)."""
    problems = [{"loc": [str(p) for p in error.get("loc", ())], "msg": str(error.get("msg", "")),
                 "type": str(error.get("type", ""))} for error in exc.errors()[:10]]
    if not problems:
        return "invalid request", []
    first = problems[0]
    where = ".".join(part for part in first["loc"] if part != "body") or "body"
    if first["type"] == "json_invalid":
        return "the body is not valid JSON", problems
    if first["type"] == "model_attributes_type" and where == "body":
        return "the body must be a JSON object, sent with Content-Type: application/json", problems
    return f"{where}: {first['msg']}", problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status, str(exc))

    @app.exception_handler(SeqlabError)
    async def seqlab_error(request: Request, exc: SeqlabError):
        return error_response(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        message, problems = _validation_message(exc)
        return error_response(422, message, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page or endpoint: {request.url.path[:80]} (see /docs)"
        return error_response(exc.status_code, message)

    @app.exception_handler(UnicodeError)
    async def not_unicode(request: Request, exc: UnicodeError):  # text RequestBody cannot see (a header, a path)
        log.warning("refused %s %s: %s", request.method, request.url.path[:80], first_line(exc))
        return error_response(400, "the request holds text that is not valid Unicode (a lone surrogate or a bad "
                                   "byte)")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # a bug: logged here, never shown to the client
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error (logged on the server)")


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413 before any endpoint parses them (the declared
    Content-Length first, then the bytes actually received, for chunked uploads)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large(send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._too_large(send)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the client's disconnect, for streaming answers
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send) -> None:
        payload = json.dumps({"error": f"the request body is larger than the limit of {self.limit:,} bytes"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload.encode()})
