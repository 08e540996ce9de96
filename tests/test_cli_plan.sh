#!/usr/bin/env bash
# test_cli_plan: `hsweep plan` on generated sweeps and on every example in configs/.
# $1 = hsweep binary, $2 = scratch directory. Exits non-zero on the first failure.
set -u
HSWEEP=$1
DIR=$2
SRC=${HSWEEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
rm -rf "$DIR" && mkdir -p "$DIR/configs" "$DIR/data" || exit 1
cd "$DIR" || exit 1

fail() { echo "FAIL: $*" >&2; exit 1; }

# A small dataset in the `hsweep prep` layout (real HDF5 when h5py is available, so the test
# also holds once plan reads the dataset's metadata; sweepcfg itself only needs the file).
make_h5() {
    if /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
        /usr/bin/python3 - "$1" <<'PY' || return 1
import sys, h5py, numpy as np
n, f = 8000, 14
rng = np.random.default_rng(0)
with h5py.File(sys.argv[1], "w") as h:
    h["features"] = rng.standard_normal((n, f)).astype(np.float32)
    h["target"] = rng.standard_normal(n).astype(np.float32)
    h["time"] = (np.arange(n, dtype=np.int64) * 600)
    a = h.attrs
    a["format"] = "hsweep-dataset"; a["format_version"] = 1
    a["feature_names"] = [("f%d" % i).encode() for i in range(f)]
    a["target_name"] = "T (degC)"
    a["mean"] = np.zeros(f); a["std"] = np.ones(f)
    a["n_train"] = np.int64(n // 2); a["n_val"] = np.int64(n // 4)
    a["n_test"] = np.int64(n - n // 2 - n // 4)
    a["source_file"] = "generated"; a["source_sha256"] = "0" * 64
    a["cleaning_log"] = ""; a["created_by"] = "test_cli_plan"
PY
    else
        : > "$1"
    fi
}

make_h5 data/jena2020.h5 || fail "cannot make the dataset"
cp data/jena2020.h5 data/jena_climate_2009_2016.h5
cp data/jena2020.h5 configs/tiny.h5
cp "$SRC"/configs/*.yaml configs/ || fail "no configs in $SRC/configs"

# --help and usage
"$HSWEEP" plan --help | grep -q "usage: hsweep plan" || fail "--help"
"$HSWEEP" plan >/dev/null 2>&1; [ $? -eq 2 ] || fail "no argument must exit 2"
"$HSWEEP" plan --bogus x.yaml >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown flag must exit 2"

# every shipped example validates (every file in configs/, so a new one cannot be forgotten)
for y in "$SRC"/configs/*.yaml; do
    f=$(basename "$y" .yaml)
    "$HSWEEP" plan "configs/$f.yaml" > "plan_$f.txt" 2> "plan_$f.err" ||
        fail "configs/$f.yaml: $(cat "plan_$f.err")"
done
for f in asha hyperband median tpe search_grid; do
    "$HSWEEP" plan "configs/$f.yaml" > "plan_$f.txt" 2> "plan_$f.err" ||
        fail "configs/$f.yaml: $(cat "plan_$f.err")"
done
grep -q "^scheduler asha: rungs at 1, 3, 9, 27 epochs, reduction 3" plan_asha.txt ||
    fail "asha plan line: $(grep scheduler plan_asha.txt)"
grep -q "^scheduler hyperband: .*4 brackets" plan_hyperband.txt || fail "hyperband plan line"
grep -q "^scheduler median: grace 3 epochs" plan_median.txt || fail "median plan line"
grep -q "^sampler tpe: 10 random draws first" plan_tpe.txt || fail "tpe plan line"
grep -q "^60 trials" plan_tpe.txt || fail "tpe.yaml must draw 60 configurations"
grep -q "^81 trials" plan_search_grid.txt || fail "search_grid.yaml must have 81 trials"
grep -q "^scheduler" plan_search_grid.txt && fail "no scheduler line without a scheduler"
grep -q "^16 trials" plan_default.txt || fail "default.yaml must have 16 trials"
grep -q "^4 trials" plan_tiny.txt || fail "tiny.yaml must have 4 trials"
grep -q "^output runs/tiny" plan_tiny.txt || fail "output directory"
grep -Eq "hash [0-9a-f]{16}" plan_tiny.txt || fail "sweep hash"
grep -q "swept: cell learning_rate" plan_tiny.txt || fail "swept axes"

# a generated sweep: 3 x 3 grid x 2 repeats, one excluded point
cat > gen.yaml <<'Y'
name: gen
data: {path: data/jena2020.h5, sequence_length: 8, sampling_rate: 2, horizon: 3}
grid:
  units: [4, 8, 16]
  cell: [gru, lstm, dense]
exclude:
  - {units: 16, cell: dense}
repeats: 2
Y
"$HSWEEP" plan gen.yaml > gen.txt || fail "plan gen.yaml"
grep -q "^16 trials" gen.txt || fail "gen: expected 16 trials, got: $(tail -1 gen.txt)"
"$HSWEEP" plan --json gen.yaml > gen.json || fail "plan --json"
grep -q '"n_trials":16' gen.json || fail "json count"
if /usr/bin/python3 -c 'import json' 2>/dev/null; then
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["trials"])==16 and d["swept"]==["cell","units"], d["swept"]' gen.json ||
        fail "json does not parse or is wrong"
fi
# same sweep, reformatted: same hash
sed -e 's/\[4, 8, 16\]/[4,8,16]  # comment/' gen.yaml > gen2.yaml
h1=$(grep -Eo 'hash [0-9a-f]{16}' gen.txt)
h2=$("$HSWEEP" plan gen2.yaml | grep -Eo 'hash [0-9a-f]{16}')
[ "$h1" = "$h2" ] || fail "reformatting changed the hash ($h1 vs $h2)"

# errors: exit 1 with file:line:col
cat > bad.yaml <<'Y'
data: {path: data/jena2020.h5}
grid:
  units: [16]
  dropuot: [0.1]
Y
"$HSWEEP" plan bad.yaml > /dev/null 2> bad.err; rc=$?
[ $rc -eq 1 ] || fail "bad.yaml: exit $rc"
grep -q "bad.yaml:4:3: unknown key 'dropuot' (did you mean 'dropout'?)" bad.err ||
    fail "bad.yaml message: $(cat bad.err)"

printf 'data: {path: data/jena2020.h5}\ngrid:\n  units: [16, 32\n  cell: [gru]\n' > syntax.yaml
"$HSWEEP" plan syntax.yaml > /dev/null 2> syntax.err; rc=$?
[ $rc -eq 1 ] || fail "syntax.yaml: exit $rc"
grep -Eq "syntax.yaml:[0-9]+:[0-9]+: YAML syntax error" syntax.err || fail "syntax: $(cat syntax.err)"

printf 'data: {path: missing.h5}\n' > nodata.yaml
"$HSWEEP" plan nodata.yaml > /dev/null 2> nodata.err; rc=$?
[ $rc -eq 1 ] || fail "missing dataset: exit $rc"
grep -q "nodata.yaml:1:14: dataset 'missing.h5' not found" nodata.err || fail "nodata: $(cat nodata.err)"

"$HSWEEP" plan does_not_exist.yaml > /dev/null 2>&1; [ $? -eq 1 ] || fail "missing sweep file"

# a window that fits the training split but not the val split (2,000 rows) is refused, as
# `run` would fail each of its trials
if [ -s data/jena2020.h5 ]; then
    printf 'data: {path: data/jena2020.h5, sampling_rate: 1, horizon: 3}\ngrid:\n  sequence_length: [8, 2100, 2200]\n' > long.yaml
    "$HSWEEP" plan long.yaml > /dev/null 2> long.err; rc=$?
    [ $rc -eq 1 ] || fail "long windows: exit $rc"
    grep -q "^long.yaml: the val split has no complete window: .* sequence_length 2100, sampling_rate 1, delay 2102 (1 trial would fail in .hsweep run.)$" long.err ||
        fail "long windows message: $(cat long.err)"
    [ "$(wc -l < long.err)" -eq 2 ] || fail "one line per failing window setting: $(cat long.err)"
fi

# --ranks: the longest-first schedule of the trials' costs at the (assumed) throughput
"$HSWEEP" plan --json --ranks 3 gen.yaml > est.json || fail "plan --ranks --json"
"$HSWEEP" plan --ranks 3 gen.yaml > est.txt || fail "plan --ranks"
grep -q "^on 3 ranks: about .* assumed (uncalibrated: use --from DIR)" est.txt || fail "estimate line: $(tail -3 est.txt)"
/usr/bin/python3 - est.json <<'PY' || fail "--ranks estimate differs from a longest-first schedule"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["estimate"]
secs = sorted((t["cost_flops"] / e["flops_per_s"] for t in d["trials"]), reverse=True)
ranks = [0.0] * e["ranks"]
for s in secs:
    k = ranks.index(min(ranks))
    ranks[k] += s
assert abs(max(ranks) - e["wall_s"]) <= 1e-5 * e["wall_s"], (max(ranks), e)
assert e["lower_bound_s"] <= e["wall_s"] and not e["calibrated"]
PY
# --from: a journal whose trials took cost / 2 GFLOP/s gives a throughput of 2 GFLOP/s
if [ -s data/jena2020.h5 ]; then
    mkdir -p prev
    /usr/bin/python3 - est.json prev <<'PY' || fail "make the calibration journal"
import json, sys
d = json.load(open(sys.argv[1]))
with open(sys.argv[2] + "/journal.jsonl", "w") as f:
    for t in d["trials"]:
        hp = dict(t["params"]); hp["seed"] = t["seed"]
        r = {"v": 1, "id": t["id"], "repeat": t["repeat"], "status": "ok", "reason": "", "hparams": hp,
             "val_mae": 1, "val_loss": 1, "test_mae": 1, "best_epoch": hp["epochs"], "epochs_run": hp["epochs"],
             "wall_s": t["cost_flops"] / 2e9, "rank": 0, "n_params": 10,
             "history": {"loss": [], "mae": [], "val_loss": [], "val_mae": []}}
        f.write(json.dumps(r) + "\n")
json.dump({"format": "hsweep-metadata", "sweep": {"name": "prev", "hash": "x", "metric": "val_mae"},
           "dataset": {"n_train": d["train_rows"]}}, open(sys.argv[2] + "/metadata.json", "w"))
PY
    "$HSWEEP" plan --json --ranks 3 --from prev gen.yaml > cal.json 2> cal.err || fail "plan --from: $(cat cal.err)"
    /usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["estimate"]; assert e["calibrated"] and e["calibration_trials"]==16 and abs(e["flops_per_s"]/2e9-1)<1e-4, e' cal.json ||
        fail "calibrated throughput is not 2 GFLOP/s: $(grep -o '"estimate":{[^}]*}' cal.json)"
    "$HSWEEP" plan --from prev gen.yaml > /dev/null 2>&1; [ $? -eq 2 ] || fail "--from without --ranks must exit 2"
fi
echo "test_cli_plan: ok"
