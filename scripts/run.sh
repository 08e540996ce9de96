#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install missing packages, build, prepare the
# embedded Jena 2020 dataset (data/jena2020.h5) and print the persistence baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
data=data/jena2020.h5
if [ ! -f "$data" ]; then
  build/hsweep prep data/weather_ltsf_jena_2020.csv.xz -o "$data"
fi
build/hsweep baseline "$data"
