/* fuzz_h5data: the prepared-dataset reader (io/h5data.c: h5data_load, metadata then the
 * arrays) on an arbitrary file; the corpus holds real datasets written by hsweep prep. */
#include "fuzz_util.h"
#include "io/h5data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    if (fuzz_write_file(path, "data.h5", data, size)) return 0;
    hs_dataset ds;
    hs_error err;
    if (h5data_load(&ds, path, &err) == 0) dataset_deinit(&ds);
    return 0;
}
