/* fuzz_sweep: the YAML sweep and trial-file parsers (io/sweepcfg.c) on arbitrary bytes. */
#include "fuzz_util.h"
#include "io/sweepcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    if (fuzz_write_file(path, "sweep.yaml", data, size)) return 0;
    sweep_def d;
    hs_error err;
    if (sweepcfg_load(&d, path, &err) == 0) sweepcfg_deinit(&d);
    hs_hparams hp;
    char data_path[512];
    trialcfg_load(path, &hp, data_path, sizeof data_path, &err);
    return 0;
}
