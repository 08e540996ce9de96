#!/usr/bin/env bash
# test_mpi_nice: on an oversubscribed node rank 0 of `hsweep run` keeps its priority and the
# node's other ranks lower theirs (docs/running.md, "Who does what").
# usage: test_mpi_nice.sh HSWEEP_BINARY SCRATCH_DIR
#   - `mpirun -n P` with P = cores + 2 on this machine (more ranks than cores): while the
#     synthetic sweep runs (epochs slowed to 300 ms by HSWEEP_SYNTH_EPOCH_MS), exactly one
#     hsweep process keeps the shell's niceness (rank 0) and the P - 1 others run 10 higher;
#   - negative control: `mpirun -n 2` on a machine with at least 2 cores (a core per rank):
#     both ranks keep the shell's niceness. Skipped on a 1-core machine.
# Budget: about 10 s on an idle 2-core machine (two runs of 4-8 synthetic trials), 30 s
# under load.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
cd "$DIR" || exit 1
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }
base=$(nice)
cores=$(getconf _NPROCESSORS_ONLN)

# run_and_look P WANT: start a P-rank sweep and sample the niceness of its hsweep processes
# (sorted, one line) every 0.1 s until it equals WANT and once more a second later (a rank
# that changes its niceness late is seen), or until the run ends; let it finish; prints
# the last sample
run_and_look() {
    local p=$1 want=$2 out=out$1 vals="" v k
    printf 'name: nice\nseed: 3\ndata: {path: tiny.h5}\nfixed: {cell: synthetic, epochs: 4}\nrandom:\n  samples: %s\n  params:\n    dropout: {uniform: [0, 0.5]}\noutput: %s\n' \
        "$p" "$out" >nice$p.yaml
    HSWEEP_SYNTH_EPOCH_MS=500 mpirun --oversubscribe --bind-to none -n "$p" "$HSWEEP" run \
        nice$p.yaml >run$p.out 2>run$p.err &
    local mp=$!
    # the ranks: mpirun's children (Open MPI starts a node's ranks itself)
    sample() { ps -o ni=,comm= --ppid "$mp" | awk '$2 ~ /hsweep/ {print $1}' | sort -n | tr '\n' ' '; }
    for k in $(seq 1 600); do
        v=$(sample)
        [ -n "$v" ] && vals=$v   # the last sample while the run was up
        if [ "$(echo $vals)" = "$(echo $want)" ]; then
            sleep 1
            vals=$(sample)
            break
        fi
        kill -0 $mp 2>/dev/null || break
        sleep 0.1
    done
    wait $mp || echo "FAIL: the $p-rank run exited $?" >&2
    echo "$vals"
}

p=$((cores + 2))
want="$base $(for k in $(seq 2 $p); do printf '%s ' $((base + 10)); done)"
vals=$(run_and_look $p "$want")
[ "$(echo $vals)" = "$(echo $want)" ] ||
    fail "$p ranks on $cores cores: niceness $vals, want rank 0 at $base and the others at $((base + 10))"
grep -q "finished in this run" run$p.out || fail "the $p-rank sweep did not finish"

if [ "$cores" -ge 2 ]; then
    vals=$(run_and_look 2 "$base $base")
    [ "$(echo $vals)" = "$base $base" ] || fail "2 ranks on $cores cores: niceness $vals, want both at $base"
    grep -q "finished in this run" run2.out || fail "the 2-rank sweep did not finish"
fi
exit "$fails"
