/* test_claim: the claim table. Priority order, claims, releases (back ahead of lower
 * priorities), stale claims handed out first in priority order, results ending claims and
 * ignoring later claims, releases by a non-owner ignored; then a simulated study of 5,000
 * trials and 64 owners of which some die, checking that every trial ends DONE exactly once
 * and that no live owner's trial is ever handed out twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/rng.h"
#include "sweep/claim.h"
#include "tests/test_util.h"

static void test_basics(void) {
    size_t order[5] = {3, 1, 4, 0, 2};
    claim_table *t = claim_create(5, order);
    unsigned char live[2] = {1, 1};
    int stale = -1;
    CHECK(claim_next(t, live, 2, &stale) == 3 && stale == 0, "first by priority");
    claim_take(t, 3, 0, 10.0);
    CHECK(claim_next(t, live, 2, &stale) == 1, "then 1");
    claim_take(t, 1, 1, 11.0);
    claim_take(t, 4, 0, 12.0);
    CHECK(claim_state_of(t, 4) == CLAIM_CLAIMED && claim_owner_of(t, 4) == 0 && claim_since(t, 4) == 12.0,
          "claimed with owner and time");
    CHECK(claim_next(t, live, 2, &stale) == 0, "then 0");
    claim_release(t, 1, 0);                 /* not its owner: ignored */
    CHECK(claim_state_of(t, 1) == CLAIM_CLAIMED, "release by a non-owner ignored");
    claim_release(t, 1, 1);
    CHECK(claim_state_of(t, 1) == CLAIM_PENDING && claim_next(t, live, 2, &stale) == 1,
          "a released trial goes back ahead of lower priorities");
    claim_done(t, 3);
    claim_take(t, 3, 1, 13.0);              /* a claim after the result: ignored */
    CHECK(claim_state_of(t, 3) == CLAIM_DONE && claim_owner_of(t, 3) == -1, "done is final");
    CHECK(claim_count(t, CLAIM_DONE) == 1 && claim_count(t, CLAIM_CLAIMED) == 1 &&
          claim_count(t, CLAIM_PENDING) == 3, "counts %zu %zu %zu", claim_count(t, CLAIM_DONE),
          claim_count(t, CLAIM_CLAIMED), claim_count(t, CLAIM_PENDING));
    /* owner 0 stops heartbeating: its claim (trial 4) comes first, flagged stale */
    live[0] = 0;
    CHECK(claim_next(t, live, 2, &stale) == 4 && stale == 1, "stale claim handed out first");
    claim_take(t, 4, 1, 20.0);              /* reissued to owner 1 */
    CHECK(claim_owner_of(t, 4) == 1 && claim_count(t, CLAIM_CLAIMED) == 1, "reissue replaces the owner");
    CHECK(claim_next(t, live, 2, &stale) == 1 && stale == 0, "then pending again");
    /* owners beyond the live array count as live (a job that just appeared) */
    claim_take(t, 1, 7, 21.0);
    CHECK(claim_next(t, live, 2, &stale) == 0 && stale == 0, "unknown owner is live");
    claim_take(t, 0, 1, 22.0);
    claim_take(t, 2, 1, 23.0);
    CHECK(claim_next(t, live, 2, &stale) == CLAIM_NONE, "nothing left");
    claim_done(t, 99);                      /* out of range: a record of another sweep */
    claim_free(t);
    claim_free(NULL);
}

/* Two stale claims: the higher priority one first. */
static void test_stale_order(void) {
    claim_table *t = claim_create(4, NULL);
    unsigned char live[3] = {1, 0, 0};
    claim_take(t, 2, 1, 1.0);
    claim_take(t, 1, 2, 1.0);
    claim_take(t, 0, 0, 1.0);
    int stale;
    CHECK(claim_next(t, live, 3, &stale) == 1 && stale, "priority among stale claims");
    claim_free(t);
}

/* 5,000 trials, 64 owners; an owner dies with probability 1/200 per step. */
static void test_simulation(void) {
    enum { N = 5000, OWNERS = 64 };
    claim_table *t = claim_create(N, NULL);
    unsigned char live[OWNERS];
    size_t holding[OWNERS];
    int *done_by = calloc(N, sizeof *done_by);
    memset(live, 1, sizeof live);
    for (int o = 0; o < OWNERS; o++) holding[o] = CLAIM_NONE;
    rng r;
    rng_seed(&r, 42);
    size_t steps = 0, reissued = 0, dead = 0, dead_holding = 0, dup_live = 0;
    while (claim_count(t, CLAIM_DONE) < N && steps < 10000000) {
        steps++;
        int o = (int)rng_below(&r, OWNERS);
        if (!live[o]) continue;
        if (rng_below(&r, 200) == 0 && dead < OWNERS - 4) {   /* dies holding its claim */
            live[o] = 0;
            dead++;
            dead_holding += holding[o] != CLAIM_NONE;
            continue;
        }
        if (holding[o] != CLAIM_NONE) {
            size_t i = holding[o];
            if (claim_state_of(t, i) == CLAIM_DONE) done_by[i] = -99;   /* finished twice */
            else {
                done_by[i] = o + 1;
                claim_done(t, i);
            }
            holding[o] = CLAIM_NONE;
            continue;
        }
        int stale;
        size_t i = claim_next(t, live, OWNERS, &stale);
        if (i == CLAIM_NONE) continue;
        if (claim_state_of(t, i) == CLAIM_CLAIMED && live[claim_owner_of(t, i)]) dup_live++;
        reissued += (size_t)stale;
        claim_take(t, i, o, (double)steps);
        holding[o] = i;
    }
    size_t bad = 0;
    for (size_t i = 0; i < N; i++) bad += done_by[i] <= 0;
    CHECK(claim_count(t, CLAIM_DONE) == N && bad == 0, "every trial done once (%zu bad)", bad);
    CHECK(dup_live == 0, "a live owner's trial handed out again %zu times", dup_live);
    CHECK(reissued > 0 && reissued == dead_holding, "stale claims reissued: %zu, owners dead holding one: %zu",
          reissued, dead_holding);
    printf("simulation: %d trials, %d owners, %zu died (%zu holding a claim), %zu claims reissued, %zu steps\n",
           N, OWNERS, dead, dead_holding, reissued, steps);
    free(done_by);
    claim_free(t);
}

int main(void) {
    test_basics();
    test_stale_order();
    test_simulation();
    return test_failures("test_claim");
}
