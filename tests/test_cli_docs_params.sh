#!/usr/bin/env bash
# test_cli_docs_params: the parameter tables in the docs match the registry.
# usage: test_cli_docs_params.sh HSWEEP_BINARY SCRATCH_DIR
# docs/train.md and docs/sweep-file.md hold the output of `hsweep help-params --markdown
# train|sweep-file` between "<!-- BEGIN hsweep help-params --markdown X -->" and the
# matching END marker. After a registry change (model/hparams.h), regenerate them with
#   scripts/docs_params.sh
# Negative control: a copy of a doc with one default changed must be reported.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SRC=$(cd "$(dirname "$0")/.." && pwd)

# section FILE WHICH: the lines between the markers of WHICH in FILE
section() {
    sed -n "/^<!-- BEGIN hsweep help-params --markdown $2 -->\$/,/^<!-- END hsweep help-params --markdown $2 -->\$/p" "$1" |
        sed '1d;$d'
}

# check FILE WHICH: 0 if FILE's table equals the generated one
check() {
    "$HSWEEP" help-params --markdown "$2" >"$DIR/$2.want" || return 2
    section "$1" "$2" >"$DIR/$2.got"
    [ -s "$DIR/$2.got" ] || { echo "$1: no generated table for $2 (markers missing)"; return 1; }
    diff -u "$DIR/$2.want" "$DIR/$2.got" >"$DIR/$2.diff" || { echo "$1: differs from the registry:"; cat "$DIR/$2.diff"; return 1; }
}

check "$SRC/docs/train.md" train || fail "docs/train.md (run scripts/docs_params.sh)"
check "$SRC/docs/sweep-file.md" sweep-file || fail "docs/sweep-file.md (run scripts/docs_params.sh)"

# negative control: the default of units changed in a copy
sed 's/^| `units` | integer | 1 .. 65536 | 32 |/| `units` | integer | 1 .. 65536 | 64 |/' \
    "$SRC/docs/sweep-file.md" >"$DIR/neg.md"
cmp -s "$DIR/neg.md" "$SRC/docs/sweep-file.md" && fail "negative control: the sed did not apply"
check "$DIR/neg.md" sweep-file >/dev/null && fail "negative control: a changed default went unnoticed"

if [ "$fails" -eq 0 ]; then echo "test_cli_docs_params: all checks passed"; fi
[ "$fails" -eq 0 ]
