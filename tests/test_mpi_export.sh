#!/usr/bin/env bash
# test_mpi_export: best-model export by `hsweep run` and `hsweep predict` end to end.
# usage: test_mpi_export.sh HSWEEP_BINARY SCRATCH_DIR
# Covers: a 3-rank and a 1-rank sweep on a tiny generated dataset write DIR/best_model.h5 for
# the trial with the lowest val_mae; `hsweep predict` on it reproduces the journal's test_mae
# and val_mae exactly (JSON numbers carry every digit); -o writes one CSV row per window with
# ISO times and the same MAE; h5py reads the file and every tensor has its documented shape;
# resume keeps the file and reports a missing one in one line; bad inputs give one line and
# a non-zero exit.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
MPIRUN=(mpirun --oversubscribe --bind-to none)

# ---- dataset: 6,400 rows of a noisy daily cycle, three features (as test_mpi_run) -------
tiny_dataset || fail "prep"
# the same data with the features in another order: the model must refuse it
"$HSWEEP" prep "$DIR/tiny.csv" -o "$DIR/other.h5" --features "T (degC),p (mbar),rh (%)" \
    --quiet || fail "prep other"

# 6 trials: lstm / gru / bidirectional gru, two learning rates; batch 32 leaves partial
# last batches; patience 1 over 4 epochs may restore weights older than the last epoch
cat >"$DIR/s.yaml" <<YEOF
name: export
seed: 7
data:
  path: tiny.h5
  sequence_length: 12
  sampling_rate: 1
  horizon: 2
  batch_size: 32
fixed:
  epochs: 4
  patience: 1
  units: 4
grid:
  cell: [gru, lstm]
  bidirectional: [false, true]
  learning_rate: [3e-3, 1e-2]
exclude:
  - {cell: lstm, bidirectional: true}
YEOF

# check_dir OUT: best_model.h5 is the journal's best by val_mae; predict reproduces its
# test_mae and val_mae exactly; prints the best trial's id and rank
check_dir() {
    local out=$1
    [ -s "$out/best_model.h5" ] || { fail "$out: no best_model.h5"; return; }
    ls "$out" | grep -q '\.tmp' && fail "$out: temporary files left"
    "$HSWEEP" predict "$out/best_model.h5" "$DIR/tiny.h5" --split test --json \
        >"$out/pred_test.json" 2>"$out/pred_test.err" || fail "predict test: $(cat "$out/pred_test.err")"
    "$HSWEEP" predict "$out/best_model.h5" "$DIR/tiny.h5" --split val --json \
        >"$out/pred_val.json" 2>"$out/pred_val.err" || fail "predict val: $(cat "$out/pred_val.err")"
    $PY - "$out" <<'PYEOF' || fail "$out: predict does not reproduce the journal"
import json, math, sys, h5py
out = sys.argv[1]
recs = [json.loads(l) for l in open(out + "/journal.jsonl") if l.strip()]
ok = [r for r in recs if r["status"] == "ok" and r["val_mae"] is not None]
best = min(ok, key=lambda r: r["val_mae"])
with h5py.File(out + "/best_model.h5", "r") as f:
    tid = f.attrs["trial_id"]
    tid = tid.decode() if isinstance(tid, bytes) else tid
    assert tid == best["id"], f"model holds trial {tid}, journal best is {best['id']}"
    assert f.attrs["test_mae"] == best["test_mae"] and f.attrs["val_mae"] == best["val_mae"]
t = json.load(open(out + "/pred_test.json"))
v = json.load(open(out + "/pred_val.json"))
assert t["split"] == "test" and v["split"] == "val", (t, v)
assert t["trial_id"] == best["id"]
assert t["mae"] == best["test_mae"], f"test mae {t['mae']!r} != journal {best['test_mae']!r}"
assert v["mae"] == best["val_mae"], f"val mae {v['mae']!r} != journal {best['val_mae']!r}"
assert v["mse"] == best["val_loss"], f"val mse {v['mse']!r} != journal {best['val_loss']!r}"
print(f"{best['id']} rank {best['rank']} {best['hparams']['cell']} "
      f"bidir={best['hparams']['bidirectional']} best_epoch {best['best_epoch']}/"
      f"{best['epochs_run']} test_mae {t['mae']!r} val_mae {v['mae']!r} ({t['windows']} test windows)")
PYEOF
}

# ---- 1. three ranks ---------------------------------------------------------------------
"${MPIRUN[@]}" -n 3 "$HSWEEP" run "$DIR/s.yaml" --output "$DIR/out3" >"$DIR/run3.out" \
    2>"$DIR/run3.err" || fail "3-rank run: $(tail -3 "$DIR/run3.err")"
check_dir "$DIR/out3"

# ---- 2. one rank (rank 0 passes its own weights directly) ----------------------------------
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/s.yaml" --output "$DIR/out1" >/dev/null \
    2>"$DIR/run1.err" || fail "1-rank run: $(tail -3 "$DIR/run1.err")"
check_dir "$DIR/out1"
cmp -s "$DIR/out1/pred_test.json" "$DIR/out3/pred_test.json" ||
    fail "1-rank and 3-rank best models predict differently"

# ---- 3. predictions as CSV ------------------------------------------------------------------
"$HSWEEP" predict "$DIR/out3/best_model.h5" "$DIR/tiny.h5" --split test -o "$DIR/preds.csv" \
    >"$DIR/pred_csv.out" 2>"$DIR/pred_csv.err" || fail "predict -o: $(cat "$DIR/pred_csv.err")"
grep -q "^test split: .* windows, MAE" "$DIR/pred_csv.out" || fail "text output: $(cat "$DIR/pred_csv.out")"
$PY - "$DIR/preds.csv" "$DIR/out3/pred_test.json" <<'PYEOF' || fail "predictions CSV"
import csv, datetime, json, sys
rows = list(csv.reader(open(sys.argv[1])))
j = json.load(open(sys.argv[2]))
assert rows[0] == ["time", "prediction", "target"], rows[0]
assert len(rows) - 1 == j["windows"], f"{len(rows) - 1} rows, {j['windows']} windows"
times = [datetime.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S") for r in rows[1:]]
assert all(b - a == datetime.timedelta(minutes=10) for a, b in zip(times, times[1:])), "times"
# Keras windows: the last test target is row N - 1 - (L - 1) r = 6399 - 11 = 6388
assert times[-1] == datetime.datetime(2020, 1, 1, 0, 10) + datetime.timedelta(minutes=63880), times[-1]
mae = sum(abs(float(p) - float(t)) for _, p, t in rows[1:]) / (len(rows) - 1)
assert abs(mae - j["mae"]) < 1e-6, (mae, j["mae"])
PYEOF

# ---- 4. h5py reads the documented layout -----------------------------------------------------
$PY - "$DIR/out3/best_model.h5" <<'PYEOF' || fail "model file layout"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s = lambda v: v.decode() if isinstance(v, bytes) else v
assert s(f.attrs["format"]) == "hsweep-model" and int(f.attrs["format_version"]) == 1
hp = {k: (s(v) if not isinstance(v, np.ndarray) else v) for k, v in f["hparams"].attrs.items()}
want = {"cell", "units", "layers", "dropout", "recurrent_dropout", "head_dropout",
        "bidirectional", "residual", "optimizer", "learning_rate", "batch_size", "epochs",
        "patience", "clip",
        "sequence_length", "sampling_rate", "horizon", "seed"}
assert set(hp) == want, set(hp) ^ want
F = int(f.attrs["n_inputs"])
assert [s(x) for x in f.attrs["feature_names"]] == ["p (mbar)", "T (degC)", "rh (%)"]
assert s(f.attrs["target_name"]) == "T (degC)" and f.attrs["mean"].shape == (F,)
H, L, G = int(hp["units"]), int(hp["layers"]), {"lstm": 4, "gru": 3}[hp["cell"]]
dirs = ["forward", "backward"] if int(hp["bidirectional"]) else ["forward"]
D = H * len(dirs)
shapes = {}
for l in range(L):
    for d in dirs:
        I = F if l == 0 else D
        shapes[f"layer{l}/{d}/kernel"] = (I, G * H)
        shapes[f"layer{l}/{d}/recurrent_kernel"] = (H, G * H)
        shapes[f"layer{l}/{d}/bias"] = (2, 3 * H) if hp["cell"] == "gru" else (4 * H,)
shapes["head/kernel"] = (D, 1)
shapes["head/bias"] = (1,)
got = {}
f["weights"].visititems(lambda n, o: got.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
assert got == shapes, (got, shapes)
n = sum(int(np.prod(v)) for v in shapes.values())
assert n == int(f.attrs["n_params"]), (n, int(f.attrs["n_params"]))
assert all(f["weights"][k].dtype == np.float32 for k in shapes)
PYEOF

# ---- 5. resume keeps the file; a missing one is reported in one line ------------------------
sum1=$(md5sum <"$DIR/out3/best_model.h5")
"${MPIRUN[@]}" -n 2 "$HSWEEP" run "$DIR/s.yaml" --output "$DIR/out3" >/dev/null \
    2>"$DIR/resume.err" || fail "resume: $(tail -3 "$DIR/resume.err")"
[ "$(md5sum <"$DIR/out3/best_model.h5")" = "$sum1" ] || fail "resume changed best_model.h5"
grep -q best_model "$DIR/resume.err" && fail "resume complained: $(grep best_model "$DIR/resume.err")"
rm "$DIR/out3/best_model.h5"
"${MPIRUN[@]}" -n 2 "$HSWEEP" run "$DIR/s.yaml" --output "$DIR/out3" >/dev/null \
    2>"$DIR/missing.err" || fail "resume without the model: exit $?"
[ "$(grep -c "best_model.h5 is missing.*cannot be recovered without retraining" "$DIR/missing.err")" -eq 1 ] ||
    fail "missing model not reported in one line: $(cat "$DIR/missing.err")"

# ---- 6. bad inputs: one line, non-zero exit ------------------------------------------------
M="$DIR/out1/best_model.h5"
one_line() { # EXPECTED_EXIT PATTERN CMD...
    local want=$1 pat=$2
    shift 2
    "$@" >"$DIR/bad.out" 2>"$DIR/bad.err"
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "$*: exit $rc, want $want"
    [ "$(wc -l <"$DIR/bad.err")" -eq 1 ] || fail "$*: want one line, got: $(cat "$DIR/bad.err")"
    grep -q -- "$pat" "$DIR/bad.err" || fail "$*: message '$(cat "$DIR/bad.err")' lacks '$pat'"
    [ -s "$DIR/bad.out" ] && fail "$*: printed to stdout: $(cat "$DIR/bad.out")"
}
one_line 1 "cannot open" "$HSWEEP" predict "$DIR/nope.h5" "$DIR/tiny.h5"
one_line 1 "not an hsweep model: format is 'hsweep-dataset'" "$HSWEEP" predict "$DIR/tiny.h5" "$DIR/tiny.h5"
one_line 1 "not an HDF5 file" "$HSWEEP" predict "$DIR/tiny.csv" "$DIR/tiny.h5"
one_line 1 "not an hsweep dataset" "$HSWEEP" predict "$M" "$M"
one_line 1 "do not match the model's" "$HSWEEP" predict "$M" "$DIR/other.h5"
head -c 2000 "$M" >"$DIR/trunc.h5"
one_line 1 "trunc.h5" "$HSWEEP" predict "$DIR/trunc.h5" "$DIR/tiny.h5"
one_line 2 "--split" "$HSWEEP" predict "$M" "$DIR/tiny.h5" --split dev
one_line 2 "need MODEL.h5 and DATA.h5" "$HSWEEP" predict "$M"
one_line 2 "unknown flag" "$HSWEEP" predict "$M" "$DIR/tiny.h5" --bogus
one_line 1 "cannot write .*no directory" "$HSWEEP" predict "$M" "$DIR/tiny.h5" -o "$DIR/no/such/p.csv"
help=$("$HSWEEP" predict --help) || fail "predict --help exit"
for flag in --split -o --json --help; do
    grep -q -- "$flag" <<<"$help" || fail "predict --help lacks $flag"
done
"$HSWEEP" --help | grep -q "predict" || fail "hsweep --help lacks predict"

if [ "$fails" -eq 0 ]; then echo "test_mpi_export: all checks passed"; fi
[ "$fails" -eq 0 ]   # not `exit $fails`: 256 failures would wrap to 0
