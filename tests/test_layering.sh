#!/usr/bin/env bash
# test_layering: the include rules of the house style (model/ pure, io/ below sweep/).
# usage: test_layering.sh HSWEEP_BINARY SCRATCH_DIR (the binary is not used)
#   model/  includes nothing from io/ or sweep/, and no mpi.h, hdf5.h or yaml.h;
#   io/     includes nothing from sweep/;
#   only sweep/ (and tests, scripts) may include mpi.h directly.
# Negative control: a scratch tree with one violating file must be reported.
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
SRC=$(cd "$(dirname "$0")/.." && pwd)

# violations ROOT: print every include that breaks a rule under ROOT/{model,io}
violations() {
    grep -HnE '#include *"(io|sweep)/|#include *<(mpi|hdf5|yaml)\.h>' "$1"/model/*.[ch] 2>/dev/null
    grep -HnE '#include *"sweep/|#include *<mpi\.h>' "$1"/io/*.[ch] 2>/dev/null
}

v=$(violations "$SRC")
[ -z "$v" ] || fail "layering violations:
$v"

# negative control
mkdir -p "$DIR/neg/model" "$DIR/neg/io"
printf '#include "sweep/trial.h"\n' >"$DIR/neg/io/bad.h"
printf '#include "io/ckpt.h"\n' >"$DIR/neg/model/bad.c"
[ "$(violations "$DIR/neg" | wc -l)" -eq 2 ] || fail "negative control: violations not reported"

if [ "$fails" -eq 0 ]; then echo "test_layering: all checks passed"; fi
[ "$fails" -eq 0 ]
