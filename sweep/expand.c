/* expand: sweep_def -> trials, ids, seeds and the cost model (see expand.h). */
#include "sweep/expand.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hpkey.h"
#include "io/journal.h"
#include "io/results.h"
#include "io/rundir.h"
#include "model/rng.h"

/* ==== ids ================================================================================== */

uint64_t expand_id_hash(const hs_hparams *hp, size_t repeat) {
    return hpkey_trial_hash(hp, repeat, HPKEY_CURRENT);
}

void expand_id_string(uint64_t h, char id[17]) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) id[i] = hex[(h >> (60 - 4 * i)) & 0xf];
    id[16] = '\0';
}

/* ==== cost ================================================================================= */

size_t expand_train_windows(const hs_hparams *hp, size_t n_train_rows) {
    if (hp->sequence_length == 0 || hp->sampling_rate == 0) return 0;
    size_t span = (hp->sequence_length - 1) * hp->sampling_rate;
    return n_train_rows > span ? n_train_rows - span : 0;
}

double expand_cost(const hs_hparams *hp, size_t n_train_windows) {
    double H = (double)hp->units, T = (double)hp->sequence_length;
    double F = EXPAND_COST_FEATURES, fwd = 0.0;
    double layers = (double)(hp->layers ? hp->layers : 1);
    if (hp->cell == HS_CELL_SYNTHETIC) {
        /* no network: one unit of work per epoch (relative costs only) */
        return (double)hp->epochs;
    }
    if (hp->cell == HS_CELL_DENSE) {
        /* Flatten(L*F) -> Dense(H) -> (layers-1) x Dense(H) -> Dense(1) */
        fwd = 2.0 * H * T * F + (layers - 1.0) * 2.0 * H * H + 2.0 * H;
    } else {
        double G = hp->cell == HS_CELL_GRU ? 3.0 : 4.0;
        double dir = hp->bidirectional ? 2.0 : 1.0, in = F;
        for (size_t l = 0; l < (hp->layers ? hp->layers : 1); l++) {
            /* per step and direction: G gate pre-activations of H from [x_t (in), h (H)] */
            fwd += dir * T * 2.0 * G * H * (in + H);
            in = dir * H;
        }
        fwd += 2.0 * in;  /* Dense(1) head on the last hidden state */
    }
    return 3.0 * fwd * (double)n_train_windows * (double)hp->epochs;
}

/* ==== expansion ============================================================================ */

/* One random draw for distribution ds. */
static double draw(const sweepcfg_dist *ds, rng *r) {
    double x;
    switch (ds->kind) {
    case SWEEPCFG_DIST_UNIFORM:
        x = ds->a + (ds->b - ds->a) * rng_uniform(r);
        break;
    case SWEEPCFG_DIST_LOG_UNIFORM:
        x = exp(log(ds->a) + (log(ds->b) - log(ds->a)) * rng_uniform(r));
        break;
    case SWEEPCFG_DIST_INT:
        return ds->a + (double)rng_below(r, (uint64_t)(ds->b - ds->a) + 1);
    case SWEEPCFG_DIST_CHOICE:
    default:
        return ds->choices[rng_below(r, ds->n_choices)];
    }
    return expand_dist_value(ds, x);
}

double expand_dist_value(const sweepcfg_dist *ds, double x) {
    if (ds->kind == SWEEPCFG_DIST_CHOICE) {
        size_t k = x >= 0 && x < (double)ds->n_choices ? (size_t)x : 0;
        return ds->choices[k];
    }
    if (ds->kind == SWEEPCFG_DIST_INT) return floor(x + 0.5);
    /* real parameters are stored as float: keep the half-open [a, b) after rounding */
    float f = (float)x;
    if ((double)f >= ds->b) f = nextafterf((float)ds->b, (float)ds->a);
    if ((double)f < ds->a) f = (float)ds->a;
    return (double)f;
}

void expand_grid_point(const sweep_def *def, size_t g, hs_hparams *hp) {
    for (size_t a = def->n_axes; a-- > 0;) {   /* the last axis varies fastest */
        const sweepcfg_axis *ax = &def->axes[a];
        size_t v = g % ax->n_values;
        g /= ax->n_values;
        for (size_t k = 0; k < ax->n_params; k++)
            sweepcfg_param_set(hp, ax->params[k], ax->values[v * ax->n_params + k]);
    }
}

size_t expand_grid_points(const sweep_def *def) {
    size_t points = 1;
    for (size_t a = 0; a < def->n_axes; a++) points *= def->axes[a].n_values;
    return points;
}

void expand_fill_trial(sweep_trial *tr, const sweep_def *def, const hs_hparams *hp,
                       size_t repeat, size_t n_train_rows) {
    int scheme = def->id_scheme == HPKEY_V1 ? HPKEY_V1 : HPKEY_V2;
    uint64_t h = hpkey_trial_hash(hp, repeat, (hpkey_scheme)scheme);
    memset(tr, 0, sizeof *tr);  /* padding too: trials are sent as bytes */
    tr->hp = *hp;
    tr->hp.seed = rng_mix64(def->seed ^ h);
    tr->repeat = repeat;
    tr->id_scheme = scheme;
    expand_id_string(h, tr->id);
    size_t rows = n_train_rows ? n_train_rows : EXPAND_NOMINAL_TRAIN_ROWS;
    tr->cost = expand_cost(&tr->hp, expand_train_windows(&tr->hp, rows));
}

static int excluded(const sweep_def *def, const hs_hparams *hp) {
    for (size_t e = 0; e < def->n_excludes; e++) {
        const sweepcfg_exclude *ex = &def->excludes[e];
        int all = 1;
        for (int p = 0; p < SWEEPCFG_NPARAMS && all; p++) {
            if (!ex->n_vals[p]) continue;
            double v = sweepcfg_param_get(hp, (sweepcfg_param)p);
            int any = 0;
            for (size_t i = 0; i < ex->n_vals[p] && !any; i++)
                any = sweepcfg_param_equal((sweepcfg_param)p, v, ex->vals[p][i]);
            all = any;
        }
        if (all) return 1;
    }
    return 0;
}

typedef struct id_ix {
    uint64_t h;               /* id hash */
    size_t i;                 /* position in the trial array */
} id_ix;

static int cmp_id(const void *a, const void *b) {
    const id_ix *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

void expand_free(sweep_trial *t) { free(t); }

int expand_trials(const sweep_def *def, size_t n_train_rows, sweep_trial **out, size_t *n_out,
                  hs_error *err) {
    *out = NULL;
    *n_out = 0;
    size_t points = 1;
    for (size_t a = 0; a < def->n_axes; a++) points *= def->axes[a].n_values;
    size_t samples = def->random.samples ? def->random.samples : 1;
    size_t repeats = def->repeats ? def->repeats : 1;
    size_t cap = points * samples * repeats; /* bounded by sweepcfg_load (10 million) */
    sweep_trial *t = malloc((cap ? cap : 1) * sizeof *t);
    uint64_t *hashes = malloc((cap ? cap : 1) * sizeof *hashes);
    size_t *odo = calloc(def->n_axes + 1, sizeof *odo);
    id_ix *ix = NULL;
    int rc = 0;
    if (!t || !hashes || !odo) {
        rc = hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0, "out of memory expanding %zu trials",
                          cap);
        goto fail;
    }
    rng r;
    rng_seed(&r, rng_mix64(def->seed ^ UINT64_C(0x72616e646f6d)));  /* "random" */
    size_t n = 0;
    for (size_t g = 0; g < points; g++) {
        hs_hparams grid_hp = def->base;
        for (size_t a = 0; a < def->n_axes; a++) {
            const sweepcfg_axis *ax = &def->axes[a];
            for (size_t k = 0; k < ax->n_params; k++)
                sweepcfg_param_set(&grid_hp, ax->params[k], ax->values[odo[a] * ax->n_params + k]);
        }
        for (size_t s = 0; s < samples; s++) {
            hs_hparams hp = grid_hp;
            for (size_t d = 0; d < def->random.n_dists; d++)
                sweepcfg_param_set(&hp, def->random.dists[d].param, draw(&def->random.dists[d], &r));
            if (excluded(def, &hp)) continue;
            for (size_t rep = 0; rep < repeats; rep++) {
                sweep_trial *tr = &t[n];
                uint64_t h = hpkey_trial_hash(&hp, rep, def->id_scheme == HPKEY_V1 ? HPKEY_V1 : HPKEY_V2);
                memset(tr, 0, sizeof *tr);  /* padding too: trials may be sent as bytes */
                tr->hp = hp;
                tr->hp.seed = rng_mix64(def->seed ^ h);
                tr->repeat = rep;
                tr->id_scheme = def->id_scheme == HPKEY_V1 ? HPKEY_V1 : HPKEY_V2;
                expand_id_string(h, tr->id);
                size_t rows = n_train_rows ? n_train_rows : EXPAND_NOMINAL_TRAIN_ROWS;
                tr->cost = expand_cost(&tr->hp, expand_train_windows(&tr->hp, rows));
                if (n_train_rows && expand_train_windows(&tr->hp, n_train_rows) == 0) {
                    sweepcfg_param p = def->source[SWEEPCFG_SEQUENCE_LENGTH] != SWEEPCFG_SRC_DEFAULT
                                           ? SWEEPCFG_SEQUENCE_LENGTH
                                           : SWEEPCFG_SAMPLING_RATE;
                    rc = hs_error_set(err, HS_ERR_VALUE, def->file, def->src_line[p],
                                      def->src_col[p],
                                      "sequence_length %zu x sampling_rate %zu does not fit the "
                                      "%zu rows of the training split",
                                      hp.sequence_length, hp.sampling_rate, n_train_rows);
                    goto fail;
                }
                hashes[n] = h;
                n++;
            }
        }
        /* odometer: the last axis varies fastest */
        for (size_t a = def->n_axes; a-- > 0;) {
            if (++odo[a] < def->axes[a].n_values) break;
            odo[a] = 0;
        }
    }
    if (n == 0) {
        long line = def->n_excludes ? def->excludes[0].line : 0;
        long col = def->n_excludes ? def->excludes[0].col : 0;
        rc = hs_error_set(err, HS_ERR_VALUE, def->file, line, col,
                          "the sweep has no trial left: every combination is excluded");
        goto fail;
    }
    /* drop repeated configurations (same id), keeping the first occurrence */
    ix = malloc(n * sizeof *ix);
    if (!ix) {
        rc = hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) ix[i] = (id_ix){hashes[i], i};
    qsort(ix, n, sizeof *ix, cmp_id);
    unsigned char *dup = calloc(n, 1);  /* (n) 1 = a later copy of an earlier trial */
    if (!dup) {
        rc = hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 1; i < n; i++)
        if (ix[i].h == ix[i - 1].h) dup[ix[i].i] = 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!dup[i]) t[m++] = t[i];
    free(dup);
    free(ix);
    free(hashes);
    free(odo);
    *out = t;
    *n_out = m;
    return 0;
fail:
    free(ix);
    free(t);
    free(hashes);
    free(odo);
    return rc;
}

size_t expand_swept(const sweep_trial *t, size_t n, sweepcfg_param *out) {
    size_t k = 0;
    for (int p = 0; p < SWEEPCFG_NPARAMS; p++) {
        for (size_t i = 1; i < n; i++) {
            if (!sweepcfg_param_equal((sweepcfg_param)p, sweepcfg_param_get(&t[0].hp, (sweepcfg_param)p),
                                      sweepcfg_param_get(&t[i].hp, (sweepcfg_param)p))) {
                out[k++] = (sweepcfg_param)p;
                break;
            }
        }
    }
    return k;
}

/* ==== id scheme of an existing run directory ================================================ */

int expand_resume_scheme(sweep_def *def, const char *outdir, int restart, hs_error *err) {
    results_meta_info info;
    hs_error e;
    if (results_read_metadata(outdir, &info, &e) != 0) return 0;  /* a new directory */
    if (info.id_scheme > HPKEY_CURRENT)
        return hs_error_set(err, HS_ERR_STATE, outdir, 0, 0,
                            "written by a newer hsweep (id scheme %d, this one knows up to %d); "
                            "use that version or choose another --output", info.id_scheme,
                            (int)HPKEY_CURRENT);
    if (info.id_scheme > 0) return sweepcfg_use_id_scheme(def, info.id_scheme, err);
    /* no id_scheme: hsweep 0.1. Keep its ids while its journal is resumed. */
    char path[4200];
    if (rundir_path(path, sizeof path, outdir, RUNDIR_JOURNAL, NULL) != 0 || !rundir_exists(path))
        return 0;
    hs_error why;
    if (sweepcfg_use_id_scheme(def, HPKEY_V1, &why) != 0) {
        if (restart) return sweepcfg_use_id_scheme(def, HPKEY_CURRENT, err);
        return hs_error_set(err, HS_ERR_STATE, outdir, 0, 0,
                            "written by hsweep 0.1, whose trial ids cannot hold this sweep "
                            "(%s); rerun with --restart to start over (the old journal is "
                            "kept) or choose another --output", why.msg);
    }
    char hash[17];
    expand_id_string(def->hash, hash);
    if (strcmp(hash, info.sweep_hash) != 0 && restart)  /* starting over: today's ids */
        return sweepcfg_use_id_scheme(def, HPKEY_CURRENT, err);
    return 0;
}
