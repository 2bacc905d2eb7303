"""One server, three languages: tiny Bengali, Urdu and Tamil models (tests/tiny_languages.py) served side by side
through the API and typed in the editor in a real headless Chromium (Urdu right to left). Screenshots of each
language are saved in the test's temporary folder. Slow: the session trains the tiny models first."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import test_browser as shared
from serve_helpers import Server

from seqlab.translit.languages import LANGUAGES

browser = shared.browser  # the same Chromium fixture as the editor's tests
TIMEOUT_MS = 30_000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny_language_models):
    folder = tmp_path_factory.mktemp("serve-languages")
    models = [arg for lang, run in tiny_language_models.items() for arg in ("--model", f"{lang}={run}")]
    running = Server(*models, "--user-dictionary", str(folder / "picks.tsv"), "--beam-size", "3", log_dir=folder)
    yield running
    running.stop()


def test_languages_lists_every_loaded_model_with_script_direction_and_font(served):
    languages = httpx.get(f"{served.url}/languages").json()["languages"]
    assert [entry["code"] for entry in languages] == ["bn", "ur", "ta"]
    urdu = languages[1]
    assert urdu == {"code": "ur", "name": "Urdu", "native_name": "اردو", "script": "Perso-Arabic",
                    "direction": "rtl", "font": "Noto Nastaliq Urdu", "model": urdu["model"]}
    assert languages[0]["direction"] == "ltr" and languages[0]["font"] == "Noto Sans Bengali"
    health = httpx.get(f"{served.url}/healthz").json()
    assert health["languages"] == ["bn", "ur", "ta"] and health["lang"] == "bn"


@pytest.mark.parametrize("code", ["bn", "ur", "ta"])
def test_each_language_answers_in_its_own_script(served, code):
    script = LANGUAGES[code].script
    result = httpx.get(f"{served.url}/tl/{code}/ghar", params={"k": 3}).json()["result"]
    assert len(result) == 3 and all(script.writes(word) for word in result), result
    mark = script.punctuation[:1] or "!"
    body = httpx.post(f"{served.url}/transliterate", json={"lang": code, "text": f"ghar{mark} 12 pani"}).json()
    assert body["words"] == 2 and f"{mark} 12 " in body["result"], body
    native = result[0]
    refused = httpx.get(f"{served.url}/tl/{code}/{native}")
    assert refused.status_code == 400 and "already in the output script" in refused.json()["error"]


def test_unknown_or_unloaded_languages_are_404_with_the_list(served):
    for lang in ("hi", "xx"):
        answer = httpx.get(f"{served.url}/tl/{lang}/ghar")
        assert answer.status_code == 404 and "this server has: bn, ur, ta" in answer.json()["error"]
    answer = httpx.post(f"{served.url}/transliterate", json={"lang": "hi", "words": ["ghar"]})
    assert answer.status_code == 404


def test_picks_are_learned_per_language(served, tmp_path):
    candidates = httpx.get(f"{served.url}/tl/ur/kal", params={"k": 3}).json()["result"]
    assert httpx.post(f"{served.url}/learn", json={"lang": "ur", "roman": "kal", "native": candidates[2]}).is_success
    assert httpx.get(f"{served.url}/tl/ur/kal").json()["result"][0] == candidates[2]
    assert candidates[2] not in httpx.get(f"{served.url}/tl/bn/kal").json()["result"]
    assert httpx.request("DELETE", f"{served.url}/learn", json={"lang": "ur", "roman": "kal"}).json()["forgotten"] == 1


# The editor in a real browser ------------------------------------------------------------------------------


def _type_and_look(page, code: str, word: str, shots: Path) -> tuple[list[str], dict, dict]:
    """Pick `code`, type `word` at the start of the editor; (candidates, dropdown box, editor box)."""
    page.select_option("#lang", code)
    page.fill("#editor", "")
    page.click("#editor")
    page.keyboard.type(word, delay=40)
    page.wait_for_function("w => document.querySelector('#suggestions li:last-child')?.textContent.endsWith(w)",
                           arg=word)
    items = page.eval_on_selector_all("#suggestions li", "items => items.map(li => li.childNodes[1].textContent)")
    box, area = page.locator("#suggestions").bounding_box(), page.locator("#editor").bounding_box()
    page.screenshot(path=str(shots / f"editor-{code}.png"))
    return items, box, area


def test_editor_types_three_languages_one_right_to_left(browser, served, tmp_path):
    context = browser.new_context(viewport={"width": 900, "height": 640})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(served.url + "/")
    page.wait_for_function("() => document.querySelectorAll('#lang option').length === 3")
    for code in ("bn", "ta", "ur"):
        entry = LANGUAGES[code]
        items, box, area = _type_and_look(page, code, "ghar", tmp_path)
        assert items[-1] == "ghar" and all(entry.script.writes(w) for w in items[:-1]), items
        style = page.eval_on_selector("#editor", "e => [getComputedStyle(e).direction, getComputedStyle(e).fontFamily]")
        assert style[0] == entry.direction and entry.font in style[1], style
        if entry.direction == "rtl":  # the word starts at the right edge: the dropdown hangs from there leftwards
            assert area["x"] + area["width"] - 40 < box["x"] + box["width"] <= area["x"] + area["width"], (box, area)
        else:
            assert area["x"] < box["x"] < area["x"] + 30, (box, area)
        assert page.evaluate("document.fonts.check('20px \"' + arguments[0] + '\"')".replace("arguments[0]",
                                                                                           repr(entry.font)))
        page.keyboard.press("Space")
        page.wait_for_function("v => document.querySelector('#editor').value === v", arg=items[0] + " ")
        page.keyboard.type("pani ", delay=40)
        page.wait_for_function("() => !document.querySelector('#editor').value.includes('pani')")
        page.screenshot(path=str(tmp_path / f"editor-{code}-typed.png"))
        assert page.inner_text("#title") == f"Type {entry.name}"
    page.reload()  # the choice is remembered in the page's local storage
    page.wait_for_function("() => document.querySelector('#editor').dir === 'rtl'")
    assert page.input_value("#lang") == "ur"
    context.close()
    print(f"screenshots: {sorted(p.name for p in tmp_path.glob('*.png'))} in {tmp_path}")


@pytest.mark.parametrize("args,fragment", [
    (["--model", "bn=/nonexistent-model-folder"], "model folder /nonexistent-model-folder does not exist"),
    (["--lang", "xx"], "'xx': unknown language; languages (Dakshina data): bn (Bengali)"),
    (["--model", "xx=/tmp"], "--model LANG=DIR: LANG 'xx': unknown language"),
    (["--lang", "hi", "--lang", "hi"], "'hi' is given twice"),
])
def test_bad_languages_are_one_line_errors_before_the_port_opens(args, fragment, capsys):
    from seqlab.cli import main

    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err, err
