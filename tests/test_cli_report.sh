#!/usr/bin/env bash
# test_cli_report: `hsweep report DIR` on a generated journal (with a truncated last line, as
# after a crash mid-write), --top, --help, bad flags, a missing directory, a directory
# without a journal, and a corrupt middle line. $1 = hsweep binary, $2 = scratch directory.
set -u
HSWEEP=$1
SCRATCH=$2
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# rec ID REPEAT STATUS VAL TEST CELL UNITS SEED: one journal line, as the journal writer writes it
rec() {
    local val=$4 test=$5 reason='""'
    [ "$3" != ok ] && reason='"loss=nan at epoch 2"'
    printf '{"v":1,"id":"%s","repeat":%s,"status":"%s","reason":%s,' "$1" "$2" "$3" "$reason"
    printf '"hparams":{"cell":"%s","units":%s,"layers":1,"dropout":0,"recurrent_dropout":0,' "$6" "$7"
    printf '"head_dropout":0,"bidirectional":false,"residual":false,"optimizer":"rmsprop","learning_rate":0.001,'
    printf '"batch_size":256,"epochs":3,"patience":0,"clip":0,"sequence_length":120,'
    printf '"sampling_rate":6,"horizon":24,"seed":%s},' "$8"
    printf '"val_mae":%s,"val_loss":1,"test_mae":%s,"best_epoch":2,"epochs_run":3,"wall_s":1.5,' "$val" "$test"
    printf '"rank":0,"n_params":100,"history":{"loss":[1,0.5,0.4],"mae":[1,0.6,0.5],'
    printf '"val_loss":[1,0.9,0.95],"val_mae":[1,0.8,0.85]}}\n'
}

D=$SCRATCH/sweep
mkdir -p "$D"
{
    rec 000000000000000a 0 ok 2.5 2.6 lstm 16 11
    rec 000000000000000b 0 ok 1.75 1.8 gru 16 12
    rec 000000000000000c 0 diverged null null lstm 32 13
    rec 000000000000000d 0 ok 2.25 2.3 gru 32 14
    rec 000000000000000e 0 ok 3.5 3.25 lstm 16 15
} > "$D/journal.jsonl"
# a crash mid-write leaves half a line
rec 000000000000000f 0 ok 0.5 0.5 gru 16 16 | head -c 120 >> "$D/journal.jsonl"

"$HSWEEP" report "$D" > "$SCRATCH/out" 2> "$SCRATCH/err"
rc=$?
[ $rc -eq 0 ] || fail "report exit $rc: $(cat "$SCRATCH/err")"
grep -q "journal.jsonl:6: skipped truncated or corrupt last line" "$SCRATCH/err" \
    || fail "no warning about line 6: $(cat "$SCRATCH/err")"
grep -q '^| 1 | 000000000000000b | 0 | 1.7500 | 1.8000 | 2/3 | ok | gru | 16 |$' "$SCRATCH/out" \
    || fail "rank 1 row missing: $(cat "$SCRATCH/out")"
grep -q '^| 4 | 000000000000000e |' "$SCRATCH/out" || fail "rank 4 row missing"
grep -q '000000000000000f' "$SCRATCH/out" && fail "the truncated record was ranked"
grep -q '4 of 4 ranked trials shown; 1 diverged, 0 failed' "$SCRATCH/out" || fail "count line"
for f in results.csv results.md summary.md; do
    [ -s "$D/$f" ] || fail "$f not written"
done
[ "$(wc -l < "$D/results.csv")" -eq 6 ] || fail "results.csv should have header + 5 rows"
ls "$D" | grep -q '\.tmp' && fail ".tmp file left behind"
grep -q '### cell' "$D/summary.md" || fail "summary has no cell marginal"
# the journal itself is never modified by report
[ "$(tail -c 1 "$D/journal.jsonl" | od -An -c | tr -d ' ')" != '\n' ] || fail "report repaired the journal"

"$HSWEEP" report --top 2 "$D" > "$SCRATCH/out" 2> /dev/null || fail "--top 2 failed"
[ "$(grep -c '^| [0-9]' "$SCRATCH/out")" -eq 2 ] || fail "--top 2 prints 2 rows: $(cat "$SCRATCH/out")"
# another metric than the sweep's is a view: printed, the sweep's tables stay as they are
sum_before=$(cat "$D/results.md" "$D/results.csv" "$D/summary.md" | cksum)
"$HSWEEP" report "$D" --metric test_mae > "$SCRATCH/out" 2> /dev/null || fail "--metric failed"
grep -q '| # | id | rep | test_mae | val_mae |' "$SCRATCH/out" || fail "--metric header"
grep -q 'Ranked by test_mae, not the sweep.s val_mae: printed only' "$SCRATCH/out" || fail "--metric: no note"
[ "$(cat "$D/results.md" "$D/results.csv" "$D/summary.md" | cksum)" = "$sum_before" ] ||
    fail "--metric test_mae rewrote the sweep's tables"
grep -q 'Ranked by val_mae' "$D/results.md" || fail "results.md no longer ranked by val_mae"

# --json: one object, ranked trials first, no baseline without a dataset
"$HSWEEP" report "$D" --json > "$SCRATCH/json" 2> "$SCRATCH/err" || fail "--json failed: $(cat "$SCRATCH/err")"
# each trial's "record" is the journal line itself (the journal's writer), member for member
# check_json JSON JOURNAL: the checks above and that equality
check_json() {
    /usr/bin/python3 - "$1" "$2" <<'PYEOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["metric"] == "val_mae" and o["finished"] == 5 and o["ranked"] == 4, o
assert [t["record"]["id"] for t in o["trials"][:2]] == ["000000000000000b", "000000000000000d"], o["trials"]
assert o["trials"][4]["rank"] is None and o["trials"][4]["record"]["status"] == "diverged"
assert set(o["importance"]) == {"cell", "units"}, o["importance"]
assert o["persistence"] == [] and o["trials"][0]["vs_persistence"] is None
assert all(set(t) == {"rank", "vs_persistence", "record"} for t in o["trials"]), o["trials"][0].keys()
lines = {}
for l in open(sys.argv[2]):
    try:
        r = json.loads(l)
    except ValueError:
        continue  # the truncated last line
    if "event" not in r:  # trial records, the last per id, not scheduler events
        lines[r["id"]] = r
assert len(o["trials"]) == len(lines) == 5
for t in o["trials"]:
    j = lines[t["record"]["id"]]
    assert list(t["record"]) == list(j) and t["record"] == j, (t["record"], j)
PYEOF
}
check_json "$SCRATCH/json" "$D/journal.jsonl" || fail "--json content"
# negative control: a journal line with one more member than the report's record must fail
sed '1s/"n_params":100,/"n_params":100,"extra":1,/' "$D/journal.jsonl" > "$SCRATCH/journal.extra"
check_json "$SCRATCH/json" "$SCRATCH/journal.extra" 2> /dev/null && fail "negative control: an extra journal member passed"

# an output path that cannot be written is refused before any work (tables untouched)
touch -d '2001-01-01' "$D/results.md"
"$HSWEEP" report "$D" --html -o "$SCRATCH/no/such/dir/r.html" > "$SCRATCH/out" 2> "$SCRATCH/err"
[ $? -eq 1 ] || fail "unwritable -o should exit 1"
grep -q "cannot write $SCRATCH/no/such/dir/r.html" "$SCRATCH/err" || fail "unwritable -o message: $(cat "$SCRATCH/err")"
[ "$(date -r "$D/results.md" +%Y)" = 2001 ] || fail "tables rewritten although the output path is bad"
"$HSWEEP" report "$D" -o x.html > /dev/null 2>&1
[ $? -eq 2 ] || fail "-o without --html should exit 2"

# nothing finished yet (an interrupted run): say so instead of an empty table
E=$SCRATCH/nothing
mkdir -p "$E" && : > "$E/journal.jsonl"
"$HSWEEP" report "$E" > "$SCRATCH/out" 2> "$SCRATCH/err" || fail "empty journal: exit $?"
grep -q '^No trial has finished yet: the journal is empty' "$SCRATCH/out" || fail "empty journal: $(cat "$SCRATCH/out")"
grep -q '^| #' "$SCRATCH/out" && fail "empty journal printed an empty table"
grep -q '^No trial has finished yet' "$E/results.md" || fail "empty journal: results.md says nothing"

"$HSWEEP" report --help > "$SCRATCH/out" 2>&1 || fail "--help exit status"
grep -q '^usage: hsweep report DIR' "$SCRATCH/out" || fail "--help text"
"$HSWEEP" report "$D" --bogus > /dev/null 2>&1
[ $? -eq 2 ] || fail "unknown flag should exit 2"
"$HSWEEP" report "$D" --top x > /dev/null 2>&1
[ $? -eq 2 ] || fail "bad --top should exit 2"

# missing directory: exit != 0, exactly one line on stderr, nothing on stdout
"$HSWEEP" report "$SCRATCH/missing" > "$SCRATCH/out" 2> "$SCRATCH/err"
rc=$?
[ $rc -ne 0 ] || fail "missing dir exit 0"
[ "$(wc -l < "$SCRATCH/err")" -eq 1 ] || fail "missing dir: not one line: $(cat "$SCRATCH/err")"
grep -q 'missing: no such directory' "$SCRATCH/err" || fail "missing dir message"
[ -s "$SCRATCH/out" ] && fail "missing dir printed to stdout"

# a directory without a journal
mkdir -p "$SCRATCH/empty"
"$HSWEEP" report "$SCRATCH/empty" > /dev/null 2> "$SCRATCH/err"
[ $? -eq 1 ] || fail "no journal should exit 1"
[ "$(wc -l < "$SCRATCH/err")" -eq 1 ] && grep -q 'journal.jsonl: cannot open journal' "$SCRATCH/err" \
    || fail "no journal message: $(cat "$SCRATCH/err")"

# corrupt middle line: an error naming line 2
C=$SCRATCH/corrupt
mkdir -p "$C"
{
    rec 000000000000000a 0 ok 2.5 2.6 lstm 16 11
    echo '{"v":1,"id":"000000000000000b",'
    rec 000000000000000d 0 ok 2.25 2.3 gru 32 14
} > "$C/journal.jsonl"
"$HSWEEP" report "$C" > /dev/null 2> "$SCRATCH/err"
[ $? -eq 1 ] || fail "corrupt middle line should exit 1"
grep -q 'journal.jsonl:2:' "$SCRATCH/err" || fail "corrupt line number: $(cat "$SCRATCH/err")"

if [ $fails -ne 0 ]; then
    echo "test_cli_report: $fails failures" >&2
    exit 1
fi
echo "test_cli_report: ok"
