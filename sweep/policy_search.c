/* policy_search: the scheduler as a coordinator policy, journaled and replayable (see
 * policy_search.h). */
#include "sweep/policy_search.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/journal.h"
#include "io/results.h"
#include "io/rundir.h"
#include "sweep/expand.h"
#include "sweep/study.h"
#include "sweep/tpe.h"

#define PS_MARKS 8    /* rung decisions kept per trial: two per rung (paused, promoted later)
                         for the 3-4 rungs of a typical ASHA; more are not shown */

/* A decision at a rung, for the tables. */
typedef enum ps_mark { PS_PROMOTED = 0, PS_PAUSED = 1, PS_STOPPED = 2 } ps_mark;

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
    /* sampler: tpe (NULL otherwise): trial k of the list is TPE's trial number k */
    const sweep_def *def;     /* the sweep (grid, distributions, seed, id scheme) */
    tpe *tpe;                 /* the sampler, NULL: the trial list is expand_trials' */
    size_t n_train_rows;      /* training rows of the dataset, for the cost model */
    uint64_t *cfg_hash;       /* (n) id hash of trial k's configuration at repeat 0: a
                                 configuration drawn again gets the next repeat index */
    sweep_trial *made;        /* (n) trials rebuilt from the journal by
                                 policy_search_prepare, for coord_init */
    size_t n_made;            /* entries in made */
    coord *c;                 /* the coordinator (policy_search_resume), for coord_add_trial */
    /* the rung decisions per trial, for the tables' "rungs" column */
    size_t *rung_ep;          /* (n_rung_ep) every bracket's rung epochs, ascending, unique
                                 (Hyperband's brackets share one geometric grid) */
    size_t n_rung_ep;         /* entries in rung_ep */
    size_t *target;           /* (n) the rung a trial runs towards, 0 none */
    uint32_t *marks;          /* (n x PS_MARKS) epoch << 2 | ps_mark, in order */
    unsigned char *n_marks;   /* (n) marks per trial */
    int prepared;             /* 1: policy_search_prepare replayed the journal already */
};

size_t policy_search_tpe_total(const sweep_def *def) {
    return def->random.samples * expand_grid_points(def);
}

/* The TPE sampler over def's random distributions (Optuna's defaults, the sampler section's
 * options, the sweep seed); NULL when out of memory. */
static tpe *ps_tpe_create(const sweep_def *def) {
    tpe_param sp[SWEEPCFG_NPARAMS];
    for (size_t d = 0; d < def->random.n_dists; d++) {
        const sweepcfg_dist *ds = &def->random.dists[d];
        static const tpe_kind kinds[] = {TPE_UNIFORM, TPE_LOG_UNIFORM, TPE_INT, TPE_CHOICE};
        sp[d] = (tpe_param){kinds[ds->kind], ds->a, ds->b, ds->n_choices};
    }
    tpe_options o;
    tpe_options_default(&o);
    o.n_startup = def->sampler.n_startup;
    o.n_ei_candidates = def->sampler.candidates;
    o.constant_liar = def->sampler.constant_liar;
    return tpe_create(sp, def->random.n_dists, &o, def->seed);
}

policy_search *policy_search_create(const sweep_def *def, size_t n_trials, size_t n_train_rows,
                                    hs_error *err) {
    static const asha_type types[] = {ASHA_TYPE_ASHA, ASHA_TYPE_ASHA, ASHA_TYPE_HYPERBAND,
                                      ASHA_TYPE_MEDIAN};
    const sweepcfg_scheduler *sc = &def->scheduler;
    int use_tpe = def->sampler.type == SWEEPCFG_SAMPLER_TPE;
    if (use_tpe) n_trials = policy_search_tpe_total(def);
    search_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.sched = (asha_config){.type = types[sc->type], .min_epochs = sc->min_epochs,
                             .max_epochs = sc->max_epochs, .reduction = sc->reduction,
                             .brackets = sc->brackets, .min_samples = sc->min_samples,
                             .idle_promotion = sc->idle_promotion, .n_configs = n_trials};
    if (use_tpe && sc->type == SWEEPCFG_SCHED_NONE)  /* TPE alone: every trial to its budget */
        sp.sched = (asha_config){.type = ASHA_TYPE_ASHA, .min_epochs = def->base.epochs,
                                 .max_epochs = def->base.epochs, .reduction = 3,
                                 .n_configs = n_trials};
    sp.seed = def->seed;
    sp.metric_is_loss = def->metric == SWEEPCFG_METRIC_VAL_LOSS;
    sp.in_order = use_tpe;
    char why[160] = "";
    if ((sc->type == SWEEPCFG_SCHED_NONE && !use_tpe) ||
        asha_config_check(&sp.sched, why, sizeof why) != 0) {
        long line = sc->line ? sc->line : def->sampler.line;
        long col = sc->line ? sc->col : def->sampler.col;
        hs_error_set(err, HS_ERR_VALUE, def->file, line, col, "scheduler: %s",
                     why[0] ? why : "no scheduler section");
        return NULL;
    }
    policy_search *p = calloc(1, sizeof *p);
    size_t m = n_trials ? n_trials : 1;
    if (p) p->s = n_trials ? search_create(&sp, n_trials) : NULL;
    if (p) p->owed = malloc(m * sizeof *p->owed);
    if (p) p->stopped = calloc(m, 1);
    if (p && use_tpe) {
        p->tpe = ps_tpe_create(def);
        p->cfg_hash = malloc(m * sizeof *p->cfg_hash);
        p->made = malloc(m * sizeof *p->made);
    }
    if (p) p->target = calloc(m, sizeof *p->target);
    if (p) p->marks = malloc(m * PS_MARKS * sizeof *p->marks);
    if (p) p->n_marks = calloc(m, 1);
    if (p && p->s) {
        const asha *a = search_scheduler(p->s);
        size_t nb = asha_brackets(a), cap = 64;
        p->rung_ep = malloc(cap * sizeof *p->rung_ep);
        for (size_t b = 0; p->rung_ep && b < nb; b++) {
            size_t ep[64], k = asha_rungs(a, b, ep, 64);
            for (size_t j = 0; j < k && j < 64; j++) {
                size_t i = 0;
                while (i < p->n_rung_ep && p->rung_ep[i] < ep[j]) i++;
                if ((i < p->n_rung_ep && p->rung_ep[i] == ep[j]) || p->n_rung_ep == cap) continue;
                memmove(&p->rung_ep[i + 1], &p->rung_ep[i], (p->n_rung_ep - i) * sizeof *p->rung_ep);
                p->rung_ep[i] = ep[j];
                p->n_rung_ep++;
            }
        }
    }
    if (!p || (n_trials && !p->s) || !p->owed || !p->stopped || !p->target || !p->marks ||
        !p->n_marks || (p->s && !p->rung_ep) ||
        (use_tpe && (!p->tpe || !p->cfg_hash || !p->made))) {
        policy_search_free(p);
        hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    p->n = n_trials;
    p->max_epochs = sp.sched.max_epochs;
    p->def = def;
    p->n_train_rows = n_train_rows;
    return p;
}

void policy_search_free(policy_search *p) {
    if (!p) return;
    search_free(p->s);
    free(p->owed);
    free(p->stopped);
    tpe_free(p->tpe);
    free(p->rung_ep);
    free(p->target);
    free(p->marks);
    free(p->n_marks);
    free(p->cfg_hash);
    free(p->made);
    free(p);
}

/* ---- the TPE sampler ------------------------------------------------------------------------ */

/* Draw trial k (= TPE's trial number k, k < n) into t: the TPE suggestion for the sampled
 * parameters on grid point k mod G (each grid point gets n / G draws, as with random
 * search); a configuration drawn before gets the next repeat index (another id and seed).
 * 0 or HS_ERR_NOMEM/HS_ERR_VALUE from the sampler. */
static int ps_make(policy_search *p, size_t k, sweep_trial *t) {
    const sweep_def *def = p->def;
    double x[SWEEPCFG_NPARAMS];
    int rc = tpe_suggest(p->tpe, k, x);
    if (rc) return rc;
    hs_hparams hp = def->base;
    expand_grid_point(def, k % expand_grid_points(def), &hp);
    for (size_t d = 0; d < def->random.n_dists; d++)
        sweepcfg_param_set(&hp, def->random.dists[d].param,
                           expand_dist_value(&def->random.dists[d], x[d]));
    sweep_trial base;
    expand_fill_trial(&base, def, &hp, 0, p->n_train_rows);
    size_t rep = 0;
    p->cfg_hash[k] = strtoull(base.id, NULL, 16);
    for (size_t j = 0; j < k; j++) rep += p->cfg_hash[j] == p->cfg_hash[k];
    expand_fill_trial(t, def, &hp, rep, p->n_train_rows);
    return 0;
}

/* What TPE learns from an epoch decision d of trial k: its value as complete (max_epochs
 * reached) or pruned at that epoch (paused at a rung, or stopped); nothing while it goes
 * on. A promoted paused trial keeps its last value until its next decision. */
static void ps_tell_epoch(policy_search *p, size_t k, size_t epoch, asha_decision d) {
    if (!p->tpe || d == ASHA_GO_ON) return;
    double v = search_value(p->s, k);
    tpe_tell(p->tpe, k, d == ASHA_FINISHED ? TPE_COMPLETE : TPE_PRUNED, v, epoch);
}

/* A trial that ended by itself (patience, divergence, failure): complete at its value so
 * far, failed (ignored) when it has none. */
static void ps_tell_end(policy_search *p, size_t k) {
    if (!p->tpe) return;
    tpe_tell(p->tpe, k, TPE_COMPLETE, search_value(p->s, k), search_epochs(p->s, k));
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

/* ---- rung decisions for the tables -------------------------------------------------------- */

static void ps_mark_add(policy_search *p, size_t k, size_t epoch, ps_mark m) {
    if (k >= p->n || p->n_marks[k] >= PS_MARKS) return;
    p->marks[k * PS_MARKS + p->n_marks[k]++] = (uint32_t)(epoch << 2) | (uint32_t)m;
}

/* Trial k handed out from epoch `from` towards the rung at `until`: a trial paused at `from`
 * that continues was promoted there. */
static void ps_note_start(policy_search *p, size_t k, size_t from, size_t until) {
    if (k >= p->n) return;
    p->target[k] = until;
    unsigned char m = p->n_marks[k];
    if (from > 0 && m > 0 && p->marks[k * PS_MARKS + m - 1] == ((uint32_t)(from << 2) | PS_PAUSED))
        ps_mark_add(p, k, from, PS_PROMOTED);
}

/* Trial k's decision d at epoch: at its rung, "go on" is a promotion on arrival (the next
 * rung is the next epoch of the rung grid); pause and stop are marked wherever they fall. */
static void ps_note_epoch(policy_search *p, size_t k, size_t epoch, asha_decision d) {
    if (k >= p->n) return;
    if (d == ASHA_PAUSE) ps_mark_add(p, k, epoch, PS_PAUSED);
    if (d == ASHA_STOP) ps_mark_add(p, k, epoch, PS_STOPPED);
    if (d != ASHA_GO_ON || epoch != p->target[k]) return;
    ps_mark_add(p, k, epoch, PS_PROMOTED);
    p->target[k] = 0;
    for (size_t i = 0; i < p->n_rung_ep && !p->target[k]; i++)
        if (p->rung_ep[i] > epoch) p->target[k] = p->rung_ep[i];
}

static void ps_rungs(void *state, const coord *c, size_t trial, char *buf, size_t n) {
    (void)c;
    const policy_search *p = state;
    static const char *const names[] = {"promoted", "paused", "stopped"};
    size_t off = 0;
    buf[0] = '\0';
    for (unsigned char j = 0; trial < p->n && j < p->n_marks[trial] && off < n; j++) {
        uint32_t v = p->marks[trial * PS_MARKS + j];
        off += (size_t)snprintf(buf + off, n - off, "%s%u %s", j ? ", " : "", (unsigned)(v >> 2),
                                names[v & 3]);
    }
}

/* 1 when trial i is paused by the scheduler at an epoch its journaled records do not reach:
 * the run died between the pause decision and the paused record. */
static int ps_unrecorded_pause(const policy_search *p, const coord *c, size_t i) {
    if (search_state(p->s, i) != ASHA_PAUSED || search_epochs(p->s, i) == 0) return 0;
    size_t r = c->rec_of[i];
    return r == SIZE_MAX || c->recs[r].epochs_run < search_epochs(p->s, i);
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
        if (search_state(p->s, i) != ASHA_PAUSED) return (coord_task){COORD_RUN, i, 0};
        /* paused, its record lost (policy_search_resume): up to the pause, so the record comes
         * from its checkpoint; nothing to do once a record has it */
        if (ps_unrecorded_pause(p, c, i)) return (coord_task){COORD_RUN, i, search_epochs(p->s, i)};
        k--;
    }
    search_task st;
    if (search_next(p->s, &st) != 0 || st.kind == SEARCH_WAIT) return wait;
    if (st.kind == SEARCH_DONE) return p->n_owed ? wait : t;
    if (p->tpe && st.from == 0 && st.trial == c->cfg.n_trials) {
        /* TPE: the scheduler's next new trial is drawn now, from the results so far */
        sweep_trial nt;
        size_t idx = SIZE_MAX;
        hs_error e;
        int rc = ps_make(p, st.trial, &nt);
        if (rc == 0) rc = coord_add_trial(p->c, &nt, &idx, &e);
        else hs_error_set(&e, rc, NULL, 0, 0, "the TPE sampler failed (out of memory)");
        if (rc != 0 || idx != st.trial) {
            if (rc == 0) hs_error_set(&e, HS_ERR_STATE, NULL, 0, 0, "trial list out of step");
            hs_error_print(&e, c->cfg.log);
            fprintf(c->cfg.log, "hsweep run: cannot add a TPE trial: stopping the search\n");
            p->failed = 1;
            return t;
        }
    }
    journal_event ev = {.kind = JOURNAL_EV_START, .epoch = st.from, .until = st.until};
    ps_journal(p, c, &ev, st.trial);
    ps_note_start(p, st.trial, st.from, st.until);
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
    ps_tell_epoch(p, trial, epoch, d);
    ps_note_epoch(p, trial, epoch, d);
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
        ps_tell_end(p, trial);
    } else if (how == COORD_RELEASED) {
        search_release(p->s, trial);
        ev.kind = JOURNAL_EV_RELEASE;
    } else {
        return;   /* paused or pruned: the epoch verdict already told the scheduler */
    }
    ps_journal(p, c, &ev, trial);
}

coord_policy policy_search_policy(policy_search *p) {
    coord_policy pol = {ps_next, ps_on_epoch, ps_on_result, p, ps_rungs};
    return pol;
}

/* ---- resume ------------------------------------------------------------------------------ */

/* Index of trial id: in c's list, or before there is a coord (policy_search_prepare) in the
 * trials rebuilt so far (searched from the newest: events name recent trials). */
static size_t ps_find(const policy_search *p, const coord *c, const char *id) {
    if (c) return coord_find(c, id);
    for (size_t i = p->n_made; i-- > 0;)
        if (strcmp(p->made[i].id, id) == 0) return i;
    return SIZE_MAX;
}

/* Replay event ev (file line k of path) through the scheduler (and the sampler); before
 * the coordinator exists (c NULL), a new TPE trial is drawn again into p->made and must
 * have the journaled id. HS_ERR_STATE when the scheduler or sampler decides otherwise than
 * the journal says. */
static int ps_replay(policy_search *p, const coord *c, const journal_event *ev, size_t k,
                     const char *path, hs_error *err) {
    const char *got = NULL, *want = NULL;
    char buf[64];
    size_t idx = ps_find(p, c, ev->id);
    if (ev->kind == JOURNAL_EV_START && !c && p->tpe && idx == SIZE_MAX) {
        search_task st;
        if (search_next(p->s, &st) != 0)
            return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        if (st.kind == SEARCH_RUN && st.from == 0 && st.trial == p->n_made && p->n_made < p->n) {
            sweep_trial *t = &p->made[p->n_made];
            if (ps_make(p, st.trial, t) != 0)
                return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
            p->n_made++;
            ps_note_start(p, st.trial, st.from, st.until);
            if (strcmp(t->id, ev->id) == 0) return 0;
            snprintf(buf, sizeof buf, "a new trial %s", t->id);
        } else {
            snprintf(buf, sizeof buf, "%s", st.kind == SEARCH_RUN ? "another trial"
                                            : st.kind == SEARCH_WAIT ? "wait" : "done");
        }
        got = buf;
        want = ev->id;
    } else if (idx == SIZE_MAX) {
        return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "scheduler event %zu names trial "
                            "%s, which is not in this sweep", k + 1, ev->id);
    } else if (ev->kind == JOURNAL_EV_START) {
        search_task st;
        if (search_next(p->s, &st) != 0)
            return hs_error_set(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
        if (st.kind == SEARCH_RUN) ps_note_start(p, st.trial, st.from, st.until);
        if (st.kind != SEARCH_RUN || st.trial != idx || st.from != ev->epoch) {
            const char *tid = !c ? (st.trial < p->n_made ? p->made[st.trial].id : "a new trial")
                                 : st.trial < c->cfg.n_trials ? c->cfg.trials[st.trial].id
                                                              : "a new trial";
            snprintf(buf, sizeof buf, "%s", st.kind == SEARCH_RUN ? tid
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
        if (!got) ps_tell_epoch(p, idx, ev->epoch, d);
        if (!got) ps_note_epoch(p, idx, ev->epoch, d);
        p->epochs++;
    } else if (ev->kind == JOURNAL_EV_END) {
        search_end(p->s, idx);
        ps_tell_end(p, idx);
    } else {
        search_release(p->s, idx);
    }
    if (!got) return 0;
    return hs_error_set(err, HS_ERR_STATE, path, 0, 0, "replaying the scheduler's event %zu "
                        "(trial %s) gives %s where the journal says %s: the journal was "
                        "written by another scheduler or sampler; rerun with --restart to "
                        "start over (the old journal is kept)", k + 1, ev->id, got, want);
}

/* Replay every event of the journal at path (missing: none) through ps_replay. */
static int ps_replay_file(policy_search *p, const coord *c, const char *path, hs_error *err) {
    journal_event *ev = NULL;
    size_t n = 0;
    int rc = rundir_exists(path) ? journal_read_events(path, &ev, &n, err) : 0;
    for (size_t k = 0; rc == 0 && k < n; k++) rc = ps_replay(p, c, &ev[k], k, path, err);
    free(ev);
    if (rc == 0) p->replayed = n;
    return rc;
}

int policy_search_prepare(policy_search *p, const char *outdir, int restart, hs_error *err) {
    p->prepared = 1;
    if (!p->tpe || restart) return 0;
    char path[4200], hash[17];
    int rc = rundir_path(path, sizeof path, outdir, RUNDIR_JOURNAL, err);
    if (rc) return rc;
    results_meta_info info;
    hs_error e;
    expand_id_string(p->def->hash, hash);
    /* another sweep's journal: coord_open refuses it, or --restart sets it aside */
    if (results_read_metadata(outdir, &info, &e) != 0 || strcmp(info.sweep_hash, hash) != 0)
        return 0;
    return ps_replay_file(p, NULL, path, err);
}

const sweep_trial *policy_search_trials(const policy_search *p, size_t *n) {
    *n = p->n_made;
    return p->made;
}

int policy_search_resume(policy_search *p, coord *c, hs_error *err) {
    p->c = c;
    if (!p->s) return 0;
    char path[4200];
    int rc = rundir_path(path, sizeof path, c->cfg.outdir, RUNDIR_JOURNAL, err);
    if (rc) return rc;
    /* with TPE, policy_search_prepare replayed the journal before the coordinator existed */
    if (!p->tpe) rc = ps_replay_file(p, c, path, err);
    if (rc) return rc;
    size_t n = p->replayed;
    /* trials running when the run died: ended if journaled, else handed out again first */
    size_t released = 0;
    for (size_t i = 0; i < p->n && i < c->cfg.n_trials; i++) {
        /* ended for the scheduler (max_epochs reached, or stopped) but its record was not
         * journaled before the run died: run it again from its checkpoint to that end */
        if (search_state(p->s, i) == ASHA_ENDED && search_epochs(p->s, i) > 0 &&
            sched_state_of(c->s, i) == SCHED_PENDING) {
            p->owed[p->n_owed++] = i;
            continue;
        }
        /* paused, but its paused record was not journaled before the run died: handed out up
         * to the pause, which rebuilds the record from its checkpoint without training */
        if (sched_state_of(c->s, i) == SCHED_PENDING && ps_unrecorded_pause(p, c, i)) {
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
