#!/usr/bin/env bash
# bench.sh: the C engine (build/bench_engine) against the PyTorch peer (scripts/bench_torch.py)
# on the same training steps (T=120, F=14, RMSprop, one thread each), fairly:
#   - the FMA peak of one core is measured with the kernels' own probe (12 independent
#     vector FMA chains, AVX-512 and AVX2), so "% of peak" is against what the core can do;
#     it runs at the start and again at the end, and the larger of the two counts (one
#     disturbed probe would otherwise skew every %peak and norm figure);
#   - the peer gets the kernels its libraries should use on this CPU: if the CPU has
#     AVX-512 and OpenBLAS picked a non-AVX-512 core (0.3.21 calls Zen 4/5 "Haswell" and
#     some Xeons "Prescott"), OPENBLAS_CORETYPE=SkylakeX, and ATEN_CPU_CAPABILITY=avx512
#     (torch 1.13 defaults to AVX2 here); both sides print the kernels they run. These
#     variables are set for the peer here only, never in tests or CI;
#   - both sides time the training step on a batch already in memory: the peer on a ready
#     tensor, the engine on its input rows, gathered from a series' windows before the
#     timer starts (batch preparation is timed on neither side);
#   - runs are interleaved (C AVX-512, C AVX2, peer, next case, ...) and repeated; each run
#     times whole steps in CPU time and reports its fastest and median step; the table
#     shows the best over all rounds and the median of the rounds' medians.
# Usage: scripts/bench.sh [seconds per run, default 2] [rounds, default 3] [build dir]
# CASES="lstm 32 256 1 0;..." overrides the case list (cell H B layers bidir).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-2}"
rounds="${2:-3}"
bdir="${3:-build}"
if [[ ! -x "$bdir/bench_engine" ]]; then
  cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$bdir" -j2 --target bench_engine > /dev/null
fi
PY=/usr/bin/python3
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
unset HSWEEP_ISA

# ---- the peer's kernels ---------------------------------------------------------------------
core_default=$($PY scripts/bench_torch.py --core)
peer_env=()
if grep -qw avx512f /proc/cpuinfo; then
  case "$core_default" in
    SkylakeX|Cooperlake|SapphireRapids) ;;
    *) peer_env+=(OPENBLAS_CORETYPE=SkylakeX) ;;
  esac
  peer_env+=(ATEN_CPU_CAPABILITY=avx512)
fi

echo "C engine $(git describe --always --dirty 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cores;" \
     "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PyTorch $($PY -c 'import torch; print(torch.__version__)'), one thread; OpenBLAS default core:" \
     "$core_default; peer environment: ${peer_env[*]:-(none)}"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
isas=(avx512 avx2)
for isa in "${isas[@]}"; do
  if ! HSWEEP_ISA=$isa "$bdir/bench_engine" peak >> "$tmp" 2>/dev/null; then
    isas=("${isas[@]/$isa}")
  fi
done
grep '^FMA\|^FP32' "$tmp" || true

IFS=';' read -r -a cases <<< "${CASES:-lstm 16 256 1 0;lstm 32 256 1 0;lstm 64 256 1 0;lstm 128 256 1 0;lstm 256 256 1 0;gru 32 256 1 0;gru 128 256 1 0;dense 16 256 1 0;lstm 32 256 1 1;lstm 32 256 2 0;lstm 32 32 1 0;gru 32 32 1 0;dense 16 32 1 0}"
for r in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    read -r cell h b l bi <<< "$c"
    for isa in "${isas[@]}"; do
      [[ -n "$isa" ]] || continue
      HSWEEP_ISA=$isa "$bdir/bench_engine" "$secs" "$cell" "$h" "$b" "$l" "$bi" | grep '^RESULT' >> "$tmp"
    done
    env "${peer_env[@]}" $PY scripts/bench_torch.py "$secs" "$cell" "$h" "$b" "$l" "$bi" |
      grep '^RESULT' >> "$tmp"
  done
  echo "round $r/$rounds done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# the peak probes again: a probe disturbed once (another process, a frequency change) would
# skew every %peak and norm figure, so each path's peak is the larger of the two probes
for isa in "${isas[@]}"; do
  [[ -n "$isa" ]] || continue
  out=$(HSWEEP_ISA=$isa "$bdir/bench_engine" peak)
  grep '^FP32' <<< "$out" | sed 's/$/ (again, at the end)/'
  grep '^RESULT' <<< "$out" >> "$tmp"
done

$PY - "$tmp" <<'PYEOF'
import statistics, sys
peak, runs, flop, core = {}, {}, {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[:2] == ["RESULT", "peak"]:
        peak[f[2]] = max(peak.get(f[2], 0.0), float(f[3]))
    elif f[:2] == ["RESULT", "model"]:
        name, side, B = f[2], f[3], int(f[4])
        if side == "torch":
            best, med, core[(name, B)] = float(f[5]), float(f[6]), f[8]
        else:
            flop[(name, B)] = float(f[5]) * 1e6
            best, med = float(f[6]), float(f[7])
        runs.setdefault((name, B, side), []).append((best, med))

def stat(key):
    r = runs.get(key)
    if not r:
        return None, None
    return max(b for b, _ in r), statistics.median(m for _, m in r)

p512 = peak.get("avx512")
print("peak (measured FMA loop, one core, the larger of the two probes): " +
      ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peak.items()))
hdr = (f"{'model':<12} {'B':>4} | {'C best':>9} {'median':>9} {'GFLOP/s':>8} {'%peak':>6} | "
       f"{'torch best':>10} {'median':>9} | {'C/torch':>7} {'(med)':>6} | "
       f"{'AVX2 best':>9} {'%peak2':>6} {'t2/t512':>7} {'norm':>5}")
print(hdr)
print("-" * len(hdr))
for (name, B) in flop:
    cb, cm = stat((name, B, "avx512")) if "avx512" in peak else stat((name, B, "avx2"))
    tb, tm = stat((name, B, "torch"))
    ab, _ = stat((name, B, "avx2"))
    fl = flop[(name, B)]
    gf = cb * fl / 1e9
    pk = p512 or peak.get("avx2")
    row = f"{name:<12} {B:>4} | {cb:>9.0f} {cm:>9.0f} {gf:>8.1f} {100 * gf / pk:>5.1f}% | "
    row += f"{tb:>10.0f} {tm:>9.0f} | {cb / tb:>6.2f}x {cm / tm:>5.2f}x | " if tb else f"{'-':>10} {'-':>9} | {'-':>7} {'-':>6} | "
    if ab and p512 and "avx2" in peak:
        g2 = ab * fl / 1e9
        ratio = cb / ab  # AVX2 time / AVX-512 time
        norm = ratio * peak["avx2"] / p512  # the same, per unit of each path's peak
        row += f"{ab:>9.0f} {100 * g2 / peak['avx2']:>5.1f}% {ratio:>6.2f}x {norm:>5.2f}"
    print(row)
print("samples/s = training samples per CPU-second (forward + backward + RMSprop step, T=120,")
print("F=14, one thread); best = fastest step over all rounds, median = median of the rounds'")
print("median steps; GFLOP/s and %peak from the best step and the matrix FLOPs per sample")
print("(bench_engine's count, gate math not credited); t2/t512 = AVX2 time / AVX-512 time;")
print("norm = t2/t512 x peak(AVX2)/peak(AVX-512): the AVX2 path's time per FLOP of its own peak")
print("relative to the AVX-512 path's. OpenBLAS core used by the peer: " +
      ", ".join(sorted(set(core.values()))))
PYEOF
