#!/usr/bin/env bash
# gen-man.sh HSWEEP OUT.1: write the hsweep(1) man page from the binary's own help texts
# (`hsweep --help`, then `hsweep COMMAND --help` for every command it lists), so the page
# documents exactly the flags of the binary it ships with. Run by the build (CMake target
# hsweep_man); tests/test_install.sh checks the installed page against the binary.
set -euo pipefail
hsweep=$1
out=$2
# roff-escape plain text: backslashes, leading dots/quotes (requests), hyphens (minus signs)
esc() { sed -e 's/\\/\\e/g' -e 's/^\([.'"'"']\)/\\\&\1/' -e 's/-/\\-/g'; }
version=$("$hsweep" --version | head -n 1)
top=$("$hsweep" --help)
cmds=$(printf '%s\n' "$top" | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ -n "$cmds" ] || { echo "gen-man.sh: no commands in '$hsweep --help'" >&2; exit 1; }
tmp="$out.tmp.$$"
{
  echo ".TH HSWEEP 1 \"\" \"$version\" \"User Commands\""
  echo ".SH NAME"
  echo "hsweep \\- distributed hyperparameter sweeps for recurrent networks on time series"
  echo ".SH SYNOPSIS"
  echo ".B hsweep"
  echo ".I COMMAND"
  echo "[\\fIARGS\\fR...]"
  echo ".br"
  echo ".B hsweep"
  echo "\\-\\-help | \\-\\-version"
  echo ".br"
  echo ".B mpirun \\-n"
  echo ".I P"
  echo ".B hsweep run"
  echo ".I SWEEP.yaml"
  echo ".SH DESCRIPTION"
  echo ".nf"
  printf '%s\n' "$top" | esc
  echo ".fi"
  echo ".SH COMMANDS"
  for c in $cmds; do
    echo ".SS $c"
    echo ".nf"
    "$hsweep" "$c" --help | esc
    echo ".fi"
  done
  echo ".SH FILES"
  echo "Example sweeps, the embedded Jena 2020 dataset and the Slurm batch scripts are"
  echo "installed under"
  echo ".IR PREFIX /share/hsweep"
  echo "(configs/, data/, slurm/); the documentation under"
  echo ".IR PREFIX /share/doc/hsweep."
  echo ".SH SEE ALSO"
  echo ".BR mpirun (1),"
  echo ".BR sbatch (1);"
  echo "README.md and docs/*.md of the source tree (docs/install.md, docs/slurm.md)."
} > "$tmp"
mv "$tmp" "$out"
