/* test_util: a tiny check harness shared by the C tests.
 *
 * CHECK(cond, fmt, ...) records a failure with file:line and a message, and keeps going;
 * a test's main returns test_failures() so CTest sees every failure. Header-only. */
#ifndef HS_TEST_UTIL_H
#define HS_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/isa.h"

static int test_fail_count = 0;
static int test_check_count = 0;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        test_check_count++;                                                       \
        if (!(cond)) {                                                            \
            test_fail_count++;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                     \
    CHECK(fabs((double)(a) - (double)(b)) <= (double)(tol), "%.9g vs %.9g (tol %g)", \
          (double)(a), (double)(b), (double)(tol))

/* Select the kernel path (HSWEEP_ISA or cpuid) and print it. A path this CPU lacks is a
 * skip, exit status 77 (CTest's SKIP_RETURN_CODE), not a failure. */
static inline void test_isa_init(void) {
    char err[160];
    if (isa_init(err, sizeof err) != 0) {
        printf("skipped: %s\n", err);
        exit(77);
    }
    printf("kernels: %s\n", isa_name());
}

static inline int test_failures(const char *name) {
    printf("%s: %d checks, %d failed\n", name, test_check_count, test_fail_count);
    return test_fail_count;
}

#endif
