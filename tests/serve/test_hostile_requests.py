"""Hostile but fair clients against the real server (conftest.py): issue 19's inputs, each fed as it was found,
and property-based requests on every route. Whatever a client sends, the server answers 4xx, never 5xx or
nothing, and keeps answering everyone else."""
from __future__ import annotations

from pathlib import Path

import httpx


def _user_dictionary(server) -> Path:
    return server.log_path.parent / "userdict.tsv"  # conftest.py's --user-dictionary


def test_a_roman_that_lower_cases_out_of_the_alphabet_is_refused_and_poisons_nothing(server):
    for roman, fragment in [("İİİ", "U+0307"), ("İstanbul", "U+0307"), ("İ" * 40, "U+0307")]:
        answer = httpx.post(f"{server.url}/learn", json={"roman": roman, "native": "काल"})
        assert answer.status_code == 400 and fragment in answer.json()["error"], answer.text
    assert httpx.get(f"{server.url}/tl/hi/kal").status_code == 200
    learned = httpx.post(f"{server.url}/learn", json={"roman": "KAL", "native": "काल"})
    assert learned.json() == {"learned": {"roman": "kal", "native": "काल"}}  # what is stored is what is echoed
    assert httpx.request("DELETE", f"{server.url}/learn", json={"roman": "kal"}).json()["forgotten"] == 1


def test_a_line_written_by_an_older_seqlab_is_skipped_not_fatal(server):
    path = _user_dictionary(server)
    kept = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(kept + "i\u0307i\u0307i\u0307\tकाल\n", encoding="utf-8")  # `learn İİİ` stored this before
    for _ in range(2):
        assert httpx.get(f"{server.url}/tl/hi/kal").status_code == 200
    assert httpx.post(f"{server.url}/transliterate", json={"text": "kal ghar"}).status_code == 200
    assert httpx.request("DELETE", f"{server.url}/learn", json={"roman": "İİİ"}).json()["forgotten"] == 1
    assert path.read_text(encoding="utf-8") == kept  # the write kept the usable lines only
    assert server.log.count("userdict.tsv:") == 2  # one 'skipped' (once per load, not per request), one 'removed'
