/* hparams: the registry as data, defaults, checks and canonical text (see hparams.h). */
#include "model/hparams.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(HS_HP_SEED == HS_HP_COUNT - 1, "seed must be the last registry row");

static const hs_hparam_info hparams_table[HS_HP_COUNT] = {
#define HS_HP_ROW_(name_, NAME, ctype, type_, def_, min_, max_, bounds_, flag_, metavar_,      \
                   group_, role_, help_)                                                       \
    {#name_, type_, offsetof(hs_hparams, name_), (double)(def_), min_, max_, bounds_, flag_,   \
     metavar_, group_, role_, help_},
    HS_HPARAMS(HS_HP_ROW_)
#undef HS_HP_ROW_
};

void hparams_default(hs_hparams *hp) {
    memset(hp, 0, sizeof *hp);
#define HS_HP_DEF_(name, NAME, ctype, type, def, ...) hp->name = (ctype)(def);
    HS_HPARAMS(HS_HP_DEF_)
#undef HS_HP_DEF_
}

const hs_hparam_info *hparams_info(size_t k) { return k < HS_HP_COUNT ? &hparams_table[k] : NULL; }

size_t hparams_find(const char *name) {
    for (size_t k = 0; k < HS_HP_COUNT; k++)
        if (strcmp(hparams_table[k].name, name) == 0) return k;
    return HS_HP_COUNT;
}

double hparams_get(const hs_hparams *hp, size_t k) {
    if (k >= HS_HP_COUNT) return 0.0;
    const void *p = (const char *)hp + hparams_table[k].offset;
    switch (hparams_table[k].type) {
    case HS_HPT_SIZE: return (double)*(const size_t *)p;
    case HS_HPT_FLOAT: return (double)*(const float *)p;
    case HS_HPT_BOOL: return *(const int *)p ? 1.0 : 0.0;
    case HS_HPT_CELL: return (double)*(const hs_cell *)p;
    case HS_HPT_OPTIMIZER: return (double)*(const hs_optimizer *)p;
    case HS_HPT_U64: return (double)*(const uint64_t *)p;
    }
    return 0.0;
}

void hparams_set(hs_hparams *hp, size_t k, double v) {
    if (k >= HS_HP_COUNT) return;
    void *p = (char *)hp + hparams_table[k].offset;
    switch (hparams_table[k].type) {
    case HS_HPT_SIZE: *(size_t *)p = (size_t)v; break;
    case HS_HPT_FLOAT: *(float *)p = (float)v; break;
    case HS_HPT_BOOL: *(int *)p = v != 0.0; break;
    case HS_HPT_CELL: *(hs_cell *)p = (hs_cell)(int)v; break;
    case HS_HPT_OPTIMIZER: *(hs_optimizer *)p = (hs_optimizer)(int)v; break;
    case HS_HPT_U64: *(uint64_t *)p = (uint64_t)v; break;
    }
}

int hparams_check_value(size_t k, double v, char *why, size_t n) {
    char tmp[8];
    if (!why) { why = tmp; n = sizeof tmp; }
    if (k >= HS_HP_COUNT) {
        snprintf(why, n, "unknown parameter %zu", k);
        return -1;
    }
    const hs_hparam_info *pi = &hparams_table[k];
    if (pi->bounds == HS_HPB_NONE) return 0;
    if (!isfinite(v)) {
        snprintf(why, n, "%s must be a finite number", pi->name);
        return -1;
    }
    int integral = pi->type != HS_HPT_FLOAT;
    if (integral && v != floor(v)) {
        snprintf(why, n, "%s must be an integer, got %.17g", pi->name, v);
        return -1;
    }
    /* a closed bound also admits the float nearest to it (1e30f is above 1e30) */
    int lo_bad = pi->bounds == HS_HPB_OPEN_LO ? !(v > pi->min)
                                              : !(v >= pi->min || (!integral && (float)v == (float)pi->min));
    int hi_bad = pi->bounds == HS_HPB_OPEN_HI ? !(v < pi->max)
                                              : !(v <= pi->max || (!integral && (float)v == (float)pi->max));
    if (lo_bad || hi_bad) {
        if (integral)
            snprintf(why, n, "%s must be in [%.0f, %.0f], got %.17g", pi->name, pi->min, pi->max,
                     v);
        else
            snprintf(why, n, "%s must be in %c%g, %g%c, got %.9g", pi->name,
                     pi->bounds == HS_HPB_OPEN_LO ? '(' : '[', pi->min, pi->max,
                     pi->bounds == HS_HPB_OPEN_HI ? ')' : ']', v);
        return -1;
    }
    return 0;
}

int hparams_check(const hs_hparams *hp, char *why, size_t n) {
    for (size_t k = 0; k < HS_HP_COUNT; k++)
        if (hparams_check_value(k, hparams_get(hp, k), why, n) != 0) return -1;
    return 0;
}

void hparams_format_value(size_t k, double v, char *buf, size_t n) {
    if (!buf || n == 0) return;
    if (k >= HS_HP_COUNT) { buf[0] = '\0'; return; }
    switch (hparams_table[k].type) {
    case HS_HPT_SIZE: snprintf(buf, n, "%.0f", v); break;
    case HS_HPT_U64: snprintf(buf, n, "%.0f", v); break;
    case HS_HPT_BOOL: snprintf(buf, n, "%s", v != 0.0 ? "true" : "false"); break;
    case HS_HPT_CELL: snprintf(buf, n, "%s", hparams_cell_name((hs_cell)(int)v)); break;
    case HS_HPT_OPTIMIZER:
        snprintf(buf, n, "%s", hparams_optimizer_name((hs_optimizer)(int)v));
        break;
    case HS_HPT_FLOAT: {
        /* the fewest digits (at least 6) that read back as the same float */
        float x = (float)v;
        for (int prec = 6; prec <= 9; prec++) {
            snprintf(buf, n, "%.*g", prec, (double)x);
            if (strtof(buf, NULL) == x) break;
        }
        break;
    }
    }
}

void hparams_format(const hs_hparams *hp, size_t k, char *buf, size_t n) {
    if (!buf || n == 0) return;
    if (k < HS_HP_COUNT) {
        const void *p = (const char *)hp + hparams_table[k].offset;
        if (hparams_table[k].type == HS_HPT_U64) {  /* exact: all 64 bits */
            snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)p);
            return;
        }
        if (hparams_table[k].type == HS_HPT_SIZE) {
            snprintf(buf, n, "%zu", *(const size_t *)p);
            return;
        }
    }
    hparams_format_value(k, hparams_get(hp, k), buf, n);
}

int hparams_is_default(const hs_hparams *hp, size_t k) {
    if (k >= HS_HP_COUNT) return 1;
    char a[64], b[64];
    hparams_format(hp, k, a, sizeof a);
    hparams_format_value(k, hparams_table[k].def, b, sizeof b);
    return strcmp(a, b) == 0;
}

void hparams_range_text(size_t k, char *buf, size_t n) {
    if (!buf || n == 0) return;
    const hs_hparam_info *pi = hparams_info(k);
    if (!pi) { buf[0] = '\0'; return; }
    switch (pi->type) {
    case HS_HPT_CELL: snprintf(buf, n, "lstm, gru, dense, synthetic"); return;
    case HS_HPT_OPTIMIZER: snprintf(buf, n, "rmsprop, adam"); return;
    case HS_HPT_BOOL: snprintf(buf, n, "true, false"); return;
    case HS_HPT_U64: snprintf(buf, n, "0 .. 2^64-1"); return;
    case HS_HPT_SIZE: snprintf(buf, n, "%.0f .. %.0f", pi->min, pi->max); return;
    case HS_HPT_FLOAT:
        snprintf(buf, n, "%c%g, %g%c", pi->bounds == HS_HPB_OPEN_LO ? '(' : '[', pi->min,
                 pi->max, pi->bounds == HS_HPB_OPEN_HI ? ')' : ']');
        return;
    }
}

size_t hparams_delay(const hs_hparams *hp) {
    return hp->sampling_rate * (hp->sequence_length + hp->horizon - 1);
}

const char *hparams_cell_name(hs_cell c) {
    switch (c) {
    case HS_CELL_LSTM: return "lstm";
    case HS_CELL_GRU: return "gru";
    case HS_CELL_DENSE: return "dense";
    case HS_CELL_SYNTHETIC: return "synthetic";
    }
    return "?";
}

const char *hparams_optimizer_name(hs_optimizer o) {
    switch (o) {
    case HS_OPT_RMSPROP: return "rmsprop";
    case HS_OPT_ADAM: return "adam";
    }
    return "?";
}

int hparams_parse_cell(const char *s, hs_cell *out) {
    static const hs_cell all[] = {HS_CELL_LSTM, HS_CELL_GRU, HS_CELL_DENSE, HS_CELL_SYNTHETIC};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, hparams_cell_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}

int hparams_parse_optimizer(const char *s, hs_optimizer *out) {
    static const hs_optimizer all[] = {HS_OPT_RMSPROP, HS_OPT_ADAM};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, hparams_optimizer_name(all[i])) == 0) { *out = all[i]; return 0; }
    return -1;
}
