/* strbuf: growable text buffer (see strbuf.h). Doubling growth, sticky failure flag. */
#include "io/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf *sb) {
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->failed = 0;
}

void strbuf_deinit(strbuf *sb) {
    if (!sb) return;
    free(sb->data);
    strbuf_init(sb);
}

/* Make room for `extra` more bytes plus the NUL; returns 0 or -1 (and sets failed). */
static int strbuf_reserve(strbuf *sb, size_t extra) {
    if (sb->failed) return -1;
    if (extra > (size_t)-1 - sb->len - 1) { sb->failed = 1; return -1; }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need) {
        if (cap > (size_t)-1 / 2) { cap = need; break; }
        cap *= 2;
    }
    char *p = realloc(sb->data, cap);
    if (!p) { sb->failed = 1; return -1; }
    sb->data = p;
    sb->cap = cap;
    return 0;
}

void strbuf_putn(strbuf *sb, const char *s, size_t n) {
    if (strbuf_reserve(sb, n) != 0) return;
    if (n) memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_puts(strbuf *sb, const char *s) { strbuf_putn(sb, s, strlen(s)); }

void strbuf_putc(strbuf *sb, char c) { strbuf_putn(sb, &c, 1); }

void strbuf_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) { sb->failed = 1; return; }
    if (strbuf_reserve(sb, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

const char *strbuf_str(const strbuf *sb) { return sb->data ? sb->data : ""; }

int strbuf_failed(const strbuf *sb) { return sb->failed; }

int strbuf_read_stream(strbuf *sb, FILE *f) {
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) strbuf_putn(sb, buf, k);
    if (ferror(f)) return -1;
    return strbuf_failed(sb) ? -2 : 0;
}
