"""A stub of the parts of Spack's package API (`from spack.package import *`) that
packaging/spack/hsweep/package.py uses, for tests/test_packaging.sh: directives record what
the recipe declares, and cmake_args() runs against a fake spec. Not Spack: names and
signatures follow Spack's documentation (CMakePackage, version, variant, depends_on,
maintainers, license, define, define_from_variant, spec.satisfies, spec[dep].prefix)."""

DECLARED = {"versions": [], "variants": {}, "depends_on": [], "maintainers": [], "license": []}


def version(name, **kwargs):
    DECLARED["versions"].append(name)


def variant(name, default=None, values=None, multi=False, description="", **kwargs):
    if values is not None and default not in values:
        raise ValueError(f"variant {name}: default {default!r} not in {values!r}")
    DECLARED["variants"][name] = {"default": default, "values": values, "multi": multi}


def depends_on(spec, type=("build", "link"), when=None):
    DECLARED["depends_on"].append((spec, type))


def maintainers(*names):
    DECLARED["maintainers"].extend(names)


def license(name, **kwargs):
    DECLARED["license"].append(name)


class FakeDep:
    def __init__(self, name):
        self.prefix = f"/spack/opt/{name}"
        self.mpicc = f"/spack/opt/{name}/bin/mpicc"


class FakeSpec:
    """A concrete spec: variant values and the satisfied constraints, e.g. '^hdf5+mpi'."""

    def __init__(self, variants, satisfied=()):
        self.variants = variants
        self.satisfied = set(satisfied)

    def satisfies(self, constraint):
        return constraint in self.satisfied

    def __getitem__(self, name):
        return FakeDep(name)


class CMakePackage:
    run_tests = False

    def __init__(self, spec):
        self.spec = spec

    @staticmethod
    def define(name, value):
        if isinstance(value, bool):
            value = "ON" if value else "OFF"
        return f"-D{name}={value}"

    def define_from_variant(self, name, variant):
        return self.define(name, self.spec.variants[variant])


__all__ = ["CMakePackage", "version", "variant", "depends_on", "maintainers", "license"]
