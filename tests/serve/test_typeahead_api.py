"""Type-ahead through the real server (conftest.py: the shipped model, `seqlab serve`'s default decoding): each
word ranked as running text after `prev`, the same in GET /tl and POST /transliterate, never a malformed
candidate, and `prev` checked like every other input. The required first candidates hold with the CLI's decoding
too (a second server with the rescorers, ranking with the model's "typeahead_rescored" record)."""
from __future__ import annotations

import httpx
import pytest
from serve_helpers import Server

from seqlab.serve.config import ServeOptions
from seqlab.translit.decoding.script import well_formed
from seqlab.translit.text.reread import MAX_REREAD
from seqlab.translit.text.typeahead import MAX_PREVIOUS_CHARS, REQUIRED_FIRST_CANDIDATES

REQUIRED = [(case.word, " ".join(case.previous) or None, case.first) for case in REQUIRED_FIRST_CANDIDATES["hi"]]


@pytest.fixture(scope="module")
def rescoring_server(tmp_path_factory):
    """`seqlab serve --rescorers --beam-size 10`: the CLI's default decoding."""
    folder = tmp_path_factory.mktemp("serve-rescorers")
    running = Server("--lang", "hi", "--rescorers", "--beam-size", "10",
                     "--user-dictionary", str(folder / "userdict.tsv"), log_dir=folder)
    yield running
    running.stop()


def first(server, word: str, prev: str | None = None) -> str:
    params = {"prev": prev} if prev is not None else {}
    answer = httpx.get(f"{server.url}/tl/hi/{word}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"][0]


@pytest.mark.parametrize("word, prev, expected", REQUIRED + [("kal", "mujhe मुझे", "कल")])
def test_tl_ranks_each_word_after_the_words_before_it(server, word, prev, expected):
    assert first(server, word, prev) == expected


def test_required_first_candidates_hold_with_the_rescorers(rescoring_server):
    health = httpx.get(f"{rescoring_server.url}/healthz").json()
    assert health["rescorers"] and health["beam_size"] == 10
    assert [first(rescoring_server, word, prev) for word, prev, _ in REQUIRED] == [want for _, _, want in REQUIRED]


def test_prev_is_part_of_the_cache_key(server):
    after_aur = httpx.get(f"{server.url}/tl/hi/main?prev=और").json()["result"]
    after_ghar = httpx.get(f"{server.url}/tl/hi/main?prev=घर").json()["result"]
    again = httpx.get(f"{server.url}/tl/hi/main?prev=और").json()["result"]
    assert after_aur[0] == "मैं" and after_ghar[0] == "में" and again == after_aur
    assert httpx.get(f"{server.url}/tl/hi/main", params={"prev": "a+b"}).json()["result"] == \
        httpx.get(f"{server.url}/tl/hi/main").json()["result"]  # Latin words are no context


def test_transliterate_words_take_prev_as_tl_does(server):
    words = ["main", "ki", "aur"]
    body = httpx.post(f"{server.url}/transliterate", json={"words": words, "k": 5, "prev": ["और"]}).json()
    assert body["result"] == [httpx.get(f"{server.url}/tl/hi/{w}", params={"prev": "और"}).json()["result"]
                              for w in words]
    assert all(well_formed(c) for found in body["result"] for c in found)
    aur = httpx.post(f"{server.url}/transliterate", json={"words": ["aur"], "k": 10}).json()["result"][0]
    assert aur[0] == "और" and "अौर" not in aur and all(well_formed(c) for c in aur)


@pytest.mark.parametrize("params, message", [
    ({"prev": "a b c"}, "at most 2 words"),
    ({"prev": "x" * 65}, "1-64 characters"),
])
def test_bad_prev_is_a_400_naming_it(server, params, message):
    answer = httpx.get(f"{server.url}/tl/hi/ghar", params=params)
    assert answer.status_code == 400 and answer.json()["error"].startswith("prev:") and message in answer.text
    answer = httpx.post(f"{server.url}/transliterate", json={"text": "ghar", "prev": ["a"]})
    assert answer.status_code == 400 and "prev" in answer.json()["error"]
    answer = httpx.post(f"{server.url}/transliterate", json={"words": ["ghar"], "prev": "घर"})
    assert answer.status_code in (400, 422) and "prev" in answer.text
    assert server.alive()


def test_reread_reports_an_earlier_word_the_words_after_it_read_otherwise(server):
    """POST /reread (issue 21's one-key corrections): sentence mode over the window, with the margin; only the
    re-readings of at least the server's --reread-margin (its default here) unless the request asks for less."""
    body = {"words": ["kal", "dilli", "jana"], "committed": ["काल", "दिल्ली", "जाना"], "before": "मुझे"}
    found = httpx.post(f"{server.url}/reread", json={**body, "min_margin": 0}).json()["result"]
    assert [(r["index"], r["word"]) for r in found] == [(0, "कल")]
    assert 0.5 < found[0]["margin"] < ServeOptions().reread_margin
    margin = found[0]["margin"]  # asking for exactly its margin still gets it, a hair more does not
    assert httpx.post(f"{server.url}/reread", json={**body, "min_margin": margin}).json()["result"] == found
    assert httpx.post(f"{server.url}/reread", json={**body, "min_margin": margin + 1e-3}).json() == {"result": []}
    assert httpx.post(f"{server.url}/reread", json=body).json() == {"result": []}  # not clear enough
    body["committed"][0] = "कल"
    assert httpx.post(f"{server.url}/reread", json={**body, "min_margin": 0}).json() == {"result": []}
    clear = httpx.post(f"{server.url}/reread", json={"words": ["isa", "para"], "committed": ["ईसा", "पारा"]})
    assert [(r["index"], r["word"]) for r in clear.json()["result"]] == [(0, "इस")]


@pytest.mark.parametrize("body, message", [
    ({"words": ["ghar", "jana"], "committed": ["घर"]}, "committed: one per word"),
    ({"words": ["ghar"] * (MAX_REREAD + 1), "committed": ["घर"] * (MAX_REREAD + 1)}, f"words: give 1-{MAX_REREAD}"),
    ({"words": [], "committed": []}, "words: give 1-"),
    ({"words": ["ghar1"], "committed": ["घर"]}, "ghar1"),
    ({"words": ["ghar"], "committed": ["घर घर"]}, "committed: each word"),
    ({"words": ["ghar"], "committed": ["घर"], "before": "x" * (MAX_PREVIOUS_CHARS + 1)}, "before: each word"),
    ({"words": ["ghar"], "committed": ["घर"], "min_margin": -1}, "min_margin must be in [0, 1000]"),
    ({"words": ["ghar"], "committed": ["घर"], "min_margin": 1e9}, "min_margin must be in [0, 1000]"),
    ({"words": ["ghar"], "committed": ["घर"], "min_margin": "2"}, "min_margin"),
    ({"words": "ghar", "committed": ["घर"]}, "words"),
    ({"words": [7], "committed": ["घर"]}, "words"),
])
def test_bad_reread_windows_are_a_400_naming_the_field(server, body, message):
    answer = httpx.post(f"{server.url}/reread", json=body)
    assert answer.status_code in (400, 422) and message in answer.json()["error"]
    assert server.alive()


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_min_margin_that_is_no_finite_number_is_a_400(server, number):
    """Python's JSON reader takes NaN and Infinity; a NaN margin would compare false with every margin."""
    content = '{"words": ["kal", "dilli"], "committed": ["काल", "दिल्ली"], "min_margin": %s}' % number
    answer = httpx.post(f"{server.url}/reread", content=content.encode(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"].startswith("min_margin must be a finite number")
