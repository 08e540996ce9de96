# lib.sh: shell helpers shared by the command-line tests (sourced, not run).

# test_init HSWEEP_BINARY SCRATCH_DIR: the common start of a test script: sets HSWEEP, DIR
# (emptied), PY (Debian's python3 with numpy/h5py), the Open MPI variables for root, and the
# failure counter `fails` that fail() increments; the script ends with `exit "$fails"`.
test_init() {
    HSWEEP=$1
    DIR=$2
    PY=/usr/bin/python3
    rm -rf "$DIR" && mkdir -p "$DIR" || exit 1
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fails=0
}

# fail MESSAGE: report one failed check and go on.
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# tiny_csv FILE: a generated Jena-layout CSV (canonical date format, 10-minute steps) of
# 6,400 rows, enough for `hsweep prep` (one default window per split), with three features:
# a noisy daily cycle in p (mbar), T (degC) and rh (%). Deterministic.
tiny_csv() {
    /usr/bin/python3 - "$1" <<'PYEOF'
import math, sys, datetime
t0 = datetime.datetime(2020, 1, 1, 0, 10)
with open(sys.argv[1], "w") as f:
    f.write("Date Time,p (mbar),T (degC),rh (%)\n")
    for i in range(6400):
        ts = (t0 + datetime.timedelta(minutes=10 * i)).strftime("%d.%m.%Y %H:%M:%S")
        ph = 2 * math.pi * i / 144
        noise = ((i * 7919) % 101) / 100.0 - 0.5
        f.write(f"{ts},{1000 + 5 * math.cos(ph):.2f},{5 + 4 * math.sin(ph) + 0.3 * noise:.2f},"
                f"{70 + 10 * math.cos(ph + 1):.2f}\n")
PYEOF
}

# tiny_dataset: $DIR/tiny.csv (tiny_csv) prepared into $DIR/tiny.h5 with its three features.
tiny_dataset() {
    tiny_csv "$DIR/tiny.csv" &&
        "$HSWEEP" prep "$DIR/tiny.csv" -o "$DIR/tiny.h5" \
            --features "p (mbar),T (degC),rh (%)" --quiet
}

# same_results REF.jsonl OUT.jsonl N: OUT journals every trial of REF once (N trials) with the
# same val_mae, test_mae, val_loss, history, best_epoch, epochs_run and status, bit for bit.
# Prints the first difference and returns 1 on a mismatch.
same_results() {
    /usr/bin/python3 - "$1" "$2" "$3" <<'PYEOF'
import json, sys
a = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
lines = [json.loads(l) for l in open(sys.argv[2])]
b = {r["id"]: r for r in lines}
n = int(sys.argv[3])
assert len(a) == n, f"reference: {len(a)} trials, want {n}"
assert len(lines) == len(b) == n, f"{len(lines)} records, {len(b)} trials, want {n}"
assert a.keys() == b.keys(), "different trials"
for k in a:
    for f in ("val_mae", "test_mae", "val_loss", "history", "best_epoch", "epochs_run", "status"):
        assert a[k][f] == b[k][f], f"trial {k}: {f}: {a[k][f]} vs {b[k][f]}"
PYEOF
}
