#!/usr/bin/env bash
# test_docs: the documentation's examples and lists checked against the code, so they cannot
# go stale. usage: test_docs.sh HSWEEP_BINARY SCRATCH_DIR
#   - the `hsweep plan` example in docs/sweep-file.md: every line of it (but "...") appears
#     verbatim in the real output of `hsweep plan configs/default.yaml` on the embedded Jena
#     2020 data (prepared here: about 10 s), so the hash and TFLOP figures are today's;
#   - the configs table of docs/sweep-file.md names every file in configs/;
#   - the `hsweep report` synopsis in docs/running.md is the usage of `hsweep report --help`
#     (and shows --html);
#   - docs/running.md shows the report screenshot docs/report.png, which stays under 300 KB;
#   - the README's typical session runs on a 2-core machine: every `mpirun -n N` there has
#     N <= 2 or says --oversubscribe.
# Negative control: a copy of the plan example with one digit of the hash changed must fail
# the same comparison.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SRC=$(cd "$(dirname "$0")/.." && pwd)

# ---- the plan example --------------------------------------------------------------------
mkdir -p "$DIR/configs" "$DIR/data" && cp "$SRC/configs/default.yaml" "$DIR/configs/" || fail "copy config"
"$HSWEEP" prep "$SRC/data/weather_ltsf_jena_2020.csv.xz" -o "$DIR/data/jena2020.h5" --quiet >/dev/null 2>"$DIR/prep.err" ||
    fail "prep: $(tail -2 "$DIR/prep.err")"
(cd "$DIR" && "$HSWEEP" plan configs/default.yaml) >"$DIR/plan.out" 2>"$DIR/plan.err" || fail "plan: $(cat "$DIR/plan.err")"
# the example: the second ``` block of the "### `hsweep plan`" section
awk '/^### `hsweep plan`/{s=1} s&&/^```/{n++; next} s&&n==3{print} n>=4{exit}' "$SRC/docs/sweep-file.md" >"$DIR/example.txt"
[ "$(grep -c . "$DIR/example.txt")" -ge 8 ] || fail "plan example not found in docs/sweep-file.md"
# check_lines EXAMPLE OUTPUT: every non-"..." line of EXAMPLE is a line of OUTPUT
check_lines() {
    $PY - "$1" "$2" <<'PYEOF'
import sys
out = set(open(sys.argv[2]).read().split("\n"))
bad = [l for l in open(sys.argv[1]).read().split("\n") if l.strip() not in ("", "...") and l not in out]
if bad:
    print("not in the real output:", *bad, sep="\n  ")
    sys.exit(1)
PYEOF
}
check_lines "$DIR/example.txt" "$DIR/plan.out" || fail "docs/sweep-file.md plan example differs from real output"
sed 's/hash \([0-9a-f]\)/hash X/' "$DIR/example.txt" >"$DIR/example_bad.txt"
check_lines "$DIR/example_bad.txt" "$DIR/plan.out" >/dev/null && fail "negative control: a changed hash passed"

# ---- the configs table lists every file in configs/ ---------------------------------------
for f in "$SRC"/configs/*.yaml; do
    grep -q "^| \`configs/$(basename "$f")\` |" "$SRC/docs/sweep-file.md" ||
        fail "docs/sweep-file.md: configs table misses configs/$(basename "$f")"
done

# ---- the report synopsis is the command's usage --------------------------------------------
"$HSWEEP" report --help >"$DIR/report.help" || fail "report --help"
awk '/^## `hsweep report DIR`/{s=1} s&&/^```/{n++; next} s&&n==1{print} n>=2{exit}' "$SRC/docs/running.md" >"$DIR/synopsis.txt"
grep -q -- '--html' "$DIR/synopsis.txt" || fail "report synopsis does not show --html"
while IFS= read -r line; do
    [ -z "$line" ] && continue
    grep -qF -- "$line" "$DIR/report.help" || fail "report synopsis line not in --help: $line"
done <"$DIR/synopsis.txt"

# ---- the report screenshot: shown in docs/running.md, small enough for the repository ----------
grep -q '^!\[report\](report.png)' "$SRC/docs/running.md" || fail "docs/running.md does not show report.png"
size=$(stat -c %s "$SRC/docs/report.png" 2>/dev/null || echo 0)
[ "$size" -gt 10000 ] && [ "$size" -lt 307200 ] || fail "docs/report.png is $size bytes (want 10 KB .. 300 KB)"

# ---- README: the typical session fits 2 cores ---------------------------------------------
grep -o 'mpirun -n [0-9]*[^#]*#*.*' "$SRC/README.md" | while IFS= read -r line; do
    n=$(echo "$line" | sed 's/mpirun -n \([0-9]*\).*/\1/')
    [ -n "$n" ] || continue # e.g. mpirun -n $(nproc): as many ranks as cores
    if [ "$n" -gt 2 ] && ! echo "$line" | grep -q -- '--oversubscribe'; then
        echo "FAIL: README: '$line' needs more than 2 cores without --oversubscribe" >&2
        exit 1
    fi
done || fail "README mpirun lines"

[ "$fails" -eq 0 ] && echo "test_docs: all checks passed"
exit $((fails > 0))
