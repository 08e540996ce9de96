/* fuzz_json: the JSON parser (io/json.c) on arbitrary bytes, and the typed accessors on
 * whatever it returns. */
#include "fuzz_util.h"
#include "io/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_value *v = NULL;
    hs_error err;
    if (json_parse((const char *)data, size, &v, &err) == 0) {
        double x;
        uint64_t u;
        int b;
        json_as_double(v, &x);
        json_as_u64(v, &u);
        json_as_bool(v, &b);
        json_free(v);
    }
    return 0;
}
