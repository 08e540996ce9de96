/* test_search: new trials come in a seeded shuffled order that covers the list once; the
 * value is the metric at the lowest val_loss so far (val_mae or val_loss); decisions are the
 * scheduler's, keyed by list index; release and end pass through. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/hs_error.h"
#include "sweep/search.h"
#include "tests/test_util.h"

static search_spec spec(asha_type t, uint64_t seed) {
    search_spec sp = {.sched = {.type = t, .min_epochs = 1, .max_epochs = 9, .reduction = 3},
                      .seed = seed, .metric_is_loss = 0};
    return sp;
}

static void test_order(void) {
    search_spec sp = spec(ASHA_TYPE_MEDIAN, 5);
    search *a = search_create(&sp, 50), *b = search_create(&sp, 50);
    sp.seed = 6;
    search *c = search_create(&sp, 50);
    int seen[50] = {0}, same = 1, differ = 0, in_order = 1;
    for (size_t k = 0; k < 50; k++) {
        search_task ta, tb, tc;
        search_next(a, &ta);
        search_next(b, &tb);
        search_next(c, &tc);
        CHECK(ta.kind == SEARCH_RUN && ta.from == 0 && ta.until == 9, "new trial");
        if (ta.trial < 50) seen[ta.trial]++;
        same &= ta.trial == tb.trial;
        differ |= ta.trial != tc.trial;
        in_order &= ta.trial == k;
    }
    int once = 1;
    for (int i = 0; i < 50; i++) once &= seen[i] == 1;
    CHECK(once, "every trial once");
    CHECK(same && differ && !in_order, "seeded shuffle: same seed same order, not index order");
    search_task t;
    search_next(a, &t);
    CHECK(t.kind == SEARCH_WAIT, "all drawn, trials running: wait");
    search_free(a);
    search_free(b);
    search_free(c);
    CHECK(search_create(&sp, 0) == NULL, "empty list refused");
    search_free(NULL);
}

static void test_value(void) {
    search_spec sp = spec(ASHA_TYPE_ASHA, 1);
    search *s = search_create(&sp, 3);
    search_task t;
    search_next(s, &t);
    size_t i = t.trial;
    CHECK(isnan(search_value(s, i)), "no value before the first epoch");
    asha_decision d;
    /* rung 1: value val_mae 2.0 (val_loss 5) */
    CHECK(search_epoch(s, i, 1, 5.0, 2.0, &d) == 0 && d == ASHA_PAUSE, "first of 1: pause");
    CHECK(search_value(s, i) == 2.0, "value is val_mae at the lowest val_loss");
    search_next(s, &t);
    size_t j = t.trial;
    CHECK(j != i && search_epoch(s, j, 1, 4.0, 3.0, &d) == 0, "second trial");
    CHECK(search_value(s, j) == 3.0, "val_mae 3.0 at val_loss 4.0");
    search_next(s, &t);
    size_t k = t.trial;
    /* third: val_loss 1 (best), val_mae 9: ranked by its value 9 -> not in the top 1 */
    CHECK(search_epoch(s, k, 1, 1.0, 9.0, &d) == 0 && d == ASHA_PAUSE, "third pauses");
    search_next(s, &t);
    CHECK(t.kind == SEARCH_RUN && t.trial == i && t.from == 1 && t.until == 3,
          "the best value (2.0) is promoted from its checkpoint");
    /* epoch 2 worse val_loss: value unchanged; epoch 3 better: value follows */
    CHECK(search_epoch(s, i, 2, 6.0, 1.0, &d) == 0 && search_value(s, i) == 2.0, "keeps best");
    CHECK(search_epoch(s, i, 3, 4.5, 1.5, &d) == 0 && search_value(s, i) == 1.5, "new best");
    CHECK(search_epoch(s, j, 2, 1.0, 1.0, &d) == HS_ERR_VALUE, "a paused trial cannot report");
    CHECK(search_epoch(s, 7, 1, 1.0, 1.0, &d) == HS_ERR_VALUE, "unknown trial");
    search_free(s);

    sp.metric_is_loss = 1;
    s = search_create(&sp, 2);
    search_next(s, &t);
    search_epoch(s, t.trial, 1, 5.0, 2.0, &d);
    CHECK(search_value(s, t.trial) == 5.0, "metric val_loss");
    CHECK(search_release(s, t.trial) == HS_ERR_VALUE, "paused, not running");
    search_next(s, &t);
    CHECK(search_release(s, t.trial) == 0, "release");
    search_task u;
    search_next(s, &u);
    CHECK(u.kind == SEARCH_RUN && u.trial == t.trial && u.from == 0, "released first");
    CHECK(search_end(s, u.trial) == 0, "ends by itself");
    search_free(s);
}

int main(void) {
    test_order();
    test_value();
    return test_failures("test_search");
}
