/* test_net: whole models. Central-difference gradient checks of every parameter for LSTM,
 * GRU and dense models, with input dropout (fixed mask: the rng is reseeded before every
 * forward), recurrent dropout, head dropout, 2 stacked layers and Bidirectional, each with
 * a negative control; Bidirectional semantics against two unidirectional models; overfitting
 * a handful of windows; determinism; batches gathered into net_input's rows against
 * net_forward(x), bit for bit; parameter counts and descriptions; bad hparams. */
#include <stdlib.h>
#include <string.h>

#include "model/net.h"
#include "model/optim.h"
#include "tests/gradcheck.h"
#include "tests/test_util.h"

enum { B = 3, T = 4, F = 3 };

typedef struct fix {
    net *n;               /* model under test */
    float x[B * T * F];   /* (B,T,F) */
    float y[B];           /* targets */
    float pred[B];        /* predictions */
    float base[B];        /* last raw target of each window (residual models) */
    int training;         /* apply dropout (fixed masks) */
} fix;

/* MSE in double, masks redrawn from the same seed each time, so they are fixed */
static double loss(void *ctx) {
    fix *f = ctx;
    rng r;
    rng_seed(&r, 1234);
    net_forward(f->n, f->pred, f->x, B, f->training, &r);
    net_residual(f->n, f->pred, f->base, B);   /* nothing unless hp->residual */
    double s = 0.0;
    for (size_t b = 0; b < B; b++) {
        double e = (double)f->pred[b] - (double)f->y[b];
        s += e * e;
    }
    return s / B;
}

static void fill(float *a, size_t n, float scale, rng *r) {
    for (size_t i = 0; i < n; i++) a[i] = scale * (2.0f * rng_uniformf(r) - 1.0f);
}

static hs_hparams tiny(hs_cell cell, size_t units, size_t layers) {
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = units;
    hp.layers = layers;
    hp.sequence_length = T;
    return hp;
}

static void gradcheck_model(const char *name, const hs_hparams *hp) {
    static fix f;
    f.n = net_create(hp, F, B);
    CHECK(f.n != NULL, "%s: create", name);
    if (!f.n) return;
    rng r;
    rng_seed(&r, 77);
    net_init(f.n, &r);
    /* perturb biases away from their init too, so every bias path carries signal */
    size_t np = net_num_params(f.n);
    float *p = net_params(f.n);
    for (size_t i = 0; i < np; i++) p[i] += 0.2f * (2.0f * rng_uniformf(&r) - 1.0f);
    fill(f.x, B * T * F, 1.5f, &r);
    fill(f.y, B, 1.0f, &r);
    fill(f.base, B, 2.0f, &r);
    f.training = hp->dropout > 0 || hp->recurrent_dropout > 0 || hp->head_dropout > 0;
    loss(&f);
    float dpred[B];
    float mse = net_mse(dpred, f.pred, f.y, B);
    CHECK(fabs((double)mse - loss(&f)) < 1e-5, "%s: net_mse", name);
    net_backward(f.n, dpred, B);
    float *g = malloc(np * sizeof *g);
    memcpy(g, net_grads(f.n), np * sizeof *g);
    gc_result res = gc_check(loss, &f, p, g, np);
    char desc[128];
    net_describe(f.n, desc, sizeof desc);
    printf("%-34s %-44s %3zu bad, worst rel %.2e, worst abs %.2e\n", name, desc, res.n_bad,
           res.worst_rel, res.worst_abs);
    CHECK(res.n_bad == 0, "%s: gradients", name);
    /* negative controls: the first kernel entry of layer 0 (deepest in the graph) and an
     * entry in the middle of the buffer */
    size_t ks[] = {0, np / 2};
    for (size_t q = 0; q < 2; q++) {
        float save = g[ks[q]];
        gc_corrupt(g, ks[q]);
        gc_result bad = gc_check(loss, &f, p, g, np);
        CHECK(bad.n_bad == 1, "%s: corrupted entry %zu not caught (%zu bad)", name, ks[q], bad.n_bad);
        g[ks[q]] = save;
    }
    if (hp->residual) {
        /* negative control: the gradient of a net that ignores the skip connection (dL/dpred
         * taken at the prediction without base) must not pass */
        float raw[B];
        for (size_t b = 0; b < B; b++) raw[b] = f.pred[b] - f.base[b];
        net_mse(dpred, raw, f.y, B);
        net_backward(f.n, dpred, B);
        gc_result bad = gc_check(loss, &f, p, net_grads(f.n), np);
        CHECK(bad.n_bad > 0, "%s: a gradient without the skip went unnoticed", name);
    }
    free(g);
    net_free(f.n);
}

static void test_gradients(void) {
    hs_hparams hp;
    hp = tiny(HS_CELL_LSTM, 3, 1);
    gradcheck_model("lstm", &hp);
    hp = tiny(HS_CELL_GRU, 3, 1);
    gradcheck_model("gru", &hp);
    hp = tiny(HS_CELL_DENSE, 4, 2);
    gradcheck_model("dense x2", &hp);
    hp = tiny(HS_CELL_LSTM, 3, 1);
    hp.dropout = 0.3f;
    gradcheck_model("lstm input dropout", &hp);
    hp = tiny(HS_CELL_GRU, 3, 1);
    hp.dropout = 0.3f;
    gradcheck_model("gru input dropout", &hp);
    hp = tiny(HS_CELL_LSTM, 3, 1);
    hp.recurrent_dropout = 0.4f;
    gradcheck_model("lstm recurrent dropout", &hp);
    hp = tiny(HS_CELL_GRU, 3, 1);
    hp.recurrent_dropout = 0.4f;
    gradcheck_model("gru recurrent dropout", &hp);
    hp = tiny(HS_CELL_LSTM, 3, 1);
    hp.head_dropout = 0.5f;
    gradcheck_model("lstm head dropout", &hp);
    hp = tiny(HS_CELL_LSTM, 3, 2);
    gradcheck_model("lstm stacked x2", &hp);
    hp = tiny(HS_CELL_GRU, 3, 2);
    gradcheck_model("gru stacked x2", &hp);
    /* H >= 8: full and partial vectors of the production kernels of every path */
    hp = tiny(HS_CELL_LSTM, 17, 2);
    hp.bidirectional = 1;
    hp.dropout = 0.2f;
    hp.recurrent_dropout = 0.3f;
    gradcheck_model("lstm(17) x2 bidir dropouts", &hp);
    hp = tiny(HS_CELL_GRU, 17, 2);
    hp.bidirectional = 1;
    hp.dropout = 0.2f;
    hp.recurrent_dropout = 0.3f;
    gradcheck_model("gru(17) x2 bidir dropouts", &hp);
    hp = tiny(HS_CELL_LSTM, 24, 1);
    gradcheck_model("lstm(24)", &hp);
    hp = tiny(HS_CELL_GRU, 24, 1);
    gradcheck_model("gru(24)", &hp);
    hp = tiny(HS_CELL_DENSE, 20, 2);
    gradcheck_model("dense(20) x2", &hp);
    hp = tiny(HS_CELL_LSTM, 3, 1);
    hp.bidirectional = 1;
    gradcheck_model("lstm bidirectional", &hp);
    hp = tiny(HS_CELL_GRU, 2, 1);
    hp.bidirectional = 1;
    gradcheck_model("gru bidirectional", &hp);
    hp = tiny(HS_CELL_LSTM, 2, 2);
    hp.bidirectional = 1;
    hp.dropout = 0.25f;
    hp.recurrent_dropout = 0.25f;
    hp.head_dropout = 0.25f;
    gradcheck_model("lstm bidir x2, all dropouts", &hp);
    hp = tiny(HS_CELL_GRU, 2, 2);
    hp.bidirectional = 1;
    hp.dropout = 0.25f;
    hp.recurrent_dropout = 0.25f;
    hp.head_dropout = 0.25f;
    gradcheck_model("gru bidir x2, all dropouts", &hp);
    hp = tiny(HS_CELL_DENSE, 4, 2);
    hp.dropout = 0.3f;
    hp.head_dropout = 0.3f;
    gradcheck_model("dense x2, dropouts", &hp);
    /* T = 1: no recurrent step at all (the x buffer is read as (B,1,F)) */
    hp = tiny(HS_CELL_LSTM, 3, 2);
    hp.sequence_length = 1;
    gradcheck_model("lstm x2, T=1", &hp);
    hp = tiny(HS_CELL_GRU, 3, 1);
    hp.sequence_length = 1;
    hp.bidirectional = 1;
    hp.recurrent_dropout = 0.3f;
    gradcheck_model("gru bidir rdrop, T=1", &hp);
    /* residual: the output adds each window's last raw target value */
    hp = tiny(HS_CELL_LSTM, 3, 1);
    hp.residual = 1;
    gradcheck_model("lstm residual", &hp);
    hp = tiny(HS_CELL_GRU, 3, 2);
    hp.residual = 1;
    hp.dropout = 0.2f;
    gradcheck_model("gru x2 residual, dropout", &hp);
    hp = tiny(HS_CELL_DENSE, 3, 1);
    hp.residual = 1;
    gradcheck_model("dense residual", &hp);
}

/* Bidirectional(LSTM) = forward LSTM on x plus backward LSTM on reversed x, concatenated:
 * with head w = [w_f; w_b], pred = (h_f . w_f + b) + (h_b . w_b). */
static void test_bidirectional_semantics(hs_cell cell) {
    hs_hparams hp = tiny(cell, 3, 1);
    hp.bidirectional = 1;
    net *nb = net_create(&hp, F, B);
    hp.bidirectional = 0;
    net *nf = net_create(&hp, F, B), *nr = net_create(&hp, F, B);
    CHECK(nb && nf && nr, "create");
    if (!nb || !nf || !nr) return;
    rng r;
    rng_seed(&r, 5);
    net_init(nb, &r);
    size_t nu = net_num_params(nf), H = 3, cell_sz = nu - H - 1;
    float *pb = net_params(nb), *pf = net_params(nf), *pr = net_params(nr);
    pb[net_num_params(nb) - 1] = 0.3f; /* head bias */
    memcpy(pf, pb, cell_sz * sizeof *pf);
    memcpy(pr, pb + cell_sz, cell_sz * sizeof *pr);
    memcpy(pf + cell_sz, pb + 2 * cell_sz, H * sizeof *pf);
    memcpy(pr + cell_sz, pb + 2 * cell_sz + H, H * sizeof *pr);
    pf[nu - 1] = 0.3f;
    pr[nu - 1] = 0.0f;
    float x[B * T * F], xr[B * T * F];
    fill(x, B * T * F, 1.0f, &r);
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            memcpy(xr + (b * T + t) * F, x + (b * T + (T - 1 - t)) * F, F * sizeof *x);
    float yb[B], yf[B], yr[B];
    net_forward(nb, yb, x, B, 0, NULL);
    net_forward(nf, yf, x, B, 0, NULL);
    net_forward(nr, yr, xr, B, 0, NULL);
    for (size_t b = 0; b < B; b++) CHECK_NEAR(yb[b], yf[b] + yr[b], 1e-6);
    net_free(nb);
    net_free(nf);
    net_free(nr);
}

/* A handful of windows must be memorised: the training loss drops by more than 100x. */
static void test_overfit(hs_cell cell) {
    enum { NB = 8, NT = 12, NF = 3 };
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = 16;
    hp.sequence_length = NT;
    net *n = net_create(&hp, NF, NB);
    optim *o = n ? optim_create(HS_OPT_ADAM, net_num_params(n), 0.01f) : NULL;
    CHECK(n && o, "create");
    if (!n || !o) return;
    rng r;
    rng_seed(&r, 9);
    net_init(n, &r);
    float x[NB * NT * NF], y[NB], pred[NB], dpred[NB];
    fill(x, NB * NT * NF, 1.0f, &r);
    for (size_t b = 0; b < NB; b++) y[b] = 5.0f + 3.0f * x[(b * NT + NT - 1) * NF] - 2.0f * x[b * NT * NF + 1];
    float first = 0.0f, lossv = 0.0f;
    for (int it = 0; it < 400; it++) {
        net_forward(n, pred, x, NB, 1, &r);
        lossv = net_mse(dpred, pred, y, NB);
        if (it == 0) first = lossv;
        net_backward(n, dpred, NB);
        optim_step(o, net_params(n), net_grads(n));
    }
    net_forward(n, pred, x, NB, 0, NULL);
    lossv = net_mse(NULL, pred, y, NB);
    printf("overfit %s: loss %.4g -> %.4g (%.0fx)\n", hparams_cell_name(cell), (double)first,
           (double)lossv, (double)(first / lossv));
    CHECK(lossv * 100.0f < first, "%s: loss %g -> %g", hparams_cell_name(cell), (double)first,
          (double)lossv);
    optim_free(o);
    net_free(n);
}

/* Train 3 steps with every kind of dropout; return the final parameters (caller frees). */
static float *train_steps(uint64_t seed, size_t *np) {
    hs_hparams hp = tiny(HS_CELL_LSTM, 4, 2);
    hp.bidirectional = 1;
    hp.dropout = 0.2f;
    hp.recurrent_dropout = 0.2f;
    hp.head_dropout = 0.5f;
    net *n = net_create(&hp, F, B);
    optim *o = n ? optim_create(HS_OPT_RMSPROP, net_num_params(n), 1e-3f) : NULL;
    if (!n || !o) {
        net_free(n);
        optim_free(o);
        return NULL;
    }
    rng r;
    rng_seed(&r, seed);
    net_init(n, &r);
    float x[B * T * F], y[B], pred[B], dpred[B];
    for (int it = 0; it < 3; it++) {
        fill(x, B * T * F, 1.0f, &r);
        fill(y, B, 2.0f, &r);
        net_forward(n, pred, x, B, 1, &r);
        net_mse(dpred, pred, y, B);
        net_backward(n, dpred, B);
        optim_step(o, net_params(n), net_grads(n));
    }
    *np = net_num_params(n);
    float *out = malloc(*np * sizeof *out);
    if (out) memcpy(out, net_params(n), *np * sizeof *out);
    optim_free(o);
    net_free(n);
    return out;
}

static void test_determinism(void) {
    size_t n1 = 0, n2 = 0, n3 = 0;
    float *a = train_steps(42, &n1), *b = train_steps(42, &n2), *c = train_steps(43, &n3);
    CHECK(a && b && c && n1 == n2 && n1 == n3, "runs");
    if (a && b && c) {
        CHECK(memcmp(a, b, n1 * sizeof *a) == 0, "same seed: bit-identical parameters");
        CHECK(memcmp(a, c, n1 * sizeof *a) != 0, "different seed: different parameters");
    }
    free(a);
    free(b);
    free(c);
}

/* At realistic widths (H = 20: full and partial vectors; 13 rows: full and partial row
 * blocks of the kernels) a batch must give the same predictions and gradients as its
 * samples one at a time: gradients of sum_b pred_b add up over samples. */
static void test_batch_consistency(hs_cell cell) {
    enum { NB = 13, NT = 5, NF = 4 };
    hs_hparams hp;
    hparams_default(&hp);
    hp.cell = cell;
    hp.units = 20;
    hp.layers = 2;
    hp.bidirectional = cell != HS_CELL_DENSE;
    hp.sequence_length = NT;
    net *n = net_create(&hp, NF, NB);
    CHECK(n != NULL, "create");
    if (!n) return;
    rng r;
    rng_seed(&r, 8);
    net_init(n, &r);
    size_t np = net_num_params(n);
    float x[NB * NT * NF], pred[NB], one[1], ones[NB];
    fill(x, NB * NT * NF, 1.0f, &r);
    for (size_t b = 0; b < NB; b++) ones[b] = 1.0f;
    float *gb = calloc(np, sizeof *gb), *gs = calloc(np, sizeof *gs);
    if (!gb || !gs) {
        CHECK(0, "out of memory");
        free(gb);
        free(gs);
        net_free(n);
        return;
    }
    net_forward(n, pred, x, NB, 0, NULL);
    net_backward(n, ones, NB);
    memcpy(gb, net_grads(n), np * sizeof *gb);
    double ep = 0.0, eg = 0.0, gmax = 0.0;
    for (size_t b = 0; b < NB; b++) {
        net_forward(n, one, x + b * NT * NF, 1, 0, NULL);
        ep = fmax(ep, fabs((double)one[0] - (double)pred[b]));
        net_backward(n, ones, 1);
        for (size_t i = 0; i < np; i++) gs[i] += net_grads(n)[i];
    }
    for (size_t i = 0; i < np; i++) {
        eg = fmax(eg, fabs((double)gs[i] - (double)gb[i]));
        gmax = fmax(gmax, fabs((double)gb[i]));
    }
    printf("batch consistency %s: pred err %.2e, grad err %.2e (max |grad| %.2f)\n",
           hparams_cell_name(cell), ep, eg, gmax);
    CHECK(ep < 1e-5, "%s: batch vs single predictions %g", hparams_cell_name(cell), ep);
    CHECK(eg < 1e-4 * (1.0 + gmax), "%s: batch vs summed gradients %g", hparams_cell_name(cell), eg);
    free(gb);
    free(gs);
    net_free(n);
}

/* A caller's gather into net_input's rows: element (b,t,f) of the (nb,NT,NF) batch x at
 * in + t*ldt + b*ldb + f. skew shortens the row stride (a wrong layout: negative control;
 * the rows stay inside the buffer). */
static void gather_rows(net *n, const float *x, size_t nb, size_t NT, size_t NF, size_t skew) {
    size_t ldt, ldb;
    float *in = net_input(n, nb, &ldt, &ldb);
    for (size_t b = 0; b < nb; b++)
        for (size_t t = 0; t < NT; t++)
            memcpy(in + t * ldt + b * (ldb - skew), x + (b * NT + t) * NF, NF * sizeof *in);
}

/* Train two copies of one model 3 steps (batches of 7, 4 and 7 windows, then an evaluation
 * batch): one through net_forward(x), the other gathering each batch into net_input's rows
 * (gather_rows with skew) and net_forward_input. Returns 1 when every prediction, gradient
 * and the final parameters are the same bits. */
static int rows_equal_copy(const hs_hparams *hp, size_t skew) {
    enum { NB = 7, NT = 5, NF = 3 };
    net *a = net_create(hp, NF, NB), *b = net_create(hp, NF, NB);
    optim *oa = a ? optim_create(HS_OPT_RMSPROP, net_num_params(a), 1e-2f) : NULL;
    optim *ob = b ? optim_create(HS_OPT_RMSPROP, net_num_params(b), 1e-2f) : NULL;
    int same = 0;
    if (!a || !b || !oa || !ob) {
        CHECK(0, "create");
        goto done;
    }
    rng ra, rb, rd;
    rng_seed(&ra, 5);
    rng_seed(&rb, 5);
    rng_seed(&rd, 6);
    net_init(a, &ra);
    net_init(b, &rb);
    size_t np = net_num_params(a);
    float x[NB * NT * NF], y[NB], pa[NB], pb[NB], da[NB], db[NB];
    same = 1;
    static const size_t batches[4] = {NB, 4, NB, 5};
    for (int it = 0; it < 4; it++) {
        size_t nb = batches[it];
        int training = it < 3;
        fill(x, nb * NT * NF, 1.0f, &rd);
        fill(y, nb, 1.0f, &rd);
        net_forward(a, pa, x, nb, training, training ? &ra : NULL);
        gather_rows(b, x, nb, NT, NF, skew);
        net_forward_input(b, pb, training, training ? &rb : NULL);
        same &= memcmp(pa, pb, nb * sizeof *pa) == 0;
        if (!training) break;
        net_mse(da, pa, y, nb);
        net_mse(db, pb, y, nb);
        net_backward(a, da, nb);
        net_backward(b, db, nb);
        same &= memcmp(net_grads(a), net_grads(b), np * sizeof(float)) == 0;
        optim_step(oa, net_params(a), net_grads(a));
        optim_step(ob, net_params(b), net_grads(b));
    }
    same &= memcmp(net_params(a), net_params(b), np * sizeof(float)) == 0;
done:
    optim_free(oa);
    optim_free(ob);
    net_free(a);
    net_free(b);
    return same;
}

/* The trainer's path (the batch gathered straight into the first layer's input rows) gives
 * the bits of net_forward(x) for every layout: LSTM and GRU, 1 and 2 layers, one and two
 * directions, with and without input (and recurrent, head) dropout, and the dense model;
 * a wrong row stride must be caught. H = 12: the kernels' vector paths. */
static void test_input_rows(void) {
    static const hs_cell cells[3] = {HS_CELL_LSTM, HS_CELL_GRU, HS_CELL_DENSE};
    for (int c = 0; c < 3; c++)
        for (size_t layers = 1; layers <= 2; layers++)
            for (int bidir = 0; bidir <= (cells[c] != HS_CELL_DENSE); bidir++)
                for (int drop = 0; drop <= 1; drop++) {
                    hs_hparams hp = tiny(cells[c], 12, layers);
                    hp.sequence_length = 5;
                    hp.bidirectional = bidir;
                    if (drop) {
                        hp.dropout = 0.3f;
                        hp.head_dropout = 0.2f;
                        if (cells[c] != HS_CELL_DENSE) hp.recurrent_dropout = 0.2f;
                    }
                    char desc[128];
                    net *n = net_create(&hp, 3, 7);
                    if (n) net_describe(n, desc, sizeof desc);
                    else snprintf(desc, sizeof desc, "?");
                    net_free(n);
                    CHECK(rows_equal_copy(&hp, 0), "%s: gathered rows = net_forward(x)", desc);
                    CHECK(!rows_equal_copy(&hp, 1), "%s: a wrong row stride goes unnoticed",
                          desc);
                }
}

static void test_counts_and_describe(void) {
    char buf[128];
    hs_hparams hp;
    hparams_default(&hp);
    net *n = net_create(&hp, 14, 256); /* LSTM(32): 4*32*(14+32+1) + 32 + 1 */
    CHECK(n && net_num_params(n) == 6049, "lstm(32) params %zu", n ? net_num_params(n) : 0);
    if (n) {
        net_describe(n, buf, sizeof buf);
        CHECK(strcmp(buf, "lstm(32), 6,049 params") == 0, "describe '%s'", buf);
    }
    net_free(n);
    hp.cell = HS_CELL_GRU;
    hp.layers = 2;
    hp.bidirectional = 1;
    /* GRU(32) bidir x2: layer 1 2*3*32*(14+32+2), layer 2 2*3*32*(64+32+2), head 65 */
    n = net_create(&hp, 14, 16);
    CHECK(n && net_num_params(n) == 9216 + 18816 + 65, "gru bidir params %zu", n ? net_num_params(n) : 0);
    if (n) {
        net_describe(n, buf, sizeof buf);
        CHECK(strcmp(buf, "gru(32) x2 bidir, 28,097 params") == 0, "describe '%s'", buf);
    }
    net_free(n);
    hp.cell = HS_CELL_DENSE;
    hp.units = 16;
    hp.layers = 1;
    n = net_create(&hp, 14, 16); /* 120*14*16 + 16 + 16 + 1 */
    CHECK(n && net_num_params(n) == 26913, "dense params %zu", n ? net_num_params(n) : 0);
    net_free(n);
    /* invalid configurations are refused */
    hparams_default(&hp);
    hp.units = 0;
    CHECK(net_create(&hp, 14, 16) == NULL, "units 0");
    hparams_default(&hp);
    hp.dropout = 1.0f;
    CHECK(net_create(&hp, 14, 16) == NULL, "dropout 1");
    hparams_default(&hp);
    hp.recurrent_dropout = -0.1f;
    CHECK(net_create(&hp, 14, 16) == NULL, "negative recurrent dropout");
    hparams_default(&hp);
    hp.cell = (hs_cell)7;
    CHECK(net_create(&hp, 14, 16) == NULL, "unknown cell");
    hparams_default(&hp);
    CHECK(net_create(&hp, 0, 16) == NULL && net_create(&hp, 14, 0) == NULL, "zero sizes");
    hp.units = (size_t)1 << 40;
    CHECK(net_create(&hp, 14, 16) == NULL, "huge units");
    net_free(NULL);
}

/* ---- named tensors ------------------------------------------------------------------------ */

/* net_tensors: names, shapes and offsets tile the flat buffer in Keras order. */
static void test_tensors(void) {
    struct {
        hs_cell cell;
        size_t layers;
        int bidir;
        size_t count;          /* tensors expected */
    } cases[] = {{HS_CELL_LSTM, 1, 0, 5}, {HS_CELL_GRU, 2, 1, 14}, {HS_CELL_DENSE, 2, 0, 6}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        hs_hparams hp = tiny(cases[c].cell, 5, cases[c].layers);
        hp.bidirectional = cases[c].bidir;
        net *n = net_create(&hp, F, B);
        CHECK(n != NULL, "case %zu", c);
        if (!n) continue;
        size_t cnt = net_tensors(n, NULL, 0);
        CHECK(cnt == cases[c].count, "case %zu: %zu tensors, want %zu", c, cnt, cases[c].count);
        net_tensor ts[32];
        CHECK(net_tensors(n, ts, 32) == cnt, "count stable");
        size_t off = 0;
        for (size_t k = 0; k < cnt && k < 32; k++) {
            CHECK(ts[k].offset == off, "case %zu %s: offset %zu, want %zu", c, ts[k].name,
                  ts[k].offset, off);
            off += ts[k].dims[0] * ts[k].dims[1];
        }
        CHECK(off == net_num_params(n), "case %zu: sizes add to %zu, want %zu", c, off,
              net_num_params(n));
        CHECK(net_num_inputs(n) == F && net_hparams(n)->units == 5, "accessors");
        size_t H = 5, D = cases[c].bidir ? 2 * H : H;
        CHECK(strcmp(ts[cnt - 2].name, "head/kernel") == 0 && ts[cnt - 2].dims[0] == D &&
              ts[cnt - 2].dims[1] == 1 && ts[cnt - 2].rank == 2, "head/kernel (D,1): %s",
              ts[cnt - 2].name);
        CHECK(strcmp(ts[cnt - 1].name, "head/bias") == 0 && ts[cnt - 1].rank == 1 &&
              ts[cnt - 1].dims[0] == 1, "head/bias (1)");
        if (cases[c].cell == HS_CELL_LSTM) {
            CHECK(strcmp(ts[0].name, "layer0/forward/kernel") == 0 && ts[0].dims[0] == F &&
                  ts[0].dims[1] == 4 * H, "lstm kernel %s", ts[0].name);
            CHECK(strcmp(ts[1].name, "layer0/forward/recurrent_kernel") == 0 &&
                  ts[1].dims[0] == H && ts[1].dims[1] == 4 * H, "lstm recurrent kernel");
            CHECK(strcmp(ts[2].name, "layer0/forward/bias") == 0 && ts[2].rank == 1 &&
                  ts[2].dims[0] == 4 * H, "lstm bias (4H)");
        } else if (cases[c].cell == HS_CELL_GRU) {
            /* layer 1 backward: input 2H (concat of layer 0), bias (2, 3H) */
            CHECK(strcmp(ts[9].name, "layer1/backward/kernel") == 0 && ts[9].dims[0] == 2 * H &&
                  ts[9].dims[1] == 3 * H, "gru layer1 backward kernel %s", ts[9].name);
            CHECK(strcmp(ts[11].name, "layer1/backward/bias") == 0 && ts[11].rank == 2 &&
                  ts[11].dims[0] == 2 && ts[11].dims[1] == 3 * H, "gru bias (2,3H)");
        } else {
            CHECK(strcmp(ts[0].name, "dense0/kernel") == 0 && ts[0].dims[0] == T * F &&
                  ts[0].dims[1] == H, "dense0 kernel (T*F, H)");
            CHECK(strcmp(ts[3].name, "dense1/bias") == 0 && ts[3].dims[0] == H, "dense1 bias");
        }
        /* the head bias is where the name says: adding 2 shifts every prediction by 2 */
        rng r;
        rng_seed(&r, 7);
        net_init(n, &r);
        float x[B * T * F], p0[B], p1[B];
        fill(x, B * T * F, 1.0f, &r);
        net_forward(n, p0, x, B, 0, NULL);
        net_params(n)[ts[cnt - 1].offset] += 2.0f;
        net_forward(n, p1, x, B, 0, NULL);
        for (size_t b = 0; b < B; b++) CHECK_NEAR(p1[b] - p0[b], 2.0, 1e-5);
        net_free(n);
    }
}

int main(void) {
    test_isa_init();
    test_gradients();
    test_bidirectional_semantics(HS_CELL_LSTM);
    test_bidirectional_semantics(HS_CELL_GRU);
    test_overfit(HS_CELL_LSTM);
    test_overfit(HS_CELL_GRU);
    test_overfit(HS_CELL_DENSE);
    test_determinism();
    test_batch_consistency(HS_CELL_LSTM);
    test_batch_consistency(HS_CELL_GRU);
    test_batch_consistency(HS_CELL_DENSE);
    test_input_rows();
    test_counts_and_describe();
    test_tensors();
    return test_failures("test_net");
}
