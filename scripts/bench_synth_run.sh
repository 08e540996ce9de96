#!/usr/bin/env bash
# bench_synth_run.sh: issue 9's "10,000 synthetic trials on 64 oversubscribed ranks" through
# `hsweep run` (coordinator, journal, tables): a random sweep of the synthetic cell (3 epochs
# each) and an ASHA sweep of as many synthetic configurations (rungs 1, 3, 9), one timed run
# each per binary, so an old and a new build can be compared in one session.
#   scripts/bench_synth_run.sh [HSWEEP ...]     (default build/hsweep)
# Environment: RANKS (64), TRIALS (10000), WORK (a scratch directory, default /tmp/bench-synth),
# CASES ("random asha"), TIMEOUT (seconds per run, 900). Prints one line per run: binary,
# case, wall time of the whole mpirun, the sweep's own time and trials/s from its summary
# line, journal lines, load average before and after. A benchmark, not a test: no assertion.
set -u
cd "$(dirname "$0")/.." || exit 1
RANKS=${RANKS:-64} TRIALS=${TRIALS:-10000} WORK=${WORK:-/tmp/bench-synth}
CASES=${CASES:-random asha} TIMEOUT=${TIMEOUT:-900}
[ $# -gt 0 ] || set -- build/hsweep
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$WORK" || exit 1
. tests/lib.sh
if [ ! -f "$WORK/tiny.h5" ]; then
    tiny_csv "$WORK/tiny.csv" &&
        "$1" prep "$WORK/tiny.csv" -o "$WORK/tiny.h5" --features "p (mbar),T (degC),rh (%)" --quiet ||
        exit 1
fi
space="random:
  samples: $TRIALS
  params:
    learning_rate: {log_uniform: [1e-4, 3e-2]}
    dropout: {uniform: [0, 0.5]}
    units: {int: [8, 256]}"
printf 'name: random\nseed: 3\ndata: {path: %s}\nfixed: {cell: synthetic, epochs: 3}\n%s\n' \
    "$WORK/tiny.h5" "$space" >"$WORK/random.yaml"
printf 'name: asha\nseed: 3\ndata: {path: %s}\nfixed: {cell: synthetic}\n%s\nscheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction: 3}\n' \
    "$WORK/tiny.h5" "$space" >"$WORK/asha.yaml"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $RANKS ranks, $TRIALS trials"
for bin in "$@"; do
    for c in $CASES; do
        out="$WORK/out-$c"
        rm -rf "$out"
        l0=$(cut -d' ' -f1 /proc/loadavg)
        t0=$(date +%s.%N)
        timeout "$TIMEOUT" mpirun --oversubscribe --bind-to none -n "$RANKS" "$bin" run \
            "$WORK/$c.yaml" --output "$out" >"$out.out" 2>"$out.err"
        rc=$?
        t1=$(date +%s.%N)
        l1=$(cut -d' ' -f1 /proc/loadavg)
        sweep=$(sed -n 's/.* finished in this run in \([0-9.]*\) s on .*/\1/p' "$out.out")
        lines=$(wc -l <"$out/journal.jsonl" 2>/dev/null || echo 0)
        printf '%s %s: exit %s, wall %.1f s (mpirun), sweep %s s, %s trials/s, %s journal lines, load %s -> %s\n' \
            "$bin" "$c" "$rc" "$(echo "$t1 - $t0" | bc)" "${sweep:-?}" \
            "$([ -n "$sweep" ] && echo "scale=0; $TRIALS / $sweep" | bc || echo '?')" "$lines" "$l0" "$l1"
    done
done
