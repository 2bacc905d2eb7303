"""The editor as a person types running text, in the real headless Chromium (fixtures of test_browser.py): each
word's candidates ranked after the words before it, punctuation committing a word, an e-mail address left alone,
Backspace right after a commit bringing the Latin word back; the page's token rule (tokens.js) against
tokens.py's on the same texts; the lyrics page's artist picker. Screenshots go to the test's temporary folder."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import test_browser as shared
from test_browser import _suggestions, _type_word, _value

from seqlab.translit.text.tokens import TOKENS

pytestmark = pytest.mark.slow
browser, page = shared.browser, shared.page  # the same Chromium and page fixtures

TOKEN_CASES = [
    "Email: a.b+c@mail.example.com done", "see https://x.org/a?b=1. and www.abc.in, ok", "@ravi_k and #HoliHai",
    "10km 2nd 3:30pm 1,200 rs 4.5kg", "मेरा ghar दिल्ली में", "DELHI Main", "main email a@b.com par bhejo.",
    "mail ravi.k+1@ex.co.in, ok!", "http://a.b/c) x", "café naïve ११km", "a@b", "x#y @z", "(kal) 'hai' \"na\"",
]


def first_candidate(server, word: str, prev: list[str]) -> str:
    params = {"prev": " ".join(prev)} if prev else {}
    return httpx.get(f"{server.url}/tl/hi/{word}", params=params).json()["result"][0]


def _wait_value(page, predicate: str, arg) -> None:
    page.wait_for_function(f"v => {{ const t = document.querySelector('#editor').value; return {predicate}; }}",
                           arg=arg)


def test_editor_types_running_text_with_punctuation_an_address_and_backspace(page, server, tmp_path: Path):
    """`mujhe kal dilli jana hai aur main email a@b.com par bhejo. yeh` key by key, Space after each word: every
    word becomes the first candidate the API gives after the two words before it (कल after मुझे, मैं after और),
    the address stays, `.` commits `bhejo`; Backspace after `yeh ` brings back `yeh`, whose second candidate is
    then picked, and `seqlab hai!` ends the line."""
    page.goto(server.url + "/")
    page.click("#editor")
    expected, committed = "", []
    for token in "mujhe kal dilli jana hai aur main email a@b.com par bhejo. yeh".split():
        if "@" in token:
            page.keyboard.type(token, delay=30)
            assert page.is_hidden("#suggestions")  # no candidates inside an address
            expected += token
        else:
            word = token.rstrip(".")
            _type_word(page, word)
            native = first_candidate(server, word, committed[-2:])
            committed.append(native)
            if token.endswith("."):
                page.keyboard.press(".")
                expected += native + "."
                _wait_value(page, "t === v", expected)
            else:
                expected += native
        page.keyboard.press("Space")
        expected += " "
        _wait_value(page, "t === v", expected)
    assert expected.startswith("मुझे कल ") and " और मैं " in expected and " a@b.com " in expected
    page.keyboard.press("Backspace")  # right after the commit of `yeh `: the Latin word is back, with candidates
    items = _suggestions(page)
    assert _value(page) == expected[: -len(committed[-1]) - 1] + "yeh" and items[-1] == "yeh"
    page.screenshot(path=str(tmp_path / "backspace.png"))
    page.keyboard.press("2")
    page.keyboard.press("Space")
    _type_word(page, "seqlab")
    page.keyboard.press("Space")
    _type_word(page, "hai")
    page.keyboard.press("!")
    text = expected[: -len(committed[-1]) - 1] + items[1] + " "
    text += first_candidate(server, "seqlab", [committed[-2], items[1]])
    text += " " + first_candidate(server, "hai", [items[1], first_candidate(server, "seqlab",
                                                                            [committed[-2], items[1]])]) + "!"
    _wait_value(page, "t === v", text)
    page.screenshot(path=str(tmp_path / "typeahead.png"))
    print(f"screenshot: {tmp_path / 'typeahead.png'}\n{text}")


def test_the_page_finds_the_tokens_sentence_mode_finds(page, server):
    page.goto(server.url + "/")
    found = page.evaluate("texts => texts.map(t => tokenize(t).map(x => [x.group, x.text]))", TOKEN_CASES)
    expected = [[[m.lastgroup, m.group(0)] for m in TOKENS["roman-to-native"].finditer(t)] for t in TOKEN_CASES]
    assert found == expected
    inside = page.evaluate("""cases => cases.map(([t, s, e]) => insidePassThrough(t, s, e))""",
                           [["a@b", 2, 3], ["x 10km", 4, 6], ["kal,", 0, 3], ["see www.goo", 8, 11],
                            ["#holi", 1, 5], ["मेरा ghar", 5, 9], ["ab.com", 3, 6]])
    assert inside == [True, True, False, True, True, False, False]
    assert page.evaluate("t => wordsBefore(t, t.length)", "x\\nमुझे a@b.com, kal 10km aur ") == ["kal", "aur"]


def test_lyrics_page_picks_an_artist(page, server, tmp_path: Path):
    page.goto(server.url + "/lyrics")
    page.wait_for_selector("#artist-row:not([hidden])")
    options = page.eval_on_selector_all("#artist option", "options => options.map(o => o.textContent)")
    assert options == ["No artist (plain lyrics)", "Bob Dylan (3 songs)", "Lil Wayne (2 songs)"]
    page.select_option("#artist", "Lil Wayne")
    page.fill("#max_length", "50")
    page.fill("#seed", "0")
    with page.expect_request("**/lyrics/generate") as sent:
        page.click("#generate")
    assert json.loads(sent.value.post_data)["artist"] == "Lil Wayne"
    page.wait_for_function("() => !document.querySelector('#generate').disabled")
    assert page.text_content("#model-status").startswith("Done"), page.text_content("#model-status")
    assert page.text_content("#output").startswith(page.input_value("#prompt"))
    page.screenshot(path=str(tmp_path / "lyrics-artist.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'lyrics-artist.png'}")
