/* hpfields: the fields of hs_hparams by name, for result files.
 *
 * A view of the registry in model/hparams.h: every field of hs_hparams with its name (as used
 * in YAML, the journal and the result tables), its kind and its offset, so the journal can
 * write and read every field by name, the result tables can print any swept axis and group
 * records by configuration, without a hand-written switch per consumer. Formatting is canonical: the same value always
 * prints the same text (floats with the fewest digits that round-trip). No I/O. */
#ifndef HS_HPFIELDS_H
#define HS_HPFIELDS_H

#include <stddef.h>

#include "io/json.h"
#include "model/hparams.h"

typedef enum hpfields_kind {
    HPFIELDS_SIZE = 0,    /* size_t */
    HPFIELDS_FLOAT,       /* float */
    HPFIELDS_BOOL,        /* int used as 0/1 */
    HPFIELDS_CELL,        /* hs_cell, written as its name */
    HPFIELDS_OPTIMIZER,   /* hs_optimizer, written as its name */
    HPFIELDS_U64          /* uint64_t */
} hpfields_kind;

/* Number of fields (every field of hs_hparams). */
size_t hpfields_count(void);

/* Name of field k (< hpfields_count()), e.g. "learning_rate"; NULL if k is out of range. */
const char *hpfields_name(size_t k);

/* Kind of field k. */
hpfields_kind hpfields_kind_of(size_t k);

/* Index of the field called name, or (size_t)-1. */
size_t hpfields_find(const char *name);

/* Canonical text of field k of hp into buf (NUL-terminated, truncated to n):
 * "lstm", "adam", "true"/"false", integers in decimal, floats with the fewest digits that
 * round-trip ("0.001"). */
void hpfields_format(const hs_hparams *hp, size_t k, char *buf, size_t n);

/* A number for ordering values of field k (enums by their value, bools 0/1). */
double hpfields_value(const hs_hparams *hp, size_t k);

/* Field k of hp as a pointer for writing (the caller knows the type from the kind). */
void *hpfields_ptr(hs_hparams *hp, size_t k);
const void *hpfields_cptr(const hs_hparams *hp, size_t k);

/* 1 if hp a and b are equal in every field except seed, else 0. */
int hpfields_same_config(const hs_hparams *a, const hs_hparams *b);

/* Write hp as one JSON object, every field by name in table order (cell/optimizer as
 * names, floats with the fewest digits that round-trip, seed as an exact integer). */
void hpfields_write_json(json_writer *w, const hs_hparams *hp);

#endif
