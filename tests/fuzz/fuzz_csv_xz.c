/* fuzz_csv_xz: the CSV reader through its xz decoder (io/csv.c). The input is compressed
 * with liblzma first, so every input is a valid .xz of arbitrary CSV bytes and the fuzzer
 * explores the streaming reader (blocks split anywhere), not liblzma's own checks; inputs
 * that already start with the xz magic are used as they are (damaged xz files). */
#include <lzma.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    char path[256];
    int raw = size >= 6 && memcmp(data, magic, 6) == 0;
    size_t cap = raw ? 0 : lzma_stream_buffer_bound(size), out = 0;
    uint8_t *xz = raw ? NULL : malloc(cap ? cap : 1);
    if (!raw && (!xz || lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, data, size, xz, &out,
                                                cap) != LZMA_OK)) {
        free(xz);
        return 0;
    }
    int w = fuzz_write_file(path, "in.csv.xz", raw ? data : xz, raw ? size : out);
    free(xz);
    if (w) return 0;
    csv_table t;
    hs_error err;
    if (csv_read(&t, path, &err) == 0) csv_deinit(&t);
    return 0;
}
