#!/usr/bin/env bash
# test_cli_run_failures: after `hsweep run` stops (a full disk, max_failures, a signal) its
# messages are true. usage: test_cli_run_failures.sh HSWEEP_BINARY SCRATCH_DIR
# Budget: ~30 s on 2 cores (synthetic cells, a few tiny GRU trials).
#   - the journal's 4th append fails with ENOSPC for good (tests/faultinject.c): exit 1; the
#     trial that finished is said to be not journaled; "N trials finished in this run",
#     status.json's done and the job file's journaled all equal the journal's records;
#     status.json's final state is failed, with the reason and nothing running; the resume
#     runs exactly the trials not journaled. Before: done counted the lost trial (4 vs 3 in
#     the journal), status.json had no reason and 1 running.
#   - results.md cannot be written: the final "results:" line does not point to it (before:
#     `results: DIR/results.md, DIR/summary.md` with neither file there);
#   - max_failures: state failed, reason max_failures, counts equal the journal's;
#   - SIGTERM mid-sweep: state stopped, reason a signal, "N of M trials finished and
#     journaled" equals the journal's records.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
SHIM=${HSWEEP_FAULTINJECT:-}
[ -f "$SHIM" ] || { echo "FAIL: HSWEEP_FAULTINJECT not set to the shim ($SHIM)" >&2; exit 1; }
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }
cd "$DIR" || exit 1
cat >f.yaml <<YEOF
name: f
seed: 5
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic, epochs: 3}
grid:
  units: [16, 64, 128, 256]
  dropout: [0, 0.2]
output: rf
YEOF

# status_is DIR STATE REASON_PATTERN: status.json's state, reason, running 0, and done +
# failed equal to the journal's records
status_is() {
    $PY - "$1" "$2" "$3" <<'PYEOF'
import json, re, sys
d, state, reason = sys.argv[1:]
s = json.load(open(d + "/status.json"))
recs = [json.loads(l) for l in open(d + "/journal.jsonl") if l.strip()]
assert s["state"] == state, s
assert re.search(reason, s.get("reason", "")), s
assert s["running"] == 0, s
assert s["done"] + s["failed"] == len(recs), (s, len(recs))
PYEOF
}

# ---- a full disk under the journal ----------------------------------------------------------
LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=write HSWEEP_FAULT_PATH=journal.jsonl HSWEEP_FAULT_N=4+ \
    "$HSWEEP" run f.yaml >full.out 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "full disk: exit $rc, want 1"
n=$(wc -l <rf/journal.jsonl)
[ "$n" -eq 3 ] || fail "full disk: $n records journaled, want 3"
grep -q "^$n trials finished in this run" full.out || fail "full disk: summary count: $(grep 'finished in this run' full.out)"
grep -q "finished but not journaled (the journal failed); it runs again on resume" full.out ||
    fail "full disk: the unjournaled trial is not mentioned"
status_is rf failed "No space left on device" || fail "full disk: status.json: $(cat rf/status.json)"
grep -q "\"journaled\":$n," rf/jobs/*.json || fail "full disk: job file: $(cat rf/jobs/*.json)"
"$HSWEEP" run f.yaml >full2.out 2>&1 || fail "resume after the full disk: $(tail -3 full2.out)"
grep -q "resuming rf: 3 of 8 trials already finished" full2.out || fail "resume: $(head -1 full2.out)"
$PY - rf/journal.jsonl <<'PYEOF' || fail "after resume: not every trial journaled once"
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
assert len(ids) == 8 == len(set(ids)), ids
PYEOF
status_is rf finished "^$" || fail "resume: status.json: $(cat rf/status.json)"

# ---- the tables cannot be written: no pointer to them ---------------------------------------
rm -rf rf
LD_PRELOAD=$SHIM HSWEEP_FAULT_OP=write HSWEEP_FAULT_PATH=results.md HSWEEP_FAULT_N=1+ \
    "$HSWEEP" run f.yaml >tab.out 2>&1 || fail "tables: exit $?"
[ -e rf/results.md ] && fail "tables: results.md written despite the fault"
grep -q "^results: rf/results.md, rf/summary.md" tab.out && fail "tables: the results line points to unwritten files"
grep -q "could not be written (above); \`hsweep report rf\` rebuilds them" tab.out || fail "tables: $(tail -2 tab.out)"
"$HSWEEP" report rf >/dev/null 2>&1 && [ -s rf/results.md ] || fail "tables: report did not rebuild them"

# ---- max_failures -------------------------------------------------------------------------
cat >m.yaml <<YEOF
name: m
seed: 3
data: {path: $DIR/tiny.h5, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {cell: gru, epochs: 1, units: 4}
grid:
  sequence_length: [8, 800]
  learning_rate: [1e-3, 1e-2]
output: rm
max_failures: 1
YEOF
"$HSWEEP" run m.yaml >m.out 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "max_failures: exit $rc, want 1"
status_is rm failed "max_failures" || fail "max_failures: status.json: $(cat rm/status.json)"
grep -q "^$(wc -l <rm/journal.jsonl) trials finished in this run" m.out || fail "max_failures: summary count"

# ---- a signal ------------------------------------------------------------------------------
cat >s.yaml <<YEOF
name: s
seed: 3
data: {path: $DIR/tiny.h5, sequence_length: 24, sampling_rate: 1, horizon: 2, batch_size: 16}
fixed: {epochs: 6, units: 8, cell: gru}
grid:
  learning_rate: [1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 7e-3, 8e-3]
output: rs
YEOF
"$HSWEEP" run s.yaml >sig.out 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
    [ -s rs/journal.jsonl ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
if grep -q "interrupted by" sig.out; then
    n=$(wc -l <rs/journal.jsonl)
    grep -q "interrupted by signal 15; $n of 8 trials finished and journaled" sig.out ||
        fail "signal: $(grep interrupted sig.out) vs $n journaled"
    status_is rs stopped "signal" || fail "signal: status.json: $(cat rs/status.json)"
else
    echo "note: the sweep ended before the signal (machine faster than expected)"
fi
[ "$fails" -eq 0 ] && echo "test_cli_run_failures: all checks passed"
exit "$fails"
