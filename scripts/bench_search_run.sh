#!/usr/bin/env bash
# bench_search_run: ASHA through a real `mpirun -n P hsweep run`, compared with the replay of
# the same sweep on recorded full-grid curves (build/bench_search; docs/search.md). A
# benchmark that prints figures, not a test; it exits non-zero only if a command fails or a
# 1-rank run differs from the replay.
#
# For a case (a full grid sweep G and the same sweep with an ASHA `scheduler:` section A):
#   1. `mpirun -n 3 hsweep run G`: its journal holds every configuration's whole learning
#      curve;
#   2. those records put in A's trial order (`hsweep plan --json A`) and replayed by
#      `bench_search --seed <A's seed> --events`: the decisions a 1-rank run of A makes;
#   3. `mpirun -n P hsweep run A` for every P in RANKS, then per run: every epoch it trained
#      against the recorded curve (bit-identical continuation makes them equal), its
#      epochs, pauses, promotions and best val MAE against the replay's, and for P = 1 its
#      decisions event by event; then the same command again, which replays the run's own
#      journal through the scheduler and refuses it if a decision differs.
# (docs/search/grid_journal.jsonl, the recorded 81 x 27 grid of the embedded data, was written
# by an earlier hsweep whose trial ids and seeds differ from today's, so the real case records
# its own, smaller grid.)
#
# Cases: `synthetic` (the synthetic cell, 81 configurations x 27 epochs; about a minute, the
# journal's fsyncs dominate), `real` (the embedded data, GRU and dense, 16 configurations x 9
# epochs; a few minutes on 2 shared cores), `grid81` (the embedded data, the issue's space of
# configs/search_grid.yaml: cell x units x dropout x learning rate, 81 configurations x 27
# epochs; about 35 minutes of 2 cores for the grid). Needs build/hsweep and build/bench_search.
#
# Usage: scripts/bench_search_run.sh [synthetic|real|grid81|all]     (default: synthetic;
#        all = synthetic and real)
#   env: BUILD (default build), RANKS (default "1 3"), WORK (default a temporary directory,
#        removed at the end unless KEEP=1), REDUCTION (ASHA's eta, default 3), GRID_RANKS
#        (ranks of the full grid run, default 3), REUSE_GRID=1 (keep WORK/<case>/grid: a
#        finished grid resumes and trains nothing, so other REDUCTIONs reuse its curves), SEED
#        (the sweeps' `seed:`, default 9: it sets every trial's seed, hence the curves, and
#        the order in which ASHA draws the configurations)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
HSWEEP=$ROOT/$BUILD/hsweep
BENCH=$ROOT/$BUILD/bench_search
RANKS=${RANKS:-"1 3"}
REDUCTION=${REDUCTION:-3}
SEED=${SEED:-9}
GRID_RANKS=${GRID_RANKS:-3}
CASE=${1:-synthetic}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for b in "$HSWEEP" "$BENCH"; do
    [ -x "$b" ] || { echo "bench_search_run: $b missing (cmake --build $BUILD)" >&2; exit 2; }
done
WORK=${WORK:-$(mktemp -d /tmp/bench_search_run.XXXXXX)}
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
MPI=(mpirun --oversubscribe --bind-to none)
echo "bench_search_run: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), hsweep $("$HSWEEP" --version 2>&1 | head -1)"

# sweep_files DIR DATA FIXED GRID MAX: DIR/grid.yaml (MAX epochs, no early stopping) and
# DIR/asha.yaml (the same configurations, scheduler asha 1/MAX/REDUCTION); both give the same trial
# ids and seeds. FIXED: the `fixed:` entries, GRID: the `grid:` entries (flow style).
sweep_files() {
    local common="seed: $SEED
data: {path: $2, sequence_length: 30, sampling_rate: 6, horizon: 24, batch_size: 256}
grid: {$4}
metric: val_mae"
    printf 'name: grid\nfixed: {%s, patience: 0, epochs: %s}\n%s\n' "$3" "$5" "$common" >"$1/grid.yaml"
    printf 'name: asha\nfixed: {%s, patience: 0}\n%s\nscheduler: {type: asha, min_epochs: 1, max_epochs: %s, reduction: %s}\n' \
        "$3" "$common" "$5" "$REDUCTION" >"$1/asha.yaml"
}

# compare GRID_JOURNAL REPLAY_EVENTS RUN_JOURNAL P: print the run's figures against the
# replay's; exit 1 if a trained epoch differs from the recorded curve, or (P = 1) an event
compare() {
    $PY - "$@" <<'PYEOF'
import json, math, sys
grid_path, replay_path, run_path, P = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
grid = {}
for line in open(grid_path):
    o = json.loads(line)
    if "event" not in o and "history" in o:
        grid[o["id"]] = o["history"]
replay = [json.loads(l) for l in open(replay_path)]
ev, recs = [], {}
for line in open(run_path):
    o = json.loads(line)
    if "event" in o:
        ev.append(o)
    else:
        recs[o["id"]] = o
epochs = [e for e in ev if e["event"] == "epoch"]
starts = [e for e in ev if e["event"] == "start"]
differ = 0
for e in epochs:
    h = grid[e["id"]]
    k = e["epoch"] - 1
    if h["val_loss"][k] != e["val_loss"] or h["val_mae"][k] != e["val_mae"]:
        differ += 1
# the run's value after each epoch: val_mae at the lowest val_loss so far (sweep/search.h)
best_loss, value, run_best = {}, {}, math.inf
for e in epochs:
    if e["val_loss"] < best_loss.get(e["id"], math.inf):
        best_loss[e["id"]] = e["val_loss"]
        value[e["id"]] = e["val_mae"]
    run_best = min(run_best, value[e["id"]])
rep_best = min(r["value"] for r in replay)
full = sum(len(h["val_loss"]) for h in grid.values())
grid_best = min(min(v for v in [h["val_mae"][i] for i in range(len(h["val_mae"]))
                                if h["val_loss"][i] == min(h["val_loss"])]) for h in grid.values())
def count(lst, d):
    return sum(1 for x in lst if x["decision"] == d)
print(f"  {'':22s} {'epochs':>7s} {'of grid':>8s} {'pause':>6s} {'finished':>8s} "
      f"{'promoted later':>14s} {'best val_mae':>12s} {'vs grid':>8s}")
rows = [("replay (1 worker)", len(replay), count(replay, "pause"), count(replay, "finished"), None, rep_best),
        (f"hsweep run, {P} rank{'s' if P > 1 else ''}", len(epochs), count(epochs, "pause"),
         count(epochs, "finished"), sum(1 for s in starts if s["from"] > 0), run_best)]
for name, n, pa, fi, pr, b in rows:
    print(f"  {name:22s} {n:7d} {100 * n / full:7.1f}% {pa:6d} {fi:8d} "
          f"{'' if pr is None else pr:>14} {b:12.4f} {100 * (b / grid_best - 1):+7.2f}%")
print(f"  epochs trained by the run whose val_loss/val_mae differ from the recorded curve: "
      f"{differ} of {len(epochs)}")
bad = differ > 0
if P == 1:
    a = [(e["id"], e["epoch"], e["decision"]) for e in epochs]
    b = [(r["id"], r["epoch"], r["decision"]) for r in replay]
    same = a == b
    print(f"  decisions event by event, run vs replay: {'identical' if same else 'DIFFERENT'} "
          f"({len(a)} vs {len(b)} epoch events)")
    bad |= not same
else:
    print(f"  (with {P} ranks decisions follow the completion order, not the replay's)")
sys.exit(1 if bad else 0)
PYEOF
}

# run_case NAME DATA FIXED GRID MAX: see sweep_files
run_case() {
    local name=$1 dir=$WORK/$1 gj t0 rc=0
    # (set -e does not apply in a function called with ||: every step checks its status)
    if [ "${REUSE_GRID:-0}" = 1 ] && [ -d "$dir/grid" ]; then
        find "$dir" -mindepth 1 -maxdepth 1 ! -name grid -exec rm -rf {} + || return 1
    else
        rm -rf "$dir" && mkdir -p "$dir" || return 1
    fi
    sweep_files "$dir" "$2" "$3" "$4" "$5"
    echo "== $name: fixed {$3}, grid {$4}, $5 epochs; ASHA 1/$5/$REDUCTION"
    t0=$SECONDS
    "${MPI[@]}" -n "$GRID_RANKS" "$HSWEEP" run "$dir/grid.yaml" --output "$dir/grid" --top 0 >"$dir/grid.log" 2>&1 ||
        { echo "  full grid failed: $(tail -1 "$dir/grid.log")"; return 1; }
    gj=$dir/grid/journal.jsonl
    echo "  full grid: mpirun -n $GRID_RANKS hsweep run grid.yaml, $((SECONDS - t0)) s (its journal: every curve)"
    # the grid's records in the ASHA sweep's trial order
    "$HSWEEP" plan --json "$dir/asha.yaml" >"$dir/plan.json" || return 1
    $PY - "$dir/plan.json" "$gj" "$dir/ordered.jsonl" <<'PYEOF'
import json, sys
plan = json.load(open(sys.argv[1]))
ids = [t["id"] for t in plan["trials"]]
recs = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    if "event" not in o:
        recs[o["id"]] = line
missing = [i for i in ids if i not in recs]
if missing:
    sys.exit(f"bench_search_run: {len(missing)} trials of the ASHA sweep not in the grid journal "
             f"(e.g. {missing[0]}): the two sweeps do not give the same trials")
with open(sys.argv[3], "w") as f:
    f.writelines(recs[i] for i in ids)
PYEOF
    [ $? = 0 ] || return 1
    "$BENCH" "$dir/ordered.jsonl" --seeds 1 --seed "$SEED" --reduction "$REDUCTION" --events "$dir/replay.jsonl" >"$dir/replay.txt" ||
        return 1
    grep -E '^(bench_search|asha )' "$dir/replay.txt" | sed 's/^/  replay: /'
    for P in $RANKS; do
        t0=$SECONDS
        "${MPI[@]}" -n "$P" "$HSWEEP" run "$dir/asha.yaml" --output "$dir/asha$P" --top 0 \
            >"$dir/asha$P.log" 2>&1 || { echo "  asha on $P ranks failed: $(tail -1 "$dir/asha$P.log")"; return 1; }
        echo "  mpirun -n $P hsweep run asha.yaml: $((SECONDS - t0)) s; $(grep -m1 '^scheduler' "$dir/asha$P.log" || true)"
        compare "$gj" "$dir/replay.jsonl" "$dir/asha$P/journal.jsonl" "$P" || rc=1
        # the same command again: resume replays the journal's every decision, runs nothing
        local n0 n1
        n0=$(wc -l <"$dir/asha$P/journal.jsonl")
        if "${MPI[@]}" -n "$P" "$HSWEEP" run "$dir/asha.yaml" --output "$dir/asha$P" --top 0 \
            >"$dir/asha$P.rerun.log" 2>&1; then
            n1=$(wc -l <"$dir/asha$P/journal.jsonl")
            echo "  rerun: the journal's decisions replayed by the scheduler, exit 0, journal lines $n0 -> $n1"
        else
            echo "  rerun: REFUSED: $(tail -1 "$dir/asha$P.rerun.log")"
            rc=1
        fi
    done
    return $rc
}

status=0
if [ "$CASE" = synthetic ] || [ "$CASE" = all ]; then
    # the synthetic cell reads no data, but a sweep needs a dataset file: a tiny generated one
    . "$ROOT/tests/lib.sh"
    DIR=$WORK tiny_dataset >/dev/null
    run_case synthetic "$WORK/tiny.h5" "cell: synthetic, optimizer: rmsprop" \
        "layers: [1, 2, 3], units: [8, 16, 32], dropout: [0, 0.1, 0.25], learning_rate: [1e-3, 3e-3, 1e-2]" \
        27 || status=1
fi
if [ "$CASE" = real ] || [ "$CASE" = all ]; then
    DATA=${DATA:-$ROOT/data/jena2020.h5}
    [ -f "$DATA" ] || "$HSWEEP" prep "$ROOT/data/weather_ltsf_jena_2020.csv.xz" -o "$DATA" --quiet
    run_case real "$DATA" "optimizer: rmsprop" \
        "cell: [gru, dense], units: [8, 16], dropout: [0, 0.25], learning_rate: [3e-3, 1e-2]" \
        9 || status=1
fi
if [ "$CASE" = grid81 ]; then
    DATA=${DATA:-$ROOT/data/jena2020.h5}
    [ -f "$DATA" ] || "$HSWEEP" prep "$ROOT/data/weather_ltsf_jena_2020.csv.xz" -o "$DATA" --quiet
    run_case grid81 "$DATA" "optimizer: rmsprop" \
        "cell: [lstm, gru, dense], units: [8, 16, 32], dropout: [0, 0.1, 0.25], learning_rate: [1e-3, 3e-3, 1e-2]" \
        27 || status=1
    # every documented setting replayed on the curves just recorded (3 scheduler seeds)
    "$BENCH" "$WORK/grid81/ordered.jsonl" --seeds 3 --seed "$SEED" --settings >"$WORK/grid81/settings.txt" || status=1
    sed 's/^/  replay: /' "$WORK/grid81/settings.txt"
fi
exit $status
