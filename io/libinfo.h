/* libinfo: names and versions of the outside libraries io/ is linked with, for
 * `hsweep --version` and bug reports.
 *
 * Each function writes one short line into a caller-owned buffer (truncated to n - 1
 * characters, always terminated) and cannot fail. The versions are those of the libraries
 * loaded at run time, not the headers compiled against, so a module mix-up shows. Does
 * not: report MPI (only sweep/ talks to MPI) or the model's kernels. */
#ifndef HS_LIBINFO_H
#define HS_LIBINFO_H

#include <stddef.h>

/* HDF5: "1.10.8, serial" or "1.12.2, parallel" (parallel = built with MPI-IO). */
void libinfo_hdf5(char *buf, size_t n);

/* libyaml and liblzma: "libyaml 0.2.5, liblzma 5.4.1". */
void libinfo_text_libs(char *buf, size_t n);

#endif
