"""One-key corrections for typeahead_keystrokes.py --corrections N (issue 21): after each word the typist commits,
ask the server (POST /reread, translit/text/reread.py) whether sentence mode, reading the last N committed words
jointly with the bigram model, reads an earlier one of them otherwise, and with what margin (best path score minus
the best path keeping the committed word).

Two ways to use it:
- record only (`--accept-margin` not given): nothing is changed while typing; every offer is recorded with its
  margin, and `sweep` replays, for each threshold δ, what accepting every offer of margin ≥ δ would have given
  (a word takes its first such offer). One pass gives the whole δ curve; run it on the tune half to choose δ.
- `--accept-margin δ`: the typist accepts every offer of margin ≥ δ at once, as a user pressing the key would,
  so the corrected word is the `prev` of the words typed after it and the context of later re-readings: the
  exact editor behaviour, for the final numbers on the report half.

Each applied correction is classed against the reference word aligned to it (evaluation/sentences.align over the
WER words): helps (wrong → right), harms (right → wrong) or wrong → another wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import httpx

from seqlab.translit.evaluation.sentences import WerReport, align, score_sentence, wer_words

SWEEP = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, float("inf"))


@dataclass(frozen=True)
class Offer:
    """The server re-read word `index` of the line's words (`old` as it then stood) as `new`."""

    index: int
    old: str
    new: str
    margin: float


@dataclass
class Typed:
    """One sentence as typed: the words committed (corrected ones included when accepting), the candidates each
    was shown, and the offers made while typing it."""

    reference: str
    words: list[str]
    shown: list[list[str]]
    offers: list[Offer] = field(default_factory=list)


class Corrections:
    """Asks for re-readings after each commit; accepts the offers of margin ≥ `accept` (None: records only)."""

    def __init__(self, client: httpx.Client, url: str, window: int, accept: Optional[float]) -> None:
        self.client, self.url, self.window, self.accept = client, url, window, accept
        self.requests = 0

    def after_commit(self, committed: list[str], typed: list[str], at: list[Optional[int]], words: list[str],
                     offers: list[Offer]) -> None:
        """`committed` the line's words as they stand, `typed` each as typed, `at` each one's index in `words`
        (the word tokens' outputs; None for a word typed in Devanagari, which is kept as it is)."""
        n = self.window
        body = {"lang": "hi", "words": typed[-n:], "committed": committed[-n:], "min_margin": 0}
        if len(committed) > n:
            body["before"] = committed[-n - 1]
        answer = self.client.post(f"{self.url}/reread", json=body)
        answer.raise_for_status()
        self.requests += 1
        base = len(committed) - len(body["words"])
        for found in answer.json()["result"]:
            row = base + found["index"]
            j = at[row]
            offers.append(Offer(j, words[j], found["word"], found["margin"]))
            if self.accept is not None and found["margin"] >= self.accept:
                words[j] = committed[row] = found["word"]


def applied(sentence: Typed, delta: float, accepted: bool) -> tuple[list[str], list[Offer]]:
    """The words with the corrections of margin ≥ δ, and those corrections: when the typist accepted them they are
    in the words already; else each word takes its first such offer."""
    taken = [o for o in sentence.offers if o.margin >= delta]
    if accepted:
        return sentence.words, taken
    words, first = list(sentence.words), {}
    for offer in taken:
        first.setdefault(offer.index, offer)
    for offer in first.values():
        words[offer.index] = offer.new
    return words, list(first.values())


def classify(reference: str, words: list[str], corrections: list[Offer]) -> dict[str, int]:
    """helps / harms / wrong_to_wrong of the corrections, against the reference word aligned to each (a word
    that is not exactly one WER word, or is aligned to none, counts as wrong → wrong)."""
    flat, owner = [], []
    for j, word in enumerate(words):
        pieces = wer_words(word)
        flat += pieces
        owner += [j if len(pieces) == 1 else None] * len(pieces)
    ref = wer_words(reference)
    aligned = {owner[h]: ref[i] for op, i, h in align(ref, flat) if op in ("ok", "sub") and owner[h] is not None}
    counts = {"helps": 0, "harms": 0, "wrong_to_wrong": 0}
    for offer in corrections:
        right = aligned.get(offer.index)
        kind = "helps" if offer.new == right else "harms" if offer.old == right else "wrong_to_wrong"
        counts[kind] += 1
    return counts


def sweep(sentences: list[tuple[Typed, object]], deltas: tuple[float, ...], accepted: bool) -> list[dict]:
    """Per δ: corrections per 100 reference words, their classes and the WER with all of them accepted.
    `sentences` pairs each Typed with what score_sentence needs of a lattice (its shown candidates)."""
    rows = []
    for delta in deltas:
        report, counts = WerReport(), {"helps": 0, "harms": 0, "wrong_to_wrong": 0}
        for sentence, shown in sentences:
            words, taken = applied(sentence, delta, accepted)
            score_sentence(report, sentence.reference, words, shown)
            for kind, count in classify(sentence.reference, words, taken).items():
                counts[kind] += count
        n = max(report.reference_words, 1)
        rows.append({"delta": delta, "offered_per_100_words": round(100 * sum(counts.values()) / n, 2), **counts,
                     "wer": round(report.wer, 4)})
    return rows
