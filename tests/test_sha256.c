/* test_sha256: FIPS 180-4 / NIST test vectors, streamed in odd-sized pieces. */
#include <string.h>

#include "io/sha256.h"
#include "tests/test_util.h"

static void check_vector(const char *msg, size_t len, size_t reps, const char *want) {
    /* once in one call, once byte by byte (or in 7-byte pieces for long inputs) */
    for (int mode = 0; mode < 2; mode++) {
        sha256_ctx c;
        char hex[65];
        sha256_init(&c);
        for (size_t r = 0; r < reps; r++) {
            if (mode == 0) {
                sha256_update(&c, msg, len);
            } else {
                size_t step = reps > 1 ? 7 : 1;
                for (size_t i = 0; i < len; i += step)
                    sha256_update(&c, msg + i, len - i < step ? len - i : step);
            }
        }
        sha256_final_hex(&c, hex);
        CHECK(strcmp(hex, want) == 0, "mode %d len %zu x %zu: %s", mode, len, reps, hex);
    }
}

int main(void) {
    check_vector("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_vector("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 1,
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                 "klmnopqrlmnopqrsmnopqrstnopqrstu", 112, 1,
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    /* one million 'a' */
    static char a1000[1000];
    memset(a1000, 'a', sizeof a1000);
    check_vector(a1000, 1000, 1000,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* 55, 56, 63, 64 and 65 bytes cross the padding boundaries */
    check_vector(a1000, 55, 1, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    check_vector(a1000, 56, 1, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    check_vector(a1000, 63, 1, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    check_vector(a1000, 64, 1, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    check_vector(a1000, 65, 1, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
    return test_failures("test_sha256");
}
