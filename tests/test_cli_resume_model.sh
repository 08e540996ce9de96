#!/usr/bin/env bash
# test_cli_resume_model: resume does not depend on best_model.h5 (the journal is the truth).
# usage: test_cli_resume_model.sh HSWEEP_BINARY SCRATCH_DIR. Budget: ~30 s on 2 cores.
#   - deleted, and damaged (garbage over its HDF5 superblock, and one byte changed in the
#     middle): `hsweep run` resumes (exit 0, nothing rerun), says so in one line naming the
#     best trial and the command that gets its weights back, `hsweep train --from DIR --trial
#     ID --save DIR/best_model.h5`; that command writes a model `predict` reads, whose
#     test_mae is the journal's, and the next resume says nothing;
#   - deleted, with the best trial's record set aside (moved to journal.rejected.jsonl): the
#     resume trains it again and writes best_model.h5 for it.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"   # Open MPI (see test_cli_corrupt)
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }
cd "$DIR" || exit 1
cat >s.yaml <<'YEOF'
name: s
seed: 5
data: {path: tiny.h5, sequence_length: 8, sampling_rate: 1, horizon: 2, batch_size: 16}
fixed: {epochs: 1, cell: gru}
grid:
  units: [3, 4]
output: run
YEOF
"$HSWEEP" run s.yaml >run.out 2>&1 || fail "sweep: $(tail -n 3 run.out)"
[ -s run/best_model.h5 ] || { echo "FAIL: no best_model.h5" >&2; exit 1; }
best=$($PY - run/journal.jsonl <<'PYEOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(min((x for x in r if x["status"] == "ok"), key=lambda x: x["val_mae"])["id"])
PYEOF
)
cp run/best_model.h5 good.h5
n0=$(wc -l <run/journal.jsonl)

# resume_says WHAT PATTERN: a resume exits 0, reruns nothing, says PATTERN in exactly one
# line that names the best trial and the train command
resume_says() {
    "$HSWEEP" run s.yaml >"$1.out" 2>&1 || fail "$1: resume failed: $(tail -3 "$1.out")"
    [ "$(wc -l <run/journal.jsonl)" -eq "$n0" ] || fail "$1: trials were rerun"
    [ "$(grep -c "$2" "$1.out")" -eq 1 ] || fail "$1: no single line '$2': $(grep best_model "$1.out")"
    grep "$2" "$1.out" | grep -q "trial $best.*\`hsweep train --from run --trial $best --save run/best_model.h5\` retrains it" ||
        fail "$1: the line does not say how to get trial $best back: $(grep "$2" "$1.out")"
}

rm run/best_model.h5
resume_says deleted "best_model.h5 is missing"
[ -e run/best_model.h5 ] && fail "deleted: a best_model.h5 appeared without a better trial"

cp good.h5 run/best_model.h5
printf 'garbage garbage garbage garbage!' | dd of=run/best_model.h5 bs=1 seek=0 conv=notrunc 2>/dev/null
resume_says superblock "best_model.h5 is unreadable"

cp good.h5 run/best_model.h5
$PY - run/best_model.h5 <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0xff   # one byte of the weights or metadata
open(sys.argv[1], "wb").write(b)
PYEOF
"$HSWEEP" run s.yaml >middle.out 2>&1 || fail "middle byte: resume failed: $(tail -3 middle.out)"
[ "$(wc -l <run/journal.jsonl)" -eq "$n0" ] || fail "middle byte: trials were rerun"

# the way out it names
rm -f run/best_model.h5
"$HSWEEP" train --from run --trial "$best" --save run/best_model.h5 >train.out 2>&1 ||
    fail "train --from --save: $(tail -3 train.out)"
"$HSWEEP" predict run/best_model.h5 tiny.h5 --json >pred.json 2>pred.err || fail "predict: $(cat pred.err)"
$PY - pred.json run/journal.jsonl "$best" <<'PYEOF' || fail "the retrained model differs from the journal"
import json, sys
p = json.load(open(sys.argv[1]))
r = {x["id"]: x for x in map(json.loads, open(sys.argv[2]))}[sys.argv[3]]
assert p.get("trial_id", sys.argv[3]) == sys.argv[3], p
assert abs(p["mae"] - r["test_mae"]) <= 1e-6 * max(1, r["test_mae"]), (p["mae"], r["test_mae"])
PYEOF
"$HSWEEP" run s.yaml >again.out 2>&1 || fail "resume after retraining"
grep -q "best_model" again.out && fail "resume after retraining complained: $(grep best_model again.out)"

# the best trial's record set aside: it is trained again and best_model.h5 written for it
rm run/best_model.h5
$PY - run/journal.jsonl "$best" <<'PYEOF'
import json, sys
L = open(sys.argv[1]).read().splitlines()
for i, l in enumerate(L):
    r = json.loads(l)
    if r["id"] == sys.argv[2]:
        r["best_epoch"] = 5; L[i] = json.dumps(r, separators=(",", ":"))
open(sys.argv[1], "w").write("\n".join(L) + "\n")
PYEOF
"$HSWEEP" journal repair run >/dev/null 2>&1 || fail "repair"
"$HSWEEP" run s.yaml >rerun.out 2>&1 || fail "rerun of the best trial: $(tail -3 rerun.out)"
[ -s run/best_model.h5 ] || fail "best_model.h5 not written again by the better trial"
$PY - run/best_model.h5 "$best" <<'PYEOF' || fail "best_model.h5 holds another trial"
import h5py, sys
t = h5py.File(sys.argv[1], "r").attrs["trial_id"]
t = t.decode() if isinstance(t, bytes) else t
assert t == sys.argv[2], t
PYEOF
[ "$fails" -eq 0 ] && echo "test_cli_resume_model: all checks passed"
exit "$fails"
