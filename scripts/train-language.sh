#!/usr/bin/env bash
# Trains, tunes and ships the transliteration model of one Dakshina language:
#     bash scripts/train-language.sh bn            (bn gu hi kn ml mr pa sd si ta te ur)
# writes src/seqlab/translit/pretrained/<lang>/ (model, word prior, lexicon, bigram context, MODEL_CARD.md), after
# which `seqlab translit predict --lang <lang>`, `seqlab serve` (every shipped language) and
# `load_transliterator(lang=…)` use it. Mirrors scripts/train-shipped-model.sh (the Hindi recipe) without its
# rescorers:
# 1. train the Hindi network's shape at half its width (bidirectional 2-layer LSTM encoder, 2-layer LSTM decoder,
#    m = 64, k = $HIDDEN, default 128, Luong attention, dropout 0.25: 4 MB of weights, so twelve languages fit the
#    150 MB budget, and 4.5x faster to train than k = 256) on Dakshina's training split plus Aksharantar's where it
#    has the language (all but Sinhala), selected on Dakshina dev, within $BUDGET minutes (default 80: the issue
#    allows 90 CPU-minutes per language). The cosine schedule is planned over $EPOCHS epochs; by default as many
#    as fit the budget at $PAIRS_PER_S training pairs a second (default 1250: k = 128 on one thread), at least 3;
# 2. attach the leak-free word prior (the language's Wikipedia sample with every Dakshina dev/test sentence
#    dropped, + wordfreq for bn hi ta ur) and tune beam-10 reranking on dev;
# 3. count the bigram context model on the same text and tune its weight on the tune half of the dev sentences;
# 4. copy what inference needs (and metrics.jsonl: the training minutes; the word lists gzip-compressed) and
#    write MODEL_CARD.md with the test and dev-sentence scores (scripts/language_model_card.py).
# Environment: RUN (run folder, default runs/shipped-<lang>), DEST (default the package's pretrained/<lang>),
# EPOCHS, BUDGET, HIDDEN, PAIRS_PER_S, DEVICE (auto: a GPU when there is one), THREADS (torch threads, default 2),
# TRAIN_ARGS (more `translit train` options, last wins: e.g. "--emb 16 --hidden 32" for a quick check),
# SEQLAB_DATA_DIR. Never touches Dakshina's test sentences; the test *lexicon* is read once, for the card's scores.
set -euo pipefail
cd "$(dirname "$0")/.."
lang=${1:?usage: bash scripts/train-language.sh LANG (bn gu hi kn ml mr pa sd si ta te ur)}
bin=${BIN:-.venv/bin}
run=${RUN:-runs/shipped-$lang}
dest=${DEST:-src/seqlab/translit/pretrained/$lang}
export OMP_NUM_THREADS=${THREADS:-2}
budget=${BUDGET:-80}
# The registry decides: an unknown code stops here with the list of languages; Sinhala has no Aksharantar split.
# It also counts the training pairs as `translit train` reads them (Dakshina's, plus Aksharantar's where it is
# used, from the same data folder), for the epochs that fit the budget.
info=$($bin/python -c "import sys
from seqlab.translit.data.corpus import load_split
from seqlab.translit.languages import language
try:
    lang = language(sys.argv[1])
    sets = ['dakshina'] + (['aksharantar'] if lang.aksharantar else [])
    pairs = sum(len(load_split(name, lang.code, 'train')[0]) for name in sets)
    print(pairs, '--extra-train aksharantar' if lang.aksharantar else '')
except Exception as exc: sys.exit(f'error: {exc}')" "$lang")
read -r pairs extra <<< "$info"
epochs=${EPOCHS:-$(( budget * 60 * ${PAIRS_PER_S:-1250} / pairs ))}
[ "$epochs" -lt 3 ] && epochs=3
# shellcheck disable=SC2086
$bin/seqlab translit train --lang "$lang" $extra --cell lstm --emb 64 --hidden "${HIDDEN:-128}" --enc-layers 2 \
    --dec-layers 2 --bidirectional --attention luong --dropout 0.25 --lr 0.002 --batch-size 64 --epochs "$epochs" \
    --patience 4 --time-budget "$budget" --dev-beam-size 1 --seed 0 --device "${DEVICE:-auto}" --run-dir "$run" \
    ${TRAIN_ARGS:-}
$bin/seqlab translit prior --model "$run" --lang "$lang" --beam-size 10
$bin/seqlab translit context --model "$run" --lang "$lang"
mkdir -p "$dest" "$run/eval"
cp "$run/config.json" "$run/vocab.json" "$run/context.tsv.gz" "$run/metrics.jsonl" "$dest/"
# The word lists gzip-compressed (a third of the size; words/counts.py reads either form): eleven languages in the
# clear would not fit the 150 MB budget.
rm -f "$dest/prior.tsv" "$dest/lexicon.tsv"
gzip -9n < "$run/prior.tsv" > "$dest/prior.tsv.gz"
gzip -9n < "$run/lexicon.tsv" > "$dest/lexicon.tsv.gz"
cp "$run/best.safetensors" "$dest/model.safetensors"
$bin/seqlab translit evaluate --model "$dest" --lang "$lang" --split test --top-k 5 --out "$run/eval" --json \
    | tail -n 1 > "$run/eval/test.json"
$bin/seqlab translit evaluate-sentences --model "$dest" --lang "$lang" --half report --json \
    | tail -n 1 > "$run/eval/sentences.json"
$bin/python scripts/language_model_card.py "$lang" "$dest" "$run/eval/test.json" "$run/eval/sentences.json"
echo "shipped model of '$lang' written to $dest (card: $dest/MODEL_CARD.md)"
