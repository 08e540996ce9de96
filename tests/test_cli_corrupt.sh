#!/usr/bin/env bash
# test_cli_corrupt: no command ends by a signal on a damaged model or dataset file.
# usage: test_cli_corrupt.sh HSWEEP_BINARY SCRATCH_DIR
# A real best_model.h5 (a 1-trial sweep) and a real dataset (hsweep prep) get one byte each
# replaced at a position and with a value drawn from a fixed seed; `hsweep predict` (model),
# `hsweep baseline` (dataset), `hsweep report --html` (model in a run directory) and the
# resume of `hsweep run` (model) run on every damaged copy. Any exit by a signal (status >=
# 128, or a timeout) fails. HSWEEP_MUTATIONS (default 20 per file and command; docs/
# hardening.md gives the local run of 1,000) sets the count. The damaged files that once
# crashed are kept in tests/fuzz/crashes/ and replayed by the fuzz_*_corpus tests.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
N=${HSWEEP_MUTATIONS:-20}
# `hsweep run` initialises Open MPI, whose memory LeakSanitizer cannot attribute (as for the
# MPI tests, CMakeLists.txt): leak detection off in a sanitizer build, ASan and UBSan stay on
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
SRC=${HSWEEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
tiny_dataset || fail "prep"
cd "$DIR" || exit 1
cat > one.yaml <<'YEOF'
name: one
seed: 5
data: {path: tiny.h5, sequence_length: 8, sampling_rate: 1, horizon: 2, batch_size: 16}
fixed: {epochs: 1, units: 4, cell: gru}
output: run
YEOF
"$HSWEEP" run one.yaml >run.out 2>&1 || fail "sweep: $(tail -n 3 run.out)"
cp run/best_model.h5 model.h5

# mutate SRC DST I: DST = SRC with byte (seeded by I) replaced by another value
mutate() {
    $PY - "$1" "$2" "$3" <<'PYEOF'
import random, sys
b = bytearray(open(sys.argv[1], "rb").read())
r = random.Random(int(sys.argv[3]))
p = r.randrange(len(b))
b[p] = (b[p] + 1 + r.randrange(255)) % 256
open(sys.argv[2], "wb").write(b)
print(p)
PYEOF
}

# check NAME FILE CMD...: run CMD (120 s at most) on the damaged FILE; a signal or timeout
# is a failure (FILE is kept as keep_NAME_<n>.h5)
check() {
    local name=$1 file=$2
    shift 2
    timeout -s KILL 120 "$@" >/dev/null 2>cmd.err
    local rc=$?
    if [ "$rc" -ge 128 ]; then
        fail "$name ($file): exit status $rc (signal $((rc - 128))): $(tail -c 300 cmd.err)"
        cp "${file%% *}" "keep_${name}_$fails.h5"
    fi
}

# the inputs that crashed or hung hsweep before (saved by the fuzzing work)
for f in "$SRC"/tests/fuzz/crashes/model/*; do
    check predict "$f" "$HSWEEP" predict "$f" tiny.h5
done
for f in "$SRC"/tests/fuzz/crashes/h5data/*; do
    check baseline "$f" "$HSWEEP" baseline "$f"
done

for i in $(seq 1 "$N"); do
    pos=$(mutate model.h5 m.h5 "$i")
    check predict "m.h5 byte $pos" "$HSWEEP" predict m.h5 tiny.h5
    cp m.h5 run/best_model.h5
    check report-html "m.h5 byte $pos" "$HSWEEP" report run --html
    check resume "m.h5 byte $pos" "$HSWEEP" run one.yaml
    pos=$(mutate tiny.h5 d.h5 $((i + 100000)))
    check baseline "d.h5 byte $pos" "$HSWEEP" baseline d.h5
done
echo "$N mutations of each file, $fails failures"
exit "$fails"
