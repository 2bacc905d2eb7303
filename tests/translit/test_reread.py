"""Re-reading committed words with the words typed after them (text/reread.py, issue 21's one-key corrections):
a word the later words clearly re-read is reported with its
margin, and words kept as typed, the user's spellings and the last word are never re-read. (That the path
scores behind the margins are exact is tested beside the Viterbi, in test_sentences.py.)"""
from __future__ import annotations

import pytest

from seqlab.errors import SeqlabError
from seqlab.translit.text.reread import MAX_REREAD, reread
from seqlab.translit.transliterator import load_transliterator
from seqlab.translit.words.user_dictionary import UserDictionary


@pytest.fixture(scope="module")
def shipped():
    return load_transliterator(rescorers=False)


def test_the_words_after_a_committed_word_re_read_it(shipped):
    # `kal` committed as काल (its first candidate alone); दिल्ली जाना after it make कल the reading
    found = reread(shipped, ["kal", "dilli", "jana"], ["काल", "दिल्ली", "जाना"], before="मुझे")
    assert [(r.index, r.word) for r in found] == [(0, "कल")]
    assert found[0].margin > 0.5
    # the same window at the start of a line, and once corrected: nothing left to re-read
    assert [r.word for r in reread(shipped, ["mujhe", "kal", "dilli"], ["मुझे", "काल", "दिल्ली"])] == ["कल"]
    assert reread(shipped, ["kal", "dilli", "jana"], ["कल", "दिल्ली", "जाना"], before="मुझे") == []


def test_kept_words_and_the_last_word_are_never_re_read(shipped):
    # काल kept as typed in Devanagari is context, not a reading to change; the last word has nothing after it
    assert reread(shipped, ["काल", "dilli"], ["काल", "दिल्ली"], before="मुझे") == []
    assert shipped.transliterate_text("mujhe kal")[0] == "मुझे कल"
    assert reread(shipped, ["mujhe", "kal"], ["मुझे", "काल"]) == []
    # a committed word that is not among the candidates (a Latin word kept) is not compared
    assert reread(shipped, ["kal", "dilli"], ["kal", "दिल्ली"]) == []


def test_a_word_the_user_dictionary_spells_is_never_re_read(shipped, tmp_path, monkeypatch):
    # the window that re-reads काल as कल above, once the user has taught kal → काल
    dictionary = UserDictionary(tmp_path / "user.tsv")
    dictionary.learn("kal", "काल")
    monkeypatch.setattr(shipped, "user_dictionary", dictionary)
    assert reread(shipped, ["kal", "dilli", "jana"], ["काल", "दिल्ली", "जाना"], before="मुझे") == []


@pytest.mark.parametrize("words, committed, before, message", [
    ([], [], None, "words: give 1-"),
    (["ghar"] * (MAX_REREAD + 1), ["घर"] * (MAX_REREAD + 1), None, "words: give 1-"),
    (["ghar", "jana"], ["घर"], None, "committed: one per word"),
    (["ghar"], ["घर घर"], None, "committed: each word"),
    (["ghar"], ["घर"], "", "before: each word"),
    (["ghar1"], ["घर"], None, "ghar1"),
])
def test_bad_windows_are_one_line_errors(shipped, words, committed, before, message):
    with pytest.raises(SeqlabError, match=message):
        reread(shipped, words, committed, before)
