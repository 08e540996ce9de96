#!/usr/bin/env bash
# test_mpi_search: the `scheduler:` section through `hsweep run` (sweep/policy_search.h), on
# the synthetic cell (microseconds per epoch; the time goes to fsyncs). Budget: ~2.5 min on 2
# cores.
#   - a 1-rank ASHA sweep is reproducible bit for bit (events and records, wall times aside);
#   - kill -9 of a 1-rank sweep mid-way, then the same command: the rung decisions and every
#     epoch's values equal the uninterrupted run's, no rung result is lost, nothing finished
#     reruns;
#   - a 3-rank ASHA sweep finishes; rerunning it replays the journal (every decision must
#     come out as journaled) and changes nothing; a journal whose decision was altered is
#     refused (negative control);
#   - idle_promotion on 3 ranks: finishes, a rerun replays it exactly (a yield between rungs
#     included when one of up to 8 seeds gives one: it depends on the completion order);
#   - hyperband and median run on 3 ranks;
#   - TPE + ASHA (trials drawn while the sweep runs): two 1-rank runs give identical
#     journals (timings aside); kill -9 and the same command rebuild TPE's history and the
#     scheduler and give the uninterrupted run's draws and decisions, nothing finished
#     reruns; 3 ranks finish (workers train trials they never expanded) and a rerun changes
#     nothing; an altered journal is refused (negative control); TPE alone on 3 ranks;
#     repeats with TPE refused at file:line:col;
#   - TPE's total is its draw budget from the start (progress and trial lines, status.json,
#     metadata.json, hsweep status);
#   - one job per scheduler/TPE sweep: a second 2-rank job next to a live (SIGSTOPped) one is
#     refused in one line naming it and writes nothing, the first finishes, a sequential rerun
#     resumes; a live job refuses a scheduler sweep but not a plain one (negative control),
#     a dead one refuses nothing;
#   - `hsweep report` on a copy of each run writes the same results.csv and results.md (the
#     rungs column rebuilt from the event lines); idle_promotion's words ("yielded", "resumed
#     while idle") in the run's column and, from appended events, in report's and the HTML
#     plot's (a promotion from a rung stays "promoted": negative control).
# Usage: test_mpi_search.sh HSWEEP SCRATCH_DIR
. "$(dirname "$0")/lib.sh"
test_init "$@"
MPI1=(mpirun --oversubscribe --bind-to none -n 1)
MPI3=(mpirun --oversubscribe --bind-to none -n 3)
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }

# write_sweep FILE SCHEDULER_LINES: 36 synthetic configurations, budget 9 epochs
write_sweep() {
    cat >"$1" <<YEOF
name: search
seed: 5
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic}
grid:
  units: [16, 64, 256]
  dropout: [0, 0.2, 0.4]
  learning_rate: [1e-3, 3e-3, 1e-2, 3e-2]
$2
YEOF
}
ASHA="scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction: 3}"
write_sweep "$DIR/asha.yaml" "$ASHA"

# compare A B WHAT: the events of journals A and B identical, records identical but for
# their timings and rank. WHAT=epochs compares only the epoch events (a resumed run adds start
# and release events) and the final record of each trial.
compare() {
    $PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
def load(p, what):
    ev, rec = [], {}
    for line in open(p):
        o = json.loads(line)
        if "event" in o:
            if what != "epochs" or o["event"] == "epoch":
                ev.append(line if what != "epochs" else json.dumps(o, sort_keys=True))
        else:
            for k in ("wall_s", "rank", "start_unix", "end_unix", "wall_total_s"):
                o.pop(k, None)   # timings and placement, not results
            if what != "epochs":
                rec.setdefault(o["id"], []).append(o)
            else:
                rec[o["id"]] = [o]
    return ev, rec
a, b = load(sys.argv[1], sys.argv[3]), load(sys.argv[2], sys.argv[3])
if a[0] != b[0]:
    n = next((i for i, (x, y) in enumerate(zip(a[0], b[0])) if x != y), min(len(a[0]), len(b[0])))
    sys.exit(f"events differ at {n} of {len(a[0])}/{len(b[0])}")
if a[1] != b[1]:
    sys.exit("records differ: " + ", ".join(k for k in a[1] if a[1][k] != b[1].get(k))[:200])
print(f"{len(a[0])} events, {len(a[1])} trials identical")
PYEOF
}

# ---- 1 rank: reproducible bit for bit ------------------------------------------------------
for k in 1 2; do
    "${MPI1[@]}" "$HSWEEP" run "$DIR/asha.yaml" --output "$DIR/one$k" >"$DIR/one$k.out" \
        2>"$DIR/one$k.err" || fail "1-rank run $k: $(tail -3 "$DIR/one$k.err")"
done
compare "$DIR/one1/journal.jsonl" "$DIR/one2/journal.jsonl" all >/dev/null ||
    fail "1-rank ASHA is not reproducible"
grep -q "scheduler asha: [0-9]* epochs trained of 324 at full budget" "$DIR/one1.out" ||
    fail "no epochs line: $(tail -5 "$DIR/one1.out")"
grep -q '"state":"finished"' "$DIR/one1/status.json" || fail "state: $(cat "$DIR/one1/status.json")"
grep -q "Epochs trained: [0-9]* of 324 at full budget" "$DIR/one1/summary.md" ||
    fail "summary.md has no epochs line"
$PY - "$DIR/one1" <<'PYEOF' || fail "1-rank ASHA: final state"
import json, os, sys
d = sys.argv[1]
last = {}
for line in open(os.path.join(d, "journal.jsonl")):
    o = json.loads(line)
    if "event" not in o: last[o["id"]] = o
st = [o["status"] for o in last.values()]
assert len(last) == 36, len(last)
assert set(st) <= {"ok", "paused"} and "paused" in st and "ok" in st, st
ck = set(os.listdir(os.path.join(d, "ckpt")))
for i, o in last.items():   # a paused trial keeps its checkpoint, a finished one does not
    assert (i + ".ckpt" in ck) == (o["status"] == "paused"), (i, o["status"])
assert not [f for f in ck if not f.endswith(".ckpt")], ck
full = [o for o in last.values() if o["status"] == "ok"]
assert all(o["epochs_run"] == 9 for o in full), [o["epochs_run"] for o in full]
# the tables: the decision at each rung (rungs 1, 3, 9), epochs used per trial
import csv
rows = list(csv.DictReader(open(os.path.join(d, "results.csv"))))
assert len(rows) == 36 and all("rungs" in r for r in rows), rows[0].keys()
for r in rows:
    marks = r["rungs"].split(", ")
    if r["status"] == "paused":
        assert marks[-1] == r["epochs_run"] + " paused", (r["id"], r["rungs"], r["epochs_run"])
    else:
        assert r["rungs"].endswith("3 promoted") and r["epochs_run"] == "9", (r["id"], r["rungs"])
md = open(os.path.join(d, "results.md")).read()
assert "| status | rungs |" in md and "1 promoted, 3 promoted" in md, "results.md has no rungs"
PYEOF

# ---- kill -9 mid-sweep, then resume: same decisions, nothing lost --------------------------
rank_pids() {
    for p in $(pgrep -P "$1"); do
        r=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
        [ -n "$r" ] && echo "$p"
    done
}
# kept_no_rerun BEFORE AFTER: the journal before a kill (BEFORE) is a prefix of the resumed
# one (AFTER; a torn last line may be repaired away), and no trial finished before the kill
# is handed out again
kept_no_rerun() {
    $PY - "$1" "$2" <<'PYEOF'
import json, sys
before, after = open(sys.argv[1]).read(), open(sys.argv[2]).read()
good = before[:before.rfind("\n") + 1]
assert after.startswith(good), "the journal before the kill is not a prefix of the resumed one"
done = {json.loads(l)["id"] for l in good.splitlines()
        if '"event"' not in l and json.loads(l)["status"] == "ok"}
rerun = [json.loads(l)["id"] for l in after[len(good):].splitlines()
         if '"event":"start"' in l and json.loads(l)["id"] in done]
assert not rerun, f"finished trials handed out again: {rerun}"
PYEOF
}
# kill_after_pauses YAML OUT LOG: a 1-rank run of YAML into OUT (stdout/stderr LOG.1.*),
# its rank killed -9 once the journal holds 12 pauses; fails if it ended before. Each
# synthetic epoch lasts 40 ms (HSWEEP_SYNTH_EPOCH_MS; values unchanged) so that the kill lands
# mid-run however fast the machine is (with group commit a whole run takes about a second).
kill_after_pauses() {
    HSWEEP_SYNTH_EPOCH_MS=40 setsid "${MPI1[@]}" "$HSWEEP" run "$1" --output "$2" >"$3.1.out" 2>"$3.1.err" &
    local pid=$! ok=0 n p
    for _ in $(seq 1 2400); do
        kill -0 "$pid" 2>/dev/null || break
        n=$(grep -c '"decision":"pause"' "$2/journal.jsonl" 2>/dev/null)
        if [ "${n:-0}" -ge 12 ]; then
            ok=1
            break
        fi
        sleep 0.02
    done
    for p in $(rank_pids "$pid"); do kill -9 "$p"; done
    wait "$pid" 2>/dev/null
    [ "$ok" -eq 1 ] || fail "kill -9 ($1): the sweep ended before 12 pauses"
    ! grep -q "the search is done" "$3.1.err" || fail "kill -9 ($1): the sweep ended before the kill"
}
out="$DIR/killed"
kill_after_pauses "$DIR/asha.yaml" "$out" "$DIR/killed"
cp "$out/journal.jsonl" "$DIR/killed.before"
"${MPI1[@]}" "$HSWEEP" run "$DIR/asha.yaml" --output "$out" >"$DIR/killed.2.out" \
    2>"$DIR/killed.2.err" || fail "resume after kill -9: $(tail -3 "$DIR/killed.2.err")"
grep -q "scheduler rebuilt from [0-9]* journal events" "$DIR/killed.2.err" ||
    fail "resume did not replay the scheduler: $(head -3 "$DIR/killed.2.err")"
compare "$DIR/one1/journal.jsonl" "$out/journal.jsonl" epochs >/dev/null ||
    fail "kill -9 + resume differs from the uninterrupted run"
kept_no_rerun "$DIR/killed.before" "$out/journal.jsonl" || fail "kill -9: lost or rerun"

# ---- 3 ranks: finishes; a rerun replays every decision and changes nothing -----------------
"${MPI3[@]}" "$HSWEEP" run "$DIR/asha.yaml" --output "$DIR/three" >"$DIR/three.out" \
    2>"$DIR/three.err" || fail "3-rank run: $(tail -3 "$DIR/three.err")"
grep -q '"state":"finished"' "$DIR/three/status.json" || fail "3 ranks: $(cat "$DIR/three/status.json")"
# the synthetic cell has no network: no model file, and no complaint about one
[ ! -e "$DIR/three/best_model.h5" ] || fail "synthetic sweep wrote best_model.h5"
grep -q "best_model\|weights given" "$DIR/three.err" && fail "model message on a synthetic sweep: $(grep -m1 "best_model\|weights given" "$DIR/three.err")"
cp "$DIR/three/journal.jsonl" "$DIR/three.journal"
"${MPI3[@]}" "$HSWEEP" run "$DIR/asha.yaml" --output "$DIR/three" >"$DIR/three.2.out" \
    2>"$DIR/three.2.err" || fail "3-rank rerun: $(tail -3 "$DIR/three.2.err")"
grep -q "scheduler rebuilt from" "$DIR/three.2.err" || fail "3-rank rerun did not replay"
grep -q "best_model" "$DIR/three.2.err" && fail "resume looked for a synthetic sweep's model: $(grep -m1 best_model "$DIR/three.2.err")"
cmp -s "$DIR/three.journal" "$DIR/three/journal.jsonl" || fail "3-rank rerun changed the journal"
grep -q "^0 trials finished in this run" "$DIR/three.2.out" || fail "3-rank rerun trained trials"
# the end message says what the remaining trials are: paused by the scheduler, in no other job
for f in three.err three.2.err; do
    grep -q "the search is done: [1-9][0-9]* trials paused by the scheduler (not promoted" "$DIR/$f" ||
        fail "$f: no true end message: $(grep hsweep "$DIR/$f" | tail -2)"
    ! grep -q "held by other jobs" "$DIR/$f" || fail "$f: paused trials called held by other jobs"
done
# negative control: a decision the scheduler would not make is refused, nothing is trained
mkdir -p "$DIR/tampered"
sed '0,/"decision":"pause"/s//"decision":"go_on"/' "$DIR/three.journal" >"$DIR/tampered/journal.jsonl"
cp "$DIR/three/metadata.json" "$DIR/tampered/"
if "${MPI3[@]}" "$HSWEEP" run "$DIR/asha.yaml" --output "$DIR/tampered" >"$DIR/tampered.out" \
    2>"$DIR/tampered.err"; then
    fail "an altered decision was accepted"
fi
grep -q "gives pause where the journal says go_on.*--restart" "$DIR/tampered.err" ||
    fail "altered journal: $(grep hsweep "$DIR/tampered.err" | head -2)"

# ---- idle_promotion: 3 ranks finish, a rerun replays every decision, yields included ---------
# A yield (an idle-promoted trial paused between rungs because normal work appeared) depends on
# the completion order, so several seeds are tried; every run must finish and replay exactly.
yields=0
for seed in 1 2 3 4 5 6 7 8; do
    write_sweep "$DIR/idle.yaml" "scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction: 3, idle_promotion: true}"
    sed -i "s/^seed: .*/seed: $seed/" "$DIR/idle.yaml"
    rm -rf "$DIR/idle"
    "${MPI3[@]}" "$HSWEEP" run "$DIR/idle.yaml" --output "$DIR/idle" >"$DIR/idle.out" \
        2>"$DIR/idle.err" || fail "idle_promotion seed $seed: $(tail -3 "$DIR/idle.err")"
    grep -q '"state":"finished"' "$DIR/idle/status.json" || fail "idle seed $seed: not finished"
    cp "$DIR/idle/journal.jsonl" "$DIR/idle.journal"
    "${MPI3[@]}" "$HSWEEP" run "$DIR/idle.yaml" --output "$DIR/idle" >"$DIR/idle.2.out" \
        2>"$DIR/idle.2.err" || fail "idle seed $seed rerun: $(tail -3 "$DIR/idle.2.err")"
    grep -q "scheduler rebuilt from" "$DIR/idle.2.err" || fail "idle seed $seed: rerun did not replay"
    cmp -s "$DIR/idle.journal" "$DIR/idle/journal.jsonl" || fail "idle seed $seed: rerun changed the journal"
    n=$($PY - "$DIR/idle.journal" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"event"' in l]
print(sum(e["event"] == "epoch" and e["decision"] == "pause" and e["epoch"] not in (1, 3, 9)
          for e in ev))
PYEOF
)
    yields=$((yields + n))
    [ "$yields" -gt 0 ] && break
done
[ "$yields" -gt 0 ] || echo "note: idle_promotion: no yield (pause between rungs) in 8 runs" >&2
# the rungs column tells idle work apart: every start with "idle":true is "resumed while idle"
# and every pause between rungs "yielded" in results.csv, never "promoted"/"paused" there
$PY - "$DIR/idle" <<'PYEOF' || fail "idle_promotion: rungs column"
import csv, json, os, sys
d = sys.argv[1]
ev = [json.loads(l) for l in open(os.path.join(d, "journal.jsonl")) if '"event"' in l]
rows = {r["id"]: r["rungs"] for r in csv.DictReader(open(os.path.join(d, "results.csv")))}
idle = sum(e["event"] == "start" and e.get("idle") is True for e in ev)
col = " , ".join(rows.values())
assert col.count("resumed while idle") == idle, (col.count("resumed while idle"), idle)
ylds = sum(e["event"] == "epoch" and e["decision"] == "pause" and e["epoch"] not in (1, 3, 9) for e in ev)
assert col.count("yielded") == ylds, (col.count("yielded"), ylds)
print(f"idle_promotion: {idle} continuations while idle, {ylds} yields in the rungs column", file=sys.stderr)
PYEOF

# ---- hyperband and median on 3 ranks; TPE refused --------------------------------------------
write_sweep "$DIR/hb.yaml" "scheduler: {type: hyperband, min_epochs: 1, max_epochs: 9, reduction: 3}"
write_sweep "$DIR/med.yaml" "scheduler: {type: median, min_epochs: 2, max_epochs: 9, min_samples: 3}"
for s in hb med; do
    "${MPI3[@]}" "$HSWEEP" run "$DIR/$s.yaml" --output "$DIR/$s" >"$DIR/$s.out" \
        2>"$DIR/$s.err" || fail "$s: $(tail -3 "$DIR/$s.err")"
    grep -q '"state":"finished"' "$DIR/$s/status.json" || fail "$s: $(cat "$DIR/$s/status.json")"
done
grep -q '"status":"pruned"' "$DIR/med/journal.jsonl" || fail "median pruned nothing"

# ---- TPE (+ ASHA): drawn while the sweep runs, reproducible, resumable ----------------------
cat >"$DIR/tpe.yaml" <<YEOF
name: tpe
seed: 4
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic}
random:
  params:
    learning_rate: {log_uniform: [1e-4, 3e-2]}
    dropout: {uniform: [0, 0.5]}
    units: {int: [8, 256]}
    optimizer: {choice: [rmsprop, adam]}
sampler: {type: tpe, n_trials: 30, n_startup: 6}
$ASHA
YEOF
for k in 1 2; do
    "${MPI1[@]}" "$HSWEEP" run "$DIR/tpe.yaml" --output "$DIR/tpe$k" >"$DIR/tpe$k.out" \
        2>"$DIR/tpe$k.err" || fail "1-rank TPE run $k: $(tail -3 "$DIR/tpe$k.err")"
done
compare "$DIR/tpe1/journal.jsonl" "$DIR/tpe2/journal.jsonl" all >/dev/null ||
    fail "1-rank TPE+ASHA is not reproducible"
grep -q "sampler tpe, scheduler asha: [0-9]* epochs trained of 270 at full budget" "$DIR/tpe1.out" ||
    fail "TPE: no epochs line: $(tail -3 "$DIR/tpe1.out")"
$PY - "$DIR/tpe1/journal.jsonl" <<'PYEOF' || fail "TPE: 30 configurations drawn"
import json, sys
starts, last = [], {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") == "start" and o["from"] == 0: starts.append(o["id"])
    elif "event" not in o: last[o["id"]] = o
assert len(starts) == 30 and len(set(starts)) == 30, len(starts)
assert set(last) == set(starts), "a record without its start event"
assert {o["status"] for o in last.values()} <= {"ok", "paused"}
PYEOF
# kill -9 mid-sweep, then the same command: TPE's history and the scheduler rebuilt from the
# journal, the same draws and decisions as uninterrupted, nothing finished reruns
out="$DIR/tpekilled"
kill_after_pauses "$DIR/tpe.yaml" "$out" "$DIR/tpek"
cp "$out/journal.jsonl" "$DIR/tpek.before"
"${MPI1[@]}" "$HSWEEP" run "$DIR/tpe.yaml" --output "$out" >"$DIR/tpek.2.out" \
    2>"$DIR/tpek.2.err" || fail "TPE resume after kill -9: $(tail -3 "$DIR/tpek.2.err")"
grep -q "scheduler rebuilt from [0-9]* journal events" "$DIR/tpek.2.err" ||
    fail "TPE resume did not replay: $(head -3 "$DIR/tpek.2.err")"
compare "$DIR/tpe1/journal.jsonl" "$out/journal.jsonl" epochs >/dev/null ||
    fail "TPE: kill -9 + resume differs from the uninterrupted run"
kept_no_rerun "$DIR/tpek.before" "$out/journal.jsonl" || fail "TPE kill -9: lost or rerun"
# 3 ranks: trials travel to workers that never expanded them; a rerun changes nothing
"${MPI3[@]}" "$HSWEEP" run "$DIR/tpe.yaml" --output "$DIR/tpe3" >"$DIR/tpe3.out" \
    2>"$DIR/tpe3.err" || fail "3-rank TPE: $(tail -3 "$DIR/tpe3.err")"
grep -q '"state":"finished"' "$DIR/tpe3/status.json" || fail "3-rank TPE: $(cat "$DIR/tpe3/status.json")"
grep -q '^\[rank [12]\] trial' "$DIR/tpe3.err" || fail "3-rank TPE: no worker trained a trial"
cp "$DIR/tpe3/journal.jsonl" "$DIR/tpe3.journal"
"${MPI3[@]}" "$HSWEEP" run "$DIR/tpe.yaml" --output "$DIR/tpe3" >"$DIR/tpe3.2.out" \
    2>"$DIR/tpe3.2.err" || fail "3-rank TPE rerun: $(tail -3 "$DIR/tpe3.2.err")"
cmp -s "$DIR/tpe3.journal" "$DIR/tpe3/journal.jsonl" || fail "3-rank TPE rerun changed the journal"
# negative control: another value in the journal makes TPE draw another trial (or the
# scheduler decide otherwise): refused
mkdir -p "$DIR/tpetampered"
$PY - "$DIR/tpe1/journal.jsonl" "$DIR/tpetampered/journal.jsonl" <<'PYEOF'
import json, sys
out, n = [], 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") == "epoch" and n < 6:
        o["val_mae"] = 10.0 - o["val_mae"]   # the startup trials' ranking reversed
        o["val_loss"] = 100.0 - o["val_loss"]
        line = json.dumps(o, separators=(",", ":")) + "\n"
        n += 1
    out.append(line)
open(sys.argv[2], "w").writelines(out)
PYEOF
cp "$DIR/tpe1/metadata.json" "$DIR/tpetampered/"
if "${MPI1[@]}" "$HSWEEP" run "$DIR/tpe.yaml" --output "$DIR/tpetampered" >/dev/null \
    2>"$DIR/tpetampered.err"; then
    fail "TPE: an altered history was accepted"
fi
grep -q "where the journal says.*--restart" "$DIR/tpetampered.err" ||
    fail "TPE altered journal: $(grep hsweep "$DIR/tpetampered.err" | head -2)"
# TPE without a scheduler: every trial to its budget, on 3 ranks
cat >"$DIR/tpeonly.yaml" <<YEOF
name: tpeonly
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic, epochs: 3}
random:
  params: {learning_rate: {log_uniform: [1e-4, 1e-2]}}
sampler: {type: tpe, n_trials: 8, n_startup: 3}
YEOF
"${MPI3[@]}" "$HSWEEP" run "$DIR/tpeonly.yaml" --output "$DIR/tpeonly" >"$DIR/tpeonly.out" \
    2>"$DIR/tpeonly.err" || fail "TPE alone: $(tail -3 "$DIR/tpeonly.err")"
$PY - "$DIR/tpeonly/journal.jsonl" <<'PYEOF' || fail "TPE alone: 8 trials of 3 epochs"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"event"' not in l]
assert len(recs) == 8 and all(r["status"] == "ok" and r["epochs_run"] == 3 for r in recs), recs
PYEOF
# what TPE in run does not combine with: one file:line:col line
sed 's/^name: tpeonly/name: tpeonly\nrepeats: 2/' "$DIR/tpeonly.yaml" >"$DIR/tperep.yaml"
"${MPI1[@]}" "$HSWEEP" run "$DIR/tperep.yaml" --output "$DIR/tperep" >/dev/null \
    2>"$DIR/tperep.err" && fail "TPE with repeats was not refused"
grep -q "tperep.yaml:7:1: sampler: tpe: hsweep run does not combine it with repeats" \
    "$DIR/tperep.err" || fail "TPE repeats refusal: $(head -2 "$DIR/tperep.err")"

# ---- TPE's total is its draw budget from the start: progress, status.json, metadata, status --
grep -q "finished [0-9]*/30 " "$DIR/tpe1.err" || fail "TPE progress: $(grep -m1 finished "$DIR/tpe1.err")"
grep "finished [0-9]*/[0-9]* " "$DIR/tpe1.err" | grep -v "finished [0-9]*/30 " | head -1 |
    grep -q . && fail "TPE progress counts drawn trials: $(grep "finished" "$DIR/tpe1.err" | grep -v "/30 " | head -1)"
grep -q "^\[rank 0\] trial [0-9a-f]* (1/30)" "$DIR/tpe1.err" ||
    fail "TPE trial line: $(grep -m1 "^\[rank" "$DIR/tpe1.err")"
"$HSWEEP" status "$DIR/tpe1" --json >"$DIR/tpe1.status" || fail "status of a TPE run"
$PY - "$DIR/tpe1" "$DIR/tpe1.status" <<'PYEOF' || fail "TPE totals"
import json, os, sys
d = sys.argv[1]
assert json.load(open(os.path.join(d, "status.json")))["total"] == 30, "status.json"
assert json.load(open(os.path.join(d, "metadata.json")))["sweep"]["n_trials"] == 30, "metadata.json"
assert json.load(open(sys.argv[2]))["total"] == 30, "hsweep status"
PYEOF

# ---- a scheduler or TPE sweep runs as one job: a second live job is refused -----------------
# Job A (2 ranks) is stopped (SIGSTOP: alive, heartbeat fresh) once it has journaled 20
# lines; job B on the same directory must be refused in one line naming A, change nothing,
# and write no heartbeat file; A continued finishes, and the same command again (a sequential
# resume) replays it and is not refused. A job killed -9 does not block: the kill -9 cases
# above resume in a directory whose heartbeat file still says "running" (checked here).
grep -q '"state":"running"' "$DIR"/killed/jobs/*.json ||
    fail "the killed job's heartbeat file does not say running: the resume did not test a dead job"
cat >"$DIR/many.yaml" <<YEOF
name: many
seed: 3
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic}
random:
  samples: 200
  params:
    learning_rate: {log_uniform: [1e-4, 3e-2]}
    dropout: {uniform: [0, 0.5]}
scheduler: {type: asha, min_epochs: 1, max_epochs: 27, reduction: 3}
YEOF
sed '/^  samples: 200/d; s/^name: many/name: manytpe/' "$DIR/many.yaml" >"$DIR/manytpe.yaml"
echo "sampler: {type: tpe, n_trials: 100, n_startup: 10}" >>"$DIR/manytpe.yaml"
MPI2=(mpirun --oversubscribe --bind-to none -n 2)
for y in many manytpe; do
    out="$DIR/jobs_$y"
    setsid "${MPI2[@]}" "$HSWEEP" run "$DIR/$y.yaml" --output "$out" >"$out.a.out" 2>"$out.a.err" &
    pid=$! ok=0
    for _ in $(seq 1 3000); do
        kill -0 "$pid" 2>/dev/null || break
        n=$(wc -l 2>/dev/null <"$out/journal.jsonl")
        if [ "${n:-0}" -ge 20 ]; then ok=1; break; fi
        sleep 0.02
    done
    ranks=$(rank_pids "$pid")
    [ -n "$ranks" ] && kill -STOP $ranks
    [ "$ok" -eq 1 ] || fail "$y: job A ended before the second job started"
    cp "$out/journal.jsonl" "$out.before"
    jobs_before=$(ls "$out/jobs")
    if "${MPI2[@]}" "$HSWEEP" run "$DIR/$y.yaml" --output "$out" >"$out.b.out" 2>"$out.b.err"; then
        fail "$y: a second job on a live scheduler sweep was not refused"
    fi
    grep -q "^hsweep: $out: a scheduler or TPE sweep runs as one job: job [^ ]*\.$(echo $ranks | cut -d' ' -f1) is running it here; give that job more ranks, or wait for it to end and run this command again (it resumes)$" "$out.b.err" ||
        fail "$y: refusal line: $(grep hsweep "$out.b.err" | head -2)"
    [ "$(grep -c "^hsweep" "$out.b.err")" -eq 1 ] || fail "$y: more than one line: $(grep hsweep "$out.b.err")"
    cmp -s "$out.before" "$out/journal.jsonl" || fail "$y: the refused job wrote to the journal"
    [ "$(ls "$out/jobs")" = "$jobs_before" ] || fail "$y: the refused job left a heartbeat file"
    [ -n "$ranks" ] && kill -CONT $ranks
    wait "$pid" || fail "$y: job A after the refusal: $(tail -3 "$out.a.err")"
    grep -q '"state":"finished"' "$out/status.json" || fail "$y: A did not finish: $(cat "$out/status.json")"
    $PY - "$out.before" "$out/journal.jsonl" <<'PYEOF' || fail "$y: lost journal lines"
import sys
before, after = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert after.startswith(before[:before.rfind("\n") + 1])
PYEOF
    cp "$out/journal.jsonl" "$out.after"
    "${MPI2[@]}" "$HSWEEP" run "$DIR/$y.yaml" --output "$out" >"$out.c.out" 2>"$out.c.err" ||
        fail "$y: a sequential rerun after A ended: $(grep hsweep "$out.c.err" | head -2)"
    grep -q "scheduler rebuilt from" "$out.c.err" || fail "$y: the rerun did not replay"
    cmp -s "$out.after" "$out/journal.jsonl" || fail "$y: the rerun changed a finished journal"
done
# negative control: a live job (a heartbeat file naming a live process of this host, state
# running) refuses a scheduler sweep's rerun but not a plain random sweep's (shared studies)
sed '/^scheduler:/d; s/^name: many/name: plain/; s/samples: 200/samples: 20/' "$DIR/many.yaml" >"$DIR/plain.yaml"
"${MPI2[@]}" "$HSWEEP" run "$DIR/plain.yaml" --output "$DIR/jobs_plain" >/dev/null 2>"$DIR/jobs_plain.a.err" ||
    fail "plain sweep: $(tail -2 "$DIR/jobs_plain.a.err")"
sleep 600 &
live=$!
for d in jobs_many jobs_plain; do
    $PY - "$DIR/$d/jobs" "$live" <<'PYEOF' || fail "$d: fake live job"
import json, os, sys
d, pid = sys.argv[1], int(sys.argv[2])
f = sorted(os.listdir(d))[0]
j = json.load(open(os.path.join(d, f)))
j.update(state="running", pid=pid, job=f"{j['host']}.{pid}")
json.dump(j, open(os.path.join(d, f"{j['host']}.{pid}.json"), "w"))
PYEOF
done
"${MPI2[@]}" "$HSWEEP" run "$DIR/many.yaml" --output "$DIR/jobs_many" >/dev/null 2>"$DIR/jobs_many.d.err" &&
    fail "a rerun next to a live job was not refused"
grep -q "runs as one job: job [^ ]*\.$live is running it here" "$DIR/jobs_many.d.err" ||
    fail "rerun next to a live job: $(grep hsweep "$DIR/jobs_many.d.err" | head -2)"
"${MPI2[@]}" "$HSWEEP" run "$DIR/plain.yaml" --output "$DIR/jobs_plain" >/dev/null 2>"$DIR/jobs_plain.b.err" ||
    fail "plain sweep next to a live job: $(grep hsweep "$DIR/jobs_plain.b.err" | head -2)"
grep -q "runs as one job" "$DIR/jobs_plain.b.err" && fail "a plain (shared) sweep was refused"
kill "$live"
wait "$live" 2>/dev/null
# the job is gone (its file still says running): not refused any more
"${MPI2[@]}" "$HSWEEP" run "$DIR/many.yaml" --output "$DIR/jobs_many" >/dev/null 2>"$DIR/jobs_many.e.err" ||
    fail "a rerun after the live job died: $(grep hsweep "$DIR/jobs_many.e.err" | head -2)"

# ---- hsweep report rebuilds the tables with the run's rungs column (from the event lines) ----
for d in one1 three idle hb med tpe3 tpeonly; do
    rm -rf "$DIR/rep"
    cp -r "$DIR/$d" "$DIR/rep"
    "$HSWEEP" report "$DIR/rep" >"$DIR/rep.out" 2>&1 || fail "report $d: $(tail -2 "$DIR/rep.out")"
    for f in results.csv results.md; do
        cmp -s "$DIR/$d/$f" "$DIR/rep/$f" || fail "report $d: $f differs from the run's"
    done
done
grep -q "3 promoted" "$DIR/one1/results.csv" || fail "one1 has no promotions to compare"
# idle_promotion's words, deterministically: events of a yield and continuations appended to a
# copy of the 1-rank run for a trial paused at 3 ("1 promoted, 3 paused"): continued while
# idle from 3, yielded at 5, continued from 5 (after a yield: idle, also without the key),
# yielded at 6; a start from a rung pause without "idle" stays a promotion (negative control)
rm -rf "$DIR/rep"
cp -r "$DIR/one1" "$DIR/rep"
$PY - "$DIR/rep" <<'PYEOF' || fail "idle words: setup"
import csv, json, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "results.csv"))))
p = [r["id"] for r in rows if r["rungs"] == "1 promoted, 3 paused"]
q = [r["id"] for r in rows if r["rungs"] == "1 promoted, 3 paused" and r["id"] != p[0]]
ev = lambda **k: json.dumps(dict(v=1, **k), separators=(",", ":")) + "\n"
with open(os.path.join(d, "journal.jsonl"), "a") as f:
    f.write(ev(event="start", id=p[0], **{"from": 3}, until=9, idle=True))
    f.write(ev(event="epoch", id=p[0], epoch=4, val_loss=1.0, val_mae=1.0, decision="go_on"))
    f.write(ev(event="epoch", id=p[0], epoch=5, val_loss=1.0, val_mae=1.0, decision="pause"))
    f.write(ev(event="start", id=p[0], **{"from": 5}, until=9))
    f.write(ev(event="epoch", id=p[0], epoch=6, val_loss=1.0, val_mae=1.0, decision="pause"))
    f.write(ev(event="start", id=q[0], **{"from": 3}, until=9))
open(os.path.join(d, "ids"), "w").write(p[0] + " " + q[0] + "\n")
PYEOF
"$HSWEEP" report "$DIR/rep" >"$DIR/rep.out" 2>&1 || fail "report idle words: $(tail -2 "$DIR/rep.out")"
read -r pid qid <"$DIR/rep/ids"
grep -q "^[0-9]*,$pid,.*,\"1 promoted, 3 paused, 3 resumed while idle, 5 yielded, 5 resumed while idle, 6 yielded\"," "$DIR/rep/results.csv" ||
    fail "idle words: $(grep "$pid" "$DIR/rep/results.csv")"
grep -q "^[0-9]*,$qid,.*,\"1 promoted, 3 paused, 3 promoted\"," "$DIR/rep/results.csv" ||
    fail "a promotion from a rung: $(grep "$qid" "$DIR/rep/results.csv")"
"$HSWEEP" report "$DIR/rep" --html >/dev/null 2>&1 || fail "report --html with idle words"
grep -q "$pid resumed while idle at epoch 3" "$DIR/rep/report.html" || fail "html: no idle continuation mark"
grep -q "$pid promoted at epoch 3\|$pid promoted at epoch 5" "$DIR/rep/report.html" &&
    fail "html: an idle continuation marked as a promotion"
grep -q "$qid promoted at epoch 3" "$DIR/rep/report.html" || fail "html: the promotion from a rung is not marked"
exit "$fails"
