/* test_sched: longest-first order with index tie-break, every trial handed out exactly once,
 * resume skips finished trials, counters and costs, release, misuse refused, and a 3-worker
 * event simulation compared with a schedule worked out by hand. */
#include <stdlib.h>
#include <string.h>

#include "io/hs_error.h"
#include "sweep/sched.h"
#include "tests/test_util.h"

static void test_order(void) {
    const double costs[] = {2, 7, 3, 7, 0.5, 3, -1, 5};
    /* descending cost, ties by index; the negative cost counts as 0 and goes last */
    const size_t want[] = {1, 3, 7, 2, 5, 0, 4, 6};
    sched *s = sched_create(8, costs);
    CHECK(s != NULL, "create");
    for (size_t k = 0; k < 8; k++) {
        size_t i = sched_next(s, (int)k % 2);
        CHECK(i == want[k], "position %zu: got %zu want %zu", k, i, want[k]);
        CHECK(sched_state_of(s, i) == SCHED_RUNNING && sched_worker_of(s, i) == (int)k % 2, "running");
    }
    CHECK(sched_next(s, 0) == SCHED_NONE, "none left");
    CHECK(sched_running(s) == 8 && sched_pending(s) == 0, "counters after handing out");
    CHECK(!sched_finished(s), "not finished while running");
    sched_free(s);

    /* no costs: index order */
    s = sched_create(3, NULL);
    CHECK(sched_next(s, 0) == 0 && sched_next(s, 0) == 1 && sched_next(s, 0) == 2, "index order");
    sched_free(s);
    /* zero trials */
    s = sched_create(0, NULL);
    CHECK(s && sched_next(s, 0) == SCHED_NONE && sched_finished(s), "empty sweep");
    sched_free(s);
    sched_free(NULL);
}

static void test_exactly_once_and_resume(void) {
    size_t n = 1000;
    double *costs = malloc(n * sizeof *costs);
    for (size_t i = 0; i < n; i++) costs[i] = (double)((i * 7919) % 97); /* many ties */
    sched *s = sched_create(n, costs);
    /* resume: every third trial is already in the journal, some as failed */
    size_t pre_ok = 0, pre_failed = 0;
    for (size_t i = 0; i < n; i += 3) {
        int ok = (i % 2) == 0;
        CHECK(sched_mark_done(s, i, ok) == 0, "mark %zu", i);
        if (ok) pre_ok++; else pre_failed++;
    }
    CHECK(sched_mark_done(s, 0, 1) == HS_ERR_VALUE, "marking twice refused");
    CHECK(sched_mark_done(s, n, 1) == HS_ERR_VALUE, "out of range refused");
    CHECK(sched_done(s) == pre_ok && sched_failed(s) == pre_failed, "resume counters");
    CHECK(sched_eta(s, 10.0) < 0.0, "eta unknown before any result");
    int *seen = calloc(n, sizeof *seen);
    size_t handed = 0, failed = 0;
    double prev = 1e300;
    int monotone = 1;
    for (;;) {
        size_t i = sched_next(s, 3);
        if (i == SCHED_NONE) break;
        CHECK(i < n, "index in range");
        if (i >= n) break;
        seen[i]++;
        handed++;
        if (costs[i] > prev) monotone = 0;
        prev = costs[i];
        CHECK(i % 3 != 0, "resumed trial %zu handed out again", i);
        int ok = (i % 5) != 0;
        if (!ok) failed++;
        CHECK(sched_record(s, i, ok) == 0, "record");
        CHECK(sched_record(s, i, ok) == HS_ERR_VALUE, "recording twice refused");
    }
    CHECK(monotone, "non-increasing cost order");
    int once = 1;
    for (size_t i = 0; i < n; i++)
        if (seen[i] != (i % 3 != 0 ? 1 : 0)) once = 0;
    CHECK(once, "every pending trial exactly once");
    CHECK(handed == n - (pre_ok + pre_failed), "handed %zu", handed);
    CHECK(sched_done(s) + sched_failed(s) == n && sched_failed(s) == pre_failed + failed, "final counters");
    CHECK(sched_finished(s) && sched_remaining_cost(s) == 0.0, "finished");
    CHECK(sched_eta(s, 10.0) == 0.0, "eta 0 when finished");
    free(seen);
    free(costs);
    sched_free(s);
}

static void test_counters_costs_release(void) {
    const double costs[] = {4, 1, 3, 2};
    sched *s = sched_create(4, costs);
    CHECK(sched_total(s) == 4 && sched_pending(s) == 4 && sched_remaining_cost(s) == 10.0, "initial");
    size_t a = sched_next(s, 0); /* 0 (4) */
    size_t b = sched_next(s, 1); /* 2 (3) */
    CHECK(a == 0 && b == 2, "first two");
    CHECK(sched_running(s) == 2 && sched_pending(s) == 2 && sched_remaining_cost(s) == 10.0, "running counts");
    CHECK(sched_record(s, 1, 1) == HS_ERR_VALUE, "record of a pending trial refused");
    CHECK(sched_record(s, b, 1) == 0, "record");
    CHECK(sched_remaining_cost(s) == 7.0 && sched_recorded_cost(s) == 3.0, "costs");
    /* 3 cost units in 6 s: 7 left -> 14 s */
    CHECK_NEAR(sched_eta(s, 6.0), 14.0, 1e-12);
    /* worker 0 is lost: trial 0 goes back and comes out first again */
    CHECK(sched_release(s, a) == 0, "release");
    CHECK(sched_release(s, a) == HS_ERR_VALUE, "release of a pending trial refused");
    CHECK(sched_pending(s) == 3 && sched_running(s) == 0, "after release");
    CHECK(sched_next(s, 2) == 0 && sched_worker_of(s, 0) == 2, "released trial handed out first");
    CHECK(sched_next(s, 2) == 3 && sched_next(s, 2) == 1, "then the rest in order");
    CHECK(sched_record(s, 0, 0) == 0 && sched_record(s, 3, 1) == 0 && sched_record(s, 1, 1) == 0, "records");
    CHECK(sched_done(s) == 3 && sched_failed(s) == 1 && sched_finished(s), "final");
    CHECK(sched_state_of(s, 0) == SCHED_FAILED && sched_state_of(s, 1) == SCHED_DONE, "states");
    sched_free(s);
}

/* 3 workers, true duration = cost. Hand-worked LPT schedule (ties in finish time go to the
 * lower worker id):
 *   order by cost: 1(7) 6(6) 3(5) 4(4) 2(3) 0(2) 5(1)
 *   t=0: w0 <- 1 (ends 7), w1 <- 6 (ends 6), w2 <- 3 (ends 5)
 *   t=5: w2 <- 4 (ends 9);  t=6: w1 <- 2 (ends 9);  t=7: w0 <- 0 (ends 9)
 *   t=9: w0 <- 5 (ends 10); w1, w2 find nothing.  makespan 10. */
static void test_simulation(void) {
    const double cost[] = {2, 7, 3, 5, 4, 1, 6};
    const struct { size_t trial; int worker; double start; } want[] = {
        {1, 0, 0}, {6, 1, 0}, {3, 2, 0}, {4, 2, 5}, {2, 1, 6}, {0, 0, 7}, {5, 0, 9}};
    sched *s = sched_create(7, cost);
    double finish[3];
    size_t running[3];
    size_t k = 0;
    for (int w = 0; w < 3; w++) {
        running[w] = sched_next(s, w);
        finish[w] = cost[running[w]];
        CHECK(k < 7 && running[w] == want[k].trial && want[k].worker == w && want[k].start == 0.0,
              "start %d", w);
        k++;
    }
    double makespan = 0.0;
    for (;;) {
        int w = -1;
        for (int v = 0; v < 3; v++)
            if (running[v] != SCHED_NONE && (w < 0 || finish[v] < finish[w])) w = v;
        if (w < 0) break;
        double t = finish[w];
        makespan = t;
        sched_record(s, running[w], 1);
        running[w] = sched_next(s, w);
        if (running[w] == SCHED_NONE) continue;
        finish[w] = t + cost[running[w]];
        CHECK(k < 7 && running[w] == want[k].trial && want[k].worker == w && want[k].start == t,
              "event %zu: trial %zu on w%d at %g", k, running[w], w, t);
        k++;
    }
    CHECK(k == 7, "all 7 started");
    CHECK(makespan == 10.0, "makespan %g", makespan);
    CHECK(sched_finished(s) && sched_done(s) == 7, "finished");
    sched_free(s);
}

/* A policy may peek at the longest pending trial, or take any pending one out of order. */
static void test_peek_take(void) {
    const double costs[] = {1, 4, 2, 3};
    sched *s = sched_create(4, costs);
    CHECK(sched_peek(s) == 1 && sched_peek(s) == 1 && sched_pending(s) == 4, "peek takes nothing");
    CHECK(sched_take(s, 2, 5) == 0 && sched_state_of(s, 2) == SCHED_RUNNING &&
          sched_worker_of(s, 2) == 5, "take out of order");
    CHECK(sched_take(s, 2, 5) == HS_ERR_VALUE && sched_take(s, 9, 0) == HS_ERR_VALUE,
          "take of a running or unknown trial refused");
    CHECK(sched_take(s, 1, 0) == 0 && sched_peek(s) == 3, "peek skips taken trials");
    CHECK(sched_next(s, 0) == 3 && sched_next(s, 0) == 0 && sched_next(s, 0) == SCHED_NONE,
          "next continues longest first without the taken ones");
    CHECK(sched_release(s, 1) == 0 && sched_peek(s) == 1, "released: first again");
    sched_free(s);
}

int main(void) {
    test_order();
    test_peek_take();
    test_exactly_once_and_resume();
    test_counters_costs_release();
    test_simulation();
    return test_failures("test_sched");
}
