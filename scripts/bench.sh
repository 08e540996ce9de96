#!/usr/bin/env bash
# bench.sh: the C engine (build/bench_engine) and the PyTorch peer (scripts/bench_torch.py)
# side by side on the same shapes (B=256, T=120, F=14; LSTM/GRU 16/32/64; one thread), then
# a table with samples/s, the C/PyTorch ratio, GFLOP/s and the fraction of the measured
# per-core FP32 peak. Usage: scripts/bench.sh [seconds per configuration, default 1.5]
# [build dir, default build]. Builds bench_engine first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-1.5}"
bdir="${2:-build}"
if [[ ! -x "$bdir/bench_engine" ]]; then
  cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$bdir" -j2 --target bench_engine > /dev/null
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
c_out=$("$bdir/bench_engine" "$secs")
t_out=$(/usr/bin/python3 scripts/bench_torch.py "$secs")
echo "$c_out" | grep -v '^RESULT'
echo
echo "$t_out" | grep -v '^RESULT'
echo
paste <(echo "$c_out" | grep '^RESULT' | grep -v peak) <(echo "$t_out" | grep '^RESULT') |
  awk -v peak="$(echo "$c_out" | awk '/^RESULT peak/ {print $3}')" '
  BEGIN {
    printf "%-6s %4s %12s %12s %8s %9s %8s %14s\n", "cell", "H", "C samples/s", "torch s/s", "C/torch", "C GFLOP/s", "of peak", "limit s/s"
  }
  {
    # C: RESULT cell H sps gflops mflop_per_sample; torch: RESULT cell H sps
    limit = peak * 1e3 / $6
    printf "%-6s %4s %12.0f %12.0f %7.2fx %9.1f %7.1f%% %14.0f\n", $2, $3, $4, $10, $4 / $10, $5, 100 * $5 / peak, limit
  }
  END { printf "peak = measured FP32 FMA throughput of one core (AVX-512 FMA loop): %.1f GFLOP/s; limit = peak / FLOP per sample\n", peak }'
