#!/usr/bin/env bash
# bench.sh: the C engine (bench_engine) against the PyTorch peer (scripts/bench_torch.py) on
# the same shapes (B=256, T=120, F=14; LSTM/GRU hidden 16/32/64; one thread each), then a
# table with samples/s, the C/PyTorch ratio, GFLOP/s and the fraction of the measured
# per-core FP32 peak. The two run back to back per configuration (C, then PyTorch), so both
# see similar load on a shared machine; "best" columns use the fastest single step, which
# is less sensitive to other processes than the mean.
# Usage: scripts/bench.sh [seconds per configuration, default 1.5] [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-1.5}"
bdir="${2:-build}"
if [[ ! -x "$bdir/bench_engine" ]]; then
  cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$bdir" -j2 --target bench_engine > /dev/null
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
echo "C engine: $(git describe --always --dirty 2>/dev/null || echo '?')," \
     "PyTorch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), $(date -u +%FT%TZ)," \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
peak=$("$bdir/bench_engine" 1 peak | awk '/^RESULT peak/ {print $3}')
rows=""
for cell in lstm gru; do
  for h in 16 32 64; do
    c=$("$bdir/bench_engine" "$secs" "$cell" "$h" | grep '^RESULT')
    t=$(/usr/bin/python3 scripts/bench_torch.py "$secs" "$cell" "$h" | grep '^RESULT')
    rows+="$c $t"$'\n'
  done
done
printf '%s' "$rows" | awk -v peak="$peak" '
  BEGIN {
    printf "%-5s %3s | %9s %9s %7s | %9s %9s %7s | %9s %9s %7s | %9s %7s %9s\n", "cell", "H",
           "C wall", "torch", "ratio", "C CPU", "torch", "ratio", "C best", "torch", "ratio",
           "C GFLOP/s", "of peak", "limit"
  }
  {
    # C: RESULT cell H sps gflops mflop best cps; torch: RESULT cell H sps best cps
    limit = peak * 1e3 / $6
    gf = $8 * $6 / 1e3
    printf "%-5s %3s | %9.0f %9.0f %6.2fx | %9.0f %9.0f %6.2fx | %9.0f %9.0f %6.2fx | %9.1f %6.1f%% %9.0f\n",
           $2, $3, $4, $12, $4 / $12, $8, $14, $8 / $14, $7, $13, $7 / $13, gf, 100 * gf / peak, limit
  }
  END {
    printf "Training samples/s (forward + backward + RMSprop step, B=256 T=120 F=14, one thread):\n"
    printf "  wall = mean over the run; CPU = per CPU-second of the process (per-core throughput,\n"
    printf "  less disturbed by other jobs); best = fastest single step. GFLOP/s from the CPU figure.\n"
    printf "peak = measured FP32 FMA throughput of one core (best of 5, AVX-512 FMA loop): %.1f GFLOP/s;\n", peak
    printf "limit = peak / matrix FLOP per sample, 2*T*G*H*(2F+3H) with G = 4 (LSTM) or 3 (GRU).\n"
  }'
