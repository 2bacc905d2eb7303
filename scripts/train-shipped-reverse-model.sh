#!/usr/bin/env bash
# Reproduces the Devanagari → Latin model shipped in src/seqlab/translit/pretrained/hi-native-to-roman/ (see its
# MODEL_CARD.md): the same kind of network as the forward model, smaller (m = 32, k = 128), trained with the
# corpus columns swapped on Dakshina's training split plus Aksharantar's, selected on Dakshina dev (greedy exact
# match against the pair's romanization). One thread, a 40-minute budget.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/shipped-hi-native-to-roman}
bin=.venv/bin
dest=src/seqlab/translit/pretrained/hi-native-to-roman
OMP_NUM_THREADS=1 $bin/seqlab translit train --direction native-to-roman --cell lstm --emb 32 --hidden 128 \
    --enc-layers 2 --dec-layers 2 --bidirectional --dropout 0.2 --attention luong --batch-size 64 --lr 0.003 \
    --epochs 14 --time-budget 40 --patience 4 --extra-train aksharantar --seed 0 --run-dir "$run"
mkdir -p "$dest"
cp "$run/config.json" "$run/vocab.json" "$run/lexicon.tsv" "$dest/"
cp "$run/best.safetensors" "$dest/model.safetensors"
echo "shipped reverse model updated in $dest"
