#!/usr/bin/env bash
# test_configure: CMake's configure step in scratch build directories: the HSWEEP_ARCH
# choices reach the compile flags (portable: no -march), a bad -march value or HSWEEP_HDF5
# value stops the configure with a message naming it, and a missing MPI or HDF5 stops it
# with the message that says how to provide it (module, -D<X>_ROOT, package names).
# usage: test_configure.sh HSWEEP SCRATCH_DIR   (HSWEEP unused)
. "$(dirname "$0")/lib.sh"
test_init "$@"
src=$(cd "$(dirname "$0")/.." && pwd)

# configure NAME EXPECT(ok|fail) ARGS...: configure into $DIR/NAME, log in $DIR/NAME.log
configure() {
    local name=$1 want=$2 rc=0
    shift 2
    cmake -S "$src" -B "$DIR/$name" -DBUILD_TESTING=OFF "$@" > "$DIR/$name.log" 2>&1 || rc=1
    if [ "$want" = ok ] && [ "$rc" -ne 0 ]; then fail "$name: configure failed: $(grep -A3 'CMake Error' "$DIR/$name.log")"; fi
    if [ "$want" = fail ] && [ "$rc" -eq 0 ]; then fail "$name: configure succeeded"; fi
    return 0
}
# flags NAME: the C flags of hsweep's objects in build directory NAME
flags() { grep "^C_FLAGS" "$DIR/$1/CMakeFiles/hs_sweep.dir/flags.make"; }
# message NAME TEXT: the configure log of NAME holds TEXT (whitespace-insensitive)
message() { tr -s ' \n' ' ' < "$DIR/$1.log" | grep -qF -- "$2" || fail "$1: no '$2' in: $(grep -A6 'CMake Error' "$DIR/$1.log")"; }

configure portable ok
grep -q -- '-march' <<< "$(flags portable)" && fail "portable: -march in the flags"
message portable "hsweep: HSWEEP_ARCH=portable"
configure v3 ok -DHSWEEP_ARCH=x86-64-v3
grep -q -- '-march=x86-64-v3' <<< "$(flags v3)" || fail "x86-64-v3: not in the flags"
configure badarch fail -DHSWEEP_ARCH=no-such-cpu
message badarch "does not accept -march=no-such-cpu"
configure badflavour fail -DHSWEEP_HDF5=both
message badflavour "HSWEEP_HDF5=both: use auto, serial or parallel"
configure nohdf5 fail -DCMAKE_DISABLE_FIND_PACKAGE_HDF5=ON
message nohdf5 "hsweep needs HDF5 (C library, serial or parallel), not found"
message nohdf5 "-DHDF5_ROOT=/prefix"
message nohdf5 "Debian: libhdf5-dev or libhdf5-openmpi-dev"
configure nompi fail -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON
message nompi "hsweep needs MPI (C bindings), not found"
message nompi "-DMPI_HOME=/prefix"
exit "$fails"
