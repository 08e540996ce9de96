#!/usr/bin/env bash
# test_mpi_signal: walltime-safe stop and bit-identical resume of `mpirun -n 3 hsweep run`.
# usage: test_mpi_signal.sh HSWEEP_BINARY SCRATCH_DIR
# A 6-trial sweep (48 epochs each, dropout + recurrent dropout, so the rng state matters) on
# a generated dataset, run once uninterrupted (the reference), then interrupted mid-sweep,
# once each way a signal reaches the ranks, after at least one trial is journaled and at
# least one epoch checkpoint exists:
#   usr1   SIGUSR1 to mpirun, which forwards it to every rank at once (what Slurm's
#          --signal=USR1@T does to every task of an srun step);
#   term   SIGTERM straight to every rank (what Slurm does to every task at the time
#          limit, KillWait seconds before SIGKILL);
#   rank0  SIGTERM to rank 0 only (it must halt the workers: nobody waits for a trial);
#   worker SIGTERM to one worker only, while it trains (it must report it so rank 0 halts
#          the others).
# Each time: exit 0 with the resumable message, status.json "stopped", the journal intact
# (parses, no duplicates, fewer records than trials), every interrupted trial that had a
# checkpoint still has it, journaled trials have none, no temporary files. Then the same
# command resumes (trials continue from their checkpoints: "resuming after epoch") and the
# final journal equals the reference per trial id, bit for bit: val_mae, test_mae, val_loss,
# history, best_epoch, epochs_run, status. In the `term` case one checkpoint is cut to 200
# bytes before the resume (inside its first record, so no state in it is valid): that trial
# gets one warning and restarts from scratch (same result). A torn newest record with an
# intact older one falls back to the older state instead (tests/test_ckpt.c).
# SIGTERM to mpirun itself is not tested here:
# Open MPI 4.1 sends the ranks SIGCONT, then SIGTERM only after odls_base_sigkill_timeout
# seconds, then SIGKILL one timeout later, and exits 1 (docs/slurm.md).
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
MPIRUN=(mpirun --oversubscribe --bind-to none -n 3)

# ---- dataset: 6,400 rows of a noisy daily cycle, three features -------------------------
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }

# write_sweep FILE OUTPUT: 6 trials of 48 epochs, ~0.5-1 s each on a quiet 2-core machine (long
# enough that the signal, sent when the second wave has checkpointed, lands mid-trial)
write_sweep() {
    cat >"$1" <<YEOF
name: sig
seed: 5
data: {path: tiny.h5, sequence_length: 24, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {epochs: 48, units: 8, dropout: 0.1, recurrent_dropout: 0.1}
grid:
  cell: [gru, lstm]
  learning_rate: [1e-3, 2e-3, 3e-3]
output: $2
YEOF
}

# ---- reference: uninterrupted -----------------------------------------------------------
write_sweep "$DIR/ref.yaml" "$DIR/ref"
"${MPIRUN[@]}" "$HSWEEP" run "$DIR/ref.yaml" >"$DIR/ref.out" 2>"$DIR/ref.err" ||
    fail "reference run: $(tail -3 "$DIR/ref.err")"
[ "$(wc -l <"$DIR/ref/journal.jsonl")" -eq 6 ] || fail "reference journal"
[ -z "$(ls "$DIR/ref/ckpt")" ] || fail "checkpoints left after a finished sweep: $(ls "$DIR/ref/ckpt")"

# rank_pids MPIRUN_PID: "rank pid" lines of the hsweep processes mpirun started
rank_pids() {
    for p in $(pgrep -P "$1"); do
        r=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
        [ -n "$r" ] && echo "$r $p"
    done
}

# mid_trial_worker ERR OUT: the rank of a worker (rank >= 1) whose last --verbose line in ERR
# is epoch 1-36 of 48 of a trial with a checkpoint in OUT/ckpt (empty if none)
mid_trial_worker() {
    awk '/^\[rank [1-9][0-9]*\] trial [0-9a-f]+/ {
             r = substr($2, 1, length($2) - 1); id = $4; sub(/:$/, "", id)
             if ($5 == "epoch") { split($6, e, "/"); last[r] = id " " e[1] } else delete last[r]
         }
         END { for (r in last) print r, last[r] }' "$1" 2>/dev/null |
        while read -r r id n; do
            if [ "$n" -le 36 ] && [ -e "$2/ckpt/$id.ckpt" ]; then echo "$r"; break; fi
        done
}

# interrupt NAME HOW [corrupt]: run the sweep into DIR/NAME, signal it mid-sweep, check,
# (corrupt: cut one checkpoint short: that trial must restart from scratch with one warning),
# resume, compare with the reference
interrupt() {
    local name=$1 how=$2 corrupt=${3:-} out="$DIR/$1"
    rm -rf "$out"
    write_sweep "$DIR/$name.yaml" "$out"
    setsid "${MPIRUN[@]}" "$HSWEEP" run "$DIR/$name.yaml" --verbose >"$DIR/$name.1.out" \
        2>"$DIR/$name.1.err" &
    local pid=$! ok=0 w=""
    # the first three trials are journaled and the second wave has written an epoch
    # checkpoint: it has most of its epochs still to run. For term-worker: a trial is
    # journaled and a worker (rank >= 1) is at most at epoch 36 of a checkpointed trial (with
    # 3 ranks on 2 cores the workers run at nice 10, sweep/run.c: rank 0 then trains most
    # trials, and a worker's first trial is its last, so "three journaled" comes too late)
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || break
        if [ "$how" = term-worker ]; then
            w=$(mid_trial_worker "$DIR/$name.1.err" "$out")
            if [ -n "$w" ] && [ "$(cat "$out/journal.jsonl" 2>/dev/null | wc -l)" -ge 1 ]; then
                ok=1
                break
            fi
        elif [ "$(cat "$out/journal.jsonl" 2>/dev/null | wc -l)" -ge 3 ] &&
            [ -n "$(ls "$out/ckpt" 2>/dev/null)" ]; then
            ok=1
            break
        fi
        sleep 0.05
    done
    ls "$out/ckpt" 2>/dev/null | sed -n 's/\.ckpt$//p' >"$DIR/$name.before"
    case $how in
    usr1) kill -USR1 "$pid" ;;
    term-all) rank_pids "$pid" | while read -r r p; do kill -TERM "$p"; done ;;
    term-rank0) rank_pids "$pid" | while read -r r p; do [ "$r" = 0 ] && kill -TERM "$p"; done ;;
    term-worker) rank_pids "$pid" | while read -r r p; do [ "$r" = "${w:-1}" ] && kill -TERM "$p"; done ;;
    esac
    local t0=$SECONDS
    wait "$pid"
    local rc=$?
    # a signal that lands after the sweep ended tests nothing (under load the second wave's
    # short trials can all finish between the check above and the signal): say so, try again
    if [ "$ok" -eq 1 ] && [ "$rc" -eq 0 ] && grep -q '"state":"finished"' "$out/status.json" &&
        [ "$(wc -l <"$out/journal.jsonl")" -eq 6 ]; then
        echo "$name: the sweep ended before the signal landed; again"
        return 2
    fi
    [ "$ok" -eq 1 ] || fail "$name: no journaled trial and checkpoint before the sweep ended"
    [ "$rc" -eq 0 ] || fail "$name: exit $rc after the signal: $(tail -3 "$DIR/$name.1.err")"
    [ $((SECONDS - t0)) -le 20 ] || fail "$name: took $((SECONDS - t0)) s to stop"
    grep -q "Run the same command again to resume" "$DIR/$name.1.err" ||
        fail "$name: no resumable message: $(tail -3 "$DIR/$name.1.err")"
    grep -q '"state":"stopped"' "$out/status.json" || fail "$name: status.json: $(cat "$out/status.json")"
    grep -q '"running":0' "$out/status.json" || fail "$name: status.json still running: $(cat "$out/status.json")"
    ls "$out" "$out/ckpt" | grep -q '\.tmp' && fail "$name: temporary files left"
    $PY - "$out" "$DIR/$name.before" <<'PYEOF' || fail "$name: state after the signal"
import json, os, sys
out, before = sys.argv[1], open(sys.argv[2]).read().split()
recs = [json.loads(l) for l in open(os.path.join(out, "journal.jsonl"))]
ids = [r["id"] for r in recs]
assert len(ids) == len(set(ids)), "duplicate records"
assert 1 <= len(recs) < 6, f"{len(recs)} records: the signal came too late"
files = os.listdir(os.path.join(out, "ckpt"))
assert all(f.endswith(".ckpt") for f in files), f"stray files: {files}"
left = {f[:-5] for f in files}
assert left, "no checkpoint left for the interrupted trials"
assert not (left & set(ids)), f"journaled trials kept checkpoints: {left & set(ids)}"
lost = [i for i in before if i not in ids and i not in left]
assert not lost, f"interrupted trials lost their checkpoints: {lost}"
print(f"{len(recs)} journaled, {len(left)} checkpoints")
PYEOF
    local n_ckpt bad=""
    n_ckpt=$(ls "$out/ckpt" | wc -l)
    # the trials the resume continues: the checkpoints left after the stop (a trial may have
    # started, and written its first checkpoint, after the listing taken at the signal)
    ls "$out/ckpt" | sed -n 's/\.ckpt$//p' >"$DIR/$name.left"
    if [ -n "$corrupt" ]; then
        bad=$(ls "$out/ckpt" | head -1)
        truncate -s 200 "$out/ckpt/$bad"   # inside the first record: no state survives
        bad=${bad%.ckpt}
    fi
    "${MPIRUN[@]}" "$HSWEEP" run "$DIR/$name.yaml" >"$DIR/$name.2.out" 2>"$DIR/$name.2.err" ||
        fail "$name: resume: $(tail -3 "$DIR/$name.2.err")"
    local resumed warned
    resumed=$(grep -c "resuming after epoch" "$DIR/$name.2.err")
    warned=$(grep -c "warning" "$DIR/$name.2.err")
    if [ -n "$corrupt" ]; then
        [ "$warned" -eq 1 ] && grep -Eq "trial $bad: warning: ignoring checkpoint: .*(checksum|truncated)" \
            "$DIR/$name.2.err" || fail "$name: want one warning about $bad: $(grep warning "$DIR/$name.2.err")"
        [ "$resumed" -eq $((n_ckpt - 1)) ] || fail "$name: $resumed of $((n_ckpt - 1)) good checkpoints used"
    else
        [ "$warned" -eq 0 ] || fail "$name: warnings on resume: $(grep warning "$DIR/$name.2.err")"
        [ "$resumed" -eq "$n_ckpt" ] || fail "$name: $resumed of $n_ckpt checkpoints used"
    fi
    [ -z "$(ls "$out/ckpt")" ] || fail "$name: checkpoints left after the resumed sweep"
    $PY - "$DIR/ref/journal.jsonl" "$out/journal.jsonl" "$DIR/$name.left" "$bad" <<'PYEOF' || fail "$name: resumed results differ"
import json, sys
a = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
resumed = set(open(sys.argv[3]).read().split()) - {sys.argv[4]}
lines = [json.loads(l) for l in open(sys.argv[2])]
b = {r["id"]: r for r in lines}
assert len(lines) == len(b) == 6, f"{len(lines)} records, {len(b)} trials"
assert a.keys() == b.keys(), "different trials"
for k in a:
    for f in ("val_mae", "test_mae", "val_loss", "history", "best_epoch", "epochs_run", "status"):
        assert a[k][f] == b[k][f], f"trial {k}: {f}: {a[k][f]} vs {b[k][f]}"
# provenance: every record; a trial resumed from its checkpoint counts its earlier segments
for k, r in b.items():
    assert r["host"] and r["start_unix"] <= r["end_unix"] and r["wall_total_s"] >= r["wall_s"], (k, r)
    if k in resumed:
        assert r["wall_total_s"] > r["wall_s"], f"trial {k} resumed but wall_total_s {r['wall_total_s']} = wall_s"
    else:
        assert r["wall_total_s"] == r["wall_s"], f"trial {k} ran in one segment: {r['wall_total_s']} vs {r['wall_s']}"
PYEOF
    echo "$name: done ($resumed trials resumed from checkpoints, $warned warnings)"
}

# interrupt_case NAME HOW [corrupt]: interrupt, again (at most 3 attempts) while the signal
# came after the end
interrupt_case() {
    local a rc
    for a in 1 2 3; do
        interrupt "$@"
        rc=$?
        [ "$rc" -eq 2 ] || return 0
    done
    fail "$1: the sweep ended before the signal in 3 attempts"
}

interrupt_case usr1 usr1
interrupt_case term term-all corrupt
interrupt_case rank0 term-rank0
interrupt_case worker term-worker

if [ "$fails" -eq 0 ]; then echo "test_mpi_signal: all checks passed"; fi
[ "$fails" -eq 0 ]   # not `exit $fails`: 256 failures would wrap to 0
