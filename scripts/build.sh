#!/usr/bin/env bash
# Configure and build hsweep in build/ (Release, -O3 -march=native). Extra arguments go to
# cmake, e.g. scripts/build.sh -DHSWEEP_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$(nproc)" 2>&1 | tail -n 3
