#!/usr/bin/env bash
# test_readme: the README's typical session runs as written.
# usage: test_readme.sh HSWEEP_BINARY SCRATCH_DIR
# The commands are read from README.md (the indented block after "A typical session, step by
# step:"), not copied here, so a README change that does not work fails this test. They run
# one by one with bash, in that order, in a scratch directory laid out like the repository
# (build/hsweep, data/ with the embedded Jena 2020 CSV, configs/, scripts/), with the knob
# the README documents for a try-out, HSWEEP_MAX_EPOCHS=1 (every trial one epoch; the README
# must still say so). Each must exit 0; then the files they name exist: data/jena2020.h5,
# runs/default/ with one journal line per trial of configs/default.yaml, report.html and
# best_model.h5, preds.csv with a header and a row per test window. The Slurm line needs a
# reachable Slurm controller (`sinfo` answers); without one that line is skipped and said so
# (CI job 30 tests the batch script on a local Slurm). A session
# needs at most 2 cores (mpirun lines: tests/test_docs.sh).
# Negative control: the same runner on the session with one command misspelt must fail.
# Budget: about 40 s on an idle 2-core machine (prep 10 s, 16 one-epoch trials on 2 ranks).
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"   # Open MPI leaks under the sanitizer job (see test_cli_corrupt)
SRC=$(cd "$(dirname "$0")/.." && pwd)

# the session: indented lines after the marker, up to the first line that is not indented
awk '/^A typical session, step by step:/ {s = 1; next}
     s && /^    / {sub(/^    /, ""); print; n++; next}
     s && n && !/^    / {exit}' "$SRC/README.md" >"$DIR/session.txt"
[ "$(grep -c . "$DIR/session.txt")" -ge 6 ] || fail "no typical session in README.md: $(cat "$DIR/session.txt")"
grep -q '^build/hsweep prep ' "$DIR/session.txt" && grep -q 'hsweep run configs/default.yaml' "$DIR/session.txt" ||
    fail "the session does not prepare data and run configs/default.yaml: $(cat "$DIR/session.txt")"
grep -q 'HSWEEP_MAX_EPOCHS=1' "$SRC/README.md" || fail "README.md no longer documents HSWEEP_MAX_EPOCHS=1"

# a checkout-like directory
W=$DIR/work
mkdir -p "$W/build" "$W/data" || exit 1
ln -s "$HSWEEP" "$W/build/hsweep"
ln -s "$SRC/data/weather_ltsf_jena_2020.csv.xz" "$W/data/"
cp -r "$SRC/configs" "$W/configs"
ln -s "$SRC/scripts" "$W/scripts"

# run_session FILE LOGDIR: each command of FILE with bash in $W; stops at the first failure
# (prints it, returns 1)
run_session() {
    local i=0 line
    while IFS= read -r line; do
        [ -z "$line" ] && continue
        i=$((i + 1))
        if [[ "$line" == scripts/slurm/* ]] && ! sinfo -h >/dev/null 2>&1; then
            echo "test_readme: no Slurm cluster here (sinfo), skipped: $line"
            continue
        fi
        if ! (cd "$W" && HSWEEP_MAX_EPOCHS=1 bash -c "$line") >"$2/$i.out" 2>"$2/$i.err" </dev/null; then
            echo "command $i failed: $line"
            tail -5 "$2/$i.err"
            return 1
        fi
    done <"$1"
}

# ---- negative control: a misspelt command stops the session ----------------------------------
mkdir -p "$DIR/bad"
sed '1s/hsweep prep/hsweep perp/' "$DIR/session.txt" >"$DIR/bad.txt"
run_session "$DIR/bad.txt" "$DIR/bad" >"$DIR/bad.log" && fail "negative control: a misspelt command passed"
grep -q '^command 1 failed' "$DIR/bad.log" || fail "negative control: $(cat "$DIR/bad.log")"
rm -f "$W/data/jena2020.h5"

# ---- the session -------------------------------------------------------------------------------
mkdir -p "$DIR/log"
run_session "$DIR/session.txt" "$DIR/log" >"$DIR/session.log" || fail "README session: $(cat "$DIR/session.log")"
grep 'skipped' "$DIR/session.log"

# ---- what it made ------------------------------------------------------------------------------
[ -s "$W/data/jena2020.h5" ] || fail "no data/jena2020.h5"
n=$("$HSWEEP" plan "$W/configs/default.yaml" 2>/dev/null | grep -c '^ *[0-9][0-9]*  [0-9a-f]\{16\} ')
[ "$n" -ge 2 ] || fail "plan lists no trials"
[ "$(wc -l <"$W/runs/default/journal.jsonl" 2>/dev/null)" = "$n" ] ||
    fail "runs/default/journal.jsonl: want $n lines"
$PY - "$W/runs/default/journal.jsonl" <<'PYEOF' || fail "journal: not one epoch per trial"
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    assert r["status"] == "ok" and r["epochs_run"] == 1 and r["hparams"]["epochs"] == 1, r
PYEOF
for f in report.html best_model.h5 results.md; do
    [ -s "$W/runs/default/$f" ] || fail "runs/default/$f missing"
done
[ "$(wc -l <"$W/preds.csv" 2>/dev/null || echo 0)" -gt 100 ] || fail "preds.csv: $(head -3 "$W/preds.csv" 2>&1)"

[ "$fails" -eq 0 ] && echo "test_readme: all checks passed"
exit $((fails > 0))
