#!/usr/bin/env bash
# test_mpi_progress: the progress output of `hsweep run` in a log file and on a terminal.
# usage: test_mpi_progress.sh HSWEEP_BINARY SCRATCH_DIR
#   - under `mpirun -n 3 --oversubscribe` with stdout and stderr redirected to files (stderr
#     is then not a terminal, as in a Slurm log) and `--progress-every 0.5`: the log has no
#     carriage return and no escape sequence; every line is the start line, a trial line
#     (`[rank R] trial ID (i/n) ...: ok ...`) or a progress line (`finished a/n  running r
#     failed f  elapsed E  eta T  best val_mae ...`) parsed field by field; each trial line
#     is followed at once by exactly one progress line whose count is the trials finished so
#     far; between trials the progress line repeats while they train (at least once: the
#     first trials train for seconds, many times 0.5 s even on an idle machine) but never
#     more often than every 0.5 s: at most wall/0.5 + 1 such lines over the run's measured
#     wall time; the last says n/n;
#   - `report --json` on that run: each trial's record equals its journal line (real
#     records, with provenance);
#   - on a terminal (`script`, a pseudo-terminal; a 1-rank run without mpirun, as under
#     mpirun stderr is a pipe): the line is redrawn in place (`\r` + erase) after each trial
#     and never repeated by the timer. The same checker must reject that output (negative
#     control), and logs edited to break one rule each (a redraw, a missing progress line,
#     a flood of repeats) too.
# Budget: about 6 s on an idle 2-core machine (4 trials of 60 epochs on 3 ranks, then 2 tiny
# trials), 20-40 s under load.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
cd "$DIR" || exit 1
tiny_dataset || { echo "FAIL: prep" >&2; exit 1; }

cat >progress.yaml <<'YEOF'
name: progress
seed: 3
data: {path: tiny.h5, sequence_length: 48, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {epochs: 60}
grid:
  cell: [gru, lstm]
  units: [16, 32]
output: out
YEOF

# check_log LOG N INTERVAL WALL: LOG is a plain, parseable progress log of a run of N trials
# (rules above); prints what is wrong and returns 1 otherwise.
check_log() {
    $PY - "$@" <<'PYEOF'
import re, sys
path, n, every, wall = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
raw = open(path, "rb").read()
bad = []
if b"\r" in raw or b"\x1b" in raw:
    bad.append("carriage return or escape sequence in the log")
text = raw.decode("utf-8", "replace")
if not text.endswith("\n"):
    bad.append("the log does not end with a newline")
START = re.compile(r"hsweep run: sweep '\w+': \d+ trials \(\d+ to run\) on \d+ ranks?, ")
TRIAL = re.compile(r"\[rank (\d+)\] trial ([0-9a-f]{16}) \((\d+)/(\d+)\) .*: (ok|diverged) val_mae \S+ "
                   r"test_mae \S+, best epoch \d+/\d+, [0-9.]+ s")
PROG = re.compile(r"finished (\d+)/(\d+)  running (\d+)  failed (\d+)  elapsed (\d+h\d\dm|\d+m\d\ds|\d+s)  "
                  r"eta (\S+)  best val_mae (-|[0-9.]+ \([0-9a-f]{8}\))")
lines = text.split("\n")[:-1]
trials = ticks = 0
after_trial = False
last = None
for i, l in enumerate(lines, 1):
    p = PROG.fullmatch(l)
    if START.match(l) and i == 1:
        continue
    elif TRIAL.fullmatch(l):
        if after_trial:
            bad.append(f"line {i}: a trial line without a progress line before it")
        trials += 1
        after_trial = True
    elif p:
        done, total = int(p.group(1)), int(p.group(2))
        if total != n or done != trials:
            bad.append(f"line {i}: finished {done}/{total}, but {trials} of {n} trial lines so far")
        if not after_trial:
            ticks += 1
        after_trial = False
        last = done
    else:
        bad.append(f"line {i}: neither the start, a trial nor a progress line: {l[:120]!r}")
if trials != n or last != n:
    bad.append(f"{trials} trial lines, last progress line at {last}; want {n}")
if after_trial:
    bad.append("the last trial line has no progress line")
if ticks < 1:
    bad.append("no progress line while trials trained")
if ticks > wall / every + 1:
    bad.append(f"{ticks} progress lines between trials in {wall:.1f} s: more often than every {every} s")
for b in bad[:8]:
    print("  " + b)
print(f"  ({len(lines)} lines, {trials} trial lines, {ticks} progress lines between trials, {wall:.1f} s)")
sys.exit(1 if bad else 0)
PYEOF
}

# ---- mpirun, output to files ---------------------------------------------------------------
t0=$(date +%s.%N)
mpirun -n 3 --oversubscribe --bind-to none "$HSWEEP" run progress.yaml --progress-every 0.5 \
    >run.out 2>run.err || fail "run: $(tail -3 run.err)"
wall=$($PY -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
check_log run.err 4 0.5 "$wall" >check.out || fail "the mpirun log: $(cat check.out)"
grep -q '^| 1 | [0-9a-f]\{16\} |' run.out || fail "no ranked table on stdout: $(head -5 run.out)"

# ---- negative controls: the same log broken one rule at a time ------------------------------
sed '0,/^\[rank/s/^\[rank/\r\x1b[K[rank/' run.err >redraw.err
check_log redraw.err 4 0.5 "$wall" >/dev/null && fail "negative control: a redrawn line passed"
sed '$d' run.err >missing.err    # the progress line after the last trial
check_log missing.err 4 0.5 "$wall" >/dev/null && fail "negative control: a missing progress line passed"
awk 'NR == 2 {for (k = 0; k < 400; k++) print} {print}' run.err >flood.err
check_log flood.err 4 0.5 "$wall" >/dev/null && fail "negative control: a flood of progress lines passed"

# ---- report --json: the records are the journal lines ---------------------------------------
"$HSWEEP" report out --json >report.json 2>report.err || fail "report --json: $(cat report.err)"
$PY - report.json out/journal.jsonl <<'PYEOF' || fail "report --json records differ from the journal"
import json, sys
o = json.load(open(sys.argv[1]))
# trial records (the last per id, as report reads them), not scheduler events
j = {r["id"]: r for r in map(json.loads, open(sys.argv[2])) if "event" not in r}
assert len(o["trials"]) == len(j) == 4, (len(o["trials"]), len(j))
for t in o["trials"]:
    r = j[t["record"]["id"]]
    assert "host" in r and "start_unix" in r, r.keys()
    assert list(t["record"]) == list(r) and t["record"] == r, (t["record"], r)
PYEOF

# ---- a terminal: the live line, through script(1) -------------------------------------------
if command -v script >/dev/null; then
    cat >tty.yaml <<'YEOF'
name: tty
seed: 4
data: {path: tiny.h5, sequence_length: 8, sampling_rate: 1, horizon: 2, batch_size: 32}
fixed: {epochs: 4, units: 4}
grid:
  cell: [gru, lstm]
output: ttyout
YEOF
    t0=$(date +%s.%N)
    # stdout (the final table) elsewhere: the terminal shows stderr only
    script -qec "'$HSWEEP' run tty.yaml --progress-every 0.5 >tty.out" tty.log >/dev/null 2>&1 ||
        fail "run under script: $(tail -3 tty.log)"
    wall=$($PY -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
    # the terminal turned each \n into \r\n; undo that, the redraws stay
    sed 's/\r$//' tty.log | grep -v '^Script \(started\|done\)' >tty.err
    grep -c $'\r\x1b\\[K\\[rank 0\\] trial' tty.err | grep -qx 2 ||
        fail "on a terminal, each of 2 trials should redraw the line: $(cat -A tty.err | head -5)"
    [ "$(grep -o 'finished [0-9]/2' tty.err | wc -l)" -eq 2 ] ||
        fail "on a terminal the progress line is drawn once per trial, never by the timer: $(cat -A tty.err)"
    check_log tty.err 2 0.5 "$wall" >check.out && fail "negative control: the terminal's output passed the log check"
    grep -q 'carriage return or escape sequence' check.out || fail "the terminal's output failed otherwise: $(cat check.out)"
else
    echo "test_mpi_progress: no script(1) (Debian package bsdutils): terminal path not checked"
fi

[ "$fails" -eq 0 ] && echo "test_mpi_progress: all checks passed"
exit $((fails > 0))
