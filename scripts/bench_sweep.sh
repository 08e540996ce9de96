#!/usr/bin/env bash
# Sweep throughput benchmark (not a test): the same sweep of quick trials at P = 1 and P = 2
# ranks (override with RANKS="1 2 4"), printing wall time, trials/hour, core utilisation
# (trial time / (ranks x wall)) and memory per rank, as `hsweep run` measures them.
# Needs the build (scripts/build.sh) and data/jena2020.h5 (scripts/run.sh makes it).
#   DATA=big.h5 SEQ=24 scripts/bench_sweep.sh   another dataset (e.g. a canonical-size file,
#                                               to see memory per rank), shorter windows
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-$PWD/data/jena2020.h5}
[ -f "$data" ] || build/hsweep prep data/weather_ltsf_jena_2020.csv.xz -o "$data" --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/bench.yaml" <<YEOF
name: bench
seed: 1
data: {path: $data, sequence_length: ${SEQ:-120}, sampling_rate: 6, horizon: 24, batch_size: 256}
fixed: {epochs: 1, cell: gru}
grid:
  units: [8, 16]
  learning_rate: [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3]
YEOF
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
printf '%-6s %s\n' ranks "result"
for p in ${RANKS:-1 2}; do
  mpirun -n "$p" --oversubscribe --bind-to none build/hsweep run "$work/bench.yaml" \
      --output "$work/out$p" --top 0 >"$work/p$p.out" 2>"$work/p$p.err"
  grep -E "trials finished in this run|memory per rank" "$work/p$p.out" | sed "s/^/P=$p  /"
done
