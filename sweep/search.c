/* search: a scheduler over a sweep's trial list (see search.h). */
#include "sweep/search.h"

#include <math.h>
#include <stdlib.h>

#include "io/hs_error.h"
#include "model/rng.h"

struct search {
    asha *a;                  /* the scheduler; its trial numbers are positions in order */
    size_t n;                 /* trials in the list */
    size_t *order;            /* (n) list index of scheduler trial k */
    size_t *number;           /* (n) scheduler trial number of list index i */
    double *best_loss;        /* (n) lowest val_loss so far, +inf before the first epoch */
    double *value;            /* (n) the metric at that epoch, NaN before */
    int metric_is_loss;       /* value from val_loss instead of val_mae */
};

void search_free(search *s) {
    if (!s) return;
    asha_free(s->a);
    free(s->order);
    free(s->number);
    free(s->best_loss);
    free(s->value);
    free(s);
}

search *search_create(const search_spec *sp, size_t n) {
    if (n == 0) return NULL;
    search *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    asha_config c = sp->sched;
    c.n_configs = n;
    s->a = asha_create(&c);
    s->n = n;
    s->metric_is_loss = sp->metric_is_loss;
    s->order = malloc(n * sizeof *s->order);
    s->number = malloc(n * sizeof *s->number);
    s->best_loss = malloc(n * sizeof *s->best_loss);
    s->value = malloc(n * sizeof *s->value);
    if (!s->a || !s->order || !s->number || !s->best_loss || !s->value) {
        search_free(s);
        return NULL;
    }
    rng r;
    rng_seed(&r, rng_mix64(sp->seed ^ 0x6a09e667f3bcc909ULL));
    for (size_t i = 0; i < n; i++) s->order[i] = i;
    if (!sp->in_order) rng_shuffle(&r, s->order, n);
    for (size_t k = 0; k < n; k++) s->number[s->order[k]] = k;
    for (size_t i = 0; i < n; i++) {
        s->best_loss[i] = HUGE_VAL;
        s->value[i] = NAN;
    }
    return s;
}

int search_next(search *s, search_task *task) {
    asha_job j;
    int rc = asha_next(s->a, &j);
    *task = (search_task){SEARCH_WAIT, 0, 0, 0};
    if (rc) return rc;
    if (j.action == ASHA_DONE) task->kind = SEARCH_DONE;
    if (j.action == ASHA_NEW || j.action == ASHA_CONTINUE)
        *task = (search_task){SEARCH_RUN, s->order[j.trial], j.from_epoch, j.until_epoch};
    return 0;
}

int search_epoch(search *s, size_t trial, size_t epoch, double val_loss, double val_mae,
                 asha_decision *d) {
    if (trial >= s->n) return HS_ERR_VALUE;
    size_t k = s->number[trial];
    /* the value: the metric at the lowest val_loss so far (ModelCheckpoint's choice) */
    if (val_loss < s->best_loss[trial]) {
        s->best_loss[trial] = val_loss;
        s->value[trial] = s->metric_is_loss ? val_loss : val_mae;
    }
    return asha_on_epoch(s->a, k, epoch, s->value[trial], d);
}

int search_end(search *s, size_t trial) {
    return trial < s->n ? asha_on_end(s->a, s->number[trial]) : HS_ERR_VALUE;
}

int search_release(search *s, size_t trial) {
    return trial < s->n ? asha_release(s->a, s->number[trial]) : HS_ERR_VALUE;
}

double search_value(const search *s, size_t trial) {
    return trial < s->n ? s->value[trial] : (double)NAN;
}

asha_state search_state(const search *s, size_t trial) {
    return trial < s->n ? asha_state_of(s->a, s->number[trial]) : ASHA_ENDED;
}

size_t search_epochs(const search *s, size_t trial) {
    return trial < s->n ? asha_epochs_of(s->a, s->number[trial]) : 0;
}

int search_idle(const search *s, size_t trial) {
    return trial < s->n && asha_idle_of(s->a, s->number[trial]);
}

const asha *search_scheduler(const search *s) { return s->a; }
