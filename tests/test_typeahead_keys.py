"""The editor's keys as the type-ahead benchmarks type them (benchmarks/typeahead_keystrokes.line_keys, shared by
typeahead_keystrokes.py and serve_load.py --typists): which keys ask for candidates, and what each token commits."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from typeahead_keystrokes import Key, committed_word, line_keys  # noqa: E402


def test_every_prefix_of_a_word_asks_and_pass_through_tokens_ask_nothing() -> None:
    keys = line_keys("Mera @ravi 10km मेरा naam")
    assert [k.ask for k in keys if k.ask] == ["m", "me", "mer", "mera", "n", "na", "naa", "naam"]
    assert [(k.commits, k.kind) for k in keys if k.commits] == [
        ("Mera", "word"), ("@ravi", "tag"), ("10km", "number"), ("मेरा", "native"), ("naam", "word")]
    # one key per character of each token, then its Space (or the line's end)
    assert len(keys) == sum(len(token) + 1 for token in ("Mera", "@ravi", "10km", "मेरा", "naam"))
    assert keys[4] == Key(commits="Mera", kind="word")


def test_words_only_asks_once_a_word_at_its_last_letter() -> None:
    keys = line_keys("kya, haal", every_prefix=False)
    # what follows a token until the next one is one key (the mark that commits it), as the keystroke count has it
    assert [(i, k.ask) for i, k in enumerate(keys) if k.ask] == [(2, "kya"), (7, "haal")]


def test_what_each_token_commits() -> None:
    assert committed_word(Key(commits="Mera", kind="word"), ["मेरा", "मीरा"]) == "मेरा"
    assert committed_word(Key(commits="Mera", kind="word"), []) == "Mera"  # no answer: the Latin word stays
    assert committed_word(Key(commits="मेरा", kind="native"), []) == "मेरा"
    assert committed_word(Key(commits="@ravi", kind="tag"), []) is None  # not a previous word
