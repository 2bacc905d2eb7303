#!/usr/bin/env bash
# Trains and ships every Dakshina language but Hindi (scripts/train-language.sh each), JOBS at a time:
#     BUDGET=14 bash scripts/train-all-languages.sh            (all eleven, 2 at a time, one thread each)
#     LANGS="bn ta" bash scripts/train-all-languages.sh         (some of them)
# Each language logs to runs/logs/<lang>.log; a failed language is reported and the others go on. JOBS × 1 thread
# should not exceed the machine's cores (two torch processes sharing a core run many times slower).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/logs
# The languages from the registry (translit/languages.py), Hindi's recipe being scripts/train-shipped-model.sh.
langs=${LANGS:-$(${BIN:-.venv/bin}/python -c "from seqlab.translit.languages import LANGUAGES
print(*(code for code in LANGUAGES if code != 'hi'))")} || exit 1
# shellcheck disable=SC2086
printf '%s\n' $langs | xargs -P "${JOBS:-2}" -I{} sh -c \
    'if THREADS=1 bash scripts/train-language.sh "$1" > "runs/logs/$1.log" 2>&1; then echo "$1: shipped";
     else echo "$1: FAILED (see runs/logs/$1.log)"; fi' sh {}
