/* fuzz_util: what the libFuzzer harnesses in tests/fuzz/ share (header-only).
 *
 * Every harness defines LLVMFuzzerTestOneInput(data, size) and calls one reader of hsweep on
 * the bytes, through a file when the reader takes a path (the file lives in /tmp, named after
 * the process so parallel fuzzers do not collide, and is rewritten for every input). The
 * same harness is linked either with libFuzzer (clang, -fsanitize=fuzzer: fuzz_<target>) or
 * with tests/fuzz/driver.c (any compiler: fuzzregress_<target>, the CTest regression run
 * over the saved corpus and crash inputs). A harness checks nothing itself: a crash, a
 * sanitizer report or a hang is the finding. */
#ifndef HS_FUZZ_UTIL_H
#define HS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write data[0..size) to "/tmp/hsweep-fuzz-<pid>-<name>" and put that path into path (room
 * for 256 bytes). Returns 0, or -1 if the file cannot be written (the input is skipped). */
static inline int fuzz_write_file(char path[256], const char *name, const uint8_t *data,
                                  size_t size) {
    snprintf(path, 256, "/tmp/hsweep-fuzz-%ld-%s", (long)getpid(), name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && w == size ? 0 : -1;
}

#endif
