#!/usr/bin/env bash
# Trains and ships every Dakshina language but Hindi (scripts/train-language.sh each), JOBS at a time:
#     BUDGET=14 bash scripts/train-all-languages.sh            (all eleven, 2 at a time, one thread each)
#     LANGS="bn ta" bash scripts/train-all-languages.sh         (some of them)
# Each language logs to runs/logs/<lang>.log; a failed language is reported and the others go on. JOBS × 1 thread
# should not exceed the machine's cores (two torch processes sharing a core run many times slower).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/logs
# shellcheck disable=SC2086
printf '%s\n' ${LANGS:-bn gu kn ml mr pa sd si ta te ur} | xargs -P "${JOBS:-2}" -I{} sh -c \
    'if THREADS=1 bash scripts/train-language.sh {} > runs/logs/{}.log 2>&1; then echo "{}: shipped";
     else echo "{}: FAILED (see runs/logs/{}.log)"; fi'
