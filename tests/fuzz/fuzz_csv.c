/* fuzz_csv: the CSV reader (io/csv.c) on arbitrary bytes as a plain .csv file. */
#include "fuzz_util.h"
#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256];
    if (fuzz_write_file(path, "in.csv", data, size)) return 0;
    csv_table t;
    hs_error err;
    if (csv_read(&t, path, &err) == 0) csv_deinit(&t);
    return 0;
}
