"""The editor's one-key corrections (pages/corrections.js, issue 21) in the real headless Chromium (fixtures of
test_browser.py): after `isa para adharita` the words after `isa` and `para` make इस पर the clear reading of what
was committed as ईसा पारा; the words are underlined with the reading in a hint, Tab puts it in, typing on keeps
what was committed. Screenshot in the test's temporary folder."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import test_browser as shared
from test_browser import _type_word, _value
from test_browser_typeahead import _wait_value, first_candidate

pytestmark = pytest.mark.slow
browser, page = shared.browser, shared.page  # the same Chromium and page fixtures


def _type(page, server, words: list[str], committed: list[str]) -> None:
    """Type `words` key by key, Space after each, adding the first candidates committed to `committed`."""
    for word in words:
        _type_word(page, word)
        committed.append(first_candidate(server, word, committed[-2:]))
        page.keyboard.press("Space")


def _hint(page) -> str:
    page.wait_for_selector("#correction:not([hidden]) #correction-hint")
    return page.text_content("#correction-hint")


def test_tab_takes_the_reading_the_words_after_offer_and_typing_on_keeps_the_text(page, server, tmp_path: Path):
    page.goto(server.url + "/")
    page.click("#editor")
    committed: list[str] = []
    _type(page, server, ["isa", "para"], committed)
    assert committed == ["ईसा", "पारा"]
    offers = httpx.post(f"{server.url}/reread", json={"words": ["isa", "para"], "committed": committed}).json()
    assert [(o["index"], o["word"]) for o in offers["result"]] == [(0, "इस")]  # the server's default margin
    assert _hint(page) == "ईसा → इस Tab"
    assert page.locator("#correction .mark").count() == 1
    assert page.eval_on_selector("#correction .mark", "m => m.offsetWidth") > 10  # the word underlined
    page.screenshot(path=str(tmp_path / "correction.png"))
    print(f"screenshot: {tmp_path / 'correction.png'}")
    page.keyboard.press("Tab")
    _wait_value(page, "t === v", "इस पारा ")
    assert page.is_hidden("#correction-hint") and page.text_content("#status") == "Corrected: ईसा → इस"
    assert page.evaluate("document.activeElement.id") == "editor"  # Tab did not leave the text area

    committed[0] = "इस"
    _type(page, server, ["adharita"], committed)  # after इस पारा आधारित, पारा reads पर
    assert _hint(page) == "पारा → पर Tab"
    page.keyboard.press("Tab")
    first_line = "इस पर " + committed[2] + " "
    _wait_value(page, "t === v", first_line)

    page.keyboard.press("Enter")  # the same words on a new line, typing on instead of taking the corrections
    again: list[str] = []
    _type(page, server, ["isa", "para"], again)
    assert _hint(page) == "ईसा → इस Tab"
    _type(page, server, ["adharita"], again)
    assert _hint(page) == "पारा → पर Tab"  # ईसा → इस was passed over: not offered again
    page.keyboard.type("h", delay=40)
    assert page.is_hidden("#correction-hint")
    assert _value(page) == first_line + "\n" + " ".join(again) + " h"
    assert again == ["ईसा", "पारा", committed[2]]
