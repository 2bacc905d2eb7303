"""Languages past the first load at their first request: the server starts with one model, lists them all, loads
each once however many requests ask at the same moment, and a load that fails answers 503 in one line and is tried
again at the next request."""
from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from serve_helpers import Server

from seqlab.errors import SeqlabError
from seqlab.serve.languages import LanguageLoadError, Languages
from seqlab.translit.engine.cache import graph_folder
from seqlab.translit.languages import LANGUAGES, shipped_model


class Loader:
    """A stand-in for loading a model (the real thing takes seconds and a model folder): counts its calls, fails
    the first `failures` of them, and blocks until `release` so that requests pile up behind it."""

    def __init__(self, failures: int = 0) -> None:
        self.calls, self.failures, self.release = 0, failures, threading.Event()

    def __call__(self) -> str:
        self.calls += 1
        self.release.wait(10)
        if self.calls <= self.failures:
            raise SeqlabError("model folder /gone does not exist\nsecond line")
        return f"served after {self.calls} calls"


def test_concurrent_first_requests_load_a_language_once():
    loader, frozen = Loader(), []
    languages = Languages({"hi": "hindi"}, {"ta": loader}, ["hi", "ta"], after_load=lambda: frozen.append(True))

    async def ask() -> list:
        asking = [asyncio.create_task(languages.get("ta")) for _ in range(5)]
        await asyncio.sleep(0.1)  # every request is waiting for the one load
        loader.release.set()
        return await asyncio.gather(*asking)

    assert asyncio.run(ask()) == ["served after 1 calls"] * 5
    assert loader.calls == 1 and frozen == [True]
    assert asyncio.run(languages.get("ta")) == "served after 1 calls" and loader.calls == 1
    assert [*languages] == ["hi", "ta"] and languages.loaded() == ["hindi", "served after 1 calls"]
    assert asyncio.run(languages.get("xx")) is None
    languages.close()


def test_a_request_that_leaves_during_the_load_does_not_stop_it():
    loader = Loader()
    languages = Languages({"hi": "hindi"}, {"ta": loader}, ["hi", "ta"], after_load=lambda: None)

    async def leave_then_ask() -> str:
        leaving = asyncio.create_task(languages.get("ta"))
        await asyncio.sleep(0.1)
        leaving.cancel()  # the client disconnected
        loader.release.set()
        return await languages.get("ta")

    assert asyncio.run(leave_then_ask()) == "served after 1 calls" and loader.calls == 1
    languages.close()


def test_a_failed_load_is_one_line_and_the_next_request_tries_again():
    loader = Loader(failures=1)
    loader.release.set()
    languages = Languages({"hi": "hindi"}, {"ta": loader}, ["hi", "ta"], after_load=lambda: None)
    with pytest.raises(LanguageLoadError) as failed:
        asyncio.run(languages.get("ta"))
    assert str(failed.value).startswith("the ta model could not be loaded (model folder /gone does not exist)")
    assert "\n" not in str(failed.value) and languages.loaded() == ["hindi"]
    assert asyncio.run(languages.get("ta")) == "served after 2 calls"
    languages.close()


@pytest.fixture(scope="module")
def two_languages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lazy-languages")
    running = Server("--lang", "hi", "--lang", "ta", "--user-dictionary", str(folder / "picks.tsv"), "--read-only",
                     log_dir=folder)
    yield running
    running.stop()


def test_the_second_shipped_language_loads_at_its_first_request(two_languages):
    url = two_languages.url
    health = httpx.get(f"{url}/healthz").json()
    assert health["languages"] == ["hi", "ta"] and health["loaded_languages"] == ["hi"]
    listed = httpx.get(f"{url}/languages").json()["languages"]
    assert [(entry["code"], entry["model"]) for entry in listed] == [("hi", "shipped"), ("ta", "shipped")]

    async def ask_at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=300) as client:
            return await asyncio.gather(*(client.get(f"/tl/ta/{word}", params={"k": 3})
                                          for word in ("amma", "vanakkam", "amma", "thamizh")))

    answers = asyncio.run(ask_at_once())
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert all(LANGUAGES["ta"].script.writes(word) for a in answers for word in a.json()["result"])
    assert httpx.get(f"{url}/healthz").json()["loaded_languages"] == ["hi", "ta"]
    assert two_languages.log.count("loaded the ta model at its first request") == 1, two_languages.log
    assert httpx.get(f"{url}/tl/hi/ghar").json()["result"][0] == "घर"


def test_a_language_that_cannot_load_answers_503_in_one_line_then_loads_once_it_can(tmp_path):
    """The Tamil graphs cannot be written (a file stands where their cache folder goes): its first request is a
    503 naming the cause; once the file is gone, the next request loads it."""
    folder = graph_folder(shipped_model("ta") / "model.safetensors")
    aside = folder.with_name(folder.name + "-aside")
    if folder.exists():
        folder.rename(aside)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")
    running = Server("--lang", "hi", "--lang", "ta", "--user-dictionary", str(tmp_path / "picks.tsv"), "--read-only",
                     log_dir=tmp_path)
    try:
        refused = httpx.get(f"{running.url}/tl/ta/amma", timeout=300)
        error = refused.json()["error"]
        assert refused.status_code == 503 and "\n" not in error, refused.text
        assert error.startswith("the ta model could not be loaded (")
        assert "cannot write the ONNX Runtime graphs" in error, error
        folder.unlink()
        if aside.exists():
            aside.rename(folder)
        answer = httpx.get(f"{running.url}/tl/ta/amma", timeout=300)
        assert answer.status_code == 200 and LANGUAGES["ta"].script.writes(answer.json()["result"][0]), answer.text
        assert running.log.count("loaded the ta model at its first request") == 1, running.log
    finally:
        running.stop()
        if folder.is_file():
            folder.unlink()
        if aside.exists():
            aside.rename(folder)
