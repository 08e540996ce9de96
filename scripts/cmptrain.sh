#!/bin/bash
# cmptrain.sh: whole training steps of several bench_engine binaries, interleaved (a
# benchmark, not a test). Each round runs `BIN ARGS` (bench_engine SECONDS lstm|gru|dense H
# [B [layers [bidir]]]) once per binary in the order given; per binary it prints, in
# samples/s (higher is better), the largest and the median of the runs' best steps and the
# median of the runs' median steps. Copy each build's bench_engine to its own path first.
# Usage: scripts/cmptrain.sh ROUNDS "ARGS" BIN...
#        e.g. scripts/cmptrain.sh 6 "2 lstm 64 256" /tmp/old /tmp/new
# Wrap in `flock LOCKFILE` when other benchmarks may run on the same machine.
set -eu
R=$1; A=$2; shift 2
declare -A best med
for r in $(seq "$R"); do for b in "$@"; do
  # shellcheck disable=SC2086 # ARGS is a word list
  l=$("$b" $A | awk '/RESULT model/{print $7, $8}'); best[$b]+="${l% *} "; med[$b]+="${l#* } "
done; done
for b in "$@"; do
  bb=$(echo ${best[$b]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{printf "best max %.0f median %.0f", a[NR], a[int((NR+1)/2)]}')
  mm=$(echo ${med[$b]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{printf "median-of-medians %.0f n %d", a[int((NR+1)/2)], NR}')
  echo "$b: $bb; $mm"
done
