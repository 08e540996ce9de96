/* json: writer and strict recursive-descent parser (see json.h).
 *
 * The parser tracks a byte position and derives line/column for errors; recursion depth is
 * bounded by JSON_MAX_DEPTH so hostile nesting cannot overflow the stack. */
#include "io/json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== writer =========================================================================== */

void json_writer_init(json_writer *w, strbuf *out) {
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = 1;
}

/* Comma before the next key or value, unless it follows a key or opens a container. */
static void json_sep(json_writer *w) {
    if (w->after_key) { w->after_key = 0; return; }
    if (!w->first[w->depth]) strbuf_putc(w->out, ',');
    w->first[w->depth] = 0;
}

static void json_open(json_writer *w, char c) {
    json_sep(w);
    if (w->depth >= JSON_MAX_DEPTH) { w->out->failed = 1; return; }
    strbuf_putc(w->out, c);
    w->depth++;
    w->first[w->depth] = 1;
}

static void json_close(json_writer *w, char c) {
    if (w->depth <= 0 || w->after_key) { w->out->failed = 1; return; }
    strbuf_putc(w->out, c);
    w->depth--;
}

void json_begin_object(json_writer *w) { json_open(w, '{'); }
void json_end_object(json_writer *w) { json_close(w, '}'); }
void json_begin_array(json_writer *w) { json_open(w, '['); }
void json_end_array(json_writer *w) { json_close(w, ']'); }

void json_escape(strbuf *sb, const char *s) {
    strbuf_putc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': strbuf_puts(sb, "\\\""); break;
        case '\\': strbuf_puts(sb, "\\\\"); break;
        case '\b': strbuf_puts(sb, "\\b"); break;
        case '\f': strbuf_puts(sb, "\\f"); break;
        case '\n': strbuf_puts(sb, "\\n"); break;
        case '\r': strbuf_puts(sb, "\\r"); break;
        case '\t': strbuf_puts(sb, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) strbuf_printf(sb, "\\u%04x", (unsigned)*p);
            else strbuf_putc(sb, (char)*p);
        }
    }
    strbuf_putc(sb, '"');
}

void json_key(json_writer *w, const char *key) {
    json_sep(w);
    json_escape(w->out, key);
    strbuf_putc(w->out, ':');
    w->after_key = 1;
}

void json_string(json_writer *w, const char *s) {
    if (!s) { json_null(w); return; }
    json_sep(w);
    json_escape(w->out, s);
}

void json_double(json_writer *w, double x) {
    if (!isfinite(x)) { json_null(w); return; }
    json_sep(w);
    char buf[40];
    /* fewest digits that read back to the same double */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    strbuf_puts(w->out, buf);
}

void json_float(json_writer *w, float x) {
    if (!isfinite(x)) { json_null(w); return; }
    json_sep(w);
    char buf[40];
    /* fewest digits that read back to the same float (9 always suffice) */
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
        if (strtof(buf, NULL) == x) break;
    }
    strbuf_puts(w->out, buf);
}

void json_u64(json_writer *w, uint64_t x) {
    json_sep(w);
    strbuf_printf(w->out, "%" PRIu64, x);
}

void json_i64(json_writer *w, long long x) {
    json_sep(w);
    strbuf_printf(w->out, "%lld", x);
}

void json_bool(json_writer *w, int b) {
    json_sep(w);
    strbuf_puts(w->out, b ? "true" : "false");
}

void json_null(json_writer *w) {
    json_sep(w);
    strbuf_puts(w->out, "null");
}

/* ==== parser =========================================================================== */

typedef struct json_parser {
    const char *s;        /* input text, not NUL-terminated */
    size_t len;           /* bytes in s */
    size_t pos;           /* next byte to read */
    hs_error *err;        /* optional error record */
} json_parser;

/* Fill the error with the line/column of byte offset at. */
static int json_fail(json_parser *p, size_t at, hs_status code, const char *msg) {
    long line = 1, col = 1;
    for (size_t i = 0; i < at && i < p->len; i++) {
        if (p->s[i] == '\n') { line++; col = 1; } else col++;
    }
    return hs_error_set(p->err, code, NULL, line, col, "%s", msg);
}

static void json_skip_ws(json_parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static json_value *json_new(json_type t) {
    json_value *v = calloc(1, sizeof *v);
    if (v) v->type = t;
    return v;
}

void json_free(json_value *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static int json_parse_value(json_parser *p, json_value **out, int depth);

static int json_hex4(json_parser *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (p->pos + (size_t)i >= p->len)
            return json_fail(p, p->len, HS_ERR_FORMAT, "truncated \\u escape");
        char c = p->s[p->pos + (size_t)i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return json_fail(p, p->pos + (size_t)i, HS_ERR_FORMAT, "bad hex digit in \\u escape");
        v = v * 16 + d;
    }
    p->pos += 4;
    *out = v;
    return 0;
}

static void json_put_utf8(strbuf *sb, unsigned cp) {
    char b[4];
    if (cp < 0x80) {
        b[0] = (char)cp;
        strbuf_putn(sb, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        strbuf_putn(sb, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        strbuf_putn(sb, b, 3);
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        strbuf_putn(sb, b, 4);
    }
}

/* Parse a string starting at the opening quote; *out gets an owned NUL-terminated copy. */
static int json_parse_string(json_parser *p, char **out, size_t *out_len) {
    size_t start = p->pos;
    p->pos++; /* opening quote */
    strbuf sb;
    strbuf_init(&sb);
    strbuf_putn(&sb, "", 0);
    int rc = 0;
    for (;;) {
        if (p->pos >= p->len) { rc = json_fail(p, start, HS_ERR_FORMAT, "unterminated string"); goto done; }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') { p->pos++; break; }
        if (c < 0x20) { rc = json_fail(p, p->pos, HS_ERR_FORMAT, "control character in string"); goto done; }
        if (c != '\\') { strbuf_putc(&sb, (char)c); p->pos++; continue; }
        size_t esc = p->pos;
        p->pos++;
        if (p->pos >= p->len) { rc = json_fail(p, start, HS_ERR_FORMAT, "unterminated string"); goto done; }
        char e = p->s[p->pos++];
        switch (e) {
        case '"': strbuf_putc(&sb, '"'); break;
        case '\\': strbuf_putc(&sb, '\\'); break;
        case '/': strbuf_putc(&sb, '/'); break;
        case 'b': strbuf_putc(&sb, '\b'); break;
        case 'f': strbuf_putc(&sb, '\f'); break;
        case 'n': strbuf_putc(&sb, '\n'); break;
        case 'r': strbuf_putc(&sb, '\r'); break;
        case 't': strbuf_putc(&sb, '\t'); break;
        case 'u': {
            unsigned cp;
            if ((rc = json_hex4(p, &cp)) != 0) goto done;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                rc = json_fail(p, esc, HS_ERR_FORMAT, "unpaired low surrogate in \\u escape");
                goto done;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    rc = json_fail(p, esc, HS_ERR_FORMAT, "unpaired high surrogate in \\u escape");
                    goto done;
                }
                p->pos += 2;
                if ((rc = json_hex4(p, &lo)) != 0) goto done;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    rc = json_fail(p, esc, HS_ERR_FORMAT, "unpaired high surrogate in \\u escape");
                    goto done;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            json_put_utf8(&sb, cp);
            break;
        }
        default:
            rc = json_fail(p, esc, HS_ERR_FORMAT, "invalid escape in string");
            goto done;
        }
    }
    if (strbuf_failed(&sb)) { rc = json_fail(p, start, HS_ERR_NOMEM, "out of memory"); goto done; }
    *out_len = sb.len;
    *out = sb.data;
    sb.data = NULL;
done:
    strbuf_deinit(&sb);
    return rc;
}

static int json_is_digit(char c) { return c >= '0' && c <= '9'; }

static int json_parse_number(json_parser *p, json_value **out) {
    size_t start = p->pos, i = p->pos;
    const char *s = p->s;
    if (i < p->len && s[i] == '-') i++;
    if (i >= p->len) return json_fail(p, start, HS_ERR_FORMAT, "truncated number");
    if (s[i] == '0') {
        i++;
        if (i < p->len && json_is_digit(s[i]))
            return json_fail(p, start, HS_ERR_FORMAT, "leading zero in number");
    } else if (json_is_digit(s[i])) {
        while (i < p->len && json_is_digit(s[i])) i++;
    } else {
        return json_fail(p, start, HS_ERR_FORMAT, "invalid number");
    }
    if (i < p->len && s[i] == '.') {
        i++;
        if (i >= p->len || !json_is_digit(s[i]))
            return json_fail(p, i, HS_ERR_FORMAT, "digit expected after decimal point");
        while (i < p->len && json_is_digit(s[i])) i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= p->len || !json_is_digit(s[i]))
            return json_fail(p, i, HS_ERR_FORMAT, "digit expected in exponent");
        while (i < p->len && json_is_digit(s[i])) i++;
    }
    json_value *v = json_new(JSON_NUMBER);
    char *text = malloc(i - start + 1);
    if (!v || !text) {
        free(v);
        free(text);
        return json_fail(p, start, HS_ERR_NOMEM, "out of memory");
    }
    memcpy(text, s + start, i - start);
    text[i - start] = '\0';
    v->str = text;
    v->len = i - start;
    v->number = strtod(text, NULL);
    if (!isfinite(v->number)) {
        json_free(v);
        return json_fail(p, start, HS_ERR_FORMAT, "number out of range");
    }
    p->pos = i;
    *out = v;
    return 0;
}

/* Append child (and key, for objects) to container v, growing the arrays by doubling. */
static int json_push(json_value *v, json_value *child, char *key, size_t *cap) {
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        json_value **items = realloc(v->items, nc * sizeof *items);
        if (!items) return -1;
        v->items = items;
        if (v->type == JSON_OBJECT) {
            char **keys = realloc(v->keys, nc * sizeof *keys);
            if (!keys) return -1;
            v->keys = keys;
        }
        *cap = nc;
    }
    v->items[v->n] = child;
    if (v->type == JSON_OBJECT) v->keys[v->n] = key;
    v->n++;
    return 0;
}

static int json_parse_container(json_parser *p, json_value **out, int depth, int is_obj) {
    size_t open = p->pos;
    if (depth >= JSON_MAX_DEPTH) return json_fail(p, open, HS_ERR_FORMAT, "nesting too deep");
    json_value *v = json_new(is_obj ? JSON_OBJECT : JSON_ARRAY);
    if (!v) return json_fail(p, open, HS_ERR_NOMEM, "out of memory");
    size_t cap = 0;
    int rc = 0;
    char close = is_obj ? '}' : ']';
    p->pos++;
    json_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; *out = v; return 0; }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        json_skip_ws(p);
        if (is_obj) {
            if (p->pos >= p->len) { rc = json_fail(p, open, HS_ERR_FORMAT, "unterminated object"); goto fail; }
            if (p->s[p->pos] != '"') { rc = json_fail(p, p->pos, HS_ERR_FORMAT, "object key (string) expected"); goto fail; }
            size_t key_at = p->pos;
            if ((rc = json_parse_string(p, &key, &key_len)) != 0) goto fail;
            if (json_get(v, key)) {
                free(key);
                rc = json_fail(p, key_at, HS_ERR_FORMAT, "duplicate object key");
                goto fail;
            }
            json_skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                rc = json_fail(p, p->pos, HS_ERR_FORMAT, "':' expected after object key");
                goto fail;
            }
            p->pos++;
        }
        json_value *child = NULL;
        if ((rc = json_parse_value(p, &child, depth + 1)) != 0) { free(key); goto fail; }
        if (json_push(v, child, key, &cap) != 0) {
            json_free(child);
            free(key);
            rc = json_fail(p, p->pos, HS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        json_skip_ws(p);
        if (p->pos >= p->len) {
            rc = json_fail(p, open, HS_ERR_FORMAT, is_obj ? "unterminated object" : "unterminated array");
            goto fail;
        }
        char c = p->s[p->pos];
        if (c == ',') { p->pos++; continue; }
        if (c == close) { p->pos++; break; }
        rc = json_fail(p, p->pos, HS_ERR_FORMAT, is_obj ? "',' or '}' expected" : "',' or ']' expected");
        goto fail;
    }
    *out = v;
    return 0;
fail:
    json_free(v);
    return rc;
}

static int json_literal(json_parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return -1;
    p->pos += n;
    return 0;
}

static int json_parse_value(json_parser *p, json_value **out, int depth) {
    json_skip_ws(p);
    if (p->pos >= p->len) return json_fail(p, p->pos, HS_ERR_FORMAT, "unexpected end of input");
    char c = p->s[p->pos];
    size_t at = p->pos;
    if (c == '{') return json_parse_container(p, out, depth, 1);
    if (c == '[') return json_parse_container(p, out, depth, 0);
    if (c == '"') {
        json_value *v = json_new(JSON_STRING);
        if (!v) return json_fail(p, at, HS_ERR_NOMEM, "out of memory");
        int rc = json_parse_string(p, &v->str, &v->len);
        if (rc != 0) { json_free(v); return rc; }
        *out = v;
        return 0;
    }
    if (c == '-' || json_is_digit(c)) return json_parse_number(p, out);
    json_type t;
    int b = 0;
    if (json_literal(p, "true") == 0) { t = JSON_BOOL; b = 1; }
    else if (json_literal(p, "false") == 0) t = JSON_BOOL;
    else if (json_literal(p, "null") == 0) t = JSON_NULL;
    else return json_fail(p, at, HS_ERR_FORMAT, "unexpected character");
    json_value *v = json_new(t);
    if (!v) return json_fail(p, at, HS_ERR_NOMEM, "out of memory");
    v->boolean = b;
    *out = v;
    return 0;
}

int json_parse(const char *text, size_t len, json_value **out, hs_error *err) {
    *out = NULL;
    json_parser p = {.s = text, .len = text ? len : 0, .pos = 0, .err = err};
    json_value *v = NULL;
    int rc = json_parse_value(&p, &v, 0);
    if (rc != 0) return rc;
    json_skip_ws(&p);
    if (p.pos != p.len) {
        json_free(v);
        return json_fail(&p, p.pos, HS_ERR_FORMAT, "trailing characters after JSON value");
    }
    *out = v;
    return 0;
}

/* ==== accessors ======================================================================== */

const json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

int json_as_double(const json_value *v, double *out) {
    if (!v) return -1;
    if (v->type == JSON_NULL) { *out = NAN; return 0; }
    if (v->type != JSON_NUMBER) return -1;
    *out = v->number;
    return 0;
}

int json_as_u64(const json_value *v, uint64_t *out) {
    if (!v || v->type != JSON_NUMBER || v->str[0] == '-') return -1;
    for (const char *c = v->str; *c; c++)
        if (!json_is_digit(*c)) return -1;
    errno = 0;
    unsigned long long x = strtoull(v->str, NULL, 10);
    if (errno || x > UINT64_MAX) return -1;
    *out = (uint64_t)x;
    return 0;
}

int json_as_size(const json_value *v, size_t *out) {
    uint64_t x;
    if (json_as_u64(v, &x) != 0 || x > SIZE_MAX) return -1;
    *out = (size_t)x;
    return 0;
}

int json_as_int(const json_value *v, int *out) {
    if (!v || v->type != JSON_NUMBER) return -1;
    const char *c = v->str;
    if (*c == '-') c++;
    for (; *c; c++)
        if (!json_is_digit(*c)) return -1;
    errno = 0;
    long x = strtol(v->str, NULL, 10);
    if (errno || x < INT_MIN || x > INT_MAX) return -1;
    *out = (int)x;
    return 0;
}

int json_as_bool(const json_value *v, int *out) {
    if (!v || v->type != JSON_BOOL) return -1;
    *out = v->boolean;
    return 0;
}

const char *json_as_string(const json_value *v) {
    return v && v->type == JSON_STRING ? v->str : NULL;
}
