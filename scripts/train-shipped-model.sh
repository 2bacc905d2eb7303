#!/usr/bin/env bash
# Reproduces the Hindi model shipped in src/seqlab/translit/pretrained/hi/ (see its MODEL_CARD.md).
#
# Network: bidirectional 2-layer LSTM encoder, 2-layer LSTM decoder, m = 64, k = 256, Luong attention, dropout
# 0.25, trained on Dakshina's training split plus Aksharantar's (deduplicated), selected on Dakshina dev.
# The shipped run trained 14 full epochs and part of a 15th on one thread within a 75-minute budget, then was
# resumed (one thread) up to the planned 17 epochs (the cosine schedule is planned over 17 either way);
# `--time-budget` makes where the first session stopped depend on the machine's speed, so this script trains
# the 17 epochs in one go. About 60 minutes on 2 idle CPU cores.
# Then it sets up the rescorers (the run's epoch-17 weights, and the previous shipped model `dakshina-small`,
# itself reproduced by this script as of commit 9a975ef and copied here from the package), attaches the
# leak-free word prior (Wikipedia sample + wordfreq) and tunes beam-10 reranking on dev (mixture, α, λ, μ,
# rescorer weights), counts the sentence-context bigram model and tunes its weight on the tune half of the dev
# sentences, then copies the files that inference needs.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/shipped-hi}
bin=.venv/bin
dest=src/seqlab/translit/pretrained/hi
$bin/seqlab translit train --cell lstm --emb 64 --hidden 256 --enc-layers 2 --dec-layers 2 --bidirectional \
    --attention luong --dropout 0.25 --lr 0.002 --batch-size 64 --epochs 17 --patience 4 \
    --extra-train aksharantar --dev-beam-size 1 --seed 0 --run-dir "$run"
mkdir -p "$run/rescorers/epoch-17"
cp "$run/config.json" "$run/vocab.json" "$run/rescorers/epoch-17/"
cp "$run/last.safetensors" "$run/rescorers/epoch-17/model.safetensors"   # after the 17th (last) epoch
cp -r "$dest/rescorers/dakshina-small" "$run/rescorers/"
$bin/seqlab translit prior --model "$run" --beam-size 10
$bin/seqlab translit context --model "$run"   # sentence context: bigram counts, κ tuned on dev sentences (tune half)
mkdir -p "$dest"
cp "$run/config.json" "$run/vocab.json" "$run/prior.tsv" "$run/lexicon.tsv" "$run/context.tsv.gz" "$dest/"
cp "$run/best.safetensors" "$dest/model.safetensors"
rm -rf "$dest/rescorers/epoch-17" && cp -r "$run/rescorers/epoch-17" "$dest/rescorers/"
echo "shipped model updated in $dest"
