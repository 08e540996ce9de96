/* libinfo: versions of the libraries io/ is linked with (see libinfo.h). */
#include "io/libinfo.h"

#include <hdf5.h>
#include <lzma.h>
#include <stdio.h>
#include <yaml.h>

void libinfo_hdf5(char *buf, size_t n) {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
#ifdef H5_HAVE_PARALLEL
    const char *flavour = "parallel";
#else
    const char *flavour = "serial";
#endif
    snprintf(buf, n, "%u.%u.%u, %s", maj, min, rel, flavour);
}

void libinfo_text_libs(char *buf, size_t n) {
    snprintf(buf, n, "libyaml %s, liblzma %s", yaml_get_version_string(), lzma_version_string());
}
