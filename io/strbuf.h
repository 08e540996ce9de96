/* strbuf: a growable, always NUL-terminated byte buffer for building text.
 *
 * Used to build JSON lines, CSV and Markdown tables in memory before they are written in one
 * piece (the journal appends a whole line with one write; result files are written to a
 * temporary name and renamed). An allocation failure is sticky: later appends do nothing and
 * strbuf_failed() reports it once at the end, so callers check once. Not thread-safe; no I/O. */
#ifndef HS_STRBUF_H
#define HS_STRBUF_H

#include <stddef.h>
#include <stdio.h>

typedef struct strbuf {
    char *data;           /* (cap) bytes, data[len] == '\0' once anything was appended; owned */
    size_t len;           /* bytes used, excluding the terminating NUL */
    size_t cap;           /* bytes allocated */
    int failed;           /* 1 after an allocation failure (contents are then incomplete) */
} strbuf;

/* Set sb to an empty buffer (no allocation yet). */
void strbuf_init(strbuf *sb);

/* Free the buffer and reset sb to empty. sb may be NULL. */
void strbuf_deinit(strbuf *sb);

/* Append n bytes of s (which may contain NUL bytes). */
void strbuf_putn(strbuf *sb, const char *s, size_t n);

/* Append the C string s. */
void strbuf_puts(strbuf *sb, const char *s);

/* Append one byte. */
void strbuf_putc(strbuf *sb, char c);

/* Append printf-style formatted text. */
void strbuf_printf(strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The contents as a C string ("" for a buffer that never grew); valid until the next append. */
const char *strbuf_str(const strbuf *sb);

/* 1 if an allocation failed since init, else 0. */
int strbuf_failed(const strbuf *sb);

/* Append the rest of stream f to sb. 0; -1 when reading failed (ferror); -2 when memory
 * ran out (sb failed). f stays open. */
int strbuf_read_stream(strbuf *sb, FILE *f);

#endif
