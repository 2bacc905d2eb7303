"""Typing the dev sentences' report half into a running server exactly as the editor (serve/pages/editor.js) does,
and how good always taking the first candidate is.

Per sentence, left to right, as a person types it: every pass-through token (address, URL, @handle, #tag, number
with a unit; translit/text/tokens.py, mirrored by pages/tokens.js) is typed as it is; every word is typed letter
by letter with one GET /tl/hi/{prefix}?k=5&prev=… per new prefix (the editor's cache spares a prefix it has
asked for with the same previous words), `prev` being the up to two words of the line before it as they now
stand (the Devanagari words committed, Latin pass-through excluded); Space or the punctuation after the word
commits the first candidate. Reported:
- first-candidate WER (Devanagari letters only, as `seqlab translit evaluate-sentences`);
- the share of reference words a person would have had to pick by hand: shown but not first ("non-first pick"),
  or not among the candidates shown at all ("not offered": a correction);
- keystrokes per reference word: letters and pass-through characters, the Space or mark after each token, and
  one digit key per non-first pick (the digit commits the shown candidate).

Compare with the same decoding offline: `seqlab translit evaluate-sentences --half report` ("with context" is
sentence mode, "type-ahead" the same greedy choice computed without a server). Run by hand, e.g.

    env OMP_NUM_THREADS=1 SEQLAB_DATA_DIR=../shared/data .venv/bin/python benchmarks/typeahead_keystrokes.py \\
        --limit 100                       # starts `seqlab serve --read-only` itself (its default decoding)
    ... benchmarks/typeahead_keystrokes.py --serve-args "--rescorers --beam-size 10"   # the CLI's decoding
    ... benchmarks/typeahead_keystrokes.py --url http://127.0.0.1:8000                  # a server already running
    ... benchmarks/typeahead_keystrokes.py --words-only --half tune --corrections 4    # one-key corrections: δ sweep
    ... benchmarks/typeahead_keystrokes.py --words-only --corrections 4 --accept-margin 2.0   # accept while typing

`--corrections N` (typeahead_corrections.py) asks POST /reread after each commit whether sentence mode, reading
the last N committed words jointly, reads an earlier one otherwise, and reports what accepting those offers does.
"""
from __future__ import annotations

import argparse
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from seqlab.translit.evaluation.sentences import WerReport, load_sentences, score_sentence
from seqlab.translit.text.reread import MAX_REREAD
from seqlab.translit.text.tokens import tokens
from seqlab.translit.text.typeahead import EDITOR_LIST
from typeahead_corrections import SWEEP, Corrections, Typed, sweep

K = EDITOR_LIST  # candidates the editor asks for


@dataclass
class Shown:
    """What score_sentence needs of a lattice: the candidates shown for each word."""

    candidates: list[list[str]]


@dataclass(frozen=True)
class Key:
    """One key press of a line as the editor meets it (benchmarks/serve_typists.py types the same keys)."""

    ask: str = ""  # the word typed so far (lower-cased) when this key makes the editor ask for its candidates
    commits: str = ""  # on the Space or mark after a token: the token, which this key ends
    kind: str = ""  # that token's kind (a TOKENS group): "word" commits its first candidate, "native" itself


def line_keys(text: str, every_prefix: bool = True) -> list[Key]:
    """The keys of one line, left to right: each character of each token (a word's asking for the candidates of
    the word so far; with `every_prefix` False only its last letter asks), then one key for the Space or mark
    after the token. Pass-through tokens (address, URL, @handle, #tag, number with a unit) ask nothing; the
    typist's own cache (same word so far, same previous words) spares the requests it has made before."""
    keys: list[Key] = []
    for match in tokens(text, "roman-to-native"):
        token, kind = match.group(0), match.lastgroup or ""
        for length in range(1, len(token) + 1):
            asks = kind == "word" and (every_prefix or length == len(token))
            keys.append(Key(ask=token[:length].lower() if asks else ""))
        keys.append(Key(commits=token, kind=kind))
    return keys


def committed_word(key: Key, found: list[str]) -> str | None:
    """What a token's closing key leaves in the line as a previous word for the next ones: a word's first
    candidate (the Latin word when none came), a native-script token itself, nothing for a pass-through."""
    if key.kind == "word":
        return found[0] if found else key.commits
    return key.commits if key.kind == "native" else None


class Typist:
    """One editor session against `url`: its request cache and counters."""

    def __init__(self, client: httpx.Client, url: str, every_prefix: bool,
                 corrections: Corrections | None = None) -> None:
        self.client, self.url, self.every_prefix, self.corrections = client, url, every_prefix, corrections
        self.cache: dict[tuple[str, str], list[str]] = {}
        self.requests = self.keystrokes = 0

    def candidates(self, word: str, prev: list[str]) -> list[str]:
        key = (word.lower(), " ".join(prev))
        if key not in self.cache:
            params = {"k": K, **({"prev": " ".join(prev)} if prev else {})}
            answer = self.client.get(f"{self.url}/tl/hi/{word.lower()}", params=params)
            answer.raise_for_status()
            self.cache[key] = answer.json()["result"]
            self.requests += 1
        return self.cache[key]

    def line(self, text: str, reference: str) -> Typed:
        """The words the editor commits in the line, the candidates each was shown, and (with `corrections`) the
        re-readings offered after each commit."""
        typed = Typed(reference, [], [])
        committed, as_typed, at = [], [], []  # the line's words as they stand, as typed, their index in typed.words
        for key in line_keys(text, self.every_prefix):
            self.keystrokes += 1
            if key.ask:
                self.candidates(key.ask, committed[-2:])
            if key.commits:
                found = self.candidates(key.commits, committed[-2:]) if key.kind == "word" else []
                word = committed_word(key, found)
                if key.kind == "word":
                    typed.words.append(word)
                    typed.shown.append(found)
                if word is not None:
                    committed.append(word)
                    as_typed.append(key.commits.lower() if key.kind == "word" else key.commits)
                    at.append(len(typed.words) - 1 if key.kind == "word" else None)
                    if self.corrections is not None and key.kind == "word":
                        self.corrections.after_commit(committed, as_typed, at, typed.words, typed.offers)
        return typed


def run(url: str, limit: int | None, every_prefix: bool, half: str = "report", window: int = 0,
        accept: float | None = None) -> dict:
    """The keystroke figures; with a correction `window`, also the corrections (typeahead_corrections.py): their
    δ sweep when only recording, or the figures of accepting those of margin ≥ `accept` while typing."""
    romans, natives = load_sentences("hi", half)
    romans, natives = romans[:limit], natives[:limit]
    report, picks, start, lines = WerReport(), 0, time.perf_counter(), []
    with httpx.Client(timeout=60) as client:
        corrections = Corrections(client, url, window, accept) if window else None
        typist = Typist(client, url, every_prefix, corrections)
        for roman, native in zip(romans, natives):
            typed = typist.line(roman, native)
            before = report.errors["choice"]
            score_sentence(report, native, typed.words, Shown(typed.shown))
            picks += report.errors["choice"] - before
            lines.append((typed, Shown(typed.shown)))
    n = max(report.reference_words, 1)
    result = {"half": half, "sentences": len(romans), "reference_words": report.reference_words,
              "wer": round(report.wer, 4), "non_first_pick": round(report.errors["choice"] / n, 4),
              "not_offered": round(report.errors["spelling"] / n, 4),
              "split_join": round(report.errors["split/join"] / n, 4),
              "keystrokes_per_word": round((typist.keystrokes + picks) / n, 3), "requests": typist.requests,
              "seconds": round(time.perf_counter() - start, 1)}
    if corrections is not None:
        result["reread_requests"] = corrections.requests
        result["corrections"] = sweep(lines, SWEEP if accept is None else (accept,), accepted=accept is not None)
    return result


def start_server(args: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    empty = Path(tempfile.mkdtemp(prefix="typeahead-")) / "userdict.tsv"  # no learned picks
    process = subprocess.Popen([sys.executable, "-m", "seqlab", "serve", "--port", str(port), "--read-only",
                                "--user-dictionary", str(empty), *shlex.split(args)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"seqlab serve exited with {process.returncode}")
        try:
            health = httpx.get(url + "/healthz", timeout=2).json()
            print(f"server: beam {health['beam_size']}, rescorers {health['rescorers']}", flush=True)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("seqlab serve did not start within 5 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="A running server (default: start `seqlab serve --read-only` here).")
    parser.add_argument("--serve-args", default="", help="Extra `seqlab serve` options when starting one.")
    parser.add_argument("--limit", type=int, help="Only the first N report-half sentences.")
    parser.add_argument("--words-only", action="store_true", help="Ask for whole words only, not every prefix "
                        "(the same WER, far fewer requests).")
    parser.add_argument("--half", choices=("tune", "report"), default="report",
                        help="Which half of the dev sentences to type (choose thresholds on tune).")
    parser.add_argument("--corrections", type=int, default=0, metavar="N",
                        help="After each commit, ask POST /reread about the last N committed words (one-key "
                        "corrections, typeahead_corrections.py); without --accept-margin, record and sweep δ.")
    parser.add_argument("--accept-margin", type=float, metavar="DELTA",
                        help="With --corrections: accept every offer of margin ≥ DELTA while typing.")
    options = parser.parse_args()
    if options.accept_margin is not None and not options.corrections:
        parser.error("--accept-margin needs --corrections N")
    if options.corrections and not 2 <= options.corrections <= MAX_REREAD:  # the last word is never re-read
        parser.error(f"--corrections N must be 2-{MAX_REREAD} (POST /reread's window), got {options.corrections}")
    if options.accept_margin is not None and not options.accept_margin >= 0:  # (NaN is not)
        parser.error(f"--accept-margin must be a margin ≥ 0, got {options.accept_margin}")
    process, url = (None, options.url) if options.url else start_server(options.serve_args)
    try:
        result = run(url, options.limit, not options.words_only, options.half, options.corrections,
                     options.accept_margin)
        rows = result.pop("corrections", [])
        print(result)
        for row in rows:
            print(row)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
