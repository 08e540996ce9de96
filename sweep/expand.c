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

/* ---- the set of ids seen: open addressing over the 64-bit hashes ------------------------ */

/* Insert h; 1 if it was new, 0 if already there, -1 out of memory. Hash 0 is kept aside
 * (0 marks an empty slot). The table doubles at 3/4 load: at most 8 / (3/8) ~ 21 bytes per
 * id, 16 on average. */
static int idset_add(expand_iter *it, uint64_t h) {
    if (h == 0) {
        if (it->have_zero) return 0;
        it->have_zero = 1;
        return 1;
    }
    if (4 * (it->set_n + 1) > 3 * it->set_cap) {
        size_t cap = it->set_cap ? 2 * it->set_cap : 1024;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < it->set_cap; i++) {
            if (!it->set[i]) continue;
            size_t k = (size_t)(it->set[i] & (cap - 1));
            while (t[k]) k = (k + 1) & (cap - 1);
            t[k] = it->set[i];
        }
        free(it->set);
        it->set = t;
        it->set_cap = cap;
    }
    size_t k = (size_t)(h & (it->set_cap - 1));  /* h is already mixed (rng_mix64) */
    while (it->set[k]) {
        if (it->set[k] == h) return 0;
        k = (k + 1) & (it->set_cap - 1);
    }
    it->set[k] = h;
    it->set_n++;
    return 1;
}

/* ---- the streamed expansion ---------------------------------------------------------------- */

int expand_iter_init(expand_iter *it, const sweep_def *def, size_t n_train_rows, hs_error *err) {
    memset(it, 0, sizeof *it);
    it->def = def;
    it->n_train_rows = n_train_rows;
    it->points = 1;
    for (size_t a = 0; a < def->n_axes; a++) it->points *= def->axes[a].n_values; /* capped by
                                                 sweepcfg_load: SWEEPCFG_MAX_TRIALS */
    it->samples = def->random.samples ? def->random.samples : 1;
    it->repeats = def->repeats ? def->repeats : 1;
    it->odo = calloc(def->n_axes + 1, sizeof *it->odo);
    if (!it->odo)
        return hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0, "out of memory expanding the sweep");
    rng_seed(&it->r, rng_mix64(def->seed ^ UINT64_C(0x72616e646f6d)));  /* "random" */
    return 0;
}

void expand_iter_deinit(expand_iter *it) {
    if (!it) return;
    free(it->odo);
    free(it->set);
    memset(it, 0, sizeof *it);
}

/* Fill *tr from the current configuration and repeat; 0 or HS_ERR_VALUE when its window
 * does not fit the training split. */
static int make_trial(expand_iter *it, sweep_trial *tr, uint64_t *hash, hs_error *err) {
    const sweep_def *def = it->def;
    const hs_hparams *hp = &it->hp;
    int scheme = def->id_scheme == HPKEY_V1 ? HPKEY_V1 : HPKEY_V2;
    uint64_t h = hpkey_trial_hash(hp, it->rep, scheme);
    memset(tr, 0, sizeof *tr);  /* padding too: trials may be sent as bytes */
    tr->hp = *hp;
    tr->hp.seed = rng_mix64(def->seed ^ h);
    tr->repeat = it->rep;
    tr->id_scheme = scheme;
    expand_id_string(h, tr->id);
    size_t rows = it->n_train_rows ? it->n_train_rows : EXPAND_NOMINAL_TRAIN_ROWS;
    tr->cost = expand_cost(&tr->hp, expand_train_windows(&tr->hp, rows));
    *hash = h;
    if (it->n_train_rows && expand_train_windows(&tr->hp, it->n_train_rows) == 0) {
        sweepcfg_param p = def->source[SWEEPCFG_SEQUENCE_LENGTH] != SWEEPCFG_SRC_DEFAULT
                               ? SWEEPCFG_SEQUENCE_LENGTH
                               : SWEEPCFG_SAMPLING_RATE;
        return hs_error_set(err, HS_ERR_VALUE, def->file, def->src_line[p], def->src_col[p],
                            "sequence_length %zu x sampling_rate %zu does not fit the "
                            "%zu rows of the training split",
                            hp->sequence_length, hp->sampling_rate, it->n_train_rows);
    }
    return 0;
}

int expand_iter_next(expand_iter *it, sweep_trial *tr, hs_error *err) {
    const sweep_def *def = it->def;
    for (;;) {
        if (it->have_hp && it->rep < it->repeats) {
            uint64_t h;
            int rc = make_trial(it, tr, &h, err);
            it->rep++;
            if (rc) return rc;
            int fresh = idset_add(it, h);
            if (fresh < 0)
                return hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0,
                                    "out of memory expanding the sweep (%zu trials)", it->n_out);
            if (!fresh) continue;  /* a configuration seen before: kept once */
            it->n_out++;
            return 1;
        }
        it->have_hp = 0;
        if (it->g >= it->points) break;
        if (it->s == 0) { /* a new grid point: its axis values */
            it->grid_hp = def->base;
            for (size_t a = 0; a < def->n_axes; a++) {
                const sweepcfg_axis *ax = &def->axes[a];
                for (size_t k = 0; k < ax->n_params; k++)
                    sweepcfg_param_set(&it->grid_hp, ax->params[k],
                                       ax->values[it->odo[a] * ax->n_params + k]);
            }
        }
        it->hp = it->grid_hp;
        for (size_t d = 0; d < def->random.n_dists; d++)
            sweepcfg_param_set(&it->hp, def->random.dists[d].param,
                               draw(&def->random.dists[d], &it->r));
        if (++it->s == it->samples) {
            it->s = 0;
            it->g++;
            /* odometer: the last axis varies fastest */
            for (size_t a = def->n_axes; a-- > 0;) {
                if (++it->odo[a] < def->axes[a].n_values) break;
                it->odo[a] = 0;
            }
        }
        if (excluded(def, &it->hp)) continue;
        it->have_hp = 1;
        it->rep = 0;
    }
    if (it->n_out == 0) {
        long line = def->n_excludes ? def->excludes[0].line : 0;
        long col = def->n_excludes ? def->excludes[0].col : 0;
        return hs_error_set(err, HS_ERR_VALUE, def->file, line, col,
                            "the sweep has no trial left: every combination is excluded");
    }
    return 0;
}

/* ---- the whole list --------------------------------------------------------------------- */

void expand_free(sweep_trial *t) { free(t); }

int expand_trials(const sweep_def *def, size_t n_train_rows, sweep_trial **out, size_t *n_out,
                  hs_error *err) {
    *out = NULL;
    *n_out = 0;
    expand_iter it;
    int rc = expand_iter_init(&it, def, n_train_rows, err);
    if (rc) return rc;
    size_t cap = it.points * it.samples * it.repeats; /* <= SWEEPCFG_MAX_TRIALS (sweepcfg_load) */
    sweep_trial *t = malloc((cap ? cap : 1) * sizeof *t);
    if (!t) {
        expand_iter_deinit(&it);
        return hs_error_set(err, HS_ERR_NOMEM, def->file, 0, 0,
                            "out of memory expanding %zu trials", cap);
    }
    size_t n = 0;
    while (n < cap && (rc = expand_iter_next(&it, &t[n], err)) == 1) n++;
    expand_iter_deinit(&it);
    if (rc < 0) {
        free(t);
        return rc;
    }
    if (n < cap) { /* give back what duplicates and exclusions left unused */
        sweep_trial *s = realloc(t, n * sizeof *t);
        if (s) t = s;
    }
    *out = t;
    *n_out = n;
    return 0;
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
