/* json: a small JSON writer and a small strict JSON parser.
 *
 * The writer appends to a strbuf and inserts commas itself: begin/end objects and arrays,
 * keys, strings (escaped), numbers and literals. Floating-point values are written with the
 * fewest significant digits that read back bit-identically (at most %.9g for float, %.17g for
 * double); NaN and infinities, which JSON cannot represent, are written as null.
 *
 * The parser reads one complete RFC 8259 value (objects, arrays, strings with every escape
 * including surrogate pairs, numbers, true/false/null) into a tree. It is strict: no trailing
 * commas, comments, leading zeros, raw control characters in strings, duplicate keys or
 * trailing garbage; nesting deeper than JSON_MAX_DEPTH is refused. Truncated or malformed
 * input gives HS_ERR_FORMAT with the line and column, never a crash. Number literals keep their
 * source text, so 64-bit integers (seeds) read back exactly. No streaming, no file I/O. */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "io/hs_error.h"
#include "io/strbuf.h"

enum { JSON_MAX_DEPTH = 64 };   /* deepest nesting the writer and parser accept */

/* ---- writer ---------------------------------------------------------------------------- */

typedef struct json_writer {
    strbuf *out;                           /* destination, not owned */
    int depth;                             /* open objects/arrays */
    unsigned char first[JSON_MAX_DEPTH + 1]; /* 1 while the container at that depth is empty */
    int after_key;                         /* 1 between json_key and its value */
} json_writer;

/* Start writing into out (appends; out must be initialised). */
void json_writer_init(json_writer *w, strbuf *out);

/* Open / close an object or array. Unbalanced or too-deep use marks out as failed. */
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);

/* Write an object key (escaped); the next call writes its value. */
void json_key(json_writer *w, const char *key);

/* Values. json_string(w, NULL) writes null. json_double/json_float write null for NaN/inf. */
void json_string(json_writer *w, const char *s);
void json_double(json_writer *w, double x);
void json_float(json_writer *w, float x);
void json_u64(json_writer *w, uint64_t x);
void json_i64(json_writer *w, long long x);
void json_bool(json_writer *w, int b);
void json_null(json_writer *w);

/* Append s as a quoted, escaped JSON string to sb (no comma handling). */
void json_escape(strbuf *sb, const char *s);

/* ---- parser ---------------------------------------------------------------------------- */

typedef enum json_type {
    JSON_NULL = 0,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value {
    json_type type;               /* which of the fields below is meaningful */
    int boolean;                  /* JSON_BOOL: 0 or 1 */
    double number;                /* JSON_NUMBER: value (finite) */
    char *str;                    /* JSON_STRING: decoded UTF-8, NUL-terminated (may contain
                                     NUL from \u0000; use len); JSON_NUMBER: the literal text;
                                     owned */
    size_t len;                   /* bytes in str, excluding the terminating NUL */
    struct json_value **items;    /* JSON_ARRAY: elements; JSON_OBJECT: member values; (n), owned */
    char **keys;                  /* JSON_OBJECT: member keys (n), owned, unique */
    size_t n;                     /* number of elements or members */
} json_value;

/* Parse exactly one JSON value from text[0..len) (surrounding whitespace allowed).
 * On success returns 0 and sets *out to a tree owned by the caller (json_free).
 * On failure returns HS_ERR_FORMAT (or HS_ERR_NOMEM), sets *out to NULL and fills err with
 * the 1-based line and column of the problem in text (err->file left empty). */
int json_parse(const char *text, size_t len, json_value **out, hs_error *err);

/* Free a tree from json_parse. v may be NULL. */
void json_free(json_value *v);

/* Member `key` of object obj, or NULL if obj is not an object or has no such member. */
const json_value *json_get(const json_value *obj, const char *key);

/* Conversions; each returns 0 on success, -1 if v is NULL or of the wrong type/range.
 * json_as_double accepts null as NaN (the writer's encoding of non-finite values).
 * json_as_u64 / json_as_size accept only non-negative integer literals, converted exactly. */
int json_as_double(const json_value *v, double *out);
int json_as_u64(const json_value *v, uint64_t *out);
int json_as_size(const json_value *v, size_t *out);
int json_as_int(const json_value *v, int *out);
int json_as_bool(const json_value *v, int *out);
/* The string of a JSON_STRING, or NULL. */
const char *json_as_string(const json_value *v);

#endif
