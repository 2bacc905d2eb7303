#!/usr/bin/env bash
# Reproduces the Hindi model shipped in src/seqlab/translit/pretrained/hi/:
# train, attach the Wikipedia word prior (tuned on dev), copy the files that inference needs.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/shipped-hi}
bin=.venv/bin
$bin/seqlab translit train --cell gru --emb 128 --hidden 256 --bidirectional --attention luong \
    --dropout 0.2 --label-smoothing 0.1 --epochs 25 --seed 0 --run-dir "$run"
$bin/seqlab translit prior --model "$run" --beam-size 5
dest=src/seqlab/translit/pretrained/hi
mkdir -p "$dest"
cp "$run/config.json" "$run/vocab.json" "$run/prior.tsv" "$dest/"
cp "$run/best.safetensors" "$dest/model.safetensors"
echo "shipped model updated in $dest"
