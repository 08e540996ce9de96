#!/usr/bin/env bash
# Download the canonical Jena climate file of the Keras book (jena_climate_2009_2016.csv,
# 420,451 rows, 2009-2016), check it, and prepare it with `hsweep prep`. Needs internet;
# documented in docs/data.md, never run in CI (the embedded 2020 file is used there).
#
# usage: scripts/fetch-jena.sh [DEST_DIR]        (default: data/)
# env:   HSWEEP=path/to/hsweep (default build/hsweep, built with scripts/build.sh if missing)
#        JENA_URL=... to use a mirror
# Leaves DEST_DIR/jena_climate_2009_2016.csv.zip, .csv and .h5 and prints the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${JENA_URL:-https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip}
DEST=${1:-data}
HSWEEP=${HSWEEP:-build/hsweep}
NAME=jena_climate_2009_2016
ZIP=$DEST/$NAME.csv.zip
CSV=$DEST/$NAME.csv
OUT=$DEST/$NAME.h5
mkdir -p "$DEST"

if [ ! -s "$ZIP" ]; then
  echo "fetch-jena: downloading $URL" >&2
  if command -v curl > /dev/null; then
    curl -fL --retry 3 -o "$ZIP.part" "$URL"
  elif command -v wget > /dev/null; then
    wget -O "$ZIP.part" "$URL"
  else
    echo "fetch-jena: need curl or wget" >&2
    exit 1
  fi
  mv "$ZIP.part" "$ZIP"
fi

# the archive must be intact and hold the CSV
unzip -tq "$ZIP" > /dev/null || { echo "fetch-jena: $ZIP is corrupt; delete it and retry" >&2; exit 1; }
unzip -oq "$ZIP" "$NAME.csv" -d "$DEST"
rows=$(wc -l < "$CSV")
if [ "$rows" -ne 420452 ]; then
  echo "fetch-jena: $CSV has $rows lines, expected 420,452 (header + 420,451 rows)" >&2
  exit 1
fi
echo "fetch-jena: $CSV: 420,451 rows + header"
sha256sum "$ZIP" "$CSV"

[ -x "$HSWEEP" ] || scripts/build.sh
"$HSWEEP" prep "$CSV" -o "$OUT"
"$HSWEEP" baseline "$OUT"
