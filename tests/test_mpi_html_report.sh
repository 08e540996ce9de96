#!/usr/bin/env bash
# test_mpi_html_report: `hsweep report DIR --html` on a real (tiny, 1-rank) sweep, checked in
# headless Chromium.
# usage: test_mpi_html_report.sh HSWEEP_BINARY SCRATCH_DIR
# Runs `mpirun -n 1 hsweep run` on a generated dataset (cell x learning rate x 2 repeats),
# writes report.html, then loads it in headless Chromium and checks the DOM after the page's
# script ran: body data-ok="1", no data-errors, every plot id present as a non-empty
# <svg class="plot">, the table complete; and that Chromium logged no console message
# (Chromium 156 prints console output and uncaught exceptions on stderr as
# `INFO:CONSOLE:<line>] "message", source: URL (line)`). Negative controls: a copy of the page
# with an injected `throw` must be caught (data-errors and the CONSOLE line), and a copy with
# one plot removed must not get data-ok. Sorting is checked by clicking headers from a script
# appended to a copy (numeric order in a numeric column, both directions, string order for ids).
# The analysis plots (importance, heatmap, parallel coordinates, metric vs size and wall time,
# per-rank timeline) are in the list; a page without parallel coordinates must not pass; a
# journal stripped of provenance (as an older hsweep wrote it) gives a timeline note and
# still passes; `report A B --html` (comparison page) passes the same checks; an ASHA run of
# the synthetic cell gets the rung plot and the best-so-far curve (promotions marked), the
# sweep without a scheduler neither.
# Also a screenshot (PNG, checked for size and non-uniform content), a second report without
# best_model.h5 / metadata (a note instead of the prediction panel, still data-ok), that the
# test MAE recomputed from best_model.h5 equals the recorded one, and that the page references
# nothing external. The Chromium runs go in parallel (about 5 s each on a loaded 2-core VM).
# `hsweep train --from DIR --trial ID` reproduces two trials bit for bit, and refuses (exit 1)
# a journal whose test MAE was changed in the last bit (negative control).
# Fails (does not skip) when /usr/bin/chromium is missing: install the Debian package
# `chromium`.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
    echo "FAIL: $CHROMIUM not found: the HTML report test needs headless Chromium" \
        "(Debian: apt-get install -y chromium)" >&2
    exit 1
fi

# ---- dataset: 6,400 rows of a noisy daily cycle, three features (as test_mpi_run.sh) -------
tiny_dataset || fail "prep"

cat >"$DIR/s.yaml" <<YEOF
name: html-test
seed: 5
repeats: 2
data:
  path: tiny.h5
  sampling_rate: 1
  horizon: 2
  batch_size: 32
fixed:
  epochs: 2
  units: 4
  sequence_length: 8
grid:
  cell: [gru, lstm]
  learning_rate: [1e-3, 3e-2]
output: $DIR/out
YEOF
mpirun --oversubscribe --bind-to none -n 1 "$HSWEEP" run "$DIR/s.yaml" >"$DIR/run.out" 2>"$DIR/run.err" ||
    fail "hsweep run: $(tail -3 "$DIR/run.err")"
# metadata.json gets a sweep name with markup, which must come out escaped
$PY - "$DIR/out/metadata.json" <<'PYEOF' || fail "edit metadata.json"
import json, sys
m = json.load(open(sys.argv[1]))
m["sweep"]["name"] = "html <test> & 'sweep'"
json.dump(m, open(sys.argv[1], "w"))
PYEOF
"$HSWEEP" report "$DIR/out" --html >"$DIR/report.out" 2>"$DIR/report.err" ||
    fail "hsweep report --html: $(tail -3 "$DIR/report.err")"
PAGE=$DIR/out/report.html
[ -s "$PAGE" ] || { fail "no report.html"; exit 1; }
ls "$DIR/out" | grep -q '\.tmp' && fail "temporary file left in the sweep directory"
grep -q "HTML report: $DIR/out/report.html" "$DIR/report.out" || fail "report path not printed"
# Plots the page must have: curves, importance, heatmap and parallel coordinates, one panel
# per swept axis, metric vs size and wall time, the timeline, predictions if a model exists.
WHY="plot-curves plot-importance plot-heatmap plot-parcoords plot-axis-cell plot-axis-learning_rate plot-size plot-wall"
PLOTS="$WHY plot-timeline"
if [ -f "$DIR/out/best_model.h5" ]; then
    PLOTS="$PLOTS plot-pred plot-pred-scatter"
else
    grep -q 'id="note-pred"' "$PAGE" || fail "no best_model.h5 and no prediction note"
fi

# ---- static checks: self-contained, escaped -------------------------------------------------
grep -Eiq '<(link|img|iframe)\b|src=|@import|url\(http' "$PAGE" && fail "page references external resources"
[ "$(grep -o 'http[s]*://[^"]*' "$PAGE" | sort -u)" = "http://www.w3.org/2000/svg" ] ||
    fail "unexpected URLs: $(grep -o 'http[s]*://[^" ]*' "$PAGE" | sort -u | tr '\n' ' ')"
grep -q 'html &lt;test&gt; &amp; &#39;sweep&#39;' "$PAGE" || fail "sweep name not escaped"
grep -q 'html <test>' "$PAGE" && fail "raw markup from the sweep name in the page"

# chrome OUT_PREFIX URL [extra flags...]: run headless Chromium, DOM to OUT.dom, log to OUT.log
chrome() {
    local out=$1 url=$2 prof
    shift 2
    prof=$(mktemp -d "$DIR/profile.XXXXXX")
    # A hang guard, not a timed assertion: generous for a loaded machine.
    timeout "${HSWEEP_CHROME_TIMEOUT:-600}" "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" --enable-logging=stderr --v=0 "$@" "$url" >"$out.dom" 2>"$out.log"
    local rc=$?
    rm -rf "$prof"
    return $rc
}

# check_dom OUT_PREFIX: the page's self-check passed and nothing went to the console
check_dom() {
    local out=$1 id
    grep -q '<body[^>]* data-ok="1"' "$out.dom" || fail "$out: body data-ok is not 1: $(grep -o '<body[^>]*>' "$out.dom")"
    grep -q 'data-errors=' "$out.dom" && fail "$out: page recorded errors: $(grep -o 'data-errors="[^"]*"' "$out.dom")"
    grep -q 'data-missing=' "$out.dom" && fail "$out: plots missing: $(grep -o 'data-missing="[^"]*"' "$out.dom")"
    grep -E 'CONSOLE|Uncaught' "$out.log" && fail "$out: console output in the Chromium log"
    for id in $PLOTS; do
        grep -q "<svg class=\"plot\" id=\"$id\"" "$out.dom" || fail "$out: plot $id missing from the DOM"
    done
}

# ---- pages for the negative controls and for a sweep without model/metadata -----------------
# an injected throw (before the page's own script, which then never runs)
$PY - "$PAGE" "$DIR/throw.html" <<'PYEOF' || fail "could not inject the throw"
import sys
s = open(sys.argv[1]).read()
k = s.rindex("<script>\n")
open(sys.argv[2], "w").write(s[:k] + '<script>\nthrow new Error("injected for the negative control");\n' + s[k + 9:])
PYEOF
# a plot removed
$PY - "$PAGE" "$DIR/noplot.html" <<'PYEOF' || fail "could not remove a plot"
import re, sys
s = open(sys.argv[1]).read()
t = re.sub(r'<svg class="plot" id="plot-curves".*?</svg>', '', s, count=1, flags=re.S)
assert t != s
open(sys.argv[2], "w").write(t)
PYEOF
# sorting: a script appended after the page's own clicks headers and records the row order
$PY - "$PAGE" "$DIR/sort.html" <<'PYEOF' || fail "could not add the sort check"
import sys
s = open(sys.argv[1]).read()
js = """<script>
(function(){
var t=document.getElementById('ranked'),hs=t.tHead.rows[0].cells,bad=[];
function col(n){for(var i=0;i<hs.length;i++)if(hs[i].textContent===n)return i;return -1;}
function vals(i){return Array.prototype.map.call(t.tBodies[0].rows,function(r){
  return r.cells[i].hasAttribute('data-v')?r.cells[i].getAttribute('data-v'):r.cells[i].textContent;});}
function sorted(a,cmp){for(var k=1;k<a.length;k++)if(cmp(a[k-1],a[k])>0)return false;return true;}
var num=function(x,y){return x-y;},str=function(x,y){return x.localeCompare(y);};
var i=col('val_loss'),j=col('id'),rs=t.tBodies[0].rows;
rs[0].cells[i].setAttribute('data-v','10.25');rs[1].cells[i].setAttribute('data-v','9.5'); // text order != numeric
hs[i].click();var v=vals(i);if(!sorted(v.map(Number),num))bad.push('val_loss asc');
if(sorted(v,str))bad.push('val_loss values sort the same as text: check not discriminating');
hs[i].click();if(!sorted(vals(i).map(Number).reverse(),num))bad.push('val_loss desc');
if(hs[i].dataset.dir!=='desc')bad.push('no sort arrow');
hs[j].click();if(!sorted(vals(j),str))bad.push('id asc');
if(hs[i].hasAttribute('data-dir'))bad.push('old arrow kept');
document.body.dataset.sortcheck=bad.length?bad.join(','):'ok';
})();
</script>
"""
k = s.rindex("</body>")
open(sys.argv[2], "w").write(s[:k] + js + s[k:])
PYEOF
# a new plot removed
$PY - "$PAGE" "$DIR/noparc.html" <<'PYEOF' || fail "could not remove the parallel coordinates"
import re, sys
s = open(sys.argv[1]).read()
t = re.sub(r'<svg class="plot" id="plot-parcoords".*?</svg>', '', s, count=1, flags=re.S)
assert t != s
open(sys.argv[2], "w").write(t)
PYEOF
# the journal alone: no metadata.json, no best_model.h5 -> a note instead of the predictions
mkdir -p "$DIR/bare" && cp "$DIR/out/journal.jsonl" "$DIR/bare/" || fail "copy journal"
"$HSWEEP" report "$DIR/bare" --html >"$DIR/bare.out" 2>"$DIR/bare.err" || fail "report without metadata"
grep -q 'id="note-pred"' "$DIR/bare/report.html" || fail "no prediction note without best_model.h5"
grep -q 'id="baseline">Persistence baseline unknown: no metadata.json' "$DIR/bare/report.html" ||
    fail "bare report: baseline not said unknown"
# a journal of an older hsweep (no provenance): the timeline says it is unknown
mkdir -p "$DIR/old" && cp "$DIR/out/metadata.json" "$DIR/old/" || fail "copy metadata"
$PY - "$DIR/out/journal.jsonl" "$DIR/old/journal.jsonl" <<'PYEOF' || fail "strip provenance"
import json, sys
with open(sys.argv[2], "w") as f:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        for k in ("host", "slurm_job_id", "slurm_array_task_id", "start_unix", "end_unix", "wall_total_s"):
            r.pop(k, None)
        f.write(json.dumps(r) + "\n")
PYEOF
"$HSWEEP" report "$DIR/old" --html >"$DIR/old.out" 2>"$DIR/old.err" || fail "report of an old journal"
grep -q 'id="note-timeline">Timeline unknown: none of the 8 journal records' "$DIR/old/report.html" ||
    fail "old journal: no timeline note"
# two sweeps compared
"$HSWEEP" report "$DIR/out" "$DIR/old" --html -o "$DIR/cmp.html" >"$DIR/cmp.out" 2>"$DIR/cmp.err" ||
    fail "report A B --html: $(tail -3 "$DIR/cmp.err")"
grep -q "HTML comparison: $DIR/cmp.html" "$DIR/cmp.out" || fail "comparison path not printed"
[ "$(grep -c '^| html' "$DIR/cmp.out")" -eq 2 ] || fail "comparison table: $(cat "$DIR/cmp.out")"

# ---- the four pages in Chromium, in parallel (DOM after the scripts ran; one screenshot) ------
chrome "$DIR/page" "file://$PAGE" --screenshot="$DIR/report.png" --window-size=1280,2400 --hide-scrollbars \
    --dump-dom &
p1=$!
chrome "$DIR/throw" "file://$DIR/throw.html" --dump-dom &
p2=$!
chrome "$DIR/noplot" "file://$DIR/noplot.html" --dump-dom &
p3=$!
chrome "$DIR/bare" "file://$DIR/bare/report.html" --dump-dom &
p4=$!
chrome "$DIR/sort" "file://$DIR/sort.html" --dump-dom &
p5=$!
wait $p1 || fail "chromium failed on the page: $(tail -3 "$DIR/page.log")"
wait $p2 || fail "chromium failed on the negative control: $(tail -3 "$DIR/throw.log")"
wait $p3 || fail "chromium failed on the missing-plot control: $(tail -3 "$DIR/noplot.log")"
wait $p4 || fail "chromium failed on the bare report: $(tail -3 "$DIR/bare.log")"
wait $p5 || fail "chromium failed on the sort check: $(tail -3 "$DIR/sort.log")"
chrome "$DIR/noparc" "file://$DIR/noparc.html" --dump-dom &
p6=$!
chrome "$DIR/old" "file://$DIR/old/report.html" --dump-dom &
p7=$!
chrome "$DIR/cmp" "file://$DIR/cmp.html" --dump-dom &
p8=$!
wait $p6 || fail "chromium failed on the parallel-coordinates control: $(tail -3 "$DIR/noparc.log")"
wait $p7 || fail "chromium failed on the old-journal page: $(tail -3 "$DIR/old.log")"
wait $p8 || fail "chromium failed on the comparison page: $(tail -3 "$DIR/cmp.log")"

check_dom "$DIR/page"
grep -q "data-plots=\"$PLOTS\"" "$DIR/page.dom" || fail "data-plots is not '$PLOTS'"
nrows=$(grep -c '<tr class="\(ok\|diverged\|failed\)">' "$DIR/page.dom")
[ "$nrows" -eq 8 ] || fail "table has $nrows trial rows, want 8"
if [ -f "$DIR/out/best_model.h5" ]; then
    # the test MAE recomputed from best_model.h5 equals the one the sweep recorded
    mae=$(grep -o 'test windows [0-9.]* (the sweep recorded [0-9.]*)' "$PAGE")
    [ -n "$mae" ] || fail "no recomputed test MAE in the page"
    a=$(echo "$mae" | sed 's/^test windows \([0-9.]*\) .*/\1/')
    b=$(echo "$mae" | sed 's/.*recorded \([0-9.]*\))$/\1/')
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "recomputed MAE differs from the recorded one: $mae"
fi

grep -q 'Uncaught.*injected for the negative control' "$DIR/throw.log" ||
    fail "negative control: the uncaught error is not in the Chromium log"
grep -q 'data-errors="[^"]*injected for the negative control' "$DIR/throw.dom" ||
    fail "negative control: window.onerror did not record the error"
grep -q 'data-ok="1"' "$DIR/throw.dom" && fail "negative control: data-ok set despite the error"
grep -q 'data-ok="1"' "$DIR/noplot.dom" && fail "missing-plot control: data-ok set although a plot is missing"
grep -q 'data-missing="plot-curves"' "$DIR/noplot.dom" || fail "missing-plot control: plot-curves not reported"
grep -q 'data-ok="1"' "$DIR/noparc.dom" && fail "parallel-coordinates control: data-ok set although it is missing"
grep -q 'data-missing="plot-parcoords"' "$DIR/noparc.dom" || fail "parallel-coordinates control: not reported"

# numeric-aware: string order would put 10.9 before 9.2 in the val_loss column
grep -q 'data-sortcheck="ok"' "$DIR/sort.dom" ||
    fail "sorting by clicking headers: $(grep -o 'data-sortcheck="[^"]*"' "$DIR/sort.dom")"

PLOTS="$WHY plot-timeline"
check_dom "$DIR/bare"
PLOTS="$WHY" # no best_model.h5 copied: no predictions
check_dom "$DIR/old"
grep -q 'id="plot-timeline"' "$DIR/old.dom" && fail "old journal: a timeline without times"
PLOTS="plot-cmp-best plot-cmp-cell plot-cmp-learning_rate"
check_dom "$DIR/cmp"
grep -q "data-plots=\"$PLOTS\"" "$DIR/cmp.dom" || fail "comparison data-plots is not '$PLOTS'"
# adaptive search: an ASHA run of the synthetic cell has scheduler events, hence the rung plot
# and the best-so-far curve; the sweep above (no scheduler) has neither
cat >"$DIR/asha.yaml" <<YEOF
name: html-asha
seed: 5
data: {path: $DIR/tiny.h5}
fixed: {cell: synthetic}
grid:
  units: [16, 64, 256]
  dropout: [0, 0.2, 0.4]
  learning_rate: [1e-3, 1e-2]
scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction: 3}
output: $DIR/asha
YEOF
mpirun --oversubscribe --bind-to none -n 1 "$HSWEEP" run "$DIR/asha.yaml" >"$DIR/asha.out" 2>"$DIR/asha.err" ||
    fail "ASHA run: $(tail -3 "$DIR/asha.err")"
"$HSWEEP" report "$DIR/asha" --html >"$DIR/asha.report.out" 2>&1 || fail "ASHA report: $(tail -2 "$DIR/asha.report.out")"
chrome "$DIR/asha" "file://$DIR/asha/report.html" --screenshot="$DIR/asha.png" --window-size=1280,1400 \
    --hide-scrollbars --dump-dom || fail "chromium on the ASHA page: $(tail -3 "$DIR/asha.log")"
PLOTS="plot-rungs plot-best-so-far"
check_dom "$DIR/asha"
grep -q 'data-plots="plot-curves plot-rungs plot-best-so-far ' "$DIR/asha.dom" ||
    fail "ASHA page: $(grep -o 'data-plots="[^"]*"' "$DIR/asha.dom")"
grep -q 'id="plot-rungs"' "$DIR/page.dom" && fail "a sweep without a scheduler got a rung plot"
grep -q '<circle class="data"[^>]*><title>[0-9a-f]* promoted at epoch' "$DIR/asha.dom" ||
    fail "ASHA page: no promotion marked"
# the persistence baseline: in the header and as a reference line in the metric plots
grep -q 'id="baseline">Persistence baseline (predict' "$DIR/page.dom" || fail "no persistence line in the page"
[ "$(grep -c 'stroke="#555555" stroke-width="1.4" stroke-linejoin="round" stroke-dasharray="7 4"' "$DIR/page.dom")" -ge 4 ] ||
    fail "fewer than 4 persistence reference lines"

# ---- hsweep train --from DIR --trial ID reproduces a trial bit for bit ---------------------
for id in $($PY -c 'import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print(rs[0]["id"], rs[-1]["id"])' "$DIR/out/journal.jsonl"); do
    "$HSWEEP" train --from "$DIR/out" --trial "${id:0:8}" --quiet >"$DIR/from.out" 2>"$DIR/from.err" ||
        fail "train --from --trial $id: $(tail -2 "$DIR/from.err") $(tail -1 "$DIR/from.out")"
    grep -q "^reproduces trial $id of $DIR/out: .*, bit-identical$" "$DIR/from.out" ||
        fail "train --from $id: $(tail -1 "$DIR/from.out")"
done
# negative control: a journal whose test MAE differs in the last digit is not reproduced
mkdir -p "$DIR/edited" && cp "$DIR/out/metadata.json" "$DIR/edited/" || fail "copy metadata"
$PY - "$DIR/out/journal.jsonl" "$DIR/edited/journal.jsonl" <<'PYEOF' || fail "edit the journal"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs[0]["test_mae"] = rs[0]["test_mae"] * (1 + 2 ** -50)
open(sys.argv[2], "w").write("".join(json.dumps(r) + "\n" for r in rs))
print(rs[0]["id"])
PYEOF
id=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' "$DIR/edited/journal.jsonl")
"$HSWEEP" train --from "$DIR/edited" --trial "$id" --quiet >"$DIR/from.out" 2>"$DIR/from.err"
[ $? -eq 1 ] || fail "train --from: an edited journal must give exit 1"
grep -q "^DOES NOT reproduce trial $id" "$DIR/from.out" || fail "train --from mismatch: $(tail -1 "$DIR/from.out")"

# ---- the screenshot ---------------------------------------------------------------
$PY - "$DIR/report.png" <<'PYEOF' || fail "screenshot check"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1280, 2400), f"size {w}x{h}"
# decompress the image data: a blank page compresses to almost nothing and has one colour
data, i = b"", 8
while i < len(b):
    n, = struct.unpack(">I", b[i:i + 4]); typ = b[i + 4:i + 8]
    if typ == b"IDAT": data += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(data)
assert len(b) > 40000, f"PNG only {len(b)} bytes"
assert len(set(raw[::97])) > 20, "screenshot looks uniform"
print(f"screenshot {w}x{h}, {len(b)} bytes")
PYEOF

[ "$fails" -eq 0 ] && echo "test_mpi_html_report: all checks passed"
exit $((fails > 0))
