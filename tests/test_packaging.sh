#!/usr/bin/env bash
# test_packaging: the packaging recipes, without Spack or Apptainer (Debian 12 has neither).
#  - packaging/apptainer/hsweep.def passes scripts/check-apptainer-def.py (header, sections,
#    `sh -n` of the scripts, %files sources); broken copies are caught (negative controls);
#  - packaging/spack/hsweep/package.py compiles and, imported against a stub of Spack's API
#    (tests/packaging/spack), declares the dependencies and the arch variant, and its
#    cmake_args() set options CMakeLists.txt defines, with the HDF5 flavour of the spec.
# usage: test_packaging.sh HSWEEP SCRATCH_DIR   (HSWEEP unused)
. "$(dirname "$0")/lib.sh"
test_init "$@"
src=$(cd "$(dirname "$0")/.." && pwd)
def=$src/packaging/apptainer/hsweep.def
check="$PY $src/scripts/check-apptainer-def.py"

out=$($check "$def" "$src") || fail "hsweep.def: $out"
# negative controls: each broken copy must be reported with the expected message
broken() { # name sed-expression expected-message
    sed "$2" "$def" > "$DIR/$1.def"
    out=$($check "$DIR/$1.def" "$src") && fail "$1: broken definition accepted"
    grep -q "$3" <<< "$out" || fail "$1: want '$3', got: $out"
}
broken no-post '/^%post/,/^%environment/{/^%environment/!d}' 'no %post section'
broken syntax 's/^    set -eu$/    if then/' '%post: sh -n'
broken section 's/^%help/%hlep/' 'unknown section %hlep'
broken twice 's/^%labels/%test/' 'section %test repeated'
broken from '/^From:/d' 'needs a .From:. header'
broken files 's|^    \. /opt/hsweep-src|    missing-dir /opt/x|' "source 'missing-dir' does not exist"

pkg=$src/packaging/spack/hsweep/package.py
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the source tree
$PY -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
    "$pkg" "$DIR/package.pyc" || fail "package.py does not compile"
$PY - "$pkg" "$src/tests/packaging" "$src/CMakeLists.txt" <<'PYEOF' || fail "package.py against the Spack stub"
import importlib.util, re, sys
pkg, stubdir, cmakelists = sys.argv[1:4]
sys.path.insert(0, stubdir)
from spack import package as stub
spec = importlib.util.spec_from_file_location("hsweep_recipe", pkg)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
d = stub.DECLARED
deps = {s.split("@")[0].split("~")[0].split("+")[0]: t for s, t in d["depends_on"]}
for need in ("mpi", "hdf5", "libyaml", "xz", "cmake", "pkgconfig"):
    assert need in deps, f"no depends_on({need!r})"
assert deps["cmake"] == "build", "cmake must be a build dependency"
assert not any(s.startswith("hdf5") and "+mpi" in s for s, _ in d["depends_on"]), "hdf5~mpi must be allowed"
assert d["variants"]["arch"]["default"] == "portable", d["variants"]
assert d["versions"], "no version"
text = open(cmakelists).read()
for variant in ("portable", "native"):
    for mpi, flavour in ((False, "serial"), (True, "parallel")):
        s = stub.FakeSpec({"arch": variant}, ["^hdf5+mpi"] if mpi else [])
        args = mod.Hsweep(s).cmake_args()
        assert f"-DHSWEEP_ARCH={variant}" in args, args
        assert f"-DHSWEEP_HDF5={flavour}" in args, args
        assert "-DHDF5_ROOT=/spack/opt/hdf5" in args, args
        for a in args:
            name = re.match(r"-D([A-Za-z0-9_]+)=", a).group(1)
            if name.startswith("HSWEEP_"):
                assert f'set({name} ' in text or f'option({name} ' in text, f"{name} not in CMakeLists.txt"
print("package.py:", len(d["depends_on"]), "dependencies, variants", sorted(d["variants"]))
PYEOF
exit "$fails"
