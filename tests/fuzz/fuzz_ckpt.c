/* fuzz_ckpt: the checkpoint reader (io/ckpt.c). Before reading, the harness makes the input
 * pass the checks a fuzzer cannot guess: the expected trial id and key are taken from the
 * input's own header, and its last 32 bytes are replaced by the SHA-256 of the rest, so the
 * size and consistency checks behind the checksum are what gets explored. */
#include <stdlib.h>

#include "fuzz_util.h"
#include "io/ckpt.h"
#include "io/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[256], id[17] = "0123456789abcdef";
    uint64_t key = 0;
    uint8_t *b = malloc(size ? size : 1);
    if (!b) return 0;
    memcpy(b, data, size);
    if (size >= 40) {
        memcpy(id, b + 16, 16);
        for (int i = 0; i < 16; i++)
            if (!id[i]) id[i] = '0'; /* ckpt_read compares 16 characters */
        memcpy(&key, b + 32, 8);
    }
    if (size >= 32) {
        sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, b, size - 32);
        sha256_final(&c, b + size - 32);
    }
    int w = fuzz_write_file(path, "t.ckpt", b, size);
    free(b);
    if (w) return 0;
    trial_checkpoint ck;
    hs_error err;
    if (ckpt_read(path, id, key, &ck, &err) == 0) ckpt_state_free(&ck);
    return 0;
}
