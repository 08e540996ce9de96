#!/usr/bin/env bash
# test_cli_prep: `hsweep prep` and `hsweep baseline` from the command line.
# Every bad input of issue 2 item 7 must exit != 0 with exactly one stderr line naming the
# file (and line where one applies) and leave no output (or temporary) file behind; the
# happy paths run on a generated canonical-format CSV and on the embedded 2020 data, and
# the result is read back with h5py and h5dump.
# usage: test_cli_prep.sh HSWEEP_BINARY SCRATCH_DIR
set -u
H=$1
S=$2
SRC=${HSWEEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
PY=/usr/bin/python3
rm -rf "$S"
mkdir -p "$S"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# ---- fixtures ------------------------------------------------------------------------------
# gen FILE NROWS: canonical Keras layout (quoted header, dd.mm.yyyy dates, LF, 15 columns)
gen() {
  $PY - "$1" "$2" <<'PYEOF'
import sys, math, datetime
path, n = sys.argv[1], int(sys.argv[2])
names = ["p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
         "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)",
         "wv (m/s)", "max. wv (m/s)", "wd (deg)"]
t0 = datetime.datetime(2009, 1, 1, 0, 10)
with open(path, "w") as f:
    f.write(",".join('"%s"' % c for c in ["Date Time"] + names) + "\n")
    for i in range(n):
        t = t0 + datetime.timedelta(minutes=10 * i)
        vals = ["%.2f" % (10 * math.sin(i / 144.0 * 2 * math.pi + k) + 5 * k + (i % 13) / 10)
                for k in range(len(names))]
        f.write(t.strftime("%d.%m.%Y %H:%M:%S") + "," + ",".join(vals) + "\n")
PYEOF
}
gen "$S/good.csv" 7000
# replace_line FILE LINE TEXT: a copy of good.csv with line LINE replaced
replace_line() {
  awk -v n="$2" -v t="$3" 'NR == n { print t; next } { print }' "$S/good.csv" > "$1"
}
replace_line "$S/ragged.csv" 50 "08.01.2009 00:00:00,1,2,3"
replace_line "$S/nonnum.csv" 60 "$(sed -n 60p "$S/good.csv" | awk -F, -v OFS=, '{ $4 = "abc"; print }')"
replace_line "$S/nan.csv" 70 "$(sed -n 70p "$S/good.csv" | awk -F, -v OFS=, '{ $3 = "nan"; print }')"
replace_line "$S/inf.csv" 71 "$(sed -n 71p "$S/good.csv" | awk -F, -v OFS=, '{ $5 = "inf"; print }')"
: > "$S/empty.csv"
head -n 1001 "$S/good.csv" > "$S/small.csv"
touch "$S/afile"

# expect_fail NAME NEEDLE OUT -- CMD...: exit != 0, one stderr line containing NEEDLE,
# OUT (if not "-") absent afterwards, and no *.tmp.* anywhere in the scratch dir.
expect_fail() {
  local name=$1 needle=$2 out=$3
  shift 4
  "$@" > "$S/$name.out" 2> "$S/$name.err"
  local rc=$?
  local lines
  lines=$(wc -l < "$S/$name.err")
  [ "$rc" -ne 0 ] || fail "$name: exit code 0"
  [ "$rc" -lt 128 ] || fail "$name: crashed (exit $rc)"
  [ "$lines" -eq 1 ] || fail "$name: $lines stderr lines: $(cat "$S/$name.err")"
  grep -qF -- "$needle" "$S/$name.err" || fail "$name: stderr lacks '$needle': $(cat "$S/$name.err")"
  if [ "$out" != "-" ] && [ -e "$out" ]; then fail "$name: output $out left behind"; fi
  if find "$S" -name '*.tmp.*' | grep -q .; then fail "$name: temporary file left behind"; fi
  echo "ok: $name: $(cat "$S/$name.err")"
}

O=$S/out.h5
expect_fail missing "$S/nope.csv" "$O" -- "$H" prep "$S/nope.csv" -o "$O"
expect_fail empty "$S/empty.csv: empty file" "$O" -- "$H" prep "$S/empty.csv" -o "$O"
expect_fail unknown_feature "$S/good.csv:1: unknown feature column 'bogus'" "$O" -- \
  "$H" prep "$S/good.csv" -o "$O" --features "p (mbar),bogus"
expect_fail unknown_target "did you mean 'T (degC)'?" "$O" -- \
  "$H" prep "$S/good.csv" -o "$O" --target "T (degc)"
expect_fail ragged "$S/ragged.csv:50: ragged row" "$O" -- "$H" prep "$S/ragged.csv" -o "$O"
expect_fail nonnum "$S/nonnum.csv:60:" "$O" -- "$H" prep "$S/nonnum.csv" -o "$O"
grep -q "non-numeric value 'abc'" "$S/nonnum.err" || fail "nonnum: reason"
expect_fail nan "$S/nan.csv:70:" "$O" -- "$H" prep "$S/nan.csv" -o "$O"
grep -q "non-finite value 'nan'" "$S/nan.err" || fail "nan: reason"
expect_fail inf "$S/inf.csv:71:" "$O" -- "$H" prep "$S/inf.csv" -o "$O"
expect_fail too_few_rows "$S/small.csv: 1000 data rows are fewer than one window" "$O" -- \
  "$H" prep "$S/small.csv" -o "$O"
expect_fail no_output_dir "$S/nodir/out.h5" "$S/nodir/out.h5" -- \
  "$H" prep "$S/good.csv" -o "$S/nodir/out.h5"
expect_fail output_dir_is_file "$S/afile/out.h5" "$S/afile/out.h5" -- \
  "$H" prep "$S/good.csv" -o "$S/afile/out.h5"

# ---- happy path on the generated canonical-format file ---------------------------------
"$H" prep "$S/good.csv" -o "$S/good.h5" > "$S/good.log" 2>&1 || fail "prep good.csv: $(cat "$S/good.log")"
grep -q "split:       train 3500, val 1750, test 1750" "$S/good.log" || fail "good split: $(cat "$S/good.log")"
[ -z "$("$H" prep "$S/good.csv" -o "$S/good2.h5" --quiet 2>&1)" ] || fail "--quiet printed something"
"$H" baseline "$S/good.h5" --json > "$S/good.json" || fail "baseline good.h5"

# ---- baseline on bad HDF5 --------------------------------------------------------------
head -c 3000 "$S/good.h5" > "$S/corrupt.h5"
expect_fail corrupt_h5 "$S/corrupt.h5" - -- "$H" baseline "$S/corrupt.h5"
expect_fail not_h5 "$S/good.csv: not an HDF5 file" - -- "$H" baseline "$S/good.csv"
$PY -c "import h5py, numpy; f = h5py.File('$S/foreign.h5', 'w'); f['x'] = numpy.zeros(10)" \
  || fail "h5py could not write a foreign file"
expect_fail foreign_h5 "$S/foreign.h5: not an hsweep dataset" - -- "$H" baseline "$S/foreign.h5"
expect_fail missing_h5 "$S/nope.h5" - -- "$H" baseline "$S/nope.h5"

# ---- happy path on the embedded 2020 data ----------------------------------------------
E=$S/jena2020.h5
"$H" prep "$SRC/data/weather_ltsf_jena_2020.csv.xz" -o "$E" > "$S/jena.log" 2>&1 \
  || fail "prep embedded: $(cat "$S/jena.log")"
cat "$S/jena.log"
grep -q "34ee981d07313e51da2a50bb600072c8ae4a69cb4b0651f4cb93a069d7a2ba63" "$S/jena.log" \
  || fail "embedded sha256"
grep -q "duplicates:  1 " "$S/jena.log" || fail "embedded duplicate"
grep -q "gaps:        1 (9 rows missing" "$S/jena.log" || fail "embedded gap"
"$H" baseline "$E" --json > "$S/jena.json" || fail "baseline embedded"
cat "$S/jena.json"
$PY - "$S/jena.json" "$S/good.json" <<'PYEOF' || fail "baseline --json output"
import json, math, sys
for p in sys.argv[1:]:
    d = json.load(open(p))
    assert math.isfinite(d["val_mae"]) and d["val_mae"] > 0, d
    assert math.isfinite(d["test_mae"]) and d["test_mae"] > 0, d
    assert all(d["windows"][k] > 0 for k in ("train", "val", "test")), d
d = json.load(open(sys.argv[1]))
assert d["windows"] == {"train": 25634, "val": 12460, "test": 11602}, d
PYEOF
$PY - "$E" <<'PYEOF' || fail "h5py read of the prepared file"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f.attrs
assert a["format"] == "hsweep-dataset" and a["format_version"] == 1
names = list(a["feature_names"])
assert len(names) == 14 and names[1] == "T (degC)" and names[-1] == "wd (deg)", names
assert a["target_name"] == "T (degC)"
N = f["features"].shape[0]
assert N == 52696 and f["features"].shape == (N, 14) and f["features"].dtype == np.float32
assert f["target"].shape == (N,) and f["time"].dtype == np.int64
assert (a["n_train"], a["n_val"], a["n_test"]) == (26348, 13174, 13174)
assert a["source_sha256"] == "34ee981d07313e51da2a50bb600072c8ae4a69cb4b0651f4cb93a069d7a2ba63"
assert "2020-05-12 06:00:00" in a["cleaning_log"]
x = f["features"][:]
tr = x[: a["n_train"]].astype(np.float64)
assert np.all(np.abs(tr.mean(0)) < 1e-4) and np.all(np.abs(tr.std(0) - 1) < 1e-4)
assert f["features"].compression == "gzip" and f["features"].shuffle and f["features"].chunks
assert f["time"][0] == 1577837400  # 2020-01-01 00:10:00
assert abs(float(f["target"][0]) - 0.71) < 1e-6
PYEOF
h5dump -H "$E" > "$S/h5dump.txt" 2>&1 || fail "h5dump"
grep -q 'DATASET "features"' "$S/h5dump.txt" || fail "h5dump lists /features"

# ---- help ------------------------------------------------------------------------------
"$H" prep --help > "$S/help_prep.txt" || fail "prep --help"
for flag in -o --features --target --keep-sentinels --quiet --help; do
  grep -q -- "$flag" "$S/help_prep.txt" || fail "prep --help lacks $flag"
done
"$H" baseline --help > "$S/help_baseline.txt" || fail "baseline --help"
for flag in --sequence-length --sampling-rate --horizon --json --help; do
  grep -q -- "$flag" "$S/help_baseline.txt" || fail "baseline --help lacks $flag"
done
"$H" prep "$S/good.csv" > /dev/null 2>&1 && fail "prep without -o succeeded"
"$H" baseline "$S/good.h5" --bogus > /dev/null 2>&1 && fail "baseline accepted --bogus"

echo "test_cli_prep: $fails failure(s)"
[ "$fails" -eq 0 ]
