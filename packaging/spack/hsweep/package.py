# Spack recipe for hsweep (packaging/spack/hsweep/package.py; docs/install.md, "Spack").
#
# hsweep has no release tarball: build the source tree with `spack develop` (see
# docs/install.md). Spack adds the -march of the spec's target through its compiler
# wrappers; `arch=portable` (the default) adds nothing else, `arch=native` tunes for the
# build machine. Either flavour of HDF5 works (hdf5~mpi is lighter; hsweep does no
# parallel I/O).
from spack.package import *


class Hsweep(CMakePackage):
    """Distributed hyperparameter sweeps for recurrent neural networks on time series:
    one MPI rank per core trains Keras-equivalent LSTM/GRU models, resumable after a
    walltime stop."""

    homepage = "https://example.invalid/hsweep"  # no public home yet: use `spack develop`

    version("main")

    variant(
        "arch",
        default="portable",
        values=("portable", "native"),
        multi=False,
        description="HSWEEP_ARCH: portable (Spack's target flags only) or native "
        "(-march=native, for the build machine)",
    )

    depends_on("c", type="build")
    depends_on("cmake@3.25:", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("mpi")
    depends_on("hdf5@1.10:")  # +mpi or ~mpi
    depends_on("libyaml")
    depends_on("xz")

    def cmake_args(self):
        spec = self.spec
        return [
            self.define_from_variant("HSWEEP_ARCH", "arch"),
            self.define("HSWEEP_HDF5", "parallel" if spec.satisfies("^hdf5+mpi") else "serial"),
            self.define("HDF5_ROOT", spec["hdf5"].prefix),
            self.define("MPI_C_COMPILER", spec["mpi"].mpicc),
            self.define("BUILD_TESTING", self.run_tests),
        ]
