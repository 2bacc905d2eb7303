#!/usr/bin/env bash
# Reproduces the Hindi model shipped in src/seqlab/translit/pretrained/hi/.
# Its configuration is the best trial of the 2-hour CPU sweep (README, "Sweeps"):
#   seqlab translit sweep --trials 300 --timeout 68 --limit-train 20000 --epochs 10 --patience 3 \
#       --trial-budget 5 --seed 0 --out sweeps/hi-2h        (two workers, OMP_NUM_THREADS=1 each)
#   seqlab translit report sweeps/hi-2h --final-epochs 30 --patience 5 --time-budget 40
# This script replays that final training directly, attaches the Wikipedia word prior (tuned on dev)
# and copies the files that inference needs. About 15 minutes on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/shipped-hi}
bin=.venv/bin
$bin/seqlab translit train --cell lstm --emb 32 --hidden 64 --enc-layers 2 --dec-layers 2 --bidirectional \
    --attention luong --dropout 0.2 --lr 0.004228091536683927 --batch-size 32 --epochs 30 --patience 5 \
    --dev-beam-size 5 --seed 0 --run-dir "$run"
$bin/seqlab translit prior --model "$run" --beam-size 5
dest=src/seqlab/translit/pretrained/hi
mkdir -p "$dest"
cp "$run/config.json" "$run/vocab.json" "$run/prior.tsv" "$dest/"
cp "$run/best.safetensors" "$dest/model.safetensors"
echo "shipped model updated in $dest"
