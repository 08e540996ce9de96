#!/usr/bin/env bash
# test_mpi_pseudo_nodes: the per-node shared dataset with several node leaders on one machine.
# usage: test_mpi_pseudo_nodes.sh HSWEEP_BINARY SCRATCH_DIR
# HSWEEP_PSEUDO_NODES=2 (a test-only switch, sweep/shmdata.h) splits 3 ranks into two
# pseudo-nodes ({0,2} and {1}): two leaders read the file into two shared windows. The sweep
# must give every trial exactly the result of a 1-rank run (same ids, same val_mae bits).
set -u
. "$(dirname "$0")/lib.sh"
test_init "$@"
tiny_dataset || fail "prep"
cp "$HSWEEP_SOURCE_DIR/configs/tiny.yaml" "$DIR/tiny.yaml"
cd "$DIR" || exit 1
"$HSWEEP" run tiny.yaml --output one >one.out 2>&1 || fail "1-rank run: $(tail -n 3 one.out)"
HSWEEP_PSEUDO_NODES=2 mpirun --oversubscribe --bind-to none -n 3 "$HSWEEP" run tiny.yaml \
    --output three >three.out 2>&1 || fail "3 ranks on 2 pseudo-nodes: $(tail -n 3 three.out)"
$PY - one/journal.jsonl three/journal.jsonl <<'PYEOF' || fail "journals differ"
import json, sys
a, b = ({r["id"]: r for r in map(json.loads, open(p))} for p in sys.argv[1:3])
assert set(a) == set(b) and len(a) == 4, (sorted(a), sorted(b))
for i in a:
    assert (a[i]["status"], a[i]["val_mae"], a[i]["test_mae"]) == \
           (b[i]["status"], b[i]["val_mae"], b[i]["test_mae"]), i
PYEOF
exit "$fails"
