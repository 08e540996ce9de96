/* version: the `hsweep --version` block (see version.h). */
#include "sweep/version.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "io/libinfo.h"
#include "model/isa.h"

/* HSWEEP_VERSION, HSWEEP_GIT_REV, HSWEEP_ARCH_NAME and HSWEEP_BLAS come from CMakeLists.txt. */

void version_print(FILE *f) {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    mpi[strcspn(mpi, "\n")] = '\0'; /* Open MPI appends the release date, ident, ... */
    char hdf5[96], text[96];
    libinfo_hdf5(hdf5, sizeof hdf5);
    libinfo_text_libs(text, sizeof text);
    /* the kernel paths this CPU can run, best first */
    char avail[64] = "";
    const isa_kind kinds[] = {ISA_AVX512, ISA_AVX2, ISA_GENERIC};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (isa_supported(kinds[i])) {
            if (avail[0]) strcat(avail, ", ");
            strcat(avail, isa_kind_name(kinds[i]));
        }
    const char *env = getenv("HSWEEP_ISA");
    fprintf(f, "hsweep %s (kernels: %s)\n", HSWEEP_VERSION, isa_name());
    fprintf(f, "git: %s\n", HSWEEP_GIT_REV);
    fprintf(f, "arch: %s\n", HSWEEP_ARCH_NAME);
    fprintf(f, "isa: %s (%s%s; this CPU runs: %s)\n", isa_name(),
            env && env[0] ? "HSWEEP_ISA=" : "chosen from cpuid", env && env[0] ? env : "",
            avail);
    fprintf(f, "blas: %s\n", HSWEEP_BLAS);
    fprintf(f, "hdf5: %s\n", hdf5);
    fprintf(f, "mpi: %s\n", mpi);
    fprintf(f, "libs: %s\n", text);
}
