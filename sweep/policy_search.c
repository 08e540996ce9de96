/* policy_search: the scheduler as a coordinator policy, journaled and replayable (see
 * policy_search.h). */
#include "sweep/policy_search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/journal.h"
#include "io/rundir.h"
#include "sweep/study.h"

struct policy_search {
    search *s;                /* the scheduler over the trial list */
    size_t n;                 /* trials in the sweep */
    size_t max_epochs;        /* the full budget of every trial */
    size_t epochs;            /* epochs counted (first report of each epoch of each trial) */
    size_t replayed;          /* events replayed by policy_search_resume */
    int failed;               /* 1 once an event could not be journaled: stop the search */
    size_t *owed;             /* (n) trials the scheduler handed out that were still running
                                 for the coordinator (paused by a verdict, its result not in
                                 yet): given to the next free rank once pending */
    size_t n_owed;            /* entries in owed */
    unsigned char *stopped;   /* (n) 1: the scheduler stopped the trial for good (an epoch
                                 decision "stop"); after a resume it is pruned again at once */
};

policy_search *policy_search_create(const sweep_def *def, size_t n_trials, hs_error *err) {
    static const asha_type types[] = {ASHA_TYPE_ASHA, ASHA_TYPE_ASHA, ASHA_TYPE_HYPERBAND,
                                      ASHA_TYPE_MEDIAN};
    const sweepcfg_scheduler *sc = &def->scheduler;
    search_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.sched = (asha_config){.type = types[sc->type], .min_epochs = sc->min_epochs,
                             .max_epochs = sc->max_epochs, .reduction = sc->reduction,
                             .brackets = sc->brackets, .min_samples = sc->min_samples,
                             .n_configs = n_trials};
    sp.seed = def->seed;
    sp.metric_is_loss = def->metric == SWEEPCFG_METRIC_VAL_LOSS;
    char why[160] = "";
    if (sc->type == SWEEPCFG_SCHED_NONE || asha_config_check(&sp.sched, why, sizeof why) != 0) {
        hs_error_set(err, HS_ERR_VALUE, def->file, sc->line, sc->col, "scheduler: %s",
                     why[0] ? why : "no scheduler section");
        return NULL;
    }
    policy_search *p = calloc(1, sizeof *p);
    if (p) p->s = n_trials ? search_create(&sp, n_trials) : NULL;
    if (p) p->owed = malloc((n_trials ? n_trials : 1) * sizeof *p->owed);
    if (p) p->stopped = calloc(n_trials ? n_trials : 1, 1);
    if (!p || (n_trials && !p->s) || !p->owed || !p->stopped) {
        if (p) search_free(p->s);
        if (p) free(p->owed);
        if (p) free(p->stopped);
        free(p);
        hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    p->n = n_trials;
    p->max_epochs = sc->max_epochs;
    return p;
}

void policy_search_free(policy_search *p) {
    if (!p) return;
    search_free(p->s);
    free(p->owed);
    free(p->stopped);
    free(p);
}

/* Journal one event of trial idx (fsynced). A failure is reported once and stops the
 * search: the journal stays a consistent prefix of what happened. */
static void ps_journal(policy_search *p, const coord *c, journal_event *ev, size_t idx) {
    memcpy(ev->id, c->cfg.trials[idx].id, sizeof ev->id);
    hs_error e;
    if (p->failed || !c->st || study_append_event(c->st, ev, &e) == 0) return;
    p->failed = 1;
    hs_error_print(&e, c->cfg.log);
    fprintf(c->cfg.log, "hsweep run: the scheduler's journal failed: stopping the search\n");
}

static coord_task ps_next(void *state, const coord *c, int rank) {
    (void)rank;
    policy_search *p = state;
    coord_task t = {COORD_STOP, SCHED_NONE, 0};
    coord_task wait = {COORD_WAIT, SCHED_NONE, 0};
    if (p->failed || !p->s) return t;
    /* a trial promoted before its paused result came in: its turn once it is pending */
    for (size_t k = 0; k < p->n_owed; k++) {
        size_t i = p->owed[k];
        if (sched_state_of(c->s, i) != SCHED_PENDING) continue;
        p->owed[k] = p->owed[--p->n_owed];
        return (coord_task){COORD_RUN, i, 0};
    }
    search_task st;
    if (search_next(p->s, &st) != 0 || st.kind == SEARCH_WAIT) return wait;
    if (st.kind == SEARCH_DONE) return p->n_owed ? wait : t;
    journal_event ev = {.kind = JOURNAL_EV_START, .epoch = st.from, .until = st.until};
    ps_journal(p, c, &ev, st.trial);
    if (sched_state_of(c->s, st.trial) != SCHED_PENDING) {
        p->owed[p->n_owed++] = st.trial;
        return wait;
    }
    /* the full budget: the verdicts at the rungs decide where the trial pauses */
    return (coord_task){COORD_RUN, st.trial, 0};
}

static coord_verdict ps_decision_verdict(asha_decision d) {
    return d == ASHA_PAUSE ? COORD_PAUSE : d == ASHA_STOP ? COORD_PRUNE : COORD_CONTINUE;
}

static coord_verdict ps_on_epoch(void *state, const coord *c, int rank, size_t trial,
                                 size_t epoch, const journal_epoch *m) {
    (void)rank;
    policy_search *p = state;
    /* a trial stopped before the run died, its pruned record not yet journaled */
    if (p->s && p->stopped[trial] && search_state(p->s, trial) == ASHA_ENDED) return COORD_PRUNE;
    if (!p->s || search_state(p->s, trial) != ASHA_RUNNING ||
        epoch <= search_epochs(p->s, trial))
        return COORD_CONTINUE;   /* an epoch the scheduler already has (bit-identical) */
    asha_decision d;
    if (search_epoch(p->s, trial, epoch, m->val_loss, m->val_mae, &d) != 0) {
        fprintf(c->cfg.log, "hsweep run: trial %s: epoch %zu out of order for the scheduler "
                "(it has %zu); ignored\n", c->cfg.trials[trial].id, epoch,
                search_epochs(p->s, trial));
        return COORD_CONTINUE;
    }
    p->epochs++;
    if (d == ASHA_STOP) p->stopped[trial] = 1;
    journal_event ev = {.kind = JOURNAL_EV_EPOCH, .epoch = epoch, .val_loss = m->val_loss,
                        .val_mae = m->val_mae};
    snprintf(ev.decision, sizeof ev.decision, "%s", asha_decision_name(d));
    ps_journal(p, c, &ev, trial);
    return ps_decision_verdict(d);
}

static void ps_on_result(void *state, const coord *c, size_t trial, coord_outcome how,
                         const journal_record *rec) {
    (void)rec;
    policy_search *p = state;
    if (!p->s || search_state(p->s, trial) != ASHA_RUNNING) return;
    journal_event ev = {.kind = JOURNAL_EV_END};
    if (how == COORD_FINISHED) {
        search_end(p->s, trial);
    } else if (how == COORD_RELEASED) {
        search_release(p->s, trial);
        ev.kind = JOURNAL_EV_RELEASE;
    } else {
        return;   /* paused or pruned: the epoch verdict already told the scheduler */
    }
    ps_journal(p, c, &ev, trial);
}

coord_policy policy_search_policy(policy_search *p) {
    coord_policy pol = {ps_next, ps_on_epoch, ps_on_result, p};
    return pol;
}

/* ---- resume ------------------------------------------------------------------------------ */

/* Replay event ev (file line k of path) through the scheduler; HS_ERR_STATE when the
 * scheduler decides otherwise than the journal says. */
static int ps_replay(policy_search *p, const coord *c, const journal_event *ev, size_t k,
                     const char *path, hs_error *err) {
    size_t idx = coord_find(c, ev->id);
    if (idx == SIZE_MAX)
        return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "scheduler event %zu names trial "
                            "%s, which is not in this sweep", k + 1, ev->id);
    const char *got = NULL, *want = NULL;
    char buf[64];
    if (ev->kind == JOURNAL_EV_START) {
        search_task st;
        if (search_next(p->s, &st) != 0)
            return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        if (st.kind != SEARCH_RUN || st.trial != idx || st.from != ev->epoch) {
            snprintf(buf, sizeof buf, "%s", st.kind == SEARCH_RUN ? c->cfg.trials[st.trial].id
                                            : st.kind == SEARCH_WAIT ? "wait" : "done");
            got = buf;
            want = ev->id;
        }
    } else if (ev->kind == JOURNAL_EV_EPOCH) {
        asha_decision d;
        if (search_epoch(p->s, idx, ev->epoch, ev->val_loss, ev->val_mae, &d) != 0) {
            got = "an epoch out of order";
            want = ev->decision;
        } else if (strcmp(asha_decision_name(d), ev->decision) != 0) {
            got = asha_decision_name(d);
            want = ev->decision;
        }
        if (!got && d == ASHA_STOP) p->stopped[idx] = 1;
        p->epochs++;
    } else if (ev->kind == JOURNAL_EV_END) {
        search_end(p->s, idx);
    } else {
        search_release(p->s, idx);
    }
    if (!got) return 0;
    return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "replaying the scheduler's event %zu "
                        "(trial %s) gives %s where the journal says %s: the journal was "
                        "written by another scheduler; rerun with --restart to start over "
                        "(the old journal is kept)", k + 1, ev->id, got, want);
}

int policy_search_resume(policy_search *p, coord *c, hs_error *err) {
    if (!p->s) return 0;
    char path[4200];
    int rc = rundir_path(path, sizeof path, c->cfg.outdir, RUNDIR_JOURNAL, err);
    if (rc) return rc;
    journal_event *ev = NULL;
    size_t n = 0;
    if (rundir_exists(path)) rc = journal_read_events(path, &ev, &n, err);   /* none yet */
    for (size_t k = 0; rc == 0 && k < n; k++) rc = ps_replay(p, c, &ev[k], k, path, err);
    free(ev);
    if (rc) return rc;
    p->replayed = n;
    /* trials running when the run died: ended if journaled, else handed out again first */
    size_t released = 0;
    for (size_t i = 0; i < p->n; i++) {
        /* ended for the scheduler (max_epochs reached, or stopped) but its record was not
         * journaled before the run died: run it again from its checkpoint to that end */
        if (search_state(p->s, i) == ASHA_ENDED && search_epochs(p->s, i) > 0 &&
            sched_state_of(c->s, i) == SCHED_PENDING) {
            p->owed[p->n_owed++] = i;
            continue;
        }
        if (search_state(p->s, i) != ASHA_RUNNING) continue;
        /* journaled too, so that the next resume replays this one's decisions */
        journal_event e = {.kind = JOURNAL_EV_END};
        if (sched_state_of(c->s, i) == SCHED_PENDING) {
            search_release(p->s, i);
            e.kind = JOURNAL_EV_RELEASE;
            released++;
        } else {
            search_end(p->s, i);
        }
        ps_journal(p, c, &e, i);
    }
    if (p->failed)
        return hs_error_set(err, HS_ERR_IO, path, 0, 0, "cannot journal the scheduler's resume");
    asha_stats a;
    asha_get_stats(search_scheduler(p->s), &a);
    if (n)
        fprintf(c->cfg.log, "hsweep run: scheduler rebuilt from %zu journal events: %zu "
                "epochs done, %zu trials paused, %zu to continue first\n", n, p->epochs,
                a.paused, released);
    return 0;
}

void policy_search_get_stats(const policy_search *p, policy_search_stats *st) {
    memset(st, 0, sizeof *st);
    st->epochs = p->epochs;
    st->full_budget = p->n * p->max_epochs;
    st->replayed = p->replayed;
    if (!p->s) return;
    asha_stats a;
    asha_get_stats(search_scheduler(p->s), &a);
    st->promotions = a.promotions;
    st->paused = a.paused;
    st->pruned = a.stopped;
}
