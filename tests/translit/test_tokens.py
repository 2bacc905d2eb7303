"""The tokenizer (tokens.py): exactly the alternation's tokens, in time linear in the text for every rule (issue 19:
the e-mail rule rescanned a run of `_`, `.`, `-` or `ab_ab_…` from each of its positions)."""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.translit.cli.stream import TextStream
from seqlab.translit.config import DIRECTIONS
from seqlab.translit.text.tokens import NEWLINE, TOKENS, tokens, words
from seqlab.translit.transliterator import load_transliterator

# Characters of every rule, and the prefixes that start one: runs of these are where backtracking hid.
RULE_UNITS = ["_", ".", "-", "+", "ab_", "a.", "x-y", "@", "#", "1", "1.", "1:", "www.", "http://", "a@", "_@a.",
              "a@b.c", "घर", "\u200d", "é"]
ALPHABET = "ab_.-+@#:/,19 wht\nघर्\u200dé!?)<"


def spans(matches) -> list[tuple[tuple[int, int], str | None]]:
    return [(m.span(), m.lastgroup) for m in matches]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40), st.sampled_from(DIRECTIONS), st.booleans())
def test_tokens_are_the_alternations_finditer(text, direction, newlines):
    reference = re.compile(TOKENS[direction].pattern + NEWLINE) if newlines else TOKENS[direction]
    assert spans(tokens(text, direction, newlines)) == spans(reference.finditer(text))


@pytest.mark.parametrize("unit", RULE_UNITS)
def test_long_runs_of_each_rules_characters(unit):
    text = unit * (50_000 // len(unit))
    found = list(tokens(text))  # the alternation's finditer took 20 s for 50,000 underscores
    assert all(a.end() <= b.start() for a, b in zip(found, found[1:]))
    sample = text[:2_000]
    assert spans(tokens(sample)) == spans(TOKENS[DIRECTIONS[0]].finditer(sample))


def test_words_between_long_runs():
    assert words("ab_" * 20_000) == ["ab"] * 20_000
    assert words("_" * 50_000 + " ghar " + "." * 50_000 + "a@b.com") == ["ghar"]


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in tokens(text):
            pass
        best = min(best, time.perf_counter() - start)
    return best


@settings(max_examples=len(RULE_UNITS), deadline=None)
@given(st.sampled_from(RULE_UNITS), st.sampled_from(["", " ", "ghar "]))
def test_tokenizing_time_grows_linearly(unit, separator):
    """A complexity check, not a speed target: four times the text may take at most eight times as long (plus
    slack for timer noise); a quadratic rule takes sixteen times as long."""
    short = (unit * 2_500 + separator) * 2
    assert _seconds(short * 4) < 8 * _seconds(short) + 0.05


def test_stdin_of_underscores_streams_in_linear_time():
    """`predict` on 64 KB of `_` took 23.5 s; now the same time as any text."""
    written: list[str] = []
    stream = TextStream(load_transliterator(rescorers=False), written.append, 1)
    for _ in range(4):
        stream.feed(b"_" * 16_384)
    stream.feed(b"\nghar\n")
    stream.finish()
    assert "".join(written) == "_" * 65_536 + "\nघर\n"
