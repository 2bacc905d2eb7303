"""The HTTP API of `seqlab serve`, over real HTTP to a real server (see conftest.py): answers, the bad-input rules
(each a 4xx JSON error naming the problem, never a 500 or a stack trace), and that it keeps serving after each."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from serve_helpers import batch_counts, sse_events

DEVANAGARI = range(0x0900, 0x0980)


def is_devanagari(word: str) -> bool:
    return bool(word) and all(ord(c) in DEVANAGARI for c in word)


def test_tl_gives_top_k_devanagari_candidates_best_first(server):
    answer = httpx.get(f"{server.url}/tl/hi/ghar").json()
    assert answer["result"][0] == "घर" and len(answer["result"]) == 5
    assert all(is_devanagari(w) for w in answer["result"]) and len(set(answer["result"])) == 5
    assert httpx.get(f"{server.url}/tl/hi/ghar", params={"k": 2}).json()["result"] == answer["result"][:2]
    assert httpx.get(f"{server.url}/tl/hi/GHAR").json()["result"] == answer["result"]  # case-insensitive as predict


def test_transliterate_words_as_one_batch_and_sentences_as_predict(server):
    words = httpx.post(f"{server.url}/transliterate", json={"lang": "hi", "words": ["ghar", "pani"], "k": 3}).json()
    assert [c[0] for c in words["result"]] == ["घर", "पानी"] and all(len(c) == 3 for c in words["result"])
    text = httpx.post(f"{server.url}/transliterate", json={"text": "ghar 2 baje, pani!\n\nghar"}).json()
    assert text["result"] == "घर 2 बजे, पानी!\n\nघर" and text["words"] == 4


def test_rtl_gives_romanizations_of_a_devanagari_word(server):
    answer = httpx.get(f"{server.url}/rtl/hi/घर", params={"k": 3}).json()
    assert answer["result"][0] == "ghar" and len(answer["result"]) == 3 and all(w.isascii() for w in answer["result"])
    refused = httpx.get(f"{server.url}/rtl/hi/ghar")
    assert refused.status_code == 400 and "already in the output script" in refused.json()["error"]
    assert httpx.get(f"{server.url}/rtl/xx/घर").status_code == 404


def test_large_requests_are_decoded_in_pieces_with_the_same_answers(server):
    words = [f"{w}{s}" for w in ("ram", "sham", "gop", "kish", "mad") for s in ("a", "i", "u", "an", "on", "ee", "al")]
    batch = httpx.post(f"{server.url}/transliterate", json={"words": words, "k": 3}).json()["result"]
    assert len(batch) == 35 and batch == [httpx.get(f"{server.url}/tl/hi/{w}?k=3").json()["result"] for w in words]
    text = httpx.post(f"{server.url}/transliterate", json={"text": "ghar pani\n" * 150}).json()
    assert text["result"] == "घर पानी\n" * 150 and text["words"] == 300


def test_letters_never_seen_in_training_are_read_as_predict_reads_them(server):
    answer = httpx.get(f"{server.url}/tl/hi/gharé").json()
    assert answer["unknown_characters"] == ["é"] and all(is_devanagari(w) for w in answer["result"])


def test_cors_is_off_without_cors_origin(server):
    answer = httpx.get(f"{server.url}/tl/hi/ghar", headers={"Origin": "http://elsewhere.test"})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


def test_languages_health_docs_and_pages(server):
    assert httpx.get(f"{server.url}/languages").json()["languages"][0]["code"] == "hi"
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok" and health["lyrics_model"] is True
    # the server's auto on a CPU: ONNX Runtime with int8 weights (serve/languages.served_backend), not bfloat16
    assert health["backend"] == "onnx-int8" and health["dtype"] == "int8"
    assert "/tl/{lang}/{word}" in httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 200
    editor = httpx.get(f"{server.url}/")
    assert editor.status_code == 200 and 'id="editor"' in editor.text and "http" not in editor.text.split("<body>")[0]
    assert 'id="prompt"' in httpx.get(f"{server.url}/lyrics").text
    assert "commit" in httpx.get(f"{server.url}/static/editor.js").text


LONG = "a" * 65
BAD_REQUESTS = [
    ("GET", f"/tl/hi/{LONG}", None, None, 400, "limit is 64"),
    ("GET", "/tl/hi/gh!r", None, None, 400, "'!'"),
    ("GET", "/tl/hi/ghar%20pani", None, None, 400, "not a letter"),
    ("GET", "/tl/hi/12", None, None, 400, "not a letter"),
    ("GET", "/tl/hi/घर", None, None, 400, "already in the output script"),
    ("GET", "/tl/hi/", None, None, 404, "no such page"),
    ("GET", "/tl/xx/ghar", None, None, 404, "unknown language 'xx'"),
    ("GET", "/tl/hi/ghar?k=0", None, None, 400, "k must be"),
    ("GET", "/tl/hi/ghar?k=11", None, None, 400, "1–10"),
    ("GET", "/tl/hi/ghar?k=many", None, None, 422, "k"),
    ("POST", "/transliterate", None, {"words": [""]}, 400, "words[0] is empty"),
    ("POST", "/transliterate", None, {"words": []}, 400, "words is empty"),
    ("POST", "/transliterate", None, {"words": ["ghar", LONG]}, 400, "words[1] is 65 characters"),
    ("POST", "/transliterate", None, {"words": ["ghar"] * 51}, 400, "too many words"),
    ("POST", "/transliterate", None, {"words": "ghar"}, 422, "words"),
    ("POST", "/transliterate", None, {"words": [1, 2]}, 422, "words.0"),
    ("POST", "/transliterate", None, {"text": 5}, 422, "text"),
    ("POST", "/transliterate", None, {"words": ["ghar"], "k": "5"}, 422, "k"),
    ("POST", "/transliterate", None, {"words": ["ghar"], "text": "ghar"}, 400, "exactly one"),
    ("POST", "/transliterate", None, {}, 400, "exactly one"),
    ("POST", "/transliterate", None, {"lang": "xx", "words": ["ghar"]}, 404, "unknown language"),
    ("POST", "/transliterate", None, {"words": ["ghar"], "colour": 1}, 422, "colour"),
    ("POST", "/transliterate", "not json {", None, 422, "not valid JSON"),
    ("POST", "/transliterate", "[1, 2]", None, 422, "JSON object"),
    ("POST", "/transliterate", None, {"text": "ghar " * 1000}, 413, "larger than the limit"),
    ("GET", "/transliterate", None, None, 405, "Method Not Allowed"),
    ("POST", "/lyrics/generate", None, {"prompt": ""}, 400, "prompt is empty"),
    ("POST", "/lyrics/generate", None, {"max_length": 100000}, 400, "max_length"),
    ("POST", "/lyrics/generate", None, {"top_p": 0}, 400, "top_p must be in (0, 1]"),
    ("POST", "/lyrics/generate", None, {"temperature": "hot"}, 422, "temperature"),
    ("POST", "/learn", None, {"roman": "kal"}, 400, "native"),
    ("POST", "/learn", None, {"roman": "k l", "native": "कल"}, 400, "not a letter"),
]


@pytest.mark.parametrize("method,path,raw,body,status,fragment", BAD_REQUESTS,
                         ids=[f"{m} {p[:30]} {str(b or r)[:30]}" for m, p, r, b, _, _ in BAD_REQUESTS])
def test_bad_input_is_a_4xx_json_error_and_the_server_keeps_serving(server, method, path, raw, body, status,
                                                                      fragment):
    headers = {"content-type": "application/json"} if raw is not None else None
    response = httpx.request(method, server.url + path, json=body, content=raw, headers=headers)
    assert response.status_code == status, response.text
    answer = response.json()
    assert fragment in answer["error"], answer
    assert "Traceback" not in response.text and "File \"" not in response.text
    assert server.alive()


def test_chunked_body_over_the_limit_is_refused_without_content_length(server):
    def chunks():
        for _ in range(100):
            yield b"x" * 100

    response = httpx.post(f"{server.url}/transliterate", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "limit" in response.json()["error"]
    assert server.alive()


def test_concurrent_single_word_requests_are_micro_batched(server):
    words = [f"{w}{s}" for w in ("kam", "nam", "dam", "jal") for s in ("a", "i", "o", "an")]  # uncached words

    async def ask_all():
        async with httpx.AsyncClient(base_url=server.url) as client:
            return await asyncio.gather(*(client.get(f"/tl/hi/{w}") for w in words))

    before = batch_counts(server)
    answers = asyncio.run(ask_all())
    assert all(a.status_code == 200 and is_devanagari(a.json()["result"][0]) for a in answers)
    after = batch_counts(server)
    calls, decoded = after[0] - before[0], after[1] - before[1]
    assert decoded == len(words) and calls < len(words), (calls, decoded)



def test_metrics_are_prometheus_text(server):
    httpx.get(f"{server.url}/tl/hi/ghar")
    text = httpx.get(f"{server.url}/metrics")
    assert text.headers["content-type"].startswith("text/plain")
    assert 'seqlab_http_requests_total{method="GET",route="/tl/{lang}/{word}",status="200"}' in text.text
    assert "seqlab_http_request_seconds_bucket" in text.text and "seqlab_decode_batch_words_bucket" in text.text


def test_lyrics_stream_starts_with_the_prompt_and_is_reproducible(server):
    body = {"prompt": "When the sun rises", "max_length": 30, "seed": 3}
    first = httpx.post(f"{server.url}/lyrics/generate", json=body, timeout=60)
    assert first.headers["content-type"].startswith("text/event-stream")
    events = sse_events(first.text)
    text = "".join(json.loads(data)["text"] for name, data in events if name == "message")
    assert text.startswith("When the sun rises") and len(text) > len(body["prompt"])
    assert events[-1][0] == "done" and json.loads(events[-1][1])["new_tokens"] > 0
    again = sse_events(httpx.post(f"{server.url}/lyrics/generate", json=body, timeout=60).text)
    assert "".join(json.loads(d)["text"] for n, d in again if n == "message") == text


def test_server_keeps_serving_after_a_client_disconnects_mid_stream(server):
    with httpx.Client(timeout=60) as client:
        with client.stream("POST", f"{server.url}/lyrics/generate", json={"max_length": 200, "seed": 1}) as stream:
            first = next(stream.iter_text())
            assert "data:" in first
        # leaving the block closes the connection mid-stream
    assert server.alive()
    body = {"prompt": "Hello", "max_length": 12, "seed": 0}
    events = sse_events(httpx.post(f"{server.url}/lyrics/generate", json=body, timeout=60).text)
    assert events[-1][0] == "done"
    assert httpx.get(f"{server.url}/tl/hi/ghar").json()["result"][0] == "घर"
    assert "Traceback" not in server.log


def test_learned_pick_ranks_first_and_can_be_forgotten(server):
    before = httpx.get(f"{server.url}/tl/hi/kal").json()["result"]
    pick = before[2]
    learned = httpx.post(f"{server.url}/learn", json={"lang": "hi", "roman": "Kal", "native": pick})
    assert learned.status_code == 200, learned.text
    after = httpx.get(f"{server.url}/tl/hi/kal").json()["result"]
    assert after[0] == pick and len(after) == 5 and set(after) <= set(before) | {pick}
    words = httpx.post(f"{server.url}/transliterate", json={"words": ["kal"]}).json()["result"][0]
    assert words[0] == pick
    assert httpx.request("DELETE", f"{server.url}/learn", json={"roman": "kal"}).json()["forgotten"] == 1
    assert httpx.get(f"{server.url}/tl/hi/kal").json()["result"] == before
