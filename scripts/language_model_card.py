"""Write MODEL_CARD.md of a shipped language model (called by scripts/train-language.sh).

    python scripts/language_model_card.py LANG MODEL_DIR TEST_SUMMARY.json SENTENCES_SUMMARY.json

The card states what the issue asks of every shipped model: data, size, training time and results (Dakshina
test top-1 per pair, IndicXlit-convention top-1 beside IndicXlit's, top-5, CER; dev-sentence WER word by word
and with context), read from the model folder (config.json, metrics.jsonl) and the two `--json` summaries of
`seqlab translit evaluate` and `seqlab translit evaluate-sentences`.
"""
from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

from seqlab.io import folder_megabytes, write_text_atomic
from seqlab.translit.languages import language
from seqlab.translit.words.counts import count_file
from seqlab.translit.words.lexicon import LEXICON_FILE
from seqlab.translit.words.prior import PRIOR_FILE


def training_record(folder: Path) -> tuple[float, int, float]:
    """(minutes, epochs, best greedy dev accuracy) of the run, from the last metrics.jsonl record."""
    lines = (folder / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    return last["elapsed_seconds"] / 60, int(last["epoch"]), float(last["best_dev_accuracy"])


def bullet(text: str) -> str:
    """One Markdown list item, wrapped at 115 columns."""
    return textwrap.fill(" ".join(text.split()), 115, initial_indent="- ", subsequent_indent="  ")


def card(lang: str, folder: Path, test: dict, sentences: dict) -> str:
    entry = language(lang)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    model, train, data, decoding = config["model"], config["train"], config.get("data", {}), config["decoding"]
    minutes, epochs, best_dev = training_record(folder)
    extra = (f"plus Aksharantar's {entry.aksharantar} train split ({data.get('extra_train_pairs', 0):,} pairs not "
             "repeating a Dakshina pair; AI4Bharat, license per its dataset card)"
             if train.get("extra_train") else "(Aksharantar has no split for this language)")
    reference = f"{entry.indicxlit_top1:.2f} %" if entry.indicxlit_top1 else "not reported"
    words, context = sentences.get("word by word", {}), sentences.get("with context", {})
    sources = ", ".join(s["name"] for s in decoding.get("prior_sources", [])) or "wikipedia"
    prior, lexicon = ((count_file(folder, name) or folder / name).name for name in (PRIOR_FILE, LEXICON_FILE))
    bullets = [
        f"Network: {model['cell'].upper()} encoder–decoder, embedding {model['embedding_size']}, hidden "
        f"{model['hidden_size']}, {model['encoder_layers']}+{model['decoder_layers']} layers, bidirectional encoder: "
        f"{model['bidirectional']}, attention {model['attention']}, dropout {model['dropout']}; "
        f"{model['target_vocab']} target symbols (4 specials included). Folder size {folder_megabytes(folder):.1f} MB.",
        f"Training data: {data.get('train_pairs', 0):,} pairs: the Dakshina v1.0 {entry.name} lexicon's train split "
        f"(CC BY-SA 4.0) {extra}. Selected on Dakshina dev ({data.get('dev_pairs', 0):,} pairs).",
        f"Training: {epochs} epochs in {minutes:.1f} minutes (device {train.get('device')}, "
        f"{os.environ.get('OMP_NUM_THREADS', 'all')} CPU thread(s), precision "
        f"{train.get('precision', 'fp32')}), best greedy dev accuracy {best_dev:.4f}; "
        f"`bash scripts/train-language.sh {lang}` reproduces it.",
        f"Default decoding: beam {decoding.get('beam_size')}, length penalty α = {decoding.get('length_penalty')}, "
        f"word prior λ = {decoding.get('prior_weight')}, lexicon weight μ = {decoding.get('lexicon_weight')}, tuned "
        "on dev.",
        f"`{prior}`: word prior from {sources} (every line equal to a Dakshina romanized dev/test sentence dropped "
        "before counting; Wikipedia text via Dakshina, CC BY-SA 4.0; wordfreq data CC BY-SA 4.0).",
        f"`{lexicon}`: the training pairs (lexicon memory). `context.tsv.gz`: word bigrams of the same leak-free "
        f"text, κ = {decoding.get('context_weight')} tuned on the tune half of the dev sentences.",
    ]
    rows = [("top-1 per pair", f"{100 * test['accuracy']:.2f} %", ""),
            (f"top-1, IndicXlit convention ({test['unique_inputs']:,} distinct inputs)",
             f"{100 * test['unique_input_top1']:.2f} %", reference),
            (f"top-{test['top_k']} per pair", f"{100 * test['top_k_accuracy']:.2f} %", ""),
            ("CER", f"{test['cer']:.4f}", ""),
            ("dev-sentence WER, word by word", f"{words.get('wer', float('nan')):.4f}", ""),
            ("dev-sentence WER, with context", f"{context.get('wer', float('nan')):.4f}", "")]
    table = "\n".join(f"| {name} | {ours} | {theirs} |" for name, ours, theirs in rows)
    return (f"# seqlab {entry.name} transliteration model (romanized → {entry.script.name})\n\n"
            + "\n".join(bullet(b) for b in bullets)
            + f"\n\n## Results (Dakshina {entry.name} test lexicon, {test['pairs']:,} pairs; dev sentences, report "
            f"half)\n\n| measure | seqlab | IndicXlit |\n|---|---:|---:|\n{table}\n\n"
            f"Commands: `seqlab translit evaluate --lang {lang} --split test --top-k 5` and\n"
            f"`seqlab translit evaluate-sentences --lang {lang} --half report`.\n")


def main() -> None:
    lang, folder, test_path, sentences_path = sys.argv[1:5]
    test = json.loads(Path(test_path).read_text(encoding="utf-8"))
    sentences = json.loads(Path(sentences_path).read_text(encoding="utf-8"))
    write_text_atomic(Path(folder) / "MODEL_CARD.md", card(lang, Path(folder), test, sentences))


if __name__ == "__main__":
    main()
