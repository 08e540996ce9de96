#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install missing packages, build, prepare the
# embedded Jena 2020 dataset and run the default sweep on every core with mpirun, then
# print the ranked table. Arguments go to `hsweep run` (e.g. --restart).
#   SWEEP=configs/other.yaml scripts/run.sh      run another sweep
#   NP=8 scripts/run.sh                           choose the number of ranks
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
data=data/jena2020.h5
if [ ! -f "$data" ]; then
  build/hsweep prep data/weather_ltsf_jena_2020.csv.xz -o "$data"
fi
build/hsweep baseline "$data"     # the reference to beat
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
np=${NP:-$(nproc)}
mpirun -n "$np" --oversubscribe --bind-to none build/hsweep run "${SWEEP:-configs/default.yaml}" "$@"
