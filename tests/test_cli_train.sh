#!/usr/bin/env bash
# test_cli_train: `hsweep train` flags, errors and a tiny run with --json.
# usage: test_cli_train.sh HSWEEP_BINARY SCRATCH_DIR
# Bad flags must exit 2 with exactly one line on stderr; a missing file exits 1 with one
# line; a tiny GRU run on a generated dataset (written by `hsweep prep` from a generated
# CSV) prints JSON that /usr/bin/python3 parses, the same seed repeats bit for bit, and
# scripts/peer_train.py sees the same windows and parameter count on that file.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"

# ---- usage errors: exit 2, one line on stderr, nothing on stdout --------------------------
expect_usage() {
    local want=$1; shift
    "$HSWEEP" train "$@" >"$DIR/out" 2>"$DIR/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$DIR/err")
    [ "$rc" -eq 2 ] || fail "train $*: exit $rc, want 2"
    [ "$lines" -eq 1 ] || fail "train $*: $lines lines on stderr, want 1: $(cat "$DIR/err")"
    [ -s "$DIR/out" ] && fail "train $*: wrote to stdout"
    grep -q -- "$want" "$DIR/err" || fail "train $*: stderr lacks '$want': $(cat "$DIR/err")"
}
expect_usage "missing DATA.h5"
expect_usage "unknown flag '--bogus'" d.h5 --bogus
expect_usage "not lstm, gru, dense or synthetic" d.h5 --cell rnn
expect_usage "not rmsprop or adam" d.h5 --optimizer sgd
expect_usage "--units" d.h5 --units abc
expect_usage "--units" d.h5 --units 0
expect_usage "--units" d.h5 --units -3
expect_usage "--epochs needs a value" d.h5 --epochs
expect_usage "--dropout" d.h5 --dropout 1
expect_usage "--recurrent-dropout" d.h5 --recurrent-dropout -0.1
expect_usage "--lr" d.h5 --lr 0
expect_usage "--lr" d.h5 --lr nan
expect_usage "--clip" d.h5 --clip -1
expect_usage "--seed" d.h5 --seed x
expect_usage "unexpected argument" d.h5 e.h5
expect_usage "bidirectional" d.h5 --cell dense --bidirectional

# ---- --help documents every flag ----------------------------------------------------------
"$HSWEEP" train --help >"$DIR/help" 2>&1 || fail "--help exit status"
for f in --cell --units --layers --dropout --recurrent-dropout --head-dropout --bidirectional \
         --optimizer --lr --batch-size --epochs --patience --clip --sequence-length \
         --sampling-rate --horizon --seed --residual --json --quiet --config --save; do
    grep -q -- "$f" "$DIR/help" || fail "--help does not document $f"
done
"$HSWEEP" --help | grep -q '^ *train ' || fail "train missing from hsweep --help"

# ---- a missing file: exit 1, one line -----------------------------------------------------
"$HSWEEP" train "$DIR/nope.h5" >"$DIR/out" 2>"$DIR/err"
rc=$?
[ "$rc" -eq 1 ] || fail "missing file: exit $rc, want 1"
[ "$(wc -l <"$DIR/err")" -eq 1 ] || fail "missing file: not one line: $(cat "$DIR/err")"

# ---- a tiny run on a generated dataset ----------------------------------------------------
# 6,400 rows (prep needs one default window) of a noisy daily cycle in the Jena CSV layout, 10-minute steps
tiny_csv "$DIR/tiny.csv" || fail "generate csv"
"$HSWEEP" prep "$DIR/tiny.csv" -o "$DIR/tiny.h5" --features "p (mbar),T (degC),rh (%)" \
    >"$DIR/prep.out" 2>&1 ||
    fail "prep: $(cat "$DIR/prep.out")"

ARGS=(--cell gru --units 4 --epochs 3 --sequence-length 10 --sampling-rate 2 --horizon 3
      --batch-size 32 --lr 0.01 --seed 5)
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --json --quiet >"$DIR/a.json" 2>"$DIR/a.err"
rc=$?
[ "$rc" -eq 0 ] || fail "tiny run: exit $rc: $(cat "$DIR/a.err")"
[ -s "$DIR/a.err" ] && fail "--quiet --json wrote to stderr: $(cat "$DIR/a.err")"
$PY - "$DIR/a.json" <<'EOF' || fail "JSON checks"
import json, math, sys
r = json.load(open(sys.argv[1]))
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("JSON:", msg, file=sys.stderr)
        ok = False
check(r["status"] == "ok", f"status {r['status']}")
check(r["hparams"]["cell"] == "gru" and r["hparams"]["units"] == 4, "hparams echoed")
check(len(r["history"]) == 3 and r["epochs_run"] == 3, "three epochs")
check(1 <= r["best_epoch"] <= 3, "best epoch")
b = r["history"][r["best_epoch"] - 1]
check(r["val_mae"] == b["val_mae"], "val_mae is the best epoch's")
check(all(b["val_loss"] <= e["val_loss"] for e in r["history"]), "best has lowest val_loss")
check(math.isfinite(r["test_mae"]) and r["test_mae"] > 0, "test mae")
# Keras GRU(4) on 3 inputs: 3*H*(I+H) + 2*3*H = 84 + 24, head 4 + 1
check(r["n_params"] == 113, f"n_params {r['n_params']}")
check(r["n_windows"]["train"] == 3200 - 9 * 2, f"train windows {r['n_windows']}")
check(r["wall_s"] >= 0, "wall")
sys.exit(0 if ok else 1)
EOF
# same seed: the same JSON apart from the timings
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --json --quiet >"$DIR/b.json" 2>/dev/null
$PY - "$DIR/a.json" "$DIR/b.json" <<'EOF' || fail "same seed differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("wall_s")
    for e in r["history"]:
        e.pop("wall_s")
sys.exit(0 if a == b else 1)
EOF

# the PyTorch peer on the same file: same windows and parameter count as hsweep
PEER="${HSWEEP_SOURCE_DIR:-$(dirname "$0")/..}/scripts/peer_train.py"
$PY "$PEER" "$DIR/tiny.h5" --cell gru --units 4 --epochs 2 --sequence-length 10 \
    --sampling-rate 2 --horizon 3 --batch-size 32 --lr 0.01 --json --quiet >"$DIR/p.json" \
    2>"$DIR/p.err" || fail "peer_train: $(cat "$DIR/p.err")"
$PY - "$DIR/a.json" "$DIR/p.json" <<'EOF' || fail "peer windows/params differ from hsweep"
import json, math, sys
a, p = (json.load(open(f)) for f in sys.argv[1:3])
ok = (a["n_windows"] == p["n_windows"] and a["n_params"] == p["n_params"]
      and p["status"] == "ok" and len(p["history"]) == 2 and math.isfinite(p["test_mae"]))
if not ok:
    print(a["n_windows"], p["n_windows"], a["n_params"], p["n_params"], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF

# the table: Keras-style epoch lines and the final summary on stdout
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" >"$DIR/table" 2>&1 || fail "table run"
grep -q "^Epoch 2/3 - .* - loss: .* - mae: .* - val_loss: .* - val_mae: " "$DIR/table" ||
    fail "no Keras epoch line: $(cat "$DIR/table")"
grep -q "^best epoch .* test_mae " "$DIR/table" || fail "no summary line"

# --config: a YAML trial next to the data; flags override it
cat >"$DIR/trial.yaml" <<'EOF'
data:
  path: tiny.h5
  sequence_length: 10
  sampling_rate: 2
  horizon: 3
  batch_size: 32
seed: 5
cell: gru
units: 4
epochs: 3
learning_rate: 0.01
EOF
"$HSWEEP" train --config "$DIR/trial.yaml" --json --quiet >"$DIR/c.json" 2>"$DIR/c.err" ||
    fail "--config run: $(cat "$DIR/c.err")"
$PY - "$DIR/a.json" "$DIR/c.json" <<'EOF' || fail "--config differs from the same flags"
import json, sys
a, c = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a["history"][0]["loss"] == c["history"][0]["loss"] and a["hparams"] == c["hparams"]
         and a["test_mae"] == c["test_mae"] else 1)
EOF
"$HSWEEP" train --config "$DIR/trial.yaml" --units 6 --epochs 1 --json --quiet >"$DIR/o.json" \
    2>/dev/null || fail "--config with overrides"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); h=r["hparams"]; sys.exit(0 if h["units"]==6 and h["epochs"]==1 and h["cell"]=="gru" else 1)' \
    "$DIR/o.json" || fail "flags do not override --config"
printf 'data: tiny.h5\nunits: 4\ndropuot: 0.1\n' >"$DIR/bad.yaml"
expect_usage "bad.yaml:3:1: unknown key 'dropuot'" --config "$DIR/bad.yaml"
expect_usage "--config given twice" --config "$DIR/trial.yaml" --config "$DIR/trial.yaml"

# a huge learning rate diverges: exit 1, status diverged in the JSON
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --lr 1e30 --json --quiet >"$DIR/d.json" 2>"$DIR/d.err"
rc=$?
[ "$rc" -eq 1 ] || fail "diverged run: exit $rc, want 1"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["status"]=="diverged" and "epoch" in r["reason"] else 1)' \
    "$DIR/d.json" || fail "diverged JSON: $(cat "$DIR/d.json")"
grep -q "diverged at epoch" "$DIR/d.err" || fail "diverged message: $(cat "$DIR/d.err")"

# ---- --save writes a model that predict evaluates to the same test MAE -----------------
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --json --quiet --save "$DIR/m.h5" >"$DIR/s.json" 2>"$DIR/s.err" ||
    fail "--save run: $(cat "$DIR/s.err")"
"$HSWEEP" predict "$DIR/m.h5" "$DIR/tiny.h5" --split test --json >"$DIR/p.json" 2>"$DIR/p.err" ||
    fail "predict on the saved model: $(cat "$DIR/p.err")"
$PY - "$DIR/s.json" "$DIR/p.json" <<'PYEOF' || fail "saved model does not reproduce the test MAE"
import json, sys
t, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert t["test_mae"] == p["mae"], (t["test_mae"], p["mae"])   # both print every digit
PYEOF
# --residual: recorded in the model file, applied by predict (same test MAE), and the
# predictions differ from the plain model's (negative control: the flag has an effect)
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --residual --json --quiet --save "$DIR/mr.h5" \
    >"$DIR/sr.json" 2>"$DIR/sr.err" || fail "--residual run: $(cat "$DIR/sr.err")"
"$HSWEEP" predict "$DIR/mr.h5" "$DIR/tiny.h5" --split test --json >"$DIR/pr.json" 2>"$DIR/pr.err" ||
    fail "predict on the residual model: $(cat "$DIR/pr.err")"
$PY - "$DIR/sr.json" "$DIR/pr.json" "$DIR/s.json" "$DIR/mr.h5" <<'PYEOF' || fail "residual model"
import json, sys, h5py
t, p, plain = (json.load(open(f)) for f in sys.argv[1:4])
assert t["hparams"]["residual"] is True and plain["hparams"]["residual"] is False
assert t["test_mae"] == p["mae"], (t["test_mae"], p["mae"])
assert t["test_mae"] != plain["test_mae"], "residual changed nothing"
assert int(h5py.File(sys.argv[4], "r")["hparams"].attrs["residual"]) == 1
PYEOF
# an output path that cannot be written is refused before training, not after
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --save "$DIR/nodir/m.h5" >"$DIR/s.out" 2>"$DIR/s.err"
[ $? -eq 1 ] || fail "--save into a missing directory must exit 1"
[ "$(wc -l <"$DIR/s.err")" -eq 1 ] || fail "--save error not one line: $(cat "$DIR/s.err")"
grep -q "^hsweep train: cannot write $DIR/nodir/m.h5: no directory $DIR/nodir$" "$DIR/s.err" ||
    fail "--save message: $(cat "$DIR/s.err")"
grep -q '^Epoch' "$DIR/s.out" && fail "--save to a bad path trained first"
"$HSWEEP" predict "$DIR/m.h5" "$DIR/tiny.h5" -o "$DIR/nodir/p.csv" >/dev/null 2>"$DIR/p.err"
[ $? -eq 1 ] || fail "predict -o into a missing directory must exit 1"
grep -q "^hsweep predict: cannot write $DIR/nodir/p.csv: no directory" "$DIR/p.err" || fail "predict -o: $(cat "$DIR/p.err")"

# ---- --flag=value and did-you-mean, as in GNU tools -----------------------------------
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --json --quiet >"$DIR/sp.json" 2>/dev/null || fail "reference run"
eq_args=()
for ((k = 0; k < ${#ARGS[@]}; k += 2)); do eq_args+=("${ARGS[k]}=${ARGS[k + 1]}"); done
"$HSWEEP" train "$DIR/tiny.h5" "${eq_args[@]}" --json --quiet >"$DIR/eq.json" 2>"$DIR/eq.err" ||
    fail "--flag=value refused: $(cat "$DIR/eq.err")"
[ -s "$DIR/sp.json" ] && cmp -s <(sed 's/"wall_s":[0-9.e+-]*//g' "$DIR/sp.json") \
    <(sed 's/"wall_s":[0-9.e+-]*//g' "$DIR/eq.json") || fail "--flag=value trains something else"
"$HSWEEP" train "$DIR/tiny.h5" --lrr 0.1 >/dev/null 2>"$DIR/dym.err"
[ $? -eq 2 ] || fail "unknown flag must exit 2"
grep -q "^hsweep train: unknown flag '--lrr' (did you mean '--lr'?; see hsweep train --help)$" "$DIR/dym.err" ||
    fail "did-you-mean: $(cat "$DIR/dym.err")"
"$HSWEEP" report "$DIR" --htm >/dev/null 2>"$DIR/dym.err"
grep -q "did you mean '--html'" "$DIR/dym.err" || fail "report did-you-mean: $(cat "$DIR/dym.err")"

# ---- Ctrl-C stops at a batch boundary and reports the epochs so far ----------------------
"$HSWEEP" train "$DIR/tiny.h5" "${ARGS[@]}" --epochs 100000 >"$DIR/int.out" 2>"$DIR/int.err" &
pid=$!
for _ in $(seq 1 100); do grep -q "^Epoch 2/" "$DIR/int.out" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc, want 130 (128 + SIGINT, as shells expect)"
grep -q "^status: stopped - stopped during epoch" "$DIR/int.out" ||
    fail "SIGINT: no stopped status: $(tail -2 "$DIR/int.out")"
grep -q "test_mae not measured (stopped)" "$DIR/int.out" || fail "SIGINT: best epoch line"

# ---- kernel paths: --version names the active one; HSWEEP_ISA picks one, or is refused -----
"$HSWEEP" --version | grep -Eq "^hsweep .* \(kernels: (avx512|avx2|generic)\)$" ||
    fail "--version: $("$HSWEEP" --version)"
[ "$(HSWEEP_ISA=generic "$HSWEEP" --version | head -n 1 | sed 's/.*kernels: //')" = "generic)" ] ||
    fail "HSWEEP_ISA=generic not used"
out=$(HSWEEP_ISA=sse9 "$HSWEEP" --version 2>&1)
rc=$?
[ "$rc" -eq 2 ] && [ "$out" = "hsweep: HSWEEP_ISA=sse9: unknown path (use avx512, avx2 or generic)" ] ||
    fail "HSWEEP_ISA=sse9: exit $rc, '$out'"

if [ "$fails" -ne 0 ]; then
    echo "test_cli_train: $fails failed" >&2
    exit 1
fi
echo "test_cli_train: ok"
