"""`seqlab translit context` and `seqlab translit evaluate-sentences`: sentence context (context.py) from the
command line — counting the bigram model, tuning κ on the tune half of the dev sentences, and WER by error type."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from seqlab.errors import SeqlabError
from seqlab.options import Flags, command
from seqlab.translit.config import SentenceEvalOptions, SentenceOptions, TypeaheadTuneOptions, typeahead_record

LIMIT = typer.Option(None, "--limit", min=1, help="Only the first N sentences of the half (a quick check).")


def _sentences(lang: str, where: SentenceOptions, half: str, limit: Optional[int]):
    from seqlab.translit.evaluation.sentences import load_sentences

    romans, natives = load_sentences(lang, half, where.data_dir)
    return romans[:limit], natives[:limit]


@command
def context(
    model: Path = typer.Option(..., "--model", help="Model folder or run directory to attach the bigram model to."),
    sources: Optional[List[Path]] = typer.Option(None, "--text", help="Repeatable: native-script text (.txt/.gz), one "
                                                 "sentence per line. Default: Dakshina's Wikipedia sample."),
    limit: Optional[int] = LIMIT,
    where: SentenceOptions = Flags(),
) -> None:
    """Count a word bigram model (evaluation sentences dropped first), tune its weight κ on the tune half of the
    Dakshina dev sentences, and save both as the model's default sentence context."""
    from seqlab.io import RunLock
    from seqlab.translit.data.paths import wikipedia_sample
    from seqlab.translit.evaluation.sentences import sentence_words, word_by_word
    from seqlab.translit.evaluation.tuning import save_context, tune_context
    from seqlab.translit.languages import language
    from seqlab.translit.model.checkpoint import CONFIG
    from seqlab.translit.transliterator import load_transliterator
    from seqlab.translit.words.bigrams import BigramContext
    from seqlab.translit.words.prior import read_text_lines
    from seqlab.translit.words.prior_sources import evaluation_sentences

    translit = load_transliterator(model, lang=where.lang)  # a missing or broken model folder is reported first
    lang = translit.lang  # --lang, else the model's
    if translit.prior is None:
        raise SeqlabError(f"{model} has no word prior (prior.tsv): run `seqlab translit prior --model {model}` "
                          "first; the bigram model backs off to it")
    exclude, entry = evaluation_sentences(lang, where.data_dir), language(lang)
    paths = list(sources or []) or [wikipedia_sample(lang, where.data_dir)]
    text_lines, dropped = [], 0
    for path in paths:
        text = read_text_lines(Path(path))
        kept = [line for line in text if line.strip() not in exclude]
        if not any(entry.word.search(line) for line in kept):  # as `prior` refuses it: nothing is saved
            raise SeqlabError(f"--text {path}: holds no {entry.script.name} words"
                              + (" besides evaluation sentences" if len(kept) < len(text) else "")
                              + f"; give {entry.script.name} text, one sentence per line")
        text_lines, dropped = text_lines + kept, dropped + len(text) - len(kept)
    bigrams = BigramContext.from_lines(text_lines, lang)
    with RunLock(model, "model folder"):
        translit.context = bigrams
        romans, natives = _sentences(lang, where, "tune", limit)
        lines = sentence_words(translit, romans)
        without = word_by_word(translit, lines, natives, translit.settings()).wer
        best, grid = tune_context(translit, lines, natives)
        save_context(model, bigrams, best, without, len(romans),
                     [{"name": Path(p).name, "dropped_evaluation_lines": dropped} for p in paths])
    typer.echo(f"bigram model: {len(bigrams):,} bigrams from {len(text_lines):,} lines; {dropped:,} "
               f"evaluation-sentence lines dropped\n(κ, μ, nasal penalty) grid on {len(romans):,} tune sentences: "
               + ", ".join(f"({row['context_weight']}, {row['context_lexicon_weight']}, {row['nasal_penalty']}): "
                           f"{row['wer']:.4f}" for row in grid)
               + f"\ntune-half WER {without:.4f} word by word → {best['wer']:.4f} with context "
               f"(κ={best['context_weight']}, μ={best['context_lexicon_weight']}, nasal penalty "
               f"{best['nasal_penalty']}); saved in {model / CONFIG}")


@command
def evaluate_sentences(
    model: Optional[Path] = typer.Option(None, "--model", help="Model folder (default: the shipped model of --lang)."),
    opts: SentenceEvalOptions = Flags(),
    limit: Optional[int] = LIMIT,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on the last line."),
    where: SentenceOptions = Flags(),
) -> None:
    """Word error rate on Dakshina's romanized dev sentences, word by word and with sentence context, by error
    type (letters of the output script only; see evaluation/sentences.py)."""
    from seqlab.translit.evaluation.sentences import sentence_words, typeahead, with_context, word_by_word
    from seqlab.translit.transliterator import load_transliterator

    half, beam_size = opts.half, opts.beam_size
    translit = load_transliterator(model, rescorers=opts.rescorers, backend=opts.backend, lang=where.lang)
    romans, natives = _sentences(translit.lang, where, half, limit)
    s = translit.settings(beam_size)
    lines = sentence_words(translit, romans)
    rows = {"word by word": word_by_word(translit, lines, natives, s)}
    if s.context_weight > 0:
        rows["with context"] = with_context(translit, lines, natives, s)
        rows["type-ahead"] = typeahead(translit, lines, natives, s)  # first candidates, typed word after word
    summary = {"half": half, "sentences": len(romans), "beam_size": s.beam_size, "rescorers": len(translit.rescorers),
               "backend": translit.backend,
               "context_weight": s.context_weight,
               "context_lexicon_weight": s.context_lexicon_weight, "nasal_penalty": s.nasal_penalty,
               **{name: report.summary() for name, report in rows.items()}}
    typer.echo(f"{len(romans):,} dev sentences ({half} half), {rows['word by word'].reference_words:,} reference "
               f"words, beam {s.beam_size}")
    for name, report in rows.items():
        r = report.summary()
        typer.echo(f"  {name:<13} WER {r['wer']:.4f}  (choice {r['choice_errors']:.4f}, spelling "
                   f"{r['spelling_errors']:.4f}, split/join {r['split/join_errors']:.4f})\n"
                   f"    most frequent choice errors: {', '.join(r['top_choice_confusions'][:6])}")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))


@command
def typeahead(
    model: Path = typer.Option(..., "--model", help="Model folder or run directory (with a prior and a bigram model)."),
    opts: TypeaheadTuneOptions = Flags(),
    limit: Optional[int] = LIMIT,
    where: SentenceOptions = Flags(),
) -> None:
    """Tune the running-text (type-ahead) ranking — κ after a word, λ at the start, μ, nasal penalty — for the WER
    of typing the tune half of the dev sentences word by word, always taking the first candidate, among the
    settings that keep the language's required first candidates; save it in config.json "decoding" as the record
    "typeahead", or "typeahead_rescored" with --rescorers (the word-list settings stay as they are)."""
    from seqlab.io import RunLock
    from seqlab.translit.evaluation.sentences import sentence_words, with_context, word_by_word
    from seqlab.translit.evaluation.tuning import save_typeahead, tune_typeahead
    from seqlab.translit.model.checkpoint import CONFIG
    from seqlab.translit.transliterator import load_transliterator

    beam_size = opts.beam_size
    translit = load_transliterator(model, rescorers=opts.rescorers, lang=where.lang)
    if translit.prior is None or translit.context is None:
        raise SeqlabError(f"{model} needs a word prior and a bigram model: run `seqlab translit prior` and "
                          "`seqlab translit context` on it first")
    romans, natives = _sentences(translit.lang, where, "tune", limit)
    lines = sentence_words(translit, romans)
    decoding = translit.settings(beam_size)
    sentence_mode = with_context(translit, lines, natives, decoding).wer
    word_list = word_by_word(translit, lines, natives, decoding).wer  # each word alone, as type-ahead was
    best, grid = tune_typeahead(translit, lines, natives, beam_size)
    rescored = bool(translit.rescorers)
    with RunLock(model, "model folder"):
        save_typeahead(model, best, {
            "tune_wer": round(best["wer"], 4), "tune_wer_sentence_mode": round(sentence_mode, 4),
            "tune_wer_word_list_settings": round(word_list, 4), "tune_sentences": len(romans),
            "tune_rejected_settings": sum("missed" in row for row in grid),
            "tuned_with": {"beam_size": beam_size, "rescorers": len(translit.rescorers)}}, rescored)
    typer.echo(f"(κ, λ, μ, nasal penalty) grid on {len(romans):,} tune sentences, {len(grid)} settings; "
               f"{_rejected(grid)}best first-candidate WER {best['wer']:.4f} with {_setting(best)} (each word alone "
               f"with the word-list settings {word_list:.4f}; sentence mode {sentence_mode:.4f}); saved as "
               f"decoding.{typeahead_record(rescored)} in {model / CONFIG}")


def _setting(row: dict) -> str:
    return (f"κ={row['context_weight']}, λ={row['prior_weight']}, μ={row['lexicon_weight']}, nasal penalty "
            f"{row['nasal_penalty']}")


def _rejected(grid: list[dict], shown: int = 5) -> str:
    """The better settings that tuning rejected for breaking a required first candidate, the first `shown` named."""
    rejected = sorted((row for row in grid if "missed" in row), key=lambda row: row["wer"])
    return ("".join(f"rejected {_setting(row)} (WER {row['wer']:.4f}: breaks {', '.join(row['missed'])}); "
                    for row in rejected[:shown])
            + (f"{len(rejected) - shown} more rejected; " if len(rejected) > shown else ""))
