/* version: what `hsweep --version` prints: the release, the source revision, how the binary
 * was built (target architecture, kernels, BLAS) and the MPI, HDF5, libyaml and liblzma
 * libraries it runs with. Safe to call before MPI_Init (it uses only
 * MPI_Get_library_version). Does not: parse arguments or exit. */
#ifndef HS_VERSION_H
#define HS_VERSION_H

#include <stdio.h>

/* Print the version block to f, one "key: value" line per item after the first line
 * "hsweep VERSION (GIT_REV)". Cannot fail (write errors are the caller's to check). */
void version_print(FILE *f);

#endif
