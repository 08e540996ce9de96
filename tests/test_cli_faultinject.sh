#!/usr/bin/env bash
# test_cli_faultinject: write failures injected under `hsweep prep` (tests/faultinject.c,
# an LD_PRELOAD shim whose path CMake passes as HSWEEP_FAULTINJECT).
# usage: test_cli_faultinject.sh HSWEEP_BINARY SCRATCH_DIR
# Each failure (ENOSPC on writing the temporary file, once or for good; EROFS on creating it;
# EIO on its fsync or on the rename over the output) must end prep with status 1 and one
# line naming the problem, leave no temporary file, and never replace an existing output
# with a partial one. A control run with the shim loaded but nothing matching must succeed.
# Before the in-memory writer (h5util_save_mem), a full disk made prep exit 0 with a dataset
# whose chunks were lost (a failed chunk flush in H5Dclose went unchecked), or die with
# SIGSEGV at exit (libhdf5 1.10 closing a file whose H5Fclose had failed).
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SHIM=${HSWEEP_FAULTINJECT:-}
[ -f "$SHIM" ] || { echo "FAIL: HSWEEP_FAULTINJECT not set to the shim ($SHIM)" >&2; exit 1; }
cd "$DIR" || exit 1
tiny_csv tiny.csv
prep() { "$HSWEEP" prep tiny.csv -o out.h5 --features "p (mbar),T (degC),rh (%)" --quiet; }
# under ASan the shim precedes the sanitizer runtime in the library list: allow it
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# inject OP PATH N ERRNO WANT: prep under the shim must fail with a message containing WANT
inject() {
    local op=$1 pat=$2 n=$3 e=$4 want=$5
    rm -f fault.log
    LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=$op HSWEEP_FAULT_PATH=$pat HSWEEP_FAULT_N=$n \
        HSWEEP_FAULT_ERRNO=$e HSWEEP_FAULT_LOG=$DIR/fault.log prep >out.txt 2>err.txt
    local rc=$?
    [ -s fault.log ] || fail "$op $e: nothing was injected"
    [ "$rc" -eq 1 ] || fail "$op $e: exit status $rc, want 1: $(cat err.txt)"
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "$op $e: not one line: $(cat err.txt)"
    grep -q "$want" err.txt || fail "$op $e: message lacks '$want': $(cat err.txt)"
    ls out.h5.tmp.* >/dev/null 2>&1 && fail "$op $e: temporary file left: $(ls out.h5.tmp.*)"
}

# no output yet: each failure leaves none
inject write .tmp. 1 ENOSPC "No space left on device"
[ -e out.h5 ] && fail "a partial output exists after ENOSPC"
inject write .tmp. 1+ ENOSPC "No space left on device"
inject open .tmp. 1 EROFS "Read-only file system"
inject fsync .tmp. 1 EIO "Input/output error"
inject rename out.h5 1 EIO "Input/output error"
[ -e out.h5 ] && fail "an output exists after a failed rename"

# an existing output survives every failure unchanged
prep >/dev/null 2>&1 || fail "control: prep without faults"
LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=write HSWEEP_FAULT_PATH=no-such-file prep >/dev/null 2>&1 ||
    fail "control: prep with the shim loaded and nothing matching"
sum=$(sha256sum out.h5)
inject write .tmp. 1 ENOSPC "No space left on device"
inject rename out.h5 1 EROFS "Read-only file system"
[ "$(sha256sum out.h5)" = "$sum" ] || fail "the existing output changed"
exit "$fails"
