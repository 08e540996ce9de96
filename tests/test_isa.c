/* test_isa: the kernel paths against each other. For every path this CPU supports
 * (generic, avx2, avx512): one training step (forward with dropout, backward, RMSprop or
 * Adam) of LSTM, GRU, stacked Bidirectional LSTM and dense models at production-like sizes
 * (H = 40: full and partial vectors, B = 19: partial row blocks) must
 *   - agree with the generic path within a stated tolerance: predictions and gradients
 *     within 2e-4 of the largest magnitude, parameters after the step within 1e-5 (only
 *     rounding differs: FMA or not, vector width, summation blocking), and
 *   - be bit-identical across repeated runs and separately allocated models (what makes a
 *     1-rank and a 3-rank sweep agree exactly), and
 *   - avx2 and avx512 bit-identical to each other: both use FMA, and every kernel sums in
 *     an order that depends on the shapes only, not on the vector width.
 * Also: HSWEEP_ISA parsing and the one-line refusals. */
#include <stdlib.h>
#include <string.h>

#include "model/isa.h"
#include "model/net.h"
#include "model/optim.h"
#include "tests/test_util.h"

enum { B = 19, T = 9, F = 5 };

/* what one training step produces */
typedef struct step_out {
    float pred[B];        /* predictions */
    float *grads;         /* (n) gradients */
    float *params;        /* (n) parameters after the optimiser step */
    size_t n;             /* parameters */
} step_out;

static int run_step(const hs_hparams *hp, step_out *o) {
    net *n = net_create(hp, F, B);
    optim *op = n ? optim_create(hp->optimizer, net_num_params(n), 1e-2f) : NULL;
    if (!n || !op) {
        net_free(n);
        optim_free(op);
        return -1;
    }
    rng r;
    rng_seed(&r, 99);
    net_init(n, &r);
    float x[B * T * F], y[B], dpred[B];
    for (size_t i = 0; i < B * T * F; i++) x[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < B; i++) y[i] = (float)rng_normal(&r);
    net_forward(n, o->pred, x, B, 1, &r);
    net_mse(dpred, o->pred, y, B);
    net_backward(n, dpred, B);
    o->n = net_num_params(n);
    o->grads = malloc(o->n * sizeof *o->grads);
    o->params = malloc(o->n * sizeof *o->params);
    if (o->grads && o->params) {
        memcpy(o->grads, net_grads(n), o->n * sizeof *o->grads);
        optim_step(op, net_params(n), net_grads(n));
        memcpy(o->params, net_params(n), o->n * sizeof *o->params);
    }
    net_free(n);
    optim_free(op);
    return o->grads && o->params ? 0 : -1;
}

static void out_free(step_out *o) {
    free(o->grads);
    free(o->params);
}

/* max |a - b| / max(max |b|, 1e-3) over n */
static double max_rel(const float *a, const float *b, size_t n) {
    double d = 0.0, m = 1e-3;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - (double)b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return d / m;
}

static void compare_paths(const char *what, const hs_hparams *hp) {
    const char *fma_ref_name = "";
    step_out ref = {{0}, NULL, NULL, 0}, fma_ref = {{0}, NULL, NULL, 0};
    if (isa_set(ISA_GENERIC) != 0 || run_step(hp, &ref) != 0) {
        CHECK(0, "%s: generic run failed", what);
        out_free(&ref);
        return;
    }
    for (int k = ISA_GENERIC; k <= ISA_AVX512; k++) {
        if (isa_set((isa_kind)k) != 0) {
            printf("%-22s %-7s not supported by this CPU: skipped\n", what, isa_kind_name((isa_kind)k));
            continue;
        }
        step_out a = {{0}, NULL, NULL, 0}, b = {{0}, NULL, NULL, 0};
        if (run_step(hp, &a) != 0 || run_step(hp, &b) != 0) {
            CHECK(0, "%s: run failed", what);
        } else {
            int same = memcmp(a.pred, b.pred, sizeof a.pred) == 0 &&
                       memcmp(a.grads, b.grads, a.n * sizeof *a.grads) == 0 &&
                       memcmp(a.params, b.params, a.n * sizeof *a.params) == 0;
            double ep = max_rel(a.pred, ref.pred, B), eg = max_rel(a.grads, ref.grads, a.n);
            double ew = 0.0;
            for (size_t i = 0; i < a.n; i++)
                ew = fmax(ew, fabs((double)a.params[i] - (double)ref.params[i]));
            printf("%-22s %-7s vs generic: pred %.1e, grads %.1e (relative to max), params after "
                   "step %.1e (abs); repeat bit-identical: %s\n",
                   what, isa_kind_name((isa_kind)k), ep, eg, ew, same ? "yes" : "NO");
            CHECK(same, "%s on %s: two runs differ", what, isa_kind_name((isa_kind)k));
            CHECK(ep < 2e-4 && eg < 2e-4 && ew < 1e-5, "%s on %s: differs from generic", what,
                  isa_kind_name((isa_kind)k));
            if (k != ISA_GENERIC && fma_ref.grads) {
                int same_fma = memcmp(a.pred, fma_ref.pred, sizeof a.pred) == 0 &&
                               memcmp(a.grads, fma_ref.grads, a.n * sizeof *a.grads) == 0 &&
                               memcmp(a.params, fma_ref.params, a.n * sizeof *a.params) == 0;
                printf("%-22s %-7s bit-identical to %s: %s\n", what, isa_kind_name((isa_kind)k),
                       fma_ref_name, same_fma ? "yes" : "NO");
                CHECK(same_fma, "%s: %s differs from %s", what, isa_kind_name((isa_kind)k), fma_ref_name);
            } else if (k != ISA_GENERIC) {
                fma_ref = b;
                fma_ref_name = isa_kind_name((isa_kind)k);
                b = (step_out){{0}, NULL, NULL, 0};
            }
        }
        out_free(&a);
        out_free(&b);
    }
    out_free(&ref);
    out_free(&fma_ref);
}

static void test_paths(void) {
    hs_hparams hp;
    hparams_default(&hp);
    hp.units = 40;
    hp.sequence_length = T;
    hp.dropout = 0.2f;
    hp.head_dropout = 0.1f;
    compare_paths("lstm(40)", &hp);
    hp.cell = HS_CELL_GRU;
    hp.optimizer = HS_OPT_ADAM;
    compare_paths("gru(40) adam", &hp);
    hp.cell = HS_CELL_LSTM;
    hp.units = 24;
    hp.layers = 2;
    hp.bidirectional = 1;
    hp.recurrent_dropout = 0.25f;
    compare_paths("lstm(24) x2 bidir rdrop", &hp);
    hp.cell = HS_CELL_GRU;
    compare_paths("gru(24) x2 bidir rdrop", &hp);
    hparams_default(&hp);
    hp.cell = HS_CELL_DENSE;
    hp.units = 16;
    hp.sequence_length = T;
    hp.dropout = 0.1f;
    compare_paths("dense(16)", &hp);
}

static void test_choose(void) {
    isa_kind k = ISA_AVX512;
    char err[160] = "";
    CHECK(isa_choose("generic", &k, err, sizeof err) == 0 && k == ISA_GENERIC, "generic");
    CHECK(isa_choose(NULL, &k, err, sizeof err) == 0 && isa_supported(k), "default supported");
    CHECK(isa_choose("", &k, err, sizeof err) == 0, "empty means default");
    CHECK(isa_choose("sse9", &k, err, sizeof err) == -1 &&
              strcmp(err, "HSWEEP_ISA=sse9: unknown path (use avx512, avx2 or generic)") == 0,
          "unknown path message: %s", err);
    for (int i = ISA_AVX2; i <= ISA_AVX512; i++) {
        int ok = isa_choose(isa_kind_name((isa_kind)i), &k, err, sizeof err) == 0;
        CHECK(ok == isa_supported((isa_kind)i), "%s", isa_kind_name((isa_kind)i));
        if (!ok) CHECK(strstr(err, "this CPU lacks") != NULL, "refusal message: %s", err);
    }
    CHECK(isa_set(ISA_GENERIC) == 0 && strcmp(isa_name(), "generic") == 0, "isa_set");
}

int main(void) {
    test_isa_init();
    test_choose();
    test_paths();
    return test_failures("test_isa");
}
