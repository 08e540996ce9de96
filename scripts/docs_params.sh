#!/usr/bin/env bash
# Regenerate the parameter tables in docs/train.md and docs/sweep-file.md from the registry
# (model/hparams.h) with `hsweep help-params --markdown`. usage: scripts/docs_params.sh [HSWEEP]
# (default build/hsweep). tests/test_cli_docs_params.sh checks that they are current.
set -euo pipefail
cd "$(dirname "$0")/.."
HSWEEP=${1:-build/hsweep}
for pair in train:docs/train.md sweep-file:docs/sweep-file.md; do
    which=${pair%%:*} file=${pair#*:}
    "$HSWEEP" help-params --markdown "$which" >"$file.table"
    /usr/bin/python3 - "$file" "$which" "$file.table" <<'PYEOF'
import sys
path, which, table = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
begin = f"<!-- BEGIN hsweep help-params --markdown {which} -->\n"
end = f"<!-- END hsweep help-params --markdown {which} -->"
s = open(path).read()
a, b = s.index(begin) + len(begin), s.index(end)
open(path, "w").write(s[:a] + table + s[b:])
PYEOF
    rm -f "$file.table"
done
