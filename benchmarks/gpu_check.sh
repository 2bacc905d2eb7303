#!/usr/bin/env bash
# The CUDA paths of both jobs on a GPU machine, with timings. Run by hand from the repository root:
#   SEQLAB_DATA_DIR=../shared/data benchmarks/gpu_check.sh [RESULTS_DIR]
# 1. the translit tests with `--device auto` meaning the GPU; 2. translit speed, GPU and CPU;
# 3. the shipped model's configuration trained on the full Dakshina train split (3 epochs, resumed to 4)
#    and evaluated on test with beam 5; 4. lyrics: a from-scratch GPT-2 (6 layers) trained 300 steps with
#    fp16 through the Trainer, then generate and evaluate on the GPU.
set -uo pipefail
results=${1:-runs/gpu-check}
py=${PYTHON:-python3}
seqlab() { "$py" -m seqlab "$@"; }
step() { echo; echo "=== $* ($(date -u +%T))"; }
mkdir -p "$results"
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1

step "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$py" -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'available', torch.cuda.is_available(), 'transformers', transformers.__version__)"

step "translit tests on the GPU"
timeout 300 "$py" -m pytest -q -p no:cacheprovider tests/translit/test_model_decode.py tests/translit/test_train.py \
    tests/translit/test_cli.py tests/translit/test_data.py 2>&1 | tail -15

step "translit speed"
"$py" benchmarks/translit_speed.py --device cuda
OMP_NUM_THREADS=2 "$py" benchmarks/translit_speed.py --device cpu --batches 60

step "translit training on the GPU (shipped configuration, full train split)"
shipped=(--cell lstm --emb 32 --hidden 64 --enc-layers 2 --dec-layers 2 --bidirectional --attention luong
         --dropout 0.2 --lr 0.004228091536683927 --batch-size 32 --dev-beam-size 5)
/usr/bin/time -f "%e s wall" "$py" -m seqlab translit train "${shipped[@]}" --epochs 3 --device cuda \
    --run-dir "$results/translit-gpu"
/usr/bin/time -f "%e s wall" "$py" -m seqlab translit train --resume "$results/translit-gpu" --epochs 4
cut -c1-220 "$results/translit-gpu/metrics.jsonl"
seqlab translit evaluate --model "$results/translit-gpu" --beam-size 5 --device cuda --out "$results/eval" --json \
    | tail -1 | cut -c1-400

step "lyrics on the GPU: fp16 Trainer, generate, evaluate"
/usr/bin/time -f "%e s wall" "$py" -m seqlab lyrics train --from-scratch --size small --max-steps 300 \
    --eval-steps 150 --batch-size 16 --lr 5e-4 --output-dir "$results/lyrics-gpu" --overwrite --no-progress 2>&1 | tail -4
tail -2 "$results/lyrics-gpu/metrics.jsonl"
seqlab lyrics generate --model "$results/lyrics-gpu" --seed 0 --max-new-tokens 60 --no-stream --device cuda
seqlab lyrics evaluate --model "$results/lyrics-gpu" --max-val-songs 50 --num-samples 4 --device cuda --json | tail -1
