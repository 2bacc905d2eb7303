"""The results table of issue 22: every shipped language (or those given) evaluated on Dakshina test and the dev
sentences, as a Markdown table beside IndicXlit's numbers.

Run by hand (minutes per language: beam-10 decoding of the whole test lexicon and the report half of the dev
sentences), with the data under $SEQLAB_DATA_DIR:
    .venv/bin/python benchmarks/languages_table.py [--lang bn --lang ur …] [--limit N] [--threads 2] [--json]
    .venv/bin/python benchmarks/languages_table.py --from-runs runs     # no decoding: the summaries that
        scripts/train-language.sh wrote (runs/shipped-<lang>/eval/{test,sentences}.json, the same two commands)
Columns: top-1 per pair; top-1 in IndicXlit's convention (each distinct romanized input once, correct if it equals
any attested native word) beside IndicXlit's; top-5; CER; dev-sentence WER (report half) word by word and with
context; the model folder's size; training minutes (the run's metrics.jsonl, copied into the folder by
scripts/train-language.sh). The summary line checks the issue's targets: IndicXlit-convention top-1 at least
IndicXlit's on 6 of its 10 languages, their mean ≥ 61.45, sd and si ≥ 50 %.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from seqlab.io import folder_megabytes
from seqlab.translit.data.corpus import load_split
from seqlab.translit.evaluation.sentences import load_sentences, sentence_words, with_context, word_by_word
from seqlab.translit.evaluation.words import evaluate_pairs
from seqlab.translit.languages import LANGUAGES, shipped_languages, shipped_model
from seqlab.translit.transliterator import load_transliterator

INDICXLIT_MEAN = 61.45


def training_minutes(folder: Path) -> float | None:
    path = folder / "metrics.jsonl"
    if not path.is_file():  # Hindi's shipped folder predates this record: see its MODEL_CARD.md
        return None
    return json.loads(path.read_text(encoding="utf-8").splitlines()[-1])["elapsed_seconds"] / 60


def measure(lang: str, limit: int | None) -> dict:
    """One row: the shipped model of `lang` on test (top-k 5) and on the report half of the dev sentences."""
    folder = shipped_model(lang)
    translit = load_transliterator(lang=lang)
    pairs, _ = load_split("dakshina", lang, "test")
    decoding = translit.settings()  # the model's own (config.json "decoding")
    summary, _ = evaluate_pairs(translit, pairs[:limit], decoding, top_k=5)
    romans, natives = load_sentences(lang, "report")
    romans, natives = romans[:limit], natives[:limit]
    lines = sentence_words(translit, romans)
    row = {"lang": lang, "top1": summary["accuracy"], "indicxlit_convention_top1": summary["unique_input_top1"],
           "top5": summary["top_k_accuracy"], "cer": summary["cer"], "pairs": summary["pairs"],
           "wer_word_by_word": word_by_word(translit, lines, natives, decoding).wer, "wer_context": None,
           "megabytes": folder_megabytes(folder), "train_minutes": training_minutes(folder)}
    if translit.usable(decoding).context_weight > 0:
        row["wer_context"] = with_context(translit, lines, natives, decoding).wer
    return row


def from_run(lang: str, runs: Path) -> dict:
    """One row from the `--json` summaries scripts/train-language.sh saved after training (`evaluate --split test
    --top-k 5` and `evaluate-sentences --half report` of the shipped folder): the same numbers, without decoding."""
    folder, evals = shipped_model(lang), runs / f"shipped-{lang}" / "eval"
    test = json.loads((evals / "test.json").read_text(encoding="utf-8"))
    sentences = json.loads((evals / "sentences.json").read_text(encoding="utf-8"))
    context = sentences.get("with context")
    return {"lang": lang, "top1": test["accuracy"], "indicxlit_convention_top1": test["unique_input_top1"],
            "top5": test["top_k_accuracy"], "cer": test["cer"], "pairs": test["pairs"],
            "wer_word_by_word": sentences["word by word"]["wer"], "wer_context": context["wer"] if context else None,
            "megabytes": folder_megabytes(folder), "train_minutes": training_minutes(folder)}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}"


def markdown(rows: list[dict]) -> str:
    lines = ["| lang | top-1 | IndicXlit-conv. top-1 | IndicXlit | top-5 | CER | WER word | WER context | MB | "
             "train min |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        entry = LANGUAGES[row["lang"]]
        reference = f"{entry.indicxlit_top1:.2f}" if entry.indicxlit_top1 else "—"
        wer_context = "—" if row["wer_context"] is None else f"{row['wer_context']:.4f}"
        minutes = "—" if row["train_minutes"] is None else f"{row['train_minutes']:.0f}"
        lines.append(f"| {row['lang']} {entry.name} | {_pct(row['top1'])} | {_pct(row['indicxlit_convention_top1'])} "
                     f"| {reference} | {_pct(row['top5'])} | {row['cer']:.4f} | {row['wer_word_by_word']:.4f} | "
                     f"{wer_context} | {row['megabytes']:.1f} | {minutes} |")
    return "\n".join(lines)


def targets(rows: list[dict]) -> str:
    """The issue's targets over the languages measured."""
    compared = [(100 * r["indicxlit_convention_top1"], LANGUAGES[r["lang"]].indicxlit_top1) for r in rows
                if LANGUAGES[r["lang"]].indicxlit_top1]
    wins = sum(ours >= theirs for ours, theirs in compared)
    mean = sum(ours for ours, _ in compared) / len(compared) if compared else float("nan")
    small = {r["lang"]: round(100 * r["indicxlit_convention_top1"], 2) for r in rows if r["lang"] in ("sd", "si")}
    return (f"at least IndicXlit on {wins} of {len(compared)} of its languages (target: 6 of 10); mean "
            f"{mean:.2f} over them (IndicXlit {INDICXLIT_MEAN} over all 10); sd/si: {small or 'not measured'} "
            "(target ≥ 50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", action="append", help="Repeatable (default: every shipped language).")
    parser.add_argument("--limit", type=int, default=None, help="First N test pairs and sentences (a quick look).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="Also print the rows as JSON.")
    parser.add_argument("--from-runs", type=Path, default=None,
                        help="Read each language's saved summaries under this folder instead of decoding.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    langs = args.lang or shipped_languages()
    if args.from_runs:
        rows = [from_run(lang, args.from_runs) for lang in langs]
    else:
        rows = [measure(lang, args.limit) for lang in langs]
    print(markdown(rows))
    print(f"\n{targets(rows)}")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
