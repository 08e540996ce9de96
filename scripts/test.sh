#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds with -Werror, runs every test
# (unit, command-line and 3-rank MPI tests). `scripts/test.sh -L unit` runs only the fast
# unit tests; other arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -DHSWEEP_WERROR=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
