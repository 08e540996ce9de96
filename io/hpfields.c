/* hpfields: the hs_hparams field table (see hpfields.h). Adding a field to hs_hparams means
 * adding one row here; the journal and result tables follow. */
#include "io/hpfields.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hpfields_row {
    const char *name;     /* field name in files */
    hpfields_kind kind;   /* C type */
    size_t offset;        /* offsetof(hs_hparams, field) */
} hpfields_row;

#define HPF(field, kind) {#field, kind, offsetof(hs_hparams, field)}
static const hpfields_row hpfields_table[] = {
    HPF(cell, HPFIELDS_CELL),
    HPF(units, HPFIELDS_SIZE),
    HPF(layers, HPFIELDS_SIZE),
    HPF(dropout, HPFIELDS_FLOAT),
    HPF(recurrent_dropout, HPFIELDS_FLOAT),
    HPF(head_dropout, HPFIELDS_FLOAT),
    HPF(bidirectional, HPFIELDS_BOOL),
    HPF(optimizer, HPFIELDS_OPTIMIZER),
    HPF(learning_rate, HPFIELDS_FLOAT),
    HPF(batch_size, HPFIELDS_SIZE),
    HPF(epochs, HPFIELDS_SIZE),
    HPF(patience, HPFIELDS_SIZE),
    HPF(clip, HPFIELDS_FLOAT),
    HPF(sequence_length, HPFIELDS_SIZE),
    HPF(sampling_rate, HPFIELDS_SIZE),
    HPF(horizon, HPFIELDS_SIZE),
    HPF(seed, HPFIELDS_U64),
};
#undef HPF
enum { HPFIELDS_N = sizeof hpfields_table / sizeof hpfields_table[0] };

size_t hpfields_count(void) { return HPFIELDS_N; }

const char *hpfields_name(size_t k) { return k < HPFIELDS_N ? hpfields_table[k].name : NULL; }

hpfields_kind hpfields_kind_of(size_t k) {
    return k < HPFIELDS_N ? hpfields_table[k].kind : HPFIELDS_SIZE;
}

size_t hpfields_find(const char *name) {
    for (size_t k = 0; k < HPFIELDS_N; k++)
        if (strcmp(hpfields_table[k].name, name) == 0) return k;
    return (size_t)-1;
}

void *hpfields_ptr(hs_hparams *hp, size_t k) {
    return (char *)hp + hpfields_table[k].offset;
}

const void *hpfields_cptr(const hs_hparams *hp, size_t k) {
    return (const char *)hp + hpfields_table[k].offset;
}

void hpfields_format(const hs_hparams *hp, size_t k, char *buf, size_t n) {
    if (!buf || n == 0) return;
    if (k >= HPFIELDS_N) { buf[0] = '\0'; return; }
    const void *p = hpfields_cptr(hp, k);
    switch (hpfields_table[k].kind) {
    case HPFIELDS_SIZE: snprintf(buf, n, "%zu", *(const size_t *)p); break;
    case HPFIELDS_U64: snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case HPFIELDS_BOOL: snprintf(buf, n, "%s", *(const int *)p ? "true" : "false"); break;
    case HPFIELDS_CELL: snprintf(buf, n, "%s", hparams_cell_name(*(const hs_cell *)p)); break;
    case HPFIELDS_OPTIMIZER:
        snprintf(buf, n, "%s", hparams_optimizer_name(*(const hs_optimizer *)p));
        break;
    case HPFIELDS_FLOAT: {
        float x = *(const float *)p;
        for (int prec = 6; prec <= 9; prec++) {
            snprintf(buf, n, "%.*g", prec, (double)x);
            if (strtof(buf, NULL) == x) break;
        }
        break;
    }
    }
}

double hpfields_value(const hs_hparams *hp, size_t k) {
    if (k >= HPFIELDS_N) return 0.0;
    const void *p = hpfields_cptr(hp, k);
    switch (hpfields_table[k].kind) {
    case HPFIELDS_SIZE: return (double)*(const size_t *)p;
    case HPFIELDS_U64: return (double)*(const uint64_t *)p;
    case HPFIELDS_BOOL: return *(const int *)p ? 1.0 : 0.0;
    case HPFIELDS_CELL: return (double)*(const hs_cell *)p;
    case HPFIELDS_OPTIMIZER: return (double)*(const hs_optimizer *)p;
    case HPFIELDS_FLOAT: return (double)*(const float *)p;
    }
    return 0.0;
}

int hpfields_same_config(const hs_hparams *a, const hs_hparams *b) {
    char x[64], y[64];
    for (size_t k = 0; k < HPFIELDS_N; k++) {
        if (hpfields_table[k].kind == HPFIELDS_U64) continue; /* seed */
        hpfields_format(a, k, x, sizeof x);
        hpfields_format(b, k, y, sizeof y);
        if (strcmp(x, y) != 0) return 0;
    }
    return 1;
}

void hpfields_write_json(json_writer *w, const hs_hparams *hp) {
    json_begin_object(w);
    for (size_t k = 0; k < HPFIELDS_N; k++) {
        const void *p = hpfields_cptr(hp, k);
        json_key(w, hpfields_table[k].name);
        switch (hpfields_table[k].kind) {
        case HPFIELDS_SIZE: json_u64(w, *(const size_t *)p); break;
        case HPFIELDS_U64: json_u64(w, *(const uint64_t *)p); break;
        case HPFIELDS_FLOAT: json_float(w, *(const float *)p); break;
        case HPFIELDS_BOOL: json_bool(w, *(const int *)p); break;
        case HPFIELDS_CELL: json_string(w, hparams_cell_name(*(const hs_cell *)p)); break;
        case HPFIELDS_OPTIMIZER:
            json_string(w, hparams_optimizer_name(*(const hs_optimizer *)p));
            break;
        }
    }
    json_end_object(w);
}
