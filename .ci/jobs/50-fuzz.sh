#!/usr/bin/env bash
# Fuzz job: build the libFuzzer targets of tests/fuzz/ with clang 14 (Debian's clang-14 and
# libclang-rt-14-dev) under ASan + UBSan in build-fuzz/, then fuzz each target for
# HSWEEP_FUZZ_SECONDS (default 10) from its saved corpus (copied: the repository is not
# changed). A crash, sanitizer report, leak, hang (> 60 s per input) or > 2.5 GB RSS fails the
# job and leaves the input in build-fuzz/artifacts/<target>/; save it under
# tests/fuzz/crashes/<target>/ once fixed (docs/hardening.md).
# Budget: 5 minutes on 2 cores (build about 1-2 min, 8 targets x 10 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
need=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${need[@]}"
fi
CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHSWEEP_FUZZ=ON \
  -DBUILD_TESTING=OFF \
  "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  > build-fuzz.log 2>&1 || { cat build-fuzz.log; exit 1; }
cmake --build build-fuzz -j "$(nproc)" 2>&1 | tail -n 1
echo "fuzz: built in $(( $(date +%s) - start )) s"
secs=${HSWEEP_FUZZ_SECONDS:-10}
# malloc returns NULL on absurd sizes as in production (libhdf5 handles it); libhdf5 leaks on
# some error paths of damaged files: those leaks are suppressed, hsweep's are not
export ASAN_OPTIONS=allocator_may_return_null=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
for corpus in tests/fuzz/corpus/*/; do
  t=$(basename "$corpus")
  work=build-fuzz/corpus/$t art=build-fuzz/artifacts/$t
  rm -rf "$work" && mkdir -p "$work" "$art" && cp "$corpus"* "$work"/
  build-fuzz/fuzz_"$t" "$work" -max_total_time="$secs" -timeout=60 -rss_limit_mb=2560 \
    -artifact_prefix="$art"/ > build-fuzz/"$t".log 2>&1 ||
    { tail -n 40 build-fuzz/"$t".log; echo "fuzz: $t FAILED (input in $art)"; exit 1; }
  echo "fuzz: $t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' build-fuzz/"$t".log)"
done
echo "fuzz: done in $(( $(date +%s) - start )) s"
