#!/usr/bin/env bash
# CI job: a second build configuration, the one a login node or a package would use:
# Debian's serial HDF5 (libhdf5-dev), HSWEEP_ARCH=portable, clang instead of gcc, then the
# unit tests. Also checks that the default build of scripts/test.sh (build/) still links the
# parallel HDF5 of libhdf5-openmpi-dev, and that HSWEEP_HDF5=auto keeps choosing it when
# both flavours are installed.
# Budget: ~4 min on 2 cores (package install ~30 s, clang build ~2 min, unit tests ~1 min).
set -euo pipefail
cd "$(dirname "$0")/../.."
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends libhdf5-dev clang > /dev/null
bdir=$(mktemp -d /tmp/hsweep-ci-serial.XXXXXX)
trap 'rm -rf "$bdir"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

CC=clang cmake -S . -B "$bdir/serial" -DCMAKE_BUILD_TYPE=Release -DHSWEEP_HDF5=serial \
    -DHSWEEP_ARCH=portable -DHSWEEP_WERROR=ON \
    > "$bdir/configure.log" 2>&1 || { cat "$bdir/configure.log"; exit 1; }
grep '^-- hsweep:' "$bdir/configure.log"
cmake --build "$bdir/serial" -j2 > "$bdir/build.log" 2>&1 || { tail -n 40 "$bdir/build.log"; exit 1; }
bin="$bdir/serial/hsweep"
"$bin" --version
ldd "$bin" | grep 'libhdf5_serial\.so' > /dev/null || fail "serial build does not link libhdf5_serial.so"
ldd "$bin" | grep 'libhdf5_openmpi' > /dev/null && fail "serial build links the parallel HDF5"
"$bin" --version | grep '^hdf5: .*, serial$' > /dev/null || fail "--version does not say serial HDF5"
"$bin" --version | grep '^arch: portable' > /dev/null || fail "--version does not say portable"
grep '^C_FLAGS' "$bdir/serial/CMakeFiles/hs_sweep.dir/flags.make" | grep -- '-march' > /dev/null &&
    fail "the portable build passes a global -march"

# the default configuration (scripts/test.sh's build/) keeps the parallel HDF5
if [ -x build/hsweep ]; then
  ldd build/hsweep | grep 'libhdf5_openmpi\.so' > /dev/null || fail "build/hsweep does not link libhdf5_openmpi"
  build/hsweep --version | grep '^hdf5: .*, parallel$' > /dev/null || fail "build/hsweep --version: not parallel"
fi
cmake -S . -B "$bdir/auto" > "$bdir/auto.log" 2>&1 || { cat "$bdir/auto.log"; exit 1; }
grep -q '^-- hsweep: HDF5 .*(parallel)' "$bdir/auto.log" ||
    fail "HSWEEP_HDF5=auto did not choose the parallel HDF5 with both installed"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir "$bdir/serial" -j "$(nproc)" -L unit --output-on-failure --timeout 600 || fail "unit tests (serial HDF5, clang)"
exit "$fails"
