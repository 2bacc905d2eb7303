"""Issue 19 regressions on the server, each feeding the original input: words that grow when lower-cased (#5),
sampling values that cannot sample (#9), empty romanizations and unknown characters on /rtl (#10), a long text
line decoded in pieces (#13), and error messages naming JSON fields rather than CLI flags."""
from __future__ import annotations

import httpx
import pytest
from serve_helpers import batch_counts

DOTTED_I = "\u0130"  # İ: lower-cased it becomes i + U+0307, two code points


def test_a_word_that_grows_when_lower_cased_is_measured_as_the_model_reads_it(server):
    refused = httpx.get(f"{server.url}/tl/hi/{DOTTED_I * 33}")
    assert refused.status_code == 400
    assert refused.json()["error"] == "word is 66 characters long once lower-cased; the limit is 64"
    words = httpx.post(f"{server.url}/transliterate", json={"words": ["ghar", DOTTED_I * 40]})
    assert words.status_code == 400 and "words[1] is 80 characters long once lower-cased" in words.json()["error"]


def test_text_with_such_a_word_passes_it_through_and_transliterates_the_rest(server):
    text = f"ghar\npani {DOTTED_I * 40} dil\nkal\n"
    answer = httpx.post(f"{server.url}/transliterate", json={"text": text})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["result"].startswith("घर\nपानी " + DOTTED_I * 40 + " ") and result["too_long"] == 1
    assert result["words"] == 4


@pytest.mark.parametrize("knob", ["temperature", "repetition_penalty"])
def test_a_divisor_that_cannot_sample_is_refused_before_streaming(server, knob):
    response = httpx.post(f"{server.url}/lyrics/generate", json={knob: 1e-300, "max_length": 20}, timeout=60)
    assert response.status_code == 400 and not response.headers["content-type"].startswith("text/event-stream")
    assert response.json()["error"] == f"{knob} must be in [0.001, 100], got 1e-300"
    smallest = httpx.post(f"{server.url}/lyrics/generate", json={knob: 0.001, "max_length": 20, "seed": 0},
                          timeout=60)
    assert smallest.status_code == 200 and "event: done" in smallest.text and "event: error" not in smallest.text


def test_server_errors_name_the_json_field_not_the_cli_flag(server):
    for body, field in (({"top_k": -1}, "top_k"), ({"top_p": 0}, "top_p"), ({"seed": -1}, "seed")):
        error = httpx.post(f"{server.url}/lyrics/generate", json=body).json()["error"]
        assert error.startswith(f"{field} must be") and "--" not in error, error
    long_prompt = httpx.post(f"{server.url}/lyrics/generate", json={"prompt": "la " * 50, "max_length": 20})
    assert long_prompt.status_code == 400 and "--" not in long_prompt.json()["error"], long_prompt.text
    assert long_prompt.json()["error"].endswith("not shorter than max_length 20; raise max_length")


@pytest.mark.parametrize("word", ["\u094d", "\u200d", "\u0900", "\u097f", "घर\u200d"])
def test_rtl_never_offers_an_empty_romanization_and_reports_unknown_characters(server, word):
    answer = httpx.get(f"{server.url}/rtl/hi/{word}")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["result"] and all(result["result"]), result
    unknown = [c for c in word if c in "\u200d\u0900\u097f"]
    assert result.get("unknown_characters", []) == unknown



def test_one_long_line_of_text_is_decoded_in_pieces(server):
    """The server decodes at most --max-batch (16 here) words per decoder call, so requests waiting meanwhile are
    served between the pieces; choosing the line's words jointly then reads them from the cache."""
    syllables = ["ka", "ri", "mo", "nu", "se", "ta", "vi", "lo", "pa", "du"]
    words = [a + b + c for a in syllables[:5] for b in syllables for c in ("n", "sh")][:90]  # 90 made-up words
    before = batch_counts(server)
    answer = httpx.post(f"{server.url}/transliterate", json={"text": " ".join(words) + "."}, timeout=120)
    assert answer.status_code == 200 and answer.json()["words"] == 90
    after = batch_counts(server)
    calls, decoded = after[0] - before[0], after[1] - before[1]
    assert decoded == 90 and calls >= 90 / 16, (calls, decoded)
    assert answer.json()["result"].count(" ") == 89 and answer.json()["result"].endswith(".")
