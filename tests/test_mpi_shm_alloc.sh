#!/usr/bin/env bash
# test_mpi_shm_alloc: a shared-memory window that cannot be allocated ends `hsweep run` with
# one hsweep line and exit status 1, not MPI's abort (sweep/shmdata.c, issue 14).
# usage: test_mpi_shm_alloc.sh HSWEEP_BINARY SCRATCH_DIR. Budget: ~20 s on 2 cores.
# The LD_PRELOAD shim (tests/faultinject.c, HSWEEP_FAULT_OP=mpi_win) makes
# MPI_Win_allocate_shared return MPI_ERR_NO_MEM after the real collective call, on 1 rank and
# on 3 ranks split into two pseudo-nodes (HSWEEP_PSEUDO_NODES=2: two leaders, two windows).
# The same run without the fault must then succeed in the same directory.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SHIM=${HSWEEP_FAULTINJECT:-}
[ -f "$SHIM" ] || { echo "FAIL: HSWEEP_FAULTINJECT not set to the shim ($SHIM)" >&2; exit 1; }
tiny_dataset || fail "prep"
cd "$DIR" || exit 1
cat >shm.yaml <<YEOF
name: shm
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic, epochs: 2}
grid: {units: [8, 16, 32]}
YEOF

# alloc LABEL MPIRUN_ARGS...: the run under the fault fails with exactly one line naming the
# window and MPI's reason, and no trace of MPI's own abort
alloc() {
    local label=$1
    shift
    rm -f fault.log
    LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=mpi_win HSWEEP_FAULT_LOG=$DIR/fault.log \
        mpirun --oversubscribe --bind-to none "$@" "$HSWEEP" run shm.yaml --output out \
        >out.txt 2>err.txt
    local rc=$?
    [ -s fault.log ] || fail "$label: nothing was injected"
    [ "$rc" -eq 1 ] || fail "$label: exit status $rc, want 1: $(head -5 err.txt)"
    local n
    n=$(grep -c "MPI_Win_allocate_shared of [0-9]* bytes failed: MPI_ERR_NO_MEM" err.txt)
    [ "$n" -eq 1 ] || fail "$label: $n window lines, want 1: $(head -5 err.txt)"
    grep -q "tiny.h5" err.txt || fail "$label: the message does not name the dataset"
    grep -qi "MPI_ABORT\|MPI_ERRORS_ARE_FATAL\|signal" err.txt out.txt &&
        fail "$label: MPI's abort: $(head -5 err.txt)"
}
alloc "1 rank" -n 1
HSWEEP_PSEUDO_NODES=2 alloc "3 ranks, 2 pseudo-nodes" -n 3
[ "$(wc -l <fault.log)" -eq 3 ] || fail "3 ranks: $(wc -l <fault.log) injections, want 3"

# the same command without the fault runs the sweep
mpirun --oversubscribe --bind-to none -n 3 "$HSWEEP" run shm.yaml --output out >ok.txt 2>&1 ||
    fail "run without the fault: $(tail -3 ok.txt)"
[ "$(wc -l <out/journal.jsonl)" -ge 3 ] || fail "journal after the rerun"
exit "$fails"
