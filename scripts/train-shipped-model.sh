#!/usr/bin/env bash
# Reproduces the Hindi model shipped in src/seqlab/translit/pretrained/hi/ (see its MODEL_CARD.md).
#
# Network: bidirectional 2-layer LSTM encoder, 2-layer LSTM decoder, m = 64, k = 256, Luong attention, dropout
# 0.25, trained on Dakshina's training split plus Aksharantar's (deduplicated), selected on Dakshina dev.
# The shipped run trained 14 full epochs and part of a 15th on one thread within a 75-minute budget, then was
# resumed with two threads up to the planned 17 epochs (the cosine schedule is planned over 17 either way);
# `--time-budget` makes where the first session stopped depend on the machine's speed, so this script trains
# the 17 epochs in one go. About 60 minutes on 2 idle CPU cores.
# Then it attaches the leak-free word prior (Wikipedia sample + wordfreq, mixture, α, λ and the lexicon weight
# μ tuned on dev) and copies the files that inference needs.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/shipped-hi}
bin=.venv/bin
$bin/seqlab translit train --cell lstm --emb 64 --hidden 256 --enc-layers 2 --dec-layers 2 --bidirectional \
    --attention luong --dropout 0.25 --lr 0.002 --batch-size 64 --epochs 17 --patience 4 \
    --extra-train aksharantar --dev-beam-size 1 --seed 0 --run-dir "$run"
$bin/seqlab translit prior --model "$run" --beam-size 5
dest=src/seqlab/translit/pretrained/hi
mkdir -p "$dest"
cp "$run/config.json" "$run/vocab.json" "$run/prior.tsv" "$run/lexicon.tsv" "$dest/"
cp "$run/best.safetensors" "$dest/model.safetensors"
echo "shipped model updated in $dest"
