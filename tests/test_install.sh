#!/usr/bin/env bash
# test_install: `cmake --install` of the build tree that holds HSWEEP into a scratch prefix,
# then the installed binary run from another directory: --version, prep of the installed
# dataset, plan of an installed example sweep; the installed man page lists every command
# and every flag of every command's --help, and renders without groff warnings.
# usage: test_install.sh HSWEEP SCRATCH_DIR
. "$(dirname "$0")/lib.sh"
test_init "$@"
bdir=$(dirname "$HSWEEP")
P=$DIR/prefix
cmake --install "$bdir" --prefix "$P" > "$DIR/install.log" 2>&1 || { cat "$DIR/install.log"; fail "cmake --install"; exit "$fails"; }
bin=$P/bin/hsweep
share=$P/share/hsweep
for f in "$bin" "$P/share/man/man1/hsweep.1" "$share/configs/default.yaml" "$share/configs/tiny.yaml" \
         "$share/data/weather_ltsf_jena_2020.csv.xz" "$share/slurm/hsweep.sbatch" \
         "$P/share/doc/hsweep/README.md" "$P/share/doc/hsweep/docs/slurm.md"; do
    [ -e "$f" ] || fail "not installed: ${f#"$P"/}"
done
[ -x "$share/slurm/hsweep.sbatch" ] || fail "hsweep.sbatch is not executable"

mkdir -p "$DIR/elsewhere" && cd "$DIR/elsewhere" || exit 1
"$bin" --version > version.txt || fail "installed hsweep --version"
grep -q '^hsweep [0-9]' version.txt || fail "--version: no 'hsweep VERSION' line"
for key in arch blas hdf5 mpi; do
    grep -q "^$key: " version.txt || fail "--version: no '$key:' line"
done
# the example sweeps' data paths (../data/jena2020.h5) resolve inside share/hsweep
"$bin" prep "$share/data/weather_ltsf_jena_2020.csv.xz" -o "$share/data/jena2020.h5" --quiet ||
    fail "installed hsweep prep of the installed dataset"
"$bin" plan "$share/configs/default.yaml" > plan.txt 2>&1 || { cat plan.txt; fail "installed hsweep plan"; }
grep -q 'trials' plan.txt || fail "plan printed no trial count"

# man page: every command of --help and every flag of each COMMAND --help
man1=$P/share/man/man1/hsweep.1
text=$(MANWIDTH=200 man -l "$man1" 2>/dev/null) || fail "man -l hsweep.1"
warn=$(groff -man -Tutf8 -ww -z "$man1" 2>&1)
[ -z "$warn" ] || fail "groff warnings: $warn"
cmds=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ "$(echo "$cmds" | wc -w)" -ge 7 ] || fail "expected at least 7 commands in --help, got: $cmds"
for c in $cmds; do
    grep -q "^   $c\$" <<< "$text" || fail "man page: no section for command '$c'"
    for flag in $("$bin" "$c" --help | grep -oE -- '(^|[ [,])--?[a-z][a-z-]*' | sed 's/^[ [,]//' | sort -u); do
        grep -qe "$flag" <<< "$text" || fail "man page: '$c' flag $flag missing"
    done
done
exit "$fails"
