#!/usr/bin/env bash
# test_mpi_study: a run directory as a study shared over time and by several jobs.
# usage: test_mpi_study.sh HSWEEP_BINARY SCRATCH_DIR
# Covers (docs/study.md): a dataset changed under a finished sweep is refused naming both
# fingerprints; growing and shrinking a grid reuses exactly the unchanged ids (their journal
# lines untouched, and equal to a fresh run's), a new sweep seed reuses nothing; three
# concurrent 1-rank jobs and one 2-rank job finish a 24-trial sweep with every trial
# journaled once while `hsweep status` shows them; a job stopped with SIGSTOP has its trial
# taken over after the heartbeat timeout from its checkpoint, and its late result is
# discarded when it continues; kill -9 of a job mid-trial, another picks its trial up;
# a stalled rank (SIGSTOP) inside a 3-rank job has its trial handed to another rank, status
# shows it, and the run ends with a message instead of hanging.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
MPIRUN=(timeout 600 mpirun --oversubscribe --bind-to none)

tiny_dataset || fail "prep"

# sweep FILE NAME OUTPUT GRID_YAML [EXTRA_YAML]: a sweep on tiny.h5
sweep() {
    cat >"$1" <<YEOF
name: $2
seed: ${SEED:-3}
data: {path: tiny.h5, sequence_length: 8, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {epochs: ${EPOCHS:-2}, units: ${UNITS:-4}}
grid:
$4
output: $3
${5:-}
YEOF
}

# journal_once DIR N: N records, every id once
journal_once() {
    $PY - "$1/journal.jsonl" "$2" <<'PYEOF'
import json, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
c = collections.Counter(r["id"] for r in recs)
dup = [k for k, v in c.items() if v > 1]
assert not dup, f"journaled more than once: {dup}"
assert len(recs) == int(sys.argv[2]), f"{len(recs)} records, want {sys.argv[2]}"
PYEOF
}

# ---- 1. a changed dataset is refused ------------------------------------------------------
sweep "$DIR/d.yaml" ds "$DIR/outd" "  cell: [gru, lstm]"
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/d.yaml" >/dev/null 2>"$DIR/d1.err" || fail "dataset run: $(tail -3 "$DIR/d1.err")"
mv "$DIR/tiny.h5" "$DIR/tiny3.h5"
"$HSWEEP" prep "$DIR/tiny.csv" -o "$DIR/tiny.h5" --features "p (mbar),T (degC)" --quiet || fail "prep 2 features"
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/d.yaml" >/dev/null 2>"$DIR/d2.err"
rc=$?
[ "$rc" -eq 1 ] || fail "changed dataset: exit $rc, want 1"
grep -q "holds results on dataset sha256 [0-9a-f]* 6400x3 .* is sha256 [0-9a-f]* 6400x2 .*--restart" "$DIR/d2.err" ||
    fail "changed dataset message: $(cat "$DIR/d2.err")"
[ "$(grep -c "^hsweep" "$DIR/d2.err")" -eq 1 ] || fail "changed dataset: want one line: $(cat "$DIR/d2.err")"
mv "$DIR/tiny3.h5" "$DIR/tiny.h5"

# ---- 2. grow, shrink, reseed: reuse exactly the unchanged ids -------------------------------
sweep "$DIR/g1.yaml" grow "$DIR/outg" "  cell: [gru, lstm]
  learning_rate: [1e-3, 1e-2]"
sweep "$DIR/g2.yaml" grow "$DIR/outg" "  cell: [gru, lstm]
  learning_rate: [1e-3, 3e-3, 1e-2]"
sweep "$DIR/g3.yaml" grow "$DIR/outg" "  cell: [gru, lstm]
  learning_rate: [1e-3]"
"${MPIRUN[@]}" -n 2 "$HSWEEP" run "$DIR/g1.yaml" >/dev/null 2>"$DIR/g1.err" || fail "g1: $(tail -3 "$DIR/g1.err")"
cp "$DIR/outg/journal.jsonl" "$DIR/g1.jsonl"
"${MPIRUN[@]}" -n 2 "$HSWEEP" run "$DIR/g2.yaml" >/dev/null 2>"$DIR/g2.err" || fail "g2: $(tail -3 "$DIR/g2.err")"
grep -q "4 reused, 2 new, 0 no longer in the sweep" "$DIR/g2.err" || fail "grow start line: $(grep reused "$DIR/g2.err")"
journal_once "$DIR/outg" 6 || fail "grow journal"
cmp -s "$DIR/g1.jsonl" <(head -n 4 "$DIR/outg/journal.jsonl") || fail "the 4 reused records changed"
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/g3.yaml" >"$DIR/g3.out" 2>"$DIR/g3.err" || fail "g3: $(tail -3 "$DIR/g3.err")"
grep -q "2 reused, 0 new, 4 no longer in the sweep" "$DIR/g3.err" || fail "shrink start line: $(grep reused "$DIR/g3.err")"
journal_once "$DIR/outg" 6 || fail "shrink: the journal keeps every record"
rows=$(($(wc -l <"$DIR/outg/results.csv") - 1))
[ "$rows" -eq 2 ] || fail "shrink: results.csv has $rows rows, want 2"
grep -q "^0 trials finished in this run" "$DIR/g3.out" || fail "shrink reran a trial"
# the reused records are what a fresh run computes (bit-identical metrics and histories)
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/g2.yaml" --output "$DIR/outg_fresh" >/dev/null 2>&1 || fail "fresh g2"
$PY - "$DIR/outg/journal.jsonl" "$DIR/outg_fresh/journal.jsonl" <<'PYEOF' || fail "reused records differ from a fresh run"
import json, sys
a = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
b = {r["id"]: r for r in map(json.loads, open(sys.argv[2]))}
assert set(b) <= set(a), "trials missing"
for k in b:
    for f in ("val_mae", "test_mae", "val_loss", "history", "status", "best_epoch", "hparams", "dataset"):
        assert a[k][f] == b[k][f], f"trial {k}: {f} differs"
PYEOF
SEED=4 sweep "$DIR/g4.yaml" grow "$DIR/outg" "  cell: [gru, lstm]
  learning_rate: [1e-3]"
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/g4.yaml" >/dev/null 2>"$DIR/g4.err" || fail "g4: $(tail -3 "$DIR/g4.err")"
grep -q "0 reused, 2 new, 4 no longer in the sweep, 2 rerun with another seed" "$DIR/g4.err" ||
    fail "reseed start line: $(grep reused "$DIR/g4.err")"

# ---- 3. four concurrent jobs (1, 1, 1 and 2 ranks) on one 24-trial study --------------------
EPOCHS=40 UNITS=16 sweep "$DIR/m.yaml" multi "$DIR/outm" "  cell: [gru, lstm]
  learning_rate: [1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2]
  layers: [1, 2]"
pids=()
for k in 1 2 3; do
    "${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/m.yaml" >"$DIR/m$k.out" 2>"$DIR/m$k.err" &
    pids+=($!)
done
"${MPIRUN[@]}" -n 2 "$HSWEEP" run "$DIR/m.yaml" >"$DIR/m4.out" 2>"$DIR/m4.err" &
pids+=($!)
# hsweep status while they run
seen=0
for _ in $(seq 1 600); do
    # both forms taken while the jobs run (the second may come too late: then try again)
    if "$HSWEEP" status "$DIR/outm" >"$DIR/status.txt" 2>&1 &&
        grep -q "^job .*: running, " "$DIR/status.txt" && grep -q "  rank 0: trial [0-9a-f]\{16\} epoch" "$DIR/status.txt" &&
        "$HSWEEP" status "$DIR/outm" --json >"$DIR/status.json" && grep -q '^{"state":"running"' "$DIR/status.json"; then
        seen=1
        break
    fi
    sleep 0.1
done
[ "$seen" -eq 1 ] || fail "hsweep status never showed a running job: $(cat "$DIR/status.txt")"
$PY - "$DIR/status.json" <<'PYEOF' || fail "status --json content"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["state"] == "running" and s["total"] == 24, s
assert s["pending"] + s["running"] + s["done"] + s["failed"] == 24, s
assert any(j["state"] == "running" and j["workers"] for j in s["jobs"]), s["jobs"]
PYEOF
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent job failed: $(tail -2 "$DIR"/m*.err)"; done
journal_once "$DIR/outm" 24 || fail "concurrent jobs: journal"
owners=$($PY -c "import json,sys; print(len({json.loads(l)['owner'].split('/')[0] for l in open(sys.argv[1])}))" "$DIR/outm/claims.jsonl")
[ "$owners" -ge 2 ] || fail "only $owners job(s) claimed trials"
"$HSWEEP" status "$DIR/outm" | head -1 | grep -q "finished: 24/24 finished" || fail "final status: $("$HSWEEP" status "$DIR/outm")"
echo "4 jobs shared 24 trials ($owners jobs claimed some)"

# ---- 4. a stopped job's trial is taken over after the timeout, from its checkpoint ----------
EPOCHS=60 UNITS=32 sweep "$DIR/s.yaml" stop "$DIR/outs" "  learning_rate: [1e-3, 2e-3, 3e-3]"
# job_trial DIR JOB_PID: the trial that job's rank 0 trains (from its heartbeat file), at epoch >= 1
job_trial() {
    $PY - "$1" "$2" <<'PYEOF'
import json, sys, glob
for f in glob.glob(sys.argv[1] + "/jobs/*.json"):
    j = json.load(open(f))
    if str(j["pid"]) == sys.argv[2] and j["workers"] and j["workers"][0]["epoch"] >= 1:
        print(j["workers"][0]["trial"])
PYEOF
}
# wait_victim SWEEP OUTDIR: sets rpid (the rank of the one-rank job running SWEEP) and victim
# (its trial) once that trial has finished an epoch; fails after 90 s
wait_victim() {
    victim=""
    for _ in $(seq 1 900); do
        rpid=$(pgrep -f "^[^ ]*hsweep run $1" | head -1)
        [ -n "$rpid" ] && victim=$(job_trial "$2" "$rpid")
        [ -n "$victim" ] && return 0
        sleep 0.1
    done
    return 1
}
setsid "${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/s.yaml" --heartbeat-timeout 3 >"$DIR/s1.out" 2>"$DIR/s1.err" &
spid=$!
wait_victim "$DIR/s.yaml" "$DIR/outs" || fail "the first job never reached an epoch"
kill -STOP "$rpid"   # the job's only rank: it stops heartbeating
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/s.yaml" --heartbeat-timeout 3 >"$DIR/s2.out" 2>"$DIR/s2.err" ||
    fail "second job: $(tail -3 "$DIR/s2.err")"
grep -q "trial $victim: job .* has not sent a heartbeat for .* taking its trial over" "$DIR/s2.err" ||
    fail "no takeover of $victim: $(grep -i 'heartbeat\|taking' "$DIR/s2.err")"
grep -q "trial $victim: resuming after epoch [1-9]" "$DIR/s2.err" || fail "takeover did not use the checkpoint"
journal_once "$DIR/outs" 3 || fail "stopped job: journal"
kill -CONT "$rpid"
wait "$spid" || fail "the stopped job failed after SIGCONT: $(tail -3 "$DIR/s1.err")"
grep -q "trial $victim: another rank or job journaled it first; this result is discarded" "$DIR/s1.err" ||
    fail "late result not discarded: $(tail -3 "$DIR/s1.err")"
journal_once "$DIR/outs" 3 || fail "late result journaled"

# ---- 5. kill -9 of a job mid-trial: another job continues its trial --------------------------
EPOCHS=60 UNITS=32 sweep "$DIR/k.yaml" kill "$DIR/outk" "  learning_rate: [1e-3, 2e-3]"
setsid "${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/k.yaml" --heartbeat-timeout 3 >/dev/null 2>"$DIR/k1.err" &
kpid=$!
wait_victim "$DIR/k.yaml" "$DIR/outk" || fail "the job to kill never reached an epoch"
kill -9 "$rpid"   # the job's only rank (mpirun then ends the job)
wait "$kpid" 2>/dev/null
"${MPIRUN[@]}" -n 1 "$HSWEEP" run "$DIR/k.yaml" --heartbeat-timeout 3 >/dev/null 2>"$DIR/k2.err" ||
    fail "after kill -9: $(tail -3 "$DIR/k2.err")"
grep -Eq "trial $victim: job .* (ended without finishing it|has not sent a heartbeat)" "$DIR/k2.err" ||
    fail "kill -9: no takeover: $(cat "$DIR/k2.err" | head -5)"
grep -q "trial $victim: resuming after epoch [1-9]" "$DIR/k2.err" || fail "kill -9: checkpoint not used"
journal_once "$DIR/outk" 2 || fail "kill -9: journal"

# ---- 6. a stalled rank inside a job: handed over, shown, and the run ends -------------------
EPOCHS=60 UNITS=32 sweep "$DIR/t.yaml" stall "$DIR/outt" "  learning_rate: [1e-3, 2e-3, 3e-3, 4e-3]"
"${MPIRUN[@]}" -n 3 "$HSWEEP" run "$DIR/t.yaml" --heartbeat-timeout 3 >"$DIR/t.out" 2>"$DIR/t.err" &
tpid=$!
stopped=""
for _ in $(seq 1 900); do
    # a worker rank (not rank 0, whose pid names the job file) that is training
    r0=$(ls "$DIR/outt/jobs" 2>/dev/null | sed -n 's/.*\.\([0-9]*\)\.json$/\1/p' | head -1)
    if [ -n "$r0" ] && $PY - "$DIR/outt" <<'PYEOF'
import json, sys, glob
j = json.load(open(glob.glob(sys.argv[1] + "/jobs/*.json")[0]))
sys.exit(0 if sum(1 for w in j["workers"] if w["rank"] > 0 and w["trial"]) == 2 else 1)
PYEOF
    then
        stopped=$(pgrep -f "^[^ ]*hsweep run $DIR/t.yaml" | grep -v "^$r0$" | head -1)
        break
    fi
    sleep 0.1
done
[ -n "$stopped" ] || fail "no worker rank to stop"
kill -STOP "$stopped"
shown=0
for _ in $(seq 1 300); do
    "$HSWEEP" status "$DIR/outt" >"$DIR/tstatus.txt" 2>&1
    grep -q "STALLED" "$DIR/tstatus.txt" && { shown=1; break; }
    sleep 0.1
done
[ "$shown" -eq 1 ] || fail "status does not show the stalled rank: $(cat "$DIR/tstatus.txt")"
wait "$tpid"
rc=$?
kill -9 "$stopped" 2>/dev/null
[ "$rc" -eq 0 ] || fail "stalled run: exit $rc: $(tail -3 "$DIR/t.err")"
grep -q "rank [12] is stalled; its trial is handed to another rank" "$DIR/t.err" || fail "stall not reported: $(tail -5 "$DIR/t.err")"
grep -q "ends without waiting for it" "$DIR/t.err" || fail "no end message: $(tail -5 "$DIR/t.err")"
journal_once "$DIR/outt" 4 || fail "stalled run: journal"

# ---- usage --------------------------------------------------------------------------------
"$HSWEEP" status >/dev/null 2>&1; [ $? -eq 2 ] || fail "status without DIR: want exit 2"
"$HSWEEP" status "$DIR/nowhere" >/dev/null 2>"$DIR/st.err"; [ $? -eq 1 ] || fail "status of a non-directory: want 1"
grep -q "not a run directory" "$DIR/st.err" || fail "status message: $(cat "$DIR/st.err")"

if [ "$fails" -eq 0 ]; then echo "test_mpi_study: all checks passed"; fi
[ "$fails" -eq 0 ]
