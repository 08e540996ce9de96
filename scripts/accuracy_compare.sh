#!/usr/bin/env bash
# accuracy_compare: hsweep train against the PyTorch peer (scripts/peer_train.py) on the
# same dataset and windows, for LSTM(16) and GRU(32), and a side-by-side table of val/test
# MAE (means over seeds) with the relative difference.
#
# usage: scripts/accuracy_compare.sh HSWEEP DATA.h5 OUTDIR [EPOCHS [SEEDS...]]
#   e.g. scripts/accuracy_compare.sh build/hsweep build/jena2020.h5 build/acc 50 1 2
# Each run writes OUTDIR/<engine>_<cell><units>_s<seed>.json (and .log); runs already done
# are skipped, so the script can be restarted. Runs go one after another on one thread
# each; set JOBS=2 to run hsweep and the peer side by side. The table is printed at the end
# (scripts/accuracy_table.py OUTDIR prints it again).
set -euo pipefail
HSWEEP=$1
DATA=$2
OUT=$3
EPOCHS=${4:-50}
shift $(( $# < 4 ? $# : 4 ))
SEEDS=("$@")
[ ${#SEEDS[@]} -eq 0 ] && SEEDS=(1)
JOBS=${JOBS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$OUT"

run_one() { # engine cell units seed
    local eng=$1 cell=$2 units=$3 seed=$4
    local base="$OUT/${eng}_${cell}${units}_s${seed}"
    [ -s "$base.json" ] && return 0
    if [ "$eng" = hsweep ]; then
        "$HSWEEP" train "$DATA" --cell "$cell" --units "$units" --epochs "$EPOCHS" \
            --seed "$seed" --json >"$base.tmp" 2>"$base.log" || true
    else
        /usr/bin/python3 "$HERE/peer_train.py" "$DATA" --cell "$cell" --units "$units" \
            --epochs "$EPOCHS" --seed "$seed" --threads 1 --json >"$base.tmp" 2>"$base.log" || true
    fi
    if [ -s "$base.tmp" ]; then mv "$base.tmp" "$base.json"; else rm -f "$base.tmp"; fi
}

for seed in "${SEEDS[@]}"; do
    for model in "lstm 16" "gru 32"; do
        set -- $model
        if [ "$JOBS" -ge 2 ]; then
            run_one hsweep "$1" "$2" "$seed" &
            run_one peer "$1" "$2" "$seed" &
            wait
        else
            run_one hsweep "$1" "$2" "$seed"
            run_one peer "$1" "$2" "$seed"
        fi
    done
done
/usr/bin/python3 "$HERE/accuracy_table.py" "$OUT"
