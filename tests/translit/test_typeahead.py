"""Type-ahead: well-formed candidates only (script.py), and each word ranked as running text after the words
before it (typeahead.py): the frequent words of Hindi first, with the shipped model."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from seqlab.errors import SeqlabError
from seqlab.translit.config import TYPEAHEAD, TYPEAHEAD_RESCORED, DecodingConfig, TypeaheadConfig
from seqlab.translit.data.corpus import load_split
from seqlab.translit.decoding.script import DEVANAGARI, well_formed
from seqlab.translit.evaluation.tuning import TYPEAHEAD_VALUES, required_misses, save_typeahead, tune_typeahead
from seqlab.translit.model.checkpoint import PRETRAINED_DIR
from seqlab.translit.text.sentence import Lattice
from seqlab.translit.text.typeahead import (
    EDITOR_LIST,
    REQUIRED_FIRST_CANDIDATES,
    check_previous,
    context_word,
    greedy_choice,
    ranked,
)
from seqlab.translit.transliterator import Transliterator, load_transliterator
from seqlab.translit.words.bigrams import BigramContext
from seqlab.translit.words.prior import WordPrior


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator()


@pytest.mark.parametrize("word", ["और", "कल", "नहीं", "की", "मैं", "क़िला", "बड़े", "दुःख", "हँसी", "पत्र", "ज़्यादा",
                                  "ऑफिस", "विद्यार्थी", "श्री", "गये", "आई", "ईमेल", "ॐ", "a@b.com", "hello"])
def test_real_words_are_well_formed(word):
    assert well_formed(word), DEVANAGARI.problem(word)


@pytest.mark.parametrize("word, problem", [
    ("अौर", "sign U+094C at 1 after vowel"),         # an independent vowel with a vowel sign
    ("ाम", "sign U+093E at 0 after start"),           # a vowel sign with no consonant
    ("काे", "sign U+0947 at 2 after sign"),           # two vowel signs on one consonant
    ("क््ष", "virama U+094D at 2 after virama"),       # a doubled virama
    ("आ्", "virama U+094D at 1 after vowel"),          # a virama on a vowel
    ("अ़", "nukta U+093C at 1 after vowel"),           # a nukta on a vowel
    ("बडे़", "nukta U+093C at 3 after sign"),          # a nukta typed after the vowel sign
    ("मेंं", "modifier U+0902 at 3 after modifier"),    # a doubled anusvara
    ("ंअम", "modifier U+0902 at 0 after start"),
])
def test_malformed_words_name_their_first_problem(word, problem):
    assert not well_formed(word) and DEVANAGARI.problem(word) == problem


def test_no_malformed_candidate_in_the_top_10_of_dakshina_test_words(shipped):
    """The shipped prior and lexicon hold `अौर` (611 times) and `आॅडियो`; none may be offered. A fixed sample of
    the test words at the default decoding (all 4,502 take minutes)."""
    pairs, _ = load_split("dakshina", "hi", "test")
    sample = random.Random(0).sample([p.source for p in pairs], 300) + ["aur", "audio", "aadi", "apne"]
    lists = shipped.candidates(sample, 10)
    bad = [(word, c) for word, found in zip(sample, lists) for c in found if not well_formed(c)]
    assert bad == [] and all(lists)
    assert "अौर" in shipped.prior.counts  # the filter, not the data, keeps it out


@pytest.mark.parametrize("rescorers", [True, False])
def test_running_text_puts_the_frequent_words_first(shipped, rescorers):
    """The required first candidates (the list tuning keeps) with the record of each decoding: the CLI's (rescorers,
    "typeahead_rescored") and the server's (none, "typeahead"), at the editor's list length and the model's beam."""
    translit = shipped if rescorers else load_transliterator(rescorers=False)  # the server's default
    assert (TYPEAHEAD_RESCORED in translit.config["decoding"]) and translit.typeahead_settings() == \
        TypeaheadConfig.from_config(translit.config, rescored=rescorers)
    for word, previous, first in REQUIRED_FIRST_CANDIDATES["hi"]:
        for beam in (EDITOR_LIST, translit.decoding.beam_size):
            found = translit.candidates([word], beam, previous=previous)[0]
            assert found[0] == first, (word, previous, beam, found)
    assert translit.candidates(["kal"], 5, previous=["mujhe", "मुझे"]) == translit.candidates(["kal"], 5,
                                                                                             previous=["मुझे"])


def test_latin_previous_words_are_no_context(shipped):
    start = shipped.candidates(["ki", "main"], 5, previous=[])
    assert shipped.candidates(["ki", "main"], 5, previous=["ghar"]) == start
    assert shipped.candidates(["ki", "main"], 5, previous=["घर", "email"]) == start


def test_previous_is_checked():
    assert check_previous(["a", "ब"]) == ["a", "ब"]
    for bad in (["a", "b", "c"], [""], ["two words"], ["x" * 65]):
        with pytest.raises(SeqlabError, match="previous"):
            check_previous(bad)
    assert context_word([]) is None and context_word(["घर", "ghar"]) is None and context_word(["x", "घर"]) == "घर"


def toy() -> tuple[WordPrior, BigramContext]:
    prior = WordPrior({"और": 50, "ओर": 5, "मैं": 20, "में": 80, "घर": 10})
    return prior, BigramContext.from_lines(["और मैं घर", "और मैं", "घर में"])


def test_ranking_uses_the_bigram_after_a_word_and_the_prior_at_the_start():
    prior, context = toy()
    settings = TypeaheadConfig(context_weight=1.0, prior_weight=1.0)
    emissions = np.array([0.0, -0.1])
    assert ranked(["मैं", "में"], emissions, None, settings, context, prior) == ["में", "मैं"]
    assert ranked(["मैं", "में"], emissions, "और", settings, context, prior) == ["मैं", "में"]
    assert ranked(["मैं", "में"], emissions, "और", TypeaheadConfig(), context, prior) == ["मैं", "में"]  # emissions only


def test_greedy_choice_takes_each_word_after_the_one_committed_before():
    prior, context = toy()
    lat = Lattice(["aur", "main"], [["ओर", "और"], ["में", "मैं"]], [np.array([0.0, -0.5]), np.array([0.0, -0.2])],
                  [np.array([prior.log_prob("ओर"), prior.log_prob("और")]),
                   np.array([prior.log_prob("में"), prior.log_prob("मैं")])], [None, None])
    assert greedy_choice(lat, 1.0, 1.0, context, prior) == ["और", "मैं"]
    assert greedy_choice(lat, 0.0, 0.0, context, prior) == ["ओर", "में"]  # the letters alone
    assert greedy_choice(lat, 1.0, 0.0, context, prior) == ["ओर", "में"]  # ओर is no context for मैं


def test_tuning_keeps_the_best_setting_and_saves_it_beside_the_word_list_settings(shipped, tmp_path):
    """Three sentences whose right first candidates need the running-text ranking; the record goes into config.json
    "decoding" through its one writer, and the word-list settings `evaluate` uses stay as they were."""
    lines, references = [["mujhe", "kal", "jana", "hai"], ["ghar", "ki", "chabi"], ["aur", "nahi"]], \
        ["मुझे कल जाना है", "घर की चाबी", "और नहीं"]
    best, grid = tune_typeahead(shipped, lines, references, 5)
    assert len(grid) == 9 * 6 * 4 * 4 and best["wer"] == min(row["wer"] for row in grid if "missed" not in row)
    assert best["wer"] < 0.2 and "missed" not in best
    (tmp_path / "config.json").write_text((PRETRAINED_DIR / "config.json").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    before = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    saved = save_typeahead(tmp_path, best, {"tune_sentences": 3})
    after = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    assert after["decoding"][TYPEAHEAD] == saved and saved["tune_sentences"] == 3
    assert {k: v for k, v in after["decoding"].items() if k != TYPEAHEAD} == \
        {k: v for k, v in before["decoding"].items() if k != TYPEAHEAD}
    assert DecodingConfig.from_config(after) == DecodingConfig.from_config(before)
    assert TypeaheadConfig.from_config(after) == TypeaheadConfig(
        best["context_weight"], best["prior_weight"], best["lexicon_weight"], best["nasal_penalty"])
    after["decoding"][TYPEAHEAD]["context_weight"] = -1
    with pytest.raises(SeqlabError, match="decoding.typeahead: context_weight"):
        TypeaheadConfig.from_config(after)
    rescored = save_typeahead(tmp_path, {**best, "context_weight": 0.9}, {"tune_sentences": 3}, rescored=True)
    again = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    assert again["decoding"][TYPEAHEAD_RESCORED] == rescored and again["decoding"][TYPEAHEAD] == saved
    assert TypeaheadConfig.from_config(again, rescored=True).context_weight == 0.9
    assert TypeaheadConfig.from_config(again) == TypeaheadConfig(*(best[k] for k in TYPEAHEAD_VALUES))


def test_tuning_rejects_settings_that_break_a_required_first_candidate(shipped):
    """On a line where और में is right, the lowest WER needs में after और: tuning must not keep such a setting
    (REQUIRED_FIRST_CANDIDATES has मैं there), and says which case each better setting broke."""
    best, grid = tune_typeahead(shipped, [["aur", "main", "ghar"]], ["और में घर"], 5)
    rejected = [row for row in grid if "missed" in row]
    assert rejected and all(row["wer"] <= best["wer"] for row in rejected)
    assert min(row["wer"] for row in rejected) < best["wer"]
    assert all("main after और → मैं" in row["missed"] for row in rejected if row["wer"] < best["wer"])
    assert required_misses(shipped, TypeaheadConfig(*(best[k] for k in TYPEAHEAD_VALUES)), [5]) == []


def test_each_decoding_reads_its_own_record_and_falls_back_to_the_plain_one(shipped):
    """"typeahead_rescored" for decoding with the rescorers, "typeahead" without them or where there is no rescored
    record, the sentence settings where there is neither; a bad rescored record fails at load either way."""
    plain = {"context_weight": 0.3, "prior_weight": 0.3, "lexicon_weight": 0.5, "nasal_penalty": 0.0}
    tuned = {"context_weight": 0.45, "prior_weight": 0.45, "lexicon_weight": 0.5, "nasal_penalty": 0.5}
    both = {"decoding": {TYPEAHEAD: plain, TYPEAHEAD_RESCORED: {**tuned, "tune_wer": 0.12, "tuned_with": {}}}}
    assert TypeaheadConfig.from_config(both) == TypeaheadConfig(**plain)
    assert TypeaheadConfig.from_config(both, rescored=True) == TypeaheadConfig(**tuned)
    assert TypeaheadConfig.from_config({"decoding": {TYPEAHEAD: plain}}, rescored=True) == TypeaheadConfig(**plain)
    sentence = {"decoding": {"context_weight": 0.6, "context_lexicon_weight": 1.0, "nasal_penalty": 0.0}}
    assert TypeaheadConfig.from_config(sentence, rescored=True) == TypeaheadConfig(0.6, 0.6, 1.0, 0.0)
    assert DecodingConfig.from_config(both) == DecodingConfig()  # the records are not decoding values
    parts = dict(prior=shipped.prior, lexicon=shipped.lexicon, context=shipped.context)
    with_rescorers = Transliterator(shipped.model, shipped.vocabs, both, rescorers=shipped.rescorers, **parts)
    without = Transliterator(shipped.model, shipped.vocabs, both, **parts)
    only_plain = Transliterator(shipped.model, shipped.vocabs, {"decoding": {TYPEAHEAD: plain}},
                                rescorers=shipped.rescorers, **parts)
    assert with_rescorers.typeahead_settings() == TypeaheadConfig(**tuned)
    assert without.typeahead_settings() == only_plain.typeahead_settings() == TypeaheadConfig(**plain)
    both["decoding"][TYPEAHEAD_RESCORED]["prior_weight"] = -1
    with pytest.raises(SeqlabError, match="decoding.typeahead_rescored: prior_weight"):
        Transliterator(shipped.model, shipped.vocabs, both, **parts)
