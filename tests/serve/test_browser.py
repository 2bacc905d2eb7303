"""The two web pages in a real headless Chromium (Debian's chromium package, driven by Playwright for Python; no
browser download): typing `mera ghar` key by key, committing and picking candidates, learning a pick, converting
pasted text, and streaming lyrics. Screenshots of both pages are saved in the test's temporary folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` (Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 900, "height": 640})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    outside = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    yield page
    context.close()
    assert outside == [], f"the page fetched from outside the server: {outside}"


def _suggestions(page) -> list[str]:
    """The dropdown's items (without their numbers), once it is visible."""
    page.wait_for_selector("#suggestions:not([hidden]) li")
    return page.eval_on_selector_all("#suggestions li", "items => items.map(li => li.childNodes[1].textContent)")


def _type_word(page, word: str) -> list[str]:
    page.keyboard.type(word, delay=40)
    page.wait_for_function("w => document.querySelector('#suggestions li:last-child')?.textContent.endsWith(w)",
                           arg=word)
    return _suggestions(page)


def _value(page) -> str:
    return page.input_value("#editor")


def test_editor_types_mera_ghar_key_by_key(page, server, tmp_path: Path):
    page.goto(server.url + "/")
    page.click("#editor")
    items = _type_word(page, "mera")
    assert items[0] == "मेरा" and items[-1] == "mera" and len(items) == 6
    first = page.locator("#suggestions").bounding_box()
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('#editor').value === 'मेरा '")
    items = _type_word(page, "ghar")
    assert items[0] == "घर"
    second, area = page.locator("#suggestions").bounding_box(), page.locator("#editor").bounding_box()
    page.screenshot(path=str(tmp_path / "editor.png"))
    print(f"screenshot: {tmp_path / 'editor.png'}")
    # each dropdown hangs just below the line, where its word starts: the second one further right, by "मेरा "
    assert area["x"] < first["x"] < area["x"] + 30 and first["x"] + 20 < second["x"] < first["x"] + 80, (first, second)
    assert second["y"] == first["y"] and area["y"] + 20 < first["y"] < area["y"] + 80, (first, area)
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('#editor').value === 'मेरा घर '")
    assert _value(page).strip() == "मेरा घर"


def test_editor_digit_arrows_escape_and_convert_all(page, server):
    page.goto(server.url + "/")
    page.click("#editor")
    items = _type_word(page, "kal")
    page.keyboard.press("2")  # a digit picks that candidate directly
    page.wait_for_function("v => document.querySelector('#editor').value === v", arg=items[1])
    page.keyboard.press("Space")  # after a Devanagari word: an ordinary space
    items = _type_word(page, "pani")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("v => document.querySelector('#editor').value.endsWith(v)", arg=" " + items[2])
    page.keyboard.press("Space")
    _type_word(page, "hello")
    page.keyboard.press("Escape")  # keep the Latin word
    assert page.is_hidden("#suggestions")
    page.keyboard.press("Space")
    assert _value(page).endswith(" hello ")
    page.fill("#editor", "ghar 2 baje, pani!")
    page.click("#convert-all")
    page.wait_for_function("() => document.querySelector('#editor').value === 'घर 2 बजे, पानी!'")


def test_editor_learns_a_pick_when_asked(page, server):
    page.goto(server.url + "/")
    page.wait_for_function("() => !document.querySelector('#learn').disabled")
    page.check("#learn")
    page.click("#editor")
    items = _type_word(page, "dil")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.wait_for_selector("#status:has-text('Learned')")
    page.fill("#editor", "")
    assert _type_word(page, "dil")[0] == items[1]
    import httpx

    assert httpx.request("DELETE", f"{server.url}/learn", json={"roman": "dil"}).json()["forgotten"] == 1


def test_lyrics_page_streams_text_that_starts_with_the_prompt(page, server, tmp_path: Path):
    page.goto(server.url + "/lyrics")
    page.wait_for_selector("#model-status:has-text('Model:')")
    prompt = page.input_value("#prompt")
    assert prompt == "When the sun rises and stars begin to fade"
    assert page.input_value("#top_k") == "50" and page.input_value("#top_p") == "0.9"
    page.fill("#max_length", "60")
    page.fill("#seed", "0")
    page.click("#generate")
    page.wait_for_function("() => !document.querySelector('#generate').disabled")  # the stream has ended
    assert page.text_content("#model-status").startswith("Done"), page.text_content("#model-status")
    text = page.text_content("#output")
    assert text.startswith(prompt) and len(text) > len(prompt) + 5
    page.screenshot(path=str(tmp_path / "lyrics.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'lyrics.png'}")
