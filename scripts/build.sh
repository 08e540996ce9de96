#!/usr/bin/env bash
# Configure and build hsweep in build/ (Release, HSWEEP_ARCH=portable unless given) with the
# compilers and libraries already installed or loaded as modules. Extra arguments go to
# cmake, e.g. scripts/build.sh -DHSWEEP_SANITIZE=ON -DHSWEEP_ARCH=native.
#
# Missing packages: on Debian/Ubuntu as root, scripts/deps.sh installs them first (what CI
# and scripts/test.sh rely on); on Debian without root it only lists them with the apt-get
# command; elsewhere (RHEL, a cluster with modules) nothing is installed and a failed
# configure names the missing library and how to provide it (docs/install.md).
#   HSWEEP_DEPS=no scripts/build.sh      never run scripts/deps.sh, even as root on Debian
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${HSWEEP_DEPS:-auto}" != no ] && [ -f /etc/debian_version ] && command -v apt-get > /dev/null; then
  if [ "$(id -u)" -eq 0 ]; then scripts/deps.sh; else scripts/deps.sh --check; fi
fi
if ! command -v cmake > /dev/null; then
  echo "hsweep: cmake (>= 3.25) not found: load its module or install it (Debian: cmake;" \
       "RHEL: cmake; or pip install cmake); see docs/install.md" >&2
  exit 1
fi
if ! cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" > build.log 2>&1; then
  cat build.log
  echo "hsweep: configure failed (log: build.log); docs/install.md says how to provide" \
       "each dependency" >&2
  exit 1
fi
grep '^-- hsweep:' build.log || true
cmake --build build -j "$(nproc)" 2>&1 | tail -n 3
