"""Dakshina's twelve languages: the registry against the real data, each script's tokens, prior and WER words,
`--lang` on the command line, and tiny Bengali, Urdu and Tamil models used end to end."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from seqlab.cli import main
from seqlab.errors import DataError, SeqlabError
from seqlab.translit.data.corpus import load_split
from seqlab.translit.data.paths import find_split, romanized_sentences
from seqlab.translit.decoding.script import well_formed
from seqlab.translit.evaluation.sentences import wer_words
from seqlab.translit.languages import JOINERS, LANGUAGES, language, shipped_languages
from seqlab.translit.text.tokens import words
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words.prior import count_words
from seqlab.translit.words.user_dictionary import default_user_dictionary_path
from tiny_languages import first_pairs

CODES = tuple(LANGUAGES)


def test_the_registry_holds_dakshinas_twelve_languages():
    assert CODES == ("bn", "gu", "hi", "kn", "ml", "mr", "pa", "sd", "si", "ta", "te", "ur")
    assert {code for code, lang in LANGUAGES.items() if lang.direction == "rtl"} == {"sd", "ur"}
    assert {code for code, lang in LANGUAGES.items() if lang.wordfreq} == {"bn", "hi", "ta", "ur"}
    assert LANGUAGES["si"].aksharantar is None and LANGUAGES["sd"].aksharantar == "sid"
    assert LANGUAGES["ur"].font == "Noto Nastaliq Urdu" and LANGUAGES["sd"].font == "Noto Naskh Arabic"
    assert all(len(lang.native_digits) == 10 for lang in LANGUAGES.values())
    assert LANGUAGES["ur"].native_digits == "۰۱۲۳۴۵۶۷۸۹" and LANGUAGES["bn"].native_digits == "০১২৩৪৫৬৭৮৯"


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_its_data_and_its_words_are_in_its_script(code, shared_data):
    """Each split, the romanized dev sentences and the Wikipedia sample are where the registry's paths say, and
    the first lines of the lexicon (and of Aksharantar, where it has the language) are in the language's script."""
    lang = language(code)
    for split in ("train", "dev", "test"):
        assert find_split("dakshina", code, split, str(shared_data)).is_file()
    assert (shared_data / romanized_sentences(code, "dev", "roman")).is_file()
    with gzip.open(shared_data / "dakshina" / code / "native_script_wikipedia" /
                   f"{code}.wiki-filt.valid.text.shuf.txt.gz", "rt", encoding="utf-8") as handle:
        line = handle.readline()
    assert len(count_words([line], code)) >= 3
    natives = [native for _, native in first_pairs(shared_data, code)]
    assert all(lang.script.writes(word) for word in natives), natives
    if lang.aksharantar:
        path = find_split("aksharantar", code, "train", str(shared_data))
        assert path.name == f"{lang.aksharantar}_train.csv"
        rows = path.read_text(encoding="utf-8").splitlines()[:20]
        assert all(lang.script.writes(row.split(",")[1]) and row.split(",")[0].isascii() for row in rows)
    else:
        with pytest.raises(DataError, match="Aksharantar has no Sinhala"):
            load_split("aksharantar", code, "train", str(shared_data))


@pytest.mark.parametrize("code", CODES)
def test_tokens_pass_the_native_script_through_and_keep_its_punctuation(code, shared_data):
    lang = language(code)
    native = first_pairs(shared_data, code, 1)[0][1]
    digit = lang.native_digits[3]
    punctuation = lang.script.punctuation[:1] or "."
    text = f"{native} ghar{punctuation} {digit}{digit} pani"
    assert words(text, lang=code) == ["ghar", "pani"]  # Latin is transliterated, the native word is not
    assert words(text, "native-to-roman", code) == [native]  # the reverse direction reads the script's letters
    assert wer_words(f"{native}{punctuation} {digit}", code) == [native]


def test_words_keep_their_joiners_where_the_language_writes_them():
    sinhala = "ශ්\u200dරී"  # ශ්‍රී: the ZWJ makes the repaya
    marathi = "कर्\u200dयांना"  # the eyelash ra of Marathi
    assert count_words([f"{sinhala} ලංකා"], "si") == {sinhala: 1, "ලංකා": 1}
    assert count_words([marathi], "mr") == {marathi: 1}
    assert list(count_words([marathi], "hi")) == ["कर्", "यांना"]  # Hindi's prior was counted without joiners
    assert all(JOINERS[1] in w for w in words(f"x {sinhala}", "native-to-roman", "si"))


def test_sindhi_writes_its_ampersand_and_postposition_signs_as_words():
    assert count_words(["ڪراچي ۾ ۽ حيدرآباد"], "sd") == {"ڪراچي": 1, "۾": 1, "۽": 1, "حيدرآباد": 1}
    assert words("ghar ۾ pani", lang="sd") == ["ghar", "pani"]


def test_unknown_language_is_one_line_listing_languages_and_shipped_models(capsys):
    for args in (["translit", "predict", "--lang", "xx", "ghar"], ["translit", "learn", "--lang", "xx", "ghar", "घर"],
                 ["translit", "evaluate-sentences", "--lang", "xx"]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "'xx'" in err and "bn (Bengali)" in err and "ur (Urdu)" in err, err
        assert "shipped models: " + ", ".join(shipped_languages()) in err
    for args in (["translit", "train", "--lang", "xx"], ["translit", "evaluate", "--lang", "xx"]):
        assert main(args) == 2  # the data options' choices
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--lang must be one of bn, gu, hi" in err and "'xx'" in err


@pytest.mark.parametrize("code", sorted(set(CODES) - set(shipped_languages("native-to-roman"))))
def test_a_language_without_a_shipped_model_is_one_line(code, capsys):
    """Every language ships roman → native; the reverse direction ships for Hindi only, so asking another
    language for it is the missing-model case."""
    assert main(["translit", "predict", "--lang", code, "--direction", "native-to-roman", "घर"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no shipped native-to-roman model for '{code}'" in err, err
    assert f"seqlab translit train --lang {code} --direction native-to-roman" in err, err
    assert "shipped native-to-roman models: hi" in err, err


def test_user_dictionaries_are_per_language(monkeypatch, tmp_path):
    monkeypatch.delenv("SEQLAB_USER_DICTIONARY", raising=False)
    assert default_user_dictionary_path("ur").name == "user-dictionary-ur.tsv"
    with pytest.raises(SeqlabError, match="unknown language"):
        default_user_dictionary_path("../x")


@pytest.mark.slow  # trains the tiny models (tests/tiny_languages.py) once a session
def test_tiny_models_write_their_script_and_keep_its_punctuation(tiny_language_models, capsys):
    for code, run in tiny_language_models.items():
        script = language(code).script
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        assert config["train"]["lang"] == code and config["decoding"]["prior_sources"][0]["words"] > 100
        translit = load_transliterator(run)
        assert translit.lang == code and translit.prior is not None and translit.context is not None
        assert all(script.writes(word) for word in translit.prior.counts if not re.search(r"\d", word))
        punctuation = script.punctuation[:1] or "!"
        native = next(iter(translit.prior.counts))
        out = translit.transliterate_sentence(f"ghar{punctuation} {native} 12 pani")
        first, rest = out.split(punctuation, 1)
        assert script.writes(first) and rest.startswith(f" {native} 12 ") and script.writes(rest.split()[-1]), out
        assert main(["translit", "predict", "--model", str(run), "--lang", code, "--top-k", "3", "ghar"]) == 0
        assert all(script.writes(w) for w in capsys.readouterr().out.split())
    assert main(["translit", "predict", "--model", str(tiny_language_models["ur"]), "--lang", "bn", "ghar"]) == 2
    assert "is a 'ur' model, not 'bn'" in capsys.readouterr().err


@pytest.mark.slow  # trains the tiny models (tests/tiny_languages.py) once a session
def test_evaluate_and_evaluate_sentences_take_the_models_language(tiny_language_models, tmp_path, capsys):
    run = tiny_language_models["ur"]
    data = run.parent / "data"
    assert main(["translit", "evaluate", "--model", str(run), "--data-dir", str(data), "--split", "test", "--json",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["lang"] == "ur" and summary["pairs"] == 60 and (tmp_path / "dakshina_ur_test_beam1_summary.json")
    assert main(["translit", "evaluate-sentences", "--model", str(run), "--data-dir", str(data), "--half", "all",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["sentences"] == 12 and summary["word by word"]["reference_words"] > 50


@pytest.mark.parametrize("code", shipped_languages())
def test_every_shipped_model_loads_and_offers_a_word_it_was_taught(code):
    """The smoke test of each shipped language: it loads, writes its script, and lexicon memory offers a taught
    word among its candidates."""
    translit = load_transliterator(lang=code, rescorers=False)
    roman, native = next((roman, native) for roman, natives in translit.lexicon.entries.items()  # the first
                         for native, _ in natives.most_common(1) if well_formed(native))  # well-formed: see ranking
    candidates = translit.candidates([roman], 5)[0]
    assert translit.lang == code and native in candidates, (roman, native, candidates)
    assert all(language(code).script.writes(word) for word in candidates)


def _ranges(*spans: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(c) for low, high in spans for c in range(low, high + 1))


def test_devanagaris_derived_classes_are_the_hand_made_table():
    """The classes come from Unicode names; for Devanagari they are exactly the type-ahead's hand-made table."""
    classes = language("hi").script.syllable_classes
    assert classes == {
        "consonant": _ranges((0x0915, 0x0939), (0x0958, 0x095F), (0x0978, 0x097F)),
        "vowel": _ranges((0x0904, 0x0914), (0x0960, 0x0961), (0x0972, 0x0977)),
        "sign": _ranges((0x093A, 0x093B), (0x093E, 0x094C), (0x094E, 0x094F), (0x0955, 0x0957), (0x0962, 0x0963)),
        "virama": _ranges((0x094D, 0x094D)), "nukta": _ranges((0x093C, 0x093C)),
        "modifier": _ranges((0x0900, 0x0903))}
    assert language("ur").script.syllable_classes == {} and language("sd").script.may_follow == {}


def _problem(script, word: str) -> str | None:
    """The well-formedness rule the tables are for (decoding/script.py): each constrained class after an allowed one."""
    before, classes = "start", script.syllable_classes
    for char in word:
        kind = next((name for name, chars in classes.items() if char in chars), "other")
        if kind in script.may_follow and before not in script.may_follow[kind]:
            return f"{kind} U+{ord(char):04X} after {before}"
        before = kind
    return None


@pytest.mark.parametrize("code", [code for code, lang in LANGUAGES.items() if lang.script.brahmic])
def test_each_brahmic_table_accepts_real_words_and_refuses_malformed_ones(code, shared_data):
    """Of the first 2,000 lexicon words, nearly all are well formed (the few refused are mis-encodings such as
    অা for আ); a vowel sign on an independent vowel, a sign at the start and a doubled virama are refused."""
    script = language(code).script
    natives = list(dict.fromkeys(native for _, native in first_pairs(shared_data, code, 2000)))
    refused = [word for word in natives if _problem(script, word)]
    assert len(refused) <= len(natives) // 200, refused[:10]
    classes = script.syllable_classes
    consonant, vowel, sign, virama = (sorted(classes[kind])[0] for kind in ("consonant", "vowel", "sign", "virama"))
    assert _problem(script, consonant + sign) is None and _problem(script, consonant + virama + consonant) is None
    for malformed in (vowel + sign, sign + consonant, consonant + virama + virama):
        assert _problem(script, malformed), malformed
    if code == "ml":
        assert _problem(script, "അതിനു്") is None  # samvruthokaram: a virama on the u sign
