#!/usr/bin/env bash
# CI job: scripts/slurm/hsweep.sbatch under a real single-node Slurm (Debian's slurm-wlm,
# started without systemd by scripts/slurm/local-slurm.sh, KillWait 10 s, requeue delay
# 5 s). One small sweep (4 trials on tiny.h5, epochs calibrated so that one rank needs
# 110 CPU-seconds on an idle machine) runs once with plain mpirun (the reference) and under Slurm:
#   normal        2 ranks, --time=30 (never reached): one job, finished, nothing resubmitted;
#   warn-requeue  1 rank, --time=2 --signal=USR1@60, HSWEEP_RESUBMIT=requeue: stopped by
#                 the warning, requeued (same job id) until finished;
#   warn-sbatch   the same with HSWEEP_RESUBMIT=sbatch: new jobs, same options;
#   limit         1 rank, --time=1 --signal=USR1@0 (no warning), HSWEEP_RESUBMIT=sbatch:
#                 killed by the time limit (TIMEOUT), resubmitted by the trapped SIGTERM;
# each journal then holds every trial once, equal (val_mae, test_mae, val_loss, history,
# best epoch) to the reference. Then a job stopped before its first epoch is not resubmitted
# (no progress), and a plain `sbatch` submission is resubmitted with its path and resources
# until HSWEEP_RESUBMIT_MAX=1 stops it. A job array of 3 one-rank tasks
# (scripts/slurm/hsweep-array.sbatch) shares one study: every trial journaled once, equal to
# the reference, claims from at least 2 tasks. The daemons are
# stopped at the end by their pids.
# Budget: ~8 min on 2 cores (the four Slurm sweeps and the reference share the two cores;
# Slurm checks time limits every 30 s, so the stops come 30-90 s into a job).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
[ -x build/hsweep ] || scripts/build.sh > /dev/null
. tests/lib.sh
W=$(mktemp -d /tmp/hsweep-ci-slurm.XXXXXX)
test_init "$repo/build/hsweep" "$W/t"
export HSWEEP HSWEEP_SLURM_DIR=$W/slurm HSWEEP_SLURM_KILLWAIT=10 HSWEEP_SLURM_REQUEUE_DELAY=5
sbatch_script=$repo/scripts/slurm/hsweep.sbatch
t0=$(date +%s)
cleanup() {
    "$repo/scripts/slurm/local-slurm.sh" stop
    if [ "$fails" -ne 0 ]; then
        for f in "$DIR"/*/*.out "$HSWEEP_SLURM_DIR"/slurmctld.log; do
            echo "---- $f"; tail -n 40 "$f"
        done
    fi
    rm -rf "$W"
}
trap cleanup EXIT
"$repo/scripts/slurm/local-slurm.sh" start || { fails=1; exit 1; }
export SLURM_CONF=$HSWEEP_SLURM_DIR/slurm.conf
tiny_dataset || { fail "tiny dataset"; exit 1; }

# ---- the sweep: 4 trials (2 GRU, 2 LSTM), epochs calibrated ------------------------------
# One rank must need more than the 60-90 s Slurm grants a --time=1 job (it checks limits
# every 30 s) and more than the 30-60 s before the --signal=USR1@60 warning of a --time=2
# job, so that every stop below is sure to happen. The epochs are the fewer of: 150 CPU-s of
# work (wall time is never below CPU time; but CPU time per epoch measured under load can be
# 1.6x what an idle machine needs: a calibration for 110 CPU-s ran 70 s once), and 240 s of
# wall time at the load measured now (a margin for a loaded machine getting less loaded).
epochs=$($PY - "$HSWEEP" "$DIR/tiny.h5" <<'PYEOF'
import math, resource, subprocess, sys, time
def cost(cell, epochs):  # (CPU s, wall s) of `hsweep train`
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    subprocess.run([sys.argv[1], "train", sys.argv[2], "--cell", cell, "--units", "24",
                    "--sequence-length", "24", "--sampling-rate", "1", "--horizon", "2",
                    "--batch-size", "32", "--epochs", str(epochs), "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    r1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    return (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, t1 - t0)
cpu = wall = 0.0  # per epoch of one GRU and one LSTM trial: 3 epochs minus 1 epoch, halved
for cell in ("gru", "lstm"):
    (c3, w3), (c1, w1) = cost(cell, 3), cost(cell, 1)
    cpu += max(c3 - c1, 1e-3) / 2
    wall += max(w3 - w1, 1e-3) / 2
print(max(8, min(math.ceil(150 / (2 * cpu)), math.ceil(240 / (2 * wall)))))
PYEOF
)
echo "30-slurm: $epochs epochs per trial"
sweep_yaml() { # name epochs units
    cat <<EOF
name: $1
seed: 7
data: {path: tiny.h5, sequence_length: 24, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {epochs: $2, units: $3}
grid:
  cell: [gru, lstm]
  learning_rate: [1e-3, 1e-2]
EOF
}
scenario_dir() { # name [epochs units]: $DIR/name with sweep.yaml and tiny.h5
    mkdir -p "$DIR/$1" && ln -sf ../tiny.h5 "$DIR/$1/tiny.h5" &&
        sweep_yaml slurmci "${2:-$epochs}" "${3:-24}" > "$DIR/$1/sweep.yaml"
}
submit() { # name resubmit-mode sbatch-options...: submit through the script's submit mode
    local name=$1 mode=$2
    shift 2
    scenario_dir "$name"
    (cd "$DIR/$name" && HSWEEP_RESUBMIT=$mode "$sbatch_script" --job-name="ci-$name" --nodes=1 \
        --output=slurm-%j.out "$@" sweep.yaml) | sed "s/^/$name: /"
}
jobs_of() { squeue -h -n "ci-$1" -o %i 2>/dev/null; }
state_of() { grep -o '"state":"[a-z]*"' "$DIR/$1/runs/slurmci/status.json" 2>/dev/null | sed 's/.*:"//; s/"//'; }
# wait_done name timeout: until no job of the scenario is queued or running
wait_done() {
    local i
    for ((i = 0; i < $2; i += 2)); do
        [ -z "$(jobs_of "$1")" ] && return 0
        sleep 2
    done
    fail "$1: jobs still queued after $2 s: $(jobs_of "$1" | tr '\n' ' ')"
    scancel -n "ci-$1"
}
# job_ids name: every job id of the scenario (Slurm keeps finished jobs for MinJobAge=600 s)
job_ids() { scontrol show job -o 2>/dev/null | sed -n "s/^JobId=\([0-9]*\) JobName=ci-$1 .*/\1/p" | sort -n; }
jobinfo() { scontrol show job -o "$1" 2>/dev/null; }

submit limit sbatch --ntasks=1 --ntasks-per-node=1 --time=1 --signal=USR1@0
submit warn-requeue requeue --ntasks=1 --ntasks-per-node=1 --time=2 --signal=USR1@60
submit warn-sbatch sbatch --ntasks=1 --ntasks-per-node=1 --time=2 --signal=USR1@60
submit normal sbatch --ntasks=2 --ntasks-per-node=2 --time=30
# the job array: three 1-rank tasks of the same sweep on one output directory (docs/study.md)
scenario_dir array
(cd "$DIR/array" && sbatch --job-name=ci-array --array=0-2 --nodes=1 --ntasks=1 --ntasks-per-node=1 \
    --time=30 --output=slurm-%A_%a.out --export=ALL,HSWEEP="$HSWEEP",HSWEEP_HEARTBEAT_TIMEOUT=60 \
    "$repo/scripts/slurm/hsweep-array.sbatch" sweep.yaml) | sed 's/^/array: /'

# the reference, with plain mpirun, while the jobs run
scenario_dir ref
(cd "$DIR/ref" && mpirun -n 2 --oversubscribe --bind-to none "$HSWEEP" run sweep.yaml > run.out 2>&1) ||
    fail "reference run: $(tail -n 3 "$DIR/ref/run.out")"
for s in limit warn-requeue warn-sbatch normal array; do wait_done "$s" 600; done
echo "30-slurm: sweeps done after $(( $(date +%s) - t0 )) s"

# ---- per scenario: how it stopped and resumed -----------------------------------------------
for s in limit warn-requeue warn-sbatch normal; do
    [ "$(state_of "$s")" = finished ] || fail "$s: status.json state '$(state_of "$s")', want finished"
    ids=$(job_ids "$s")
    first=$(echo "$ids" | head -n 1)
    n=$(echo "$ids" | grep -c .)
    logs=$(cat "$DIR/$s"/*.out 2>/dev/null)
    grep -q "sweep finished" <<< "$logs" || fail "$s: no 'sweep finished' in the logs"
    case $s in
    normal)
        [ "$n" -eq 1 ] || fail "normal: $n jobs, want 1"
        grep -q 'interrupted by signal' <<< "$logs" && fail "normal: interrupted"
        grep -q '2 ranks' <<< "$logs" || fail "normal: not 2 ranks" ;;
    warn-requeue)
        [ "$n" -eq 1 ] || fail "warn-requeue: $n job ids, want 1 (requeued)"
        restarts=$(jobinfo "$first" | sed -n 's/.* Restarts=\([0-9]*\).*/\1/p')
        [ "${restarts:-0}" -ge 1 ] || fail "warn-requeue: job $first was not requeued (Restarts=${restarts:-?})"
        grep -q 'interrupted by signal 10' <<< "$logs" || fail "warn-requeue: no stop by SIGUSR1"
        grep -q 'requeueing job' <<< "$logs" || fail "warn-requeue: no requeue"
        echo "warn-requeue: job $first, $restarts restarts" ;;
    warn-sbatch)
        [ "$n" -ge 2 ] || fail "warn-sbatch: $n jobs, want a resubmission"
        grep -q 'interrupted by signal 10' <<< "$logs" || fail "warn-sbatch: no stop by SIGUSR1"
        # the resubmitted job has the options of the first and the submitted script path
        second=$(echo "$ids" | sed -n 2p)
        jobinfo "$second" | grep -q "Command=$sbatch_script sweep.yaml" ||
            fail "warn-sbatch: job $second runs '$(jobinfo "$second" | sed -n 's/.* Command=\(.*\) WorkDir=.*/\1/p')'"
        jobinfo "$second" | grep -q 'TimeLimit=00:02:00' || fail "warn-sbatch: job $second lost --time=2"
        echo "warn-sbatch: jobs $(echo $ids)" ;;
    limit)
        [ "$n" -ge 2 ] || fail "limit: $n jobs, want a resubmission"
        jobinfo "$first" | grep -q 'JobState=TIMEOUT' || fail "limit: job $first: $(jobinfo "$first" | grep -o 'JobState=[A-Z_]*')"
        grep -q 'interrupted by signal 15' "$DIR/limit/slurm-$first.out" || fail "limit: job $first not stopped by SIGTERM"
        grep -q 'SIGTERM: time limit' "$DIR/limit/slurm-$first.out" || fail "limit: batch shell did not see the SIGTERM"
        grep -q 'interrupted by signal 10' <<< "$logs" && fail "limit: a warning was sent"
        echo "limit: jobs $(echo $ids)" ;;
    esac
    [ -z "$(ls "$DIR/$s/runs/slurmci/ckpt" 2>/dev/null)" ] || fail "$s: checkpoints left"
    same_results "$DIR/ref/runs/slurmci/journal.jsonl" "$DIR/$s/runs/slurmci/journal.jsonl" 4 ||
        fail "$s: results differ from the reference"
done

# ---- the job array: one study, every trial once ---------------------------------------------
grep -q "sweep finished\|nothing left to claim\|finished" "$DIR/array"/slurm-*.out || fail "array: no task finished"
for f in "$DIR/array"/slurm-*.out; do
    grep -q 'hsweep run exited with 0' "$f" || fail "array: $(basename "$f"): $(tail -n 2 "$f" | tr '\n' ' ')"
done
owners=$(grep -o '"owner":"[^"]*"' "$DIR/array/runs/slurmci/claims.jsonl" 2>/dev/null | sort -u | grep -c .)
[ "$owners" -ge 2 ] || fail "array: claims from $owners task(s), want >= 2"
same_results "$DIR/ref/runs/slurmci/journal.jsonl" "$DIR/array/runs/slurmci/journal.jsonl" 4 ||
    fail "array: results differ from the reference"
echo "array: $(ls "$DIR/array"/slurm-*.out | wc -l) tasks, claims from $owners"

# ---- no progress, plain sbatch, resubmission limit ----------------------------------------
# A slower sweep (units 128/256: an epoch takes seconds); scancel --signal=USR1 stops a job
# once hsweep runs ("run": before its first epoch) or once it wrote an epoch checkpoint.
# signal_job name job run|ckpt: wait for that moment (2 min at most), send USR1
signal_job() {
    local i before
    before=$(stat -c '%i %s' "$DIR/$1/runs/slurmci/ckpt/"*.ckpt 2>/dev/null)
    for ((i = 0; i < 240; i++)); do
        case $3 in
        run) [ -e "$DIR/$1/runs/slurmci/metadata.json" ] && break ;;
        ckpt) after=$(stat -c '%i %s' "$DIR/$1/runs/slurmci/ckpt/"*.ckpt 2>/dev/null)
              [ -n "$after" ] && [ "$after" != "$before" ] && break ;;
        esac
        sleep 0.5
    done
    scancel --signal=USR1 "$2"
}
# nth_job name n: the id of the scenario's n-th job, once it runs (2 min at most)
nth_job() {
    local i
    for ((i = 0; i < 240; i++)); do
        id=$(job_ids "$1" | sed -n "$2p")
        [ -n "$id" ] && [ "$(squeue -h -j "$id" -o %t 2>/dev/null)" = R ] && { echo "$id"; return; }
        sleep 0.5
    done
}
scenario_dir noprogress 3 256
(cd "$DIR/noprogress" && HSWEEP_RESUBMIT=sbatch "$sbatch_script" --job-name=ci-noprogress --nodes=1 \
    --ntasks=1 --ntasks-per-node=1 --time=5 --output=slurm-%j.out sweep.yaml) > /dev/null
job=$(nth_job noprogress 1)
signal_job noprogress "$job" run
wait_done noprogress 120
log=$(cat "$DIR/noprogress"/*.out)
grep -q 'interrupted by signal 10' <<< "$log" || fail "noprogress: not stopped by the signal"
grep -q 'finished no epoch: not resubmitting' <<< "$log" || fail "noprogress: no 'finished no epoch' line"
[ "$(job_ids noprogress | grep -c .)" -eq 1 ] || fail "noprogress: resubmitted"

# plain `sbatch` (no submit mode): the resubmission takes the script's path from the job
# record and the options from the resources it shows; the second stop hits the limit of 1.
scenario_dir plain 3 128
(cd "$DIR/plain" && HSWEEP_RESUBMIT=sbatch HSWEEP_RESUBMIT_MAX=1 sbatch --job-name=ci-plain \
    --nodes=1 --ntasks=1 --ntasks-per-node=1 --time=4 --output=slurm-%j.out "$sbatch_script" sweep.yaml) > /dev/null
job=$(nth_job plain 1)
signal_job plain "$job" ckpt
job2=$(nth_job plain 2)
if [ -n "$job2" ]; then
    info=$(jobinfo "$job2")
    grep -q "Command=$sbatch_script sweep.yaml" <<< "$info" || fail "plain: job $job2 runs another script"
    grep -q 'TimeLimit=00:04:00' <<< "$info" || fail "plain: job $job2 lost --time=4"
    grep -q 'JobName=ci-plain' <<< "$info" || fail "plain: job $job2 lost --job-name"
    grep -q 'NumTasks=1 ' <<< "$info" || fail "plain: job $job2 lost --ntasks=1"
    signal_job plain "$job2" ckpt
else
    fail "plain: not resubmitted"
fi
wait_done plain 120
log=$(cat "$DIR/plain"/*.out)
grep -q 'resubmission limit reached (1 of HSWEEP_RESUBMIT_MAX=1)' <<< "$log" || fail "plain: no limit line"
[ "$(job_ids plain | grep -c .)" -eq 2 ] || fail "plain: $(job_ids plain | grep -c .) jobs, want 2"

echo "30-slurm: $fails failures, $(( $(date +%s) - t0 )) s"
[ "$fails" -eq 0 ]
