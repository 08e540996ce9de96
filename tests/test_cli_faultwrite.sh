#!/usr/bin/env bash
# test_cli_faultwrite: write failures injected at each file `hsweep run` writes (issue 14):
# the journal, the tables (results.md, results.csv, summary.md), status.json, the epoch
# checkpoints (ckpt/) and best_model.h5, through the LD_PRELOAD shim tests/faultinject.c
# (HSWEEP_FAULT_OP/PATH/N/ERRNO: the Nth matching write, open, fsync or rename fails).
# usage: test_cli_faultwrite.sh HSWEEP_BINARY SCRATCH_DIR. Budget: ~2 min on 2 cores
# (15 faulted runs of a 4-trial, 2-epoch LSTM sweep on 1 rank, each followed by a rerun).
# For each site and each of ENOSPC, EROFS, EIO:
#   - the fault was injected, and exactly one stderr line names the file with the errno's
#     message (for the journal: the run stops; elsewhere the sweep goes on);
#   - the exit status is the documented one (docs/running.md, "Exit status"): 1 when the
#     journal cannot be written, 0 otherwise (the journal is the truth; the next run rewrites
#     the tables, status and best model);
#   - every record journaled before the fault is still there, byte for byte, after the rerun,
#     and the rerun (no fault) trains only the trials missing from the journal and ends with
#     all 4 journaled, the tables written and best_model.h5 holding the journal's best trial.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SHIM=${HSWEEP_FAULTINJECT:-}
[ -f "$SHIM" ] || { echo "FAIL: HSWEEP_FAULTINJECT not set to the shim ($SHIM)" >&2; exit 1; }
# under ASan the shim precedes the sanitizer runtime in the library list: allow it
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"   # Open MPI leaks (see test_cli_corrupt); the shim
tiny_dataset || fail "prep"
cd "$DIR" || exit 1
cat >s.yaml <<YEOF
name: s
data: {path: $DIR/tiny.h5}
fixed: {cell: lstm, units: 4, epochs: 2, sequence_length: 8, horizon: 1, sampling_rate: 1,
        batch_size: 64}
grid: {learning_rate: [1e-3, 3e-3, 1e-2, 3e-2]}
YEOF

msg_of() { case $1 in ENOSPC) echo "No space left on device" ;; EROFS) echo "Read-only file system" ;;
           EIO) echo "Input/output error" ;; esac; }

# site FILE OP N ERRNO WANT_RC: one faulted run, then the rerun
site() {
    local file=$1 op=$2 n=$3 e=$4 want=$5 label="$1 $2 #$3 $4"
    rm -rf out fault.log
    LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=$op HSWEEP_FAULT_PATH=$file HSWEEP_FAULT_N=$n \
        HSWEEP_FAULT_ERRNO=$e HSWEEP_FAULT_LOG=$DIR/fault.log \
        "$HSWEEP" run s.yaml --output out >out.txt 2>err.txt
    local rc=$? m
    m=$(msg_of "$e")
    [ -s fault.log ] || { fail "$label: nothing was injected"; return; }
    [ "$rc" -eq "$want" ] || fail "$label: exit status $rc, want $want: $(grep -v '^\[rank\|^finished' err.txt | head -3)"
    local k
    k=$(grep -F "$file" err.txt | grep -cF "$m")
    [ "$k" -eq 1 ] || fail "$label: $k lines name the file with '$m', want 1: $(grep -v '^finished' err.txt | head -4)"
    grep -q "Segmentation\|Aborted\|MPI_ABORT" err.txt && fail "$label: crash: $(head -3 err.txt)"
    local before=0
    [ -f out/journal.jsonl ] && before=$(wc -l <out/journal.jsonl) && cp out/journal.jsonl before.jsonl
    # the same command without the fault resumes
    "$HSWEEP" run s.yaml --output out >re.txt 2>re.err || fail "$label: rerun: $(tail -2 re.err)"
    grep -q "4 trials ($((4 - before)) to run)" re.err ||
        fail "$label: rerun after $before journaled: $(grep 'to run' re.err)"
    [ "$(wc -l <out/journal.jsonl)" -eq 4 ] || fail "$label: $(wc -l <out/journal.jsonl) records after the rerun"
    if [ "$before" -gt 0 ]; then
        head -n "$before" out/journal.jsonl | cmp -s - before.jsonl ||
            fail "$label: records journaled before the fault changed"
    fi
    for f in results.md results.csv summary.md status.json best_model.h5; do
        [ -s "out/$f" ] || fail "$label: no $f after the rerun"
    done
    # best_model.h5 holds the journal's best trial, even when a save of it failed
    $PY - out <<'PYEOF' || fail "$label: best_model.h5 is not the journal's best trial"
import json, sys, h5py
recs = [json.loads(l) for l in open(sys.argv[1] + "/journal.jsonl")]
best = min((r for r in recs if r.get("status") == "ok"), key=lambda r: r["val_mae"])
with h5py.File(sys.argv[1] + "/best_model.h5", "r") as f:
    got = f.attrs["trial_id"]
got = got.decode() if isinstance(got, bytes) else str(got)
sys.exit(0 if got == best["id"] else 1)
PYEOF
}

# the journal: the run stops (exit 1); opened once, then one append per trial
site journal.jsonl open 1 EROFS 1
site journal.jsonl write 3 ENOSPC 1
site journal.jsonl fsync 2 EIO 1
# the tables, written at the end (and at every table refresh)
site results.md write 1 ENOSPC 0
site results.csv open 1 EROFS 0
site summary.md fsync 1 EIO 0
site results.md rename 1 EIO 0
# status.json, rewritten as the run goes
site status.json write 2 ENOSPC 0
site status.json rename 1 EROFS 0
# epoch checkpoints: a warning for the trial, which trains on without them
site /ckpt/ write 1 ENOSPC 0
site /ckpt/ open 2 EROFS 0
site /ckpt/ fsync 3 EIO 0
# best_model.h5: rewritten at every new best trial
site best_model.h5 write 1 ENOSPC 0
site best_model.h5 open 1 EROFS 0
site best_model.h5 fsync 2 EIO 0
exit "$fails"
