/* version: the `hsweep --version` block (see version.h). */
#include "sweep/version.h"

#include <mpi.h>
#include <string.h>

#include "io/libinfo.h"

/* HSWEEP_VERSION, HSWEEP_GIT_REV, HSWEEP_ARCH_NAME and HSWEEP_BLAS come from CMakeLists.txt. */

void version_print(FILE *f) {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    mpi[strcspn(mpi, "\n")] = '\0'; /* Open MPI appends the release date, ident, ... */
    char hdf5[96], text[96];
    libinfo_hdf5(hdf5, sizeof hdf5);
    libinfo_text_libs(text, sizeof text);
    fprintf(f, "hsweep %s (%s)\n", HSWEEP_VERSION, HSWEEP_GIT_REV);
    fprintf(f, "arch: %s\n", HSWEEP_ARCH_NAME);
    fprintf(f, "blas: %s\n", HSWEEP_BLAS);
    fprintf(f, "hdf5: %s\n", hdf5);
    fprintf(f, "mpi: %s\n", mpi);
    fprintf(f, "libs: %s\n", text);
}
