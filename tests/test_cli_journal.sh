#!/usr/bin/env bash
# test_cli_journal: journal records are validated on read, and `hsweep journal check|repair`.
# usage: test_cli_journal.sh HSWEEP_BINARY SCRATCH_DIR
# On real run directories (synthetic cells: seconds):
#   - hand-edited records (negative val_mae, best_epoch > epochs_run, hparams that no longer
#     hash to the id) and a foreign one (another dataset's fingerprint) are listed by
#     `journal check` with line and reason (exit 1; exit 0 on a clean journal); `report`
#     says in one line that they were set aside and does not rank them (before: ranked,
#     negative val_mae first); `run` counts them in its start line and trains their trials
#     again (before: reused);
#   - a corrupt line in the middle: `report` and `run` refuse it naming its line and
#     `hsweep journal repair DIR`; repair moves it (and the invalid records) to
#     journal.rejected.jsonl, appending, so journal + side file hold every original line;
#   - repair is refused while a job of the directory is running;
#   - an ASHA journal (event lines, paused records) is clean; a bad paused record and a bad
#     epoch event are moved by repair and the resume replays the scheduler;
#   - the hsweep 0.1 run directories (id scheme 1) check clean; the same journal in a
#     directory claiming id scheme 2 does not (negative control of the id check).
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"   # Open MPI (see test_cli_corrupt)
SRC=${HSWEEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }
cd "$DIR" || exit 1
cat >g.yaml <<YEOF
name: g
seed: 5
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic, epochs: 3}
grid:
  units: [16, 64]
  dropout: [0, 0.2]
output: run
YEOF
"$HSWEEP" run g.yaml >run.out 2>&1 || fail "sweep: $(tail -n 3 run.out)"
"$HSWEEP" journal check run >check.out 2>&1 || fail "check of a clean journal: $(cat check.out)"
grep -q "run/journal.jsonl: 4 records, 0 events, 0 invalid, 0 foreign, 0 corrupt lines" check.out ||
    fail "clean check line: $(cat check.out)"

# edit DIR: lines 1..4 of DIR's journal: 2 val_mae -1, 3 best_epoch 9 (> epochs_run 3),
# 4 another dataset; and a fifth line: record 1 with units changed (the id no longer its hash)
edit() {
    $PY - "$1/journal.jsonl" <<'PYEOF'
import json, sys
p = sys.argv[1]
r = [json.loads(l) for l in open(p)]
r[1]["val_mae"] = -1.0
r[2]["best_epoch"] = 9
r[3]["dataset"] = "0123456789abcdef"
x = dict(r[0]); x["hparams"] = dict(x["hparams"]); x["hparams"]["units"] = 99; x["val_mae"] = 0.001
r.append(x)
open(p, "w").write("".join(json.dumps(o, separators=(",", ":")) + "\n" for o in r))
PYEOF
}
cp -r run e && edit e || fail "edit"
ids=$($PY -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1])))' e/journal.jsonl)
set -- $ids
"$HSWEEP" journal check e >check.out 2>check.err
[ $? -eq 1 ] || fail "check of a bad journal: want exit 1: $(cat check.out check.err)"
grep -q "^e/journal.jsonl:2: invalid: trial $2: val_mae -1 is negative$" check.out || fail "line 2: $(cat check.out)"
grep -q "^e/journal.jsonl:3: invalid: trial $3: best_epoch 9 > epochs_run 3$" check.out || fail "line 3: $(cat check.out)"
grep -q "^e/journal.jsonl:4: foreign: trial $4: trained on dataset 0123456789abcdef" check.out ||
    fail "line 4: $(cat check.out)"
grep -q "^e/journal.jsonl:5: invalid: trial $1: id $1 is not the hash of its hparams" check.out ||
    fail "line 5: $(cat check.out)"
grep -q "5 records, 0 events, 3 invalid, 1 foreign, 0 corrupt lines" check.out || fail "counts: $(cat check.out)"

# report: one line, nothing of them ranked (the edited val_mae 0.001 and -1 would be first)
"$HSWEEP" report e >rep.out 2>rep.err || fail "report: $(cat rep.err)"
[ "$(grep -c "set aside" rep.err)" -eq 1 ] || fail "report: no single set-aside line: $(cat rep.err)"
grep -q "4 journal records set aside (3 invalid, 1 foreign; first e/journal.jsonl:2: trial $2: val_mae -1 is negative); \`hsweep journal check e\` lists them" rep.err ||
    fail "report line: $(cat rep.err)"
for id in $2 $3 $4; do grep -q "${id:0:8}" rep.out && fail "report ranks set-aside trial $id"; done
grep -q -- "-1\.0000\|0\.0010" rep.out && fail "report shows an edited metric"
grep -q "${1:0:8}" rep.out || fail "report lost the valid record of trial $1"

# run: counted in the start line, their trials trained again
cp -r e e2
"$HSWEEP" run g.yaml --output e2 >run2.out 2>&1 || fail "resume: $(tail -3 run2.out)"
# (the record whose hparams no longer hash to its id is checked by the reuse rule: it does not
# match its trial, whose first record stands)
grep -q "resuming e2: 1 of 4 trials already finished; 1 reused, 3 new, 0 no longer in the sweep; 3 journal records set aside (2 invalid, 1 foreign" run2.out ||
    fail "run start line: $(head -3 run2.out)"
[ "$(wc -l <e2/journal.jsonl)" -eq 8 ] || fail "resume: want 8 lines (5 + 3 rerun): $(wc -l <e2/journal.jsonl)"

# repair: moved, appended, nothing lost; then clean
n0=$(wc -l <e/journal.jsonl)
cat e/journal.jsonl >e.orig
"$HSWEEP" journal repair e >rep1.out 2>&1 || fail "repair: $(cat rep1.out)"
grep -q "moved 4 lines (3 invalid, 1 foreign, 0 corrupt) to e/journal.rejected.jsonl" rep1.out || fail "repair line: $(cat rep1.out)"
[ "$(wc -l <e/journal.jsonl)" -eq 1 ] && [ "$(wc -l <e/journal.rejected.jsonl)" -eq 4 ] ||
    fail "after repair: $(wc -l e/journal.jsonl e/journal.rejected.jsonl)"
[ "$(cat e/journal.jsonl e/journal.rejected.jsonl | sort | sha256sum)" = "$(sort e.orig | sha256sum)" ] ||
    fail "repair changed or lost a line"
"$HSWEEP" journal check e >/dev/null || fail "check after repair"
"$HSWEEP" journal repair e >rep2.out 2>&1 || fail "repair of a clean journal: $(cat rep2.out)"
grep -q "nothing to move" rep2.out || fail "second repair: $(cat rep2.out)"

# a corrupt line in the middle: refused naming the repair, then repaired (appending)
cp -r run c
sed -i '2s/.*/{"v":1,"id":garbage/' c/journal.jsonl
"$HSWEEP" report c >/dev/null 2>rc.err && fail "report accepted a corrupt middle line"
grep -q "c/journal.jsonl:2:.*corrupt journal record.*\`hsweep journal repair c\` moves it to journal.rejected.jsonl" rc.err ||
    fail "report's refusal: $(cat rc.err)"
"$HSWEEP" run g.yaml --output c >runc.out 2>&1 && fail "run accepted a corrupt middle line"
grep -q "\`hsweep journal repair c\`" runc.out || fail "run's refusal: $(tail -2 runc.out)"
echo '{"kept":"from before"}' >c/journal.rejected.jsonl
"$HSWEEP" journal check c >cc.out; [ $? -eq 1 ] || fail "check of a corrupt line: want 1"
grep -q "^c/journal.jsonl:2: corrupt: corrupt line" cc.out || fail "check corrupt: $(cat cc.out)"
"$HSWEEP" journal repair c >/dev/null 2>&1 || fail "repair of a corrupt line"
[ "$(head -1 c/journal.rejected.jsonl)" = '{"kept":"from before"}' ] && grep -q garbage c/journal.rejected.jsonl ||
    fail "side file not appended: $(cat c/journal.rejected.jsonl)"
"$HSWEEP" report c >/dev/null 2>&1 || fail "report after repair"
"$HSWEEP" run g.yaml --output c >runc2.out 2>&1 || fail "run after repair: $(tail -2 runc2.out)"
grep -q "3 reused, 1 new" runc2.out || fail "run after repair: $(head -2 runc2.out)"

# refused while a job runs here (a heartbeat file of a live process, written just now)
cp -r e live
job=$(ls live/jobs | head -1)
$PY - "live/jobs/$job" "$$" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1])); j["state"] = "running"; j["pid"] = int(sys.argv[2])
json.dump(j, open(sys.argv[1], "w"))
PYEOF
echo '{"v":1,"id":bad' >>live/journal.jsonl
echo '{"v":1,"id":"0"}' >>live/journal.jsonl
"$HSWEEP" journal repair live >lv.out 2>&1 && fail "repair ran while a job is running"
grep -q "job .* is still running here" lv.out || fail "live refusal: $(cat lv.out)"

# ASHA: event lines and paused records are valid; a bad one of each is moved, resume replays
cat >a.yaml <<YEOF
name: a
seed: 5
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic}
grid:
  units: [16, 64, 256]
  dropout: [0, 0.2, 0.4]
scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction: 3}
output: ra
YEOF
"$HSWEEP" run a.yaml >a.out 2>&1 || fail "asha: $(tail -3 a.out)"
grep -q '"status":"paused"' ra/journal.jsonl || fail "asha journal has no paused record"
"$HSWEEP" journal check ra >ac.out || fail "asha journal not clean: $(cat ac.out)"
grep -q "0 invalid, 0 foreign, 0 corrupt" ac.out || fail "asha check: $(cat ac.out)"
$PY - ra/journal.jsonl <<'PYEOF'
import json, sys
p = sys.argv[1]
L = open(p).read().splitlines()
for i, l in enumerate(L):
    r = json.loads(l)
    if "event" not in r and r["status"] == "paused":
        r["val_mae"] = -5; L[i] = json.dumps(r, separators=(",", ":")); break
L.insert(5, '{"v":1,"event":"epoch","id":"0123456789abcdef","epoch":0,"val_loss":1,"val_mae":1,"decision":"pause"}')
open(p, "w").write("\n".join(L) + "\n")
PYEOF
"$HSWEEP" journal check ra >ac2.out; [ $? -eq 1 ] || fail "asha: bad lines not found"
grep -q "val_mae -5 is negative" ac2.out && grep -q "epoch event with epoch 0" ac2.out || fail "asha check: $(cat ac2.out)"
"$HSWEEP" journal repair ra >/dev/null 2>&1 || fail "asha repair"
"$HSWEEP" run a.yaml >a2.out 2>&1 || fail "asha resume after repair: $(tail -3 a2.out)"
grep -q "scheduler rebuilt from [0-9]* journal events" a2.out || fail "asha resume: $(head -3 a2.out)"
"$HSWEEP" journal check ra >/dev/null || fail "asha after resume"

# hsweep 0.1 directories: id scheme 1 is valid there; claimed as scheme 2 it is not
for d in finished interrupted; do
    "$HSWEEP" journal check "$SRC/tests/fixtures/run-v0.1/$d" >v1.out 2>&1 || fail "0.1 $d: $(cat v1.out)"
done
cp -r "$SRC/tests/fixtures/run-v0.1/finished" v2
$PY - v2/metadata.json <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1])); m["sweep"]["id_scheme"] = 2
json.dump(m, open(sys.argv[1], "w"))
PYEOF
"$HSWEEP" journal check v2 >v2.out; [ $? -eq 1 ] || fail "negative control: V1 ids accepted as V2"
grep -q "4 records, 0 events, 4 invalid" v2.out || fail "negative control: $(tail -1 v2.out)"

# without metadata.json (not a directory run made) the id scheme is unknown: ranges only
mkdir nometa && cp e.orig nometa/journal.jsonl
"$HSWEEP" journal check nometa >nm.out; [ $? -eq 1 ] || fail "no metadata: want exit 1"
grep -q "5 records, 0 events, 2 invalid, 0 foreign" nm.out || fail "no metadata: $(tail -1 nm.out)"
"$HSWEEP" journal check nowhere >/dev/null 2>&1; [ $? -eq 2 ] || fail "no journal: want exit 2"
"$HSWEEP" journal frob run >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad subcommand: want exit 2"
[ "$fails" -eq 0 ] && echo "test_cli_journal: all checks passed"
exit "$fails"
