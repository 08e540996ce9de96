/* hpfields: the hs_hparams fields for result files (see hpfields.h). The fields are the rows
 * of the registry in model/hparams.h; adding a parameter there adds it here. */
#include "io/hpfields.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hparams registry (model/hparams.h) is the table; hpfields_kind follows its types. */
_Static_assert((int)HPFIELDS_SIZE == (int)HS_HPT_SIZE && (int)HPFIELDS_FLOAT == (int)HS_HPT_FLOAT &&
                   (int)HPFIELDS_BOOL == (int)HS_HPT_BOOL && (int)HPFIELDS_CELL == (int)HS_HPT_CELL &&
                   (int)HPFIELDS_OPTIMIZER == (int)HS_HPT_OPTIMIZER &&
                   (int)HPFIELDS_U64 == (int)HS_HPT_U64,
               "hpfields_kind and hs_hparam_type must agree");
enum { HPFIELDS_N = HS_HP_COUNT };

size_t hpfields_count(void) { return HPFIELDS_N; }

const char *hpfields_name(size_t k) { return k < HPFIELDS_N ? hparams_info(k)->name : NULL; }

hpfields_kind hpfields_kind_of(size_t k) {
    return k < HPFIELDS_N ? (hpfields_kind)hparams_info(k)->type : HPFIELDS_SIZE;
}

size_t hpfields_find(const char *name) {
    size_t k = hparams_find(name);
    return k < HPFIELDS_N ? k : (size_t)-1;
}

void *hpfields_ptr(hs_hparams *hp, size_t k) { return (char *)hp + hparams_info(k)->offset; }

const void *hpfields_cptr(const hs_hparams *hp, size_t k) {
    return (const char *)hp + hparams_info(k)->offset;
}

void hpfields_format(const hs_hparams *hp, size_t k, char *buf, size_t n) {
    hparams_format(hp, k, buf, n);
}

double hpfields_value(const hs_hparams *hp, size_t k) { return hparams_get(hp, k); }

int hpfields_same_config(const hs_hparams *a, const hs_hparams *b) {
    char x[64], y[64];
    for (size_t k = 0; k < HPFIELDS_N; k++) {
        if (hpfields_kind_of(k) == HPFIELDS_U64) continue; /* seed */
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
        json_key(w, hpfields_name(k));
        switch (hpfields_kind_of(k)) {
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
