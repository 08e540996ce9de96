/* test_json: writer escaping and number round trips; strict parser on tricky, malformed and
 * truncated input (every prefix of a valid document must fail cleanly, never crash). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "tests/test_util.h"

static json_value *parse(const char *s, hs_error *err) {
    json_value *v = NULL;
    int rc = json_parse(s, strlen(s), &v, err);
    if (rc != 0 && v != NULL) CHECK(0, "output set on failure");
    return rc == 0 ? v : NULL;
}

static void test_writer(void) {
    strbuf sb;
    strbuf_init(&sb);
    json_writer w;
    json_writer_init(&w, &sb);
    json_begin_object(&w);
    json_key(&w, "s");
    json_string(&w, "a\"b\\c\n\t\x01/\xc3\xa9");
    json_key(&w, "arr");
    json_begin_array(&w);
    json_double(&w, 0.1);
    json_double(&w, NAN);
    json_double(&w, -INFINITY);
    json_float(&w, 0.1f);
    json_u64(&w, UINT64_MAX);
    json_i64(&w, -5);
    json_bool(&w, 1);
    json_null(&w);
    json_begin_object(&w);
    json_end_object(&w);
    json_begin_array(&w);
    json_end_array(&w);
    json_end_array(&w);
    json_key(&w, "n");
    json_string(&w, NULL);
    json_end_object(&w);
    CHECK(!strbuf_failed(&sb), "writer ok");
    const char *want = "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xa9\",\"arr\":[0.1,null,null,0.1,"
                       "18446744073709551615,-5,true,null,{},[]],\"n\":null}";
    CHECK(strcmp(strbuf_str(&sb), want) == 0, "got %s", strbuf_str(&sb));

    /* the writer's output parses back to the same values */
    hs_error err;
    json_value *v = parse(strbuf_str(&sb), &err);
    CHECK(v != NULL, "reparse: %s", err.msg);
    if (v) {
        CHECK(strcmp(json_as_string(json_get(v, "s")), "a\"b\\c\n\t\x01/\xc3\xa9") == 0, "string back");
        const json_value *arr = json_get(v, "arr");
        CHECK(arr && arr->n == 10, "arr len");
        uint64_t u = 0;
        CHECK(json_as_u64(arr->items[4], &u) == 0 && u == UINT64_MAX, "u64 exact");
        double d;
        CHECK(json_as_double(arr->items[1], &d) == 0 && isnan(d), "null reads as NaN");
        int i;
        CHECK(json_as_int(arr->items[5], &i) == 0 && i == -5, "int");
        CHECK(json_as_u64(arr->items[5], &u) != 0, "negative is not u64");
        CHECK(json_as_u64(arr->items[0], &u) != 0, "0.1 is not u64");
        CHECK(json_get(v, "n")->type == JSON_NULL, "null string");
    }
    json_free(v);

    /* unbalanced writer use is flagged, not crashed */
    strbuf_deinit(&sb);
    strbuf_init(&sb);
    json_writer_init(&w, &sb);
    json_end_object(&w);
    CHECK(strbuf_failed(&sb), "unbalanced end flagged");
    strbuf_deinit(&sb);
}

/* doubles and floats written by the writer read back bit-identically */
static void test_number_round_trip(void) {
    const double ds[] = {0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 2.5e-310, 1.7976931348623157e308,
                         123456789.123456789, -9.87654321e-12, 5e-324};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        strbuf sb;
        strbuf_init(&sb);
        json_writer w;
        json_writer_init(&w, &sb);
        json_double(&w, ds[i]);
        json_value *v = NULL;
        hs_error err;
        int rc = json_parse(sb.data, sb.len, &v, &err);
        double back = 0;
        CHECK(rc == 0 && json_as_double(v, &back) == 0 && memcmp(&back, &ds[i], sizeof back) == 0,
              "double %.17g -> %s", ds[i], strbuf_str(&sb));
        json_free(v);
        strbuf_deinit(&sb);
    }
    const float fs[] = {0.1f, 1e-3f, 3.4028235e38f, 1.17549435e-38f, 0.3f, 16777217.0f, 0.0f};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        strbuf sb;
        strbuf_init(&sb);
        json_writer w;
        json_writer_init(&w, &sb);
        json_float(&w, fs[i]);
        CHECK(sb.len <= 15, "short float text %s", strbuf_str(&sb));
        CHECK(strtof(sb.data, NULL) == fs[i], "float %.9g -> %s", (double)fs[i], strbuf_str(&sb));
        strbuf_deinit(&sb);
    }
}

static void test_parser_accepts(void) {
    hs_error err;
    json_value *v = parse(" \n{\"a\" : [1, -2.5e+3, 0, -0, 1E2, true, false, null, \"\\u00e9\\ud83d\\ude00\\/\"],"
                          "\"b\": {\"c\": {\"d\": []}}, \"\": \"empty key\"}\r\n", &err);
    CHECK(v != NULL, "valid document: %s", err.msg);
    if (!v) return;
    const json_value *a = json_get(v, "a");
    CHECK(a && a->type == JSON_ARRAY && a->n == 9, "array");
    if (a && a->n == 9) {
        CHECK(a->items[1]->number == -2500.0, "exponent");
        CHECK(a->items[4]->number == 100.0, "E2");
        CHECK(a->items[5]->type == JSON_BOOL && a->items[5]->boolean == 1, "true");
        CHECK(a->items[7]->type == JSON_NULL, "null");
        /* U+00E9 then U+1F600 (surrogate pair) then '/' */
        CHECK(strcmp(a->items[8]->str, "\xc3\xa9\xf0\x9f\x98\x80/") == 0, "unicode escapes");
    }
    const json_value *d = json_get(json_get(json_get(v, "b"), "c"), "d");
    CHECK(d && d->type == JSON_ARRAY && d->n == 0, "nested empty array");
    CHECK(strcmp(json_as_string(json_get(v, "")), "empty key") == 0, "empty key");
    CHECK(json_get(v, "zz") == NULL && json_get(a, "a") == NULL, "missing key / not object");
    json_free(v);

    v = parse("\"\\u0000x\"", &err);
    CHECK(v && v->len == 2 && v->str[0] == '\0' && v->str[1] == 'x', "embedded NUL keeps length");
    json_free(v);
}

static void test_parser_rejects(void) {
    static const struct { const char *text; long col; } bad[] = {
        {"", 1},
        {"   ", 4},
        {"{", 1},
        {"[1,]", 4},
        {"{\"a\":1,}", 8},
        {"{\"a\" 1}", 6},
        {"{a:1}", 2},
        {"01", 1},
        {"1.", 3},
        {"1e", 3},
        {"-", 1},
        {".5", 1},
        {"+1", 1},
        {"1e999", 1},
        {"nul", 1},
        {"tru", 1},
        {"\"abc", 1},
        {"\"a\\x\"", 3},
        {"\"\\u12\"", 6},
        {"\"\\ud800\"", 2},
        {"\"\\udc00\"", 2},
        {"\"\\ud800\\u0041\"", 2},
        {"\"tab\there\"", 5},
        {"{\"a\":1,\"a\":2}", 8},
        {"[1] [2]", 5},
        {"[1 2]", 4},
        {"{\"a\":1}x", 8},
        {"NaN", 1},
        {"Infinity", 1},
        {"// c\n1", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hs_error err;
        hs_error_clear(&err);
        json_value *v = parse(bad[i].text, &err);
        CHECK(v == NULL, "rejects '%s'", bad[i].text);
        CHECK(err.code == HS_ERR_FORMAT && err.line == 1 && err.col == bad[i].col,
              "'%s': code %d at %ld:%ld (%s), want col %ld", bad[i].text, err.code, err.line, err.col,
              err.msg, bad[i].col);
        json_free(v);
    }
    /* line numbers in multi-line input */
    hs_error err;
    json_value *v = parse("{\n  \"a\": 1,\n  \"b\": tru\n}", &err);
    CHECK(v == NULL && err.line == 3 && err.col == 8, "line 3 col 8: got %ld:%ld", err.line, err.col);
    json_free(v);

    /* nesting beyond the limit is an error, not a stack overflow */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    v = parse(deep, &err);
    CHECK(v == NULL && strstr(err.msg, "deep") != NULL, "deep nesting refused: %s", err.msg);
    json_free(v);
    /* exactly JSON_MAX_DEPTH levels are fine */
    memset(deep, '[', JSON_MAX_DEPTH);
    memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    deep[2 * JSON_MAX_DEPTH] = '\0';
    v = parse(deep, &err);
    CHECK(v != NULL, "max depth accepted: %s", err.msg);
    json_free(v);
    free(deep);
}

/* every proper prefix of a valid document is an error (not a crash, not a success) */
static void test_truncation(void) {
    const char *doc = "{\"id\":\"ab\\\"c\",\"x\":[1.5e-3,{\"y\":null,\"z\":\"\\ud83d\\ude00\"}],\"t\":true}";
    size_t n = strlen(doc);
    int all_fail = 1;
    for (size_t k = 0; k < n; k++) {
        json_value *v = NULL;
        hs_error err;
        int rc = json_parse(doc, k, &v, &err);
        if (rc == 0 || v != NULL) { all_fail = 0; fprintf(stderr, "prefix %zu parsed\n", k); }
        json_free(v);
    }
    CHECK(all_fail, "every truncated prefix rejected");
    json_value *v = NULL;
    CHECK(json_parse(doc, n, &v, NULL) == 0 && v != NULL, "full document parses (err NULL ok)");
    json_free(v);
    CHECK(json_parse(NULL, 0, &v, NULL) == HS_ERR_FORMAT && v == NULL, "NULL text");
}

int main(void) {
    test_writer();
    test_number_round_trip();
    test_parser_accepts();
    test_parser_rejects();
    test_truncation();
    return test_failures("test_json");
}
