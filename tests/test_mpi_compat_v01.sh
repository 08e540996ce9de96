#!/usr/bin/env bash
# test_mpi_compat_v01: run directories written by hsweep 0.1 still resume and predict.
# usage: test_mpi_compat_v01.sh HSWEEP_BINARY SCRATCH_DIR
# The fixtures in tests/fixtures/run-v0.1/ were written by the 0.1 binary (make.sh there
# says how): tiny.h5, finished/ (configs/tiny.yaml run to the end) and interrupted/ (a
# 40-epoch variant, long.yaml, stopped by SIGUSR1 with two trials journaled and two epoch
# checkpoints in ckpt/), plus reference.jsonl, the journal of an uninterrupted 0.1 run of
# long.yaml. On a copy of them this binary must:
#   - resume finished/ with zero trials rerun (same journal, byte for byte);
#   - resume interrupted/ from both checkpoints (no warning), journal the two missing trials
#     under their 0.1 ids and seeds, with the results of the uninterrupted 0.1 run (best
#     epoch and epoch count exactly, the MAEs to 1e-4 relative: kernels may change the last
#     bits from one version to the next);
#   - read both best_model.h5 files with `hsweep predict` and reproduce the test_mae the
#     journal recorded for that trial (1e-5 relative).
# Negative control: the same resume with the id-scheme record of metadata.json claiming the
# current scheme must NOT find the 0.1 trials (it is refused as another sweep), which shows
# the legacy path is what makes the resume work.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
FX=$(cd "$(dirname "$0")/fixtures/run-v0.1" && pwd)
MPIRUN=(mpirun --oversubscribe --bind-to none -n 2)
cp -r "$FX"/. "$DIR"/ || exit 1
mkdir -p "$DIR/finished/ckpt"   # git keeps no empty directory
cd "$DIR" || exit 1

# ---- finished: nothing reruns -----------------------------------------------------------
cp finished/journal.jsonl finished.before
"${MPIRUN[@]}" "$HSWEEP" run tiny.yaml >fin.out 2>fin.err || fail "resume finished: $(tail -3 fin.err)"
grep -q "resuming finished: 4 of 4 trials already finished" fin.err ||
    fail "finished: not all trials recognised: $(grep -v '^\[rank' fin.err | head -5)"
grep -q "trial .*: ok" fin.err && fail "finished: a trial was rerun: $(grep ': ok' fin.err)"
cmp -s finished.before finished/journal.jsonl || fail "finished: journal changed"

# ---- interrupted: both checkpoints used, the rest equals the uninterrupted 0.1 run -------
"${MPIRUN[@]}" "$HSWEEP" run long.yaml >int.out 2>int.err || fail "resume interrupted: $(tail -3 int.err)"
grep -q "resuming interrupted: 2 of 4 trials already finished" int.err ||
    fail "interrupted: journaled trials not recognised: $(grep -v '^\[rank' int.err | head -5)"
[ "$(grep -c 'resuming after epoch' int.err)" -eq 2 ] ||
    fail "interrupted: checkpoints not used: $(grep -c 'resuming after epoch' int.err) of 2"
grep -q warning int.err && fail "interrupted: warnings: $(grep warning int.err)"
[ -z "$(ls interrupted/ckpt)" ] || fail "interrupted: checkpoints left: $(ls interrupted/ckpt)"
$PY - reference.jsonl interrupted/journal.jsonl <<'PYEOF' || fail "interrupted: results differ from 0.1"
import json, sys
ref = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
got = [json.loads(l) for l in open(sys.argv[2])]
ids = [r["id"] for r in got]
assert len(ids) == 4 and set(ids) == set(ref), f"trial ids {ids} vs {sorted(ref)}"
for r in got:
    a = ref[r["id"]]
    assert r["hparams"]["seed"] == a["hparams"]["seed"], f"{r['id']}: seed"
    for f in ("best_epoch", "epochs_run", "status"):
        assert r[f] == a[f], f"{r['id']}: {f} {r[f]} vs {a[f]}"
    for f in ("val_mae", "test_mae", "val_loss"):
        assert abs(r[f] - a[f]) <= 1e-4 * abs(a[f]), f"{r['id']}: {f} {r[f]} vs {a[f]}"
PYEOF

# ---- predict reads the 0.1 model files ---------------------------------------------------
for d in finished interrupted; do
    "$HSWEEP" predict "$d/best_model.h5" tiny.h5 --json >"$d.pred" 2>"$d.pred.err" ||
        { fail "$d: predict: $(cat "$d.pred.err")"; continue; }
    $PY - "$d.pred" "$d/journal.jsonl" <<'PYEOF' || fail "$d: predict does not reproduce test_mae"
import json, sys
p = json.load(open(sys.argv[1]))
rec = {r["id"]: r for r in map(json.loads, open(sys.argv[2]))}[p["trial_id"]]
assert abs(p["mae"] - rec["test_mae"]) <= 1e-5 * rec["test_mae"], (p["mae"], rec["test_mae"])
PYEOF
done

# ---- a sweep 0.1's ids cannot hold is refused, and --restart starts over in today's scheme --
rm -rf newp && cp -r "$FX/finished" newp && mkdir -p newp/ckpt
sed -e 's/^output: finished$/output: newp/' -e 's/^  units: 4$/  units: 4\n  residual: true/' tiny.yaml >newp.yaml
"${MPIRUN[@]}" "$HSWEEP" run newp.yaml >newp.out 2>newp.err && fail "new parameter on a 0.1 directory accepted"
grep -q "written by hsweep 0.1.*residual.*--restart" newp.err || fail "refusal message: $(cat newp.err)"
"${MPIRUN[@]}" "$HSWEEP" run newp.yaml --restart >newp.out 2>newp.err || fail "--restart: $(tail -3 newp.err)"
grep -q '"id_scheme":2' newp/metadata.json || fail "--restart did not switch to the current id scheme"
[ "$(wc -l <newp/journal.jsonl)" -eq 4 ] || fail "--restart: $(wc -l <newp/journal.jsonl) records"

# ---- negative control: without the legacy scheme the 0.1 trials are not found ------------
rm -rf neg && cp -r "$FX/finished" neg && mkdir -p neg/ckpt
$PY - neg/metadata.json <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["sweep"]["id_scheme"] = 2
json.dump(m, open(sys.argv[1], "w"))
PYEOF
sed 's/^output: finished$/output: neg/' tiny.yaml >neg.yaml
"${MPIRUN[@]}" "$HSWEEP" run neg.yaml >neg.out 2>neg.err
if grep -q "already finished" neg.err; then
    fail "negative control: 0.1 trials found although metadata claims the current id scheme"
fi

if [ "$fails" -eq 0 ]; then echo "test_mpi_compat_v01: all checks passed"; fi
[ "$fails" -eq 0 ]
