/* fuzz_ckpt: the checkpoint reader (io/ckpt.c). Before reading, the harness makes the input
 * pass the checks a fuzzer cannot guess: the expected trial id and key are taken from the
 * input's own header, and its last 32 bytes are replaced by the SHA-256 of the rest, so the
 * size and consistency checks behind the checksum are what gets explored. An input whose
 * version word is 2 (a slot file) gets the same for each slot's record instead: id and key
 * from slot 0's record, each record's last 32 bytes the SHA-256 of its rest. */
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
    uint32_t ver = 0;
    if (size >= 12) memcpy(&ver, b + 8, 4);
    size_t rec = ver == CKPT_VERSION_SLOTS ? 72 : 0; /* slot 0's record: after its length */
    if (size >= rec + 40) {
        memcpy(id, b + rec + 16, 16);
        for (int i = 0; i < 16; i++)
            if (!id[i]) id[i] = '0'; /* ckpt_read compares 16 characters */
        memcpy(&key, b + rec + 32, 8);
    }
    if (ver == CKPT_VERSION_SLOTS && size >= 24) {
        uint64_t cap = 0;
        memcpy(&cap, b + 16, 8);
        uint64_t at[2] = {64, cap};
        for (int k = 0; k < 2; k++) {
            uint64_t len = 0;
            if (at[k] > size || size - at[k] < 8) continue;
            memcpy(&len, b + at[k], 8);
            if (len < 32 || len > size - at[k] - 8) continue;
            uint8_t *r = b + at[k] + 8;
            sha256_ctx c;
            sha256_init(&c);
            sha256_update(&c, r, (size_t)len - 32);
            sha256_final(&c, r + len - 32);
        }
    } else if (size >= 32) {
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
