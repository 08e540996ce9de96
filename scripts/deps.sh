#!/usr/bin/env bash
# Install the Debian 12 packages hsweep needs to build, test and benchmark, if any is missing.
# Runs apt-get only when something is missing (as root, or through sudo when available).
#   scripts/deps.sh --check    only list the missing packages and the apt-get command
# Other systems: see docs/install.md (RHEL package names, modules, Spack, Apptainer).
set -euo pipefail
check_only=0
[ "${1:-}" = --check ] && check_only=1
pkgs=(build-essential cmake pkg-config git xz-utils libopenmpi-dev openmpi-bin
      libhdf5-openmpi-dev hdf5-tools libyaml-dev liblzma-dev
      python3 python3-numpy python3-h5py chromium fonts-liberation strace)
# strace: tests/test_mpi_groupcommit.sh checks the order of fsyncs, renames and removals
# chromium: the HTML report's browser test (headless); about 350 MB, 3 minutes to install
# Optional extras for the PyTorch peer scripts: HSWEEP_DEPS_EXTRA="python3-torch" scripts/deps.sh
read -r -a extra <<< "${HSWEEP_DEPS_EXTRA:-}"
pkgs+=("${extra[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$check_only" -eq 1 ]; then
  echo "hsweep: missing Debian packages: ${missing[*]}" >&2
  echo "hsweep: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 0
fi
echo "hsweep: installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "hsweep: not root and no sudo; install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
