"""Artist conditioning through the server: GET /lyrics/artists lists the lyrics model's artists (conftest.py gives
the tiny model an artist list), POST /lyrics/generate takes "artist" (any case) and refuses an unknown one with
close matches, as `seqlab lyrics generate --artist` does."""
from __future__ import annotations

import httpx
from serve_helpers import sse_events


def test_artists_are_listed_with_their_songs(server):
    answer = httpx.get(f"{server.url}/lyrics/artists")
    assert answer.status_code == 200
    assert answer.json() == {"artists": [{"name": "Bob Dylan", "train_songs": 3},
                                         {"name": "Lil Wayne", "train_songs": 2}]}


def test_generation_with_an_artist_streams_the_prompt_without_the_prefix(server):
    body = {"prompt": "Hello", "max_length": 30, "seed": 3}
    with_artist = sse_events(httpx.post(f"{server.url}/lyrics/generate", json={**body, "artist": "bob-DYLAN"},
                                        timeout=60).text)
    plain = sse_events(httpx.post(f"{server.url}/lyrics/generate", json=body, timeout=60).text)
    text = "".join(data for name, data in with_artist if name == "message")
    assert with_artist[-1][0] == "done" and '"Hello' in text and "artist" not in text
    assert with_artist != plain  # the prefix conditions the (seeded) sampling


def test_an_unknown_artist_is_a_400_naming_close_matches(server):
    answer = httpx.post(f"{server.url}/lyrics/generate", json={"prompt": "Hi", "artist": "wayne"})
    assert answer.status_code == 400 and "unknown artist 'wayne'" in answer.json()["error"]
    assert "Lil Wayne" in answer.json()["error"] and server.alive()
