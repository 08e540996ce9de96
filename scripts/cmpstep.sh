#!/bin/bash
# cmpstep.sh: the fused LSTM forward step of several bench_engine binaries, interleaved (a
# benchmark, not a test). Each round runs `BIN step H` once per binary in the order given;
# per binary it prints the min and the median over the rounds of the step's microseconds
# (lower is better). Copy each build's bench_engine to its own path first.
# Usage: scripts/cmpstep.sh ROUNDS H BIN...   e.g. scripts/cmpstep.sh 10 64 /tmp/old /tmp/new
# Wrap in `flock LOCKFILE` when other benchmarks may run on the same machine.
set -eu
R=$1; H=$2; shift 2
declare -A res
for r in $(seq "$R"); do for b in "$@"; do v=$("$b" step "$H" | awk '/RESULT step/{print $5}'); res[$b]+="$v "; done; done
for b in "$@"; do echo "$b: $(echo ${res[$b]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{printf "min %.2f median %.2f n %d", a[1], a[int((NR+1)/2)], NR}')"; done
