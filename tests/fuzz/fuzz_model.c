/* fuzz_model: the model reader (io/modelio.c: modelio_load with the network) on an
 * arbitrary file; the corpus holds real best_model.h5 files written by hsweep run. */
#include "fuzz_util.h"
#include "io/modelio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    if (fuzz_write_file(path, "model.h5", data, size)) return 0;
    modelio_meta m;
    net *n = NULL;
    hs_error err;
    if (modelio_load(path, &m, &n, 0, &err) == 0) {
        net_free(n);
        modelio_meta_deinit(&m);
    }
    return 0;
}
