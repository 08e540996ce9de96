/* net: model assembly, flat parameter layout, forward/backward over layers (see net.h). */
#include "model/net.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dense.h"
#include "model/dropout.h"
#include "model/gru.h"
#include "model/init.h"
#include "model/lstm.h"

/* ---- structures ------------------------------------------------------------------------ */

/* One direction of one recurrent layer: parameter offsets and its activation caches. */
typedef struct net_rnn {
    size_t I;          /* input width (F for layer 0, H or 2H above) */
    size_t off_W;      /* offset of W (I, G*H) in the parameter buffer */
    size_t off_U;      /* offset of U (H, G*H) */
    size_t off_b;      /* offset of b: LSTM (4H), GRU (2,3H) */
    float *x;          /* (T,B,I) layer input after dropout, time-reversed for direction 1;
                        * row (t,b) at x + (t*B + b)*ldx; layer 0's forward direction is
                        * the buffer net_input hands out (the caller gathers into it) */
    float *gates;      /* (T,B,G*H) activated gates */
    float *c;          /* LSTM: (T,B,H) cell states; GRU: unused (NULL) */
    float *aux;        /* LSTM: (T,B,H) tanh(c); GRU: (T,B,H) r_h */
    float *h;          /* (T,B,H) hidden states, row (t,b) at h + (t*B + b)*ldh; LSTM: in
                        * x's buffer, h_{t-1} right after x_t in row (t,b) (h = x + B*ldx + I) */
    size_t ldx, ldh;   /* floats between rows of x and of h: LSTM both ld (layout()), GRU I, H */
    float *dh;         /* (T,B,H) dL/dh_t, in this direction's time order */
    float *dg1;        /* (B,G*H) one step's LSTM dgates / GRU dxg */
    float *dg2;        /* GRU: (B,3H) one step's drg; LSTM: NULL */
    float *dx;         /* (T,B,I) dL/d(x); NULL for layer 0 (not needed) */
    float *imask;      /* (B,I) input dropout mask */
    float *rmask;      /* (G,B,H) recurrent dropout masks, gate-major */
    int use_imask;     /* imask applied in the last forward */
    int use_rmask;     /* rmask applied in the last forward */
} net_rnn;

/* One hidden layer of the dense model. */
typedef struct net_dense {
    size_t I;          /* input width (T*F for layer 0, H above) */
    size_t off_W;      /* offset of W (I, H) */
    size_t off_b;      /* offset of b (H) */
    float *a;          /* (B,H) relu output */
    float *am;         /* (B,H) after dropout: the next layer's input */
    float *mask;       /* (B,H) dropout mask */
    float *da;         /* (B,H) gradient scratch */
    int use_mask;      /* mask applied in the last forward */
} net_dense;

struct net {
    hs_hparams hp;     /* the configuration (copied) */
    size_t F;          /* input features */
    size_t T;          /* time steps */
    size_t maxB;       /* batch capacity */
    size_t H;          /* units */
    size_t G;          /* gates: 4 LSTM, 3 GRU, 0 dense */
    size_t L;          /* layers */
    size_t ndir;       /* 1, or 2 for bidirectional */
    size_t D;          /* width of the head's input: H, or 2H for bidirectional */
    size_t n_params;   /* floats in params / grads */
    float *params;     /* (n_params) owned, 64-byte aligned */
    float *grads;      /* (n_params) owned, 64-byte aligned */
    float *arena;      /* every activation buffer below points into this 64-byte aligned
                        * allocation (each buffer starts on a cache line) */
    net_rnn *rnn;      /* (L*ndir) recurrent layers, index l*ndir + d; NULL for dense */
    net_dense *dense;  /* (L) dense hidden layers; NULL for recurrent */
    const float *xin;  /* dense: the input (B,T*F) of the last forward (the caller's x or
                        * xbuf), read by backward */
    float *xbuf;       /* dense: (maxB,T*F) the batch net_input hands out; NULL recurrent */
    size_t in_B;       /* batch of the last net_input */
    float *rec;        /* (B,G*H) scratch */
    float *hm;         /* (B,H) scratch (masked h_{t-1} under recurrent dropout) */
    float *dc;         /* (B,H) scratch */
    float *ut;         /* (G*H, H) scratch: U transposed */
    double *dbacc;     /* (2*G*H) scratch: bias gradients accumulated in double */
    double *ortho;     /* (G*H, H) scratch for the orthogonal initialiser */
    size_t off_hw;     /* offset of the head weight (D) */
    size_t off_hb;     /* offset of the head bias (1) */
    float *last;       /* (B,D) final state before head dropout */
    float *hin;        /* (B,D) head input (after dropout) */
    float *hmask;      /* (B,D) head dropout mask */
    float *dlast;      /* (B,D) dL/d(last) */
    int use_hmask;     /* hmask applied in the last forward */
    size_t B;          /* batch of the last forward */
};

/* ---- sizes and layout ------------------------------------------------------------------ */

/* a*b, or SIZE_MAX on overflow (SIZE_MAX propagates through further products) */
static size_t mul(size_t a, size_t b) {
    if (a == SIZE_MAX || b == SIZE_MAX) return SIZE_MAX;
    if (a && b > SIZE_MAX / a) return SIZE_MAX;
    return a * b;
}

static size_t add(size_t a, size_t b) {
    if (a == SIZE_MAX || b == SIZE_MAX || b > SIZE_MAX - a) return SIZE_MAX;
    return a + b;
}

/* Bump allocator over the arena: with base NULL it only counts. */
typedef struct bump {
    float *base;       /* arena, or NULL while sizing */
    size_t used;       /* floats handed out (SIZE_MAX on overflow) */
} bump;

/* n rounded up to a multiple of 16 floats (64 bytes, a cache line); SIZE_MAX stays */
static size_t round16(size_t n) {
    size_t padded = add(n, 15);
    return padded == SIZE_MAX ? padded : padded - padded % 16;
}

static float *take(bump *bp, size_t n) {
    size_t at = bp->used;
    /* each buffer rounded up to 16 floats so rows start cache-line aligned */
    bp->used = add(bp->used, round16(n));
    return bp->base && bp->used != SIZE_MAX ? bp->base + at : NULL;
}

/* Assign every activation buffer (sizing pass when bp->base is NULL). */
static void layout(net *n, bump *bp) {
    size_t T = n->T, B = n->maxB, H = n->H, G = n->G, D = n->D;
    if (n->hp.cell == HS_CELL_DENSE) {
        for (size_t l = 0; l < n->L; l++) {
            net_dense *d = &n->dense[l];
            d->a = take(bp, mul(B, H));
            d->am = take(bp, mul(B, H));
            d->mask = take(bp, mul(B, H));
            d->da = take(bp, mul(B, H));
        }
        n->xbuf = take(bp, mul(B, mul(T, n->F)));
    } else {
        size_t TB = mul(T, B);
        n->rec = take(bp, mul(B, G * H));
        n->hm = take(bp, mul(B, H));
        n->dc = take(bp, mul(B, H));
        n->ut = take(bp, mul(G * H, H));
        for (size_t k = 0; k < n->L * n->ndir; k++) {
            net_rnn *r = &n->rnn[k];
            if (n->hp.cell == HS_CELL_LSTM) {
                /* one (T+1, B, ld) buffer, row (t,b) = [pad | x_t(b) (I) | h_{t-1}(b) (H) |
                 * pad]: lstm_backward reads [x_t | h_{t-1}] in place; the pads (< 16 floats
                 * each) start every h row on a cache line, for the step's vector stores */
                size_t xw = round16(r->I), hw = round16(H);
                r->ldx = r->ldh = add(xw, hw);
                float *xh = take(bp, mul(add(T, 1), mul(B, r->ldx)));
                r->x = xh ? xh + (xw - r->I) : NULL;
                r->h = xh ? xh + B * r->ldx + xw : NULL;
            } else {
                r->ldx = r->I;
                r->ldh = H;
                r->x = take(bp, mul(TB, r->I));
                r->h = take(bp, mul(TB, H));
            }
            r->gates = take(bp, mul(TB, G * H));
            r->c = n->hp.cell == HS_CELL_LSTM ? take(bp, mul(TB, H)) : NULL;
            r->aux = take(bp, mul(TB, H));
            r->dh = take(bp, mul(TB, H));
            r->dg1 = take(bp, mul(B, G * H));
            r->dg2 = n->hp.cell == HS_CELL_GRU ? take(bp, mul(B, G * H)) : NULL;
            r->dx = k >= n->ndir ? take(bp, mul(TB, r->I)) : NULL;
            r->imask = take(bp, mul(B, r->I));
            r->rmask = take(bp, mul(mul(G, B), H));
        }
    }
    n->last = take(bp, mul(B, D));
    n->hin = take(bp, mul(B, D));
    n->hmask = take(bp, mul(B, D));
    n->dlast = take(bp, mul(B, D));
}

/* n zeroed elements of size sz, 64-byte aligned (a cache line, one AVX-512 vector); NULL on
 * overflow or out of memory; release with free() */
static void *zalloc64(size_t n, size_t sz) {
    if (sz && n > (SIZE_MAX - 63) / sz) return NULL;
    size_t bytes = (n * sz + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes);
    return p;
}

net *net_create(const hs_hparams *hp, size_t n_inputs, size_t max_batch) {
    /* the registry's bounds (units, layers, T, rates, cell) keep size arithmetic far from
     * overflow; the inputs and the batch get generous caps of their own */
    if (!hp || hparams_check(hp, NULL, 0) != 0 || n_inputs == 0 || max_batch == 0 ||
        n_inputs > (1u << 24) || max_batch > (1u << 24))
        return NULL;
    net *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->hp = *hp;
    n->F = n_inputs;
    n->T = hp->sequence_length;
    n->maxB = max_batch;
    n->H = hp->units;
    n->L = hp->layers;
    size_t H = n->H;
    size_t np = 0;
    if (hp->cell == HS_CELL_DENSE) {
        n->G = 0;
        n->ndir = 1;
        n->D = H;
        n->dense = calloc(n->L, sizeof *n->dense);
        if (!n->dense) goto fail;
        for (size_t l = 0; l < n->L; l++) {
            net_dense *d = &n->dense[l];
            d->I = l ? H : mul(n->T, n->F);
            d->off_W = np;
            np = add(np, mul(d->I, H));
            d->off_b = np;
            np = add(np, H);
        }
    } else {
        n->G = hp->cell == HS_CELL_LSTM ? 4 : 3;
        n->ndir = hp->bidirectional ? 2 : 1;
        n->D = n->ndir * H;
        n->rnn = calloc(n->L * n->ndir, sizeof *n->rnn);
        if (!n->rnn) goto fail;
        size_t GH = n->G * H;
        for (size_t l = 0; l < n->L; l++)
            for (size_t d = 0; d < n->ndir; d++) {
                net_rnn *r = &n->rnn[l * n->ndir + d];
                r->I = l ? n->D : n->F;
                r->off_W = np;
                np = add(np, mul(r->I, GH));
                r->off_U = np;
                np = add(np, mul(H, GH));
                r->off_b = np;
                np = add(np, hp->cell == HS_CELL_GRU ? 2 * GH : GH);
            }
        n->ortho = malloc(GH * H * sizeof *n->ortho);
        n->dbacc = zalloc64(2 * GH, sizeof *n->dbacc);
        if (!n->ortho || !n->dbacc) goto fail;
    }
    n->off_hw = np;
    np = add(np, n->D);
    n->off_hb = np;
    np = add(np, 1);
    if (np == SIZE_MAX || np > SIZE_MAX / (2 * sizeof(float))) goto fail;
    n->n_params = np;
    n->params = zalloc64(np, sizeof *n->params);
    n->grads = zalloc64(np, sizeof *n->grads);
    if (!n->params || !n->grads) goto fail;
    bump bp = {NULL, 0};
    layout(n, &bp);
    if (bp.used == SIZE_MAX || bp.used > SIZE_MAX / sizeof(float)) goto fail;
    n->arena = zalloc64(bp.used, sizeof *n->arena);
    if (!n->arena) goto fail;
    bp.base = n->arena;
    bp.used = 0;
    layout(n, &bp);
    return n;
fail:
    net_free(n);
    return NULL;
}

void net_free(net *n) {
    if (!n) return;
    free(n->params);
    free(n->grads);
    free(n->arena);
    free(n->rnn);
    free(n->dense);
    free(n->ortho);
    free(n->dbacc);
    free(n);
}

size_t net_num_params(const net *n) { return n->n_params; }
float *net_params(net *n) { return n->params; }
float *net_grads(net *n) { return n->grads; }
size_t net_max_batch(const net *n) { return n->maxB; }

/* ---- initialisation -------------------------------------------------------------------- */

void net_init(net *n, rng *r) {
    float *p = n->params;
    size_t H = n->H;
    memset(p, 0, n->n_params * sizeof *p);
    if (n->hp.cell == HS_CELL_DENSE) {
        for (size_t l = 0; l < n->L; l++) {
            net_dense *d = &n->dense[l];
            init_glorot_uniform(p + d->off_W, d->I * H, d->I, H, r);
        }
    } else {
        size_t GH = n->G * H;
        for (size_t k = 0; k < n->L * n->ndir; k++) {
            net_rnn *c = &n->rnn[k];
            init_glorot_uniform(p + c->off_W, c->I * GH, c->I, GH, r);
            init_orthogonal(p + c->off_U, H, GH, n->ortho, r);
            /* unit_forget_bias: LSTM bias slice [H, 2H) = 1 */
            if (n->hp.cell == HS_CELL_LSTM)
                for (size_t j = H; j < 2 * H; j++) p[c->off_b + j] = 1.0f;
        }
    }
    init_glorot_uniform(p + n->off_hw, n->D, n->D, 1, r);
}

/* ---- forward --------------------------------------------------------------------------- */

/* Head: hin = last * hmask; pred = hin w + b. */
static void head_forward(net *n, float *pred, size_t B, int training, rng *r) {
    size_t D = n->D;
    n->use_hmask = training && n->hp.head_dropout > 0.0f;
    if (n->use_hmask) dropout_mask(n->hmask, B * D, n->hp.head_dropout, r);
    for (size_t i = 0; i < B * D; i++)
        n->hin[i] = n->use_hmask ? n->last[i] * n->hmask[i] : n->last[i];
    dense_forward(pred, n->hin, n->params + n->off_hw, n->params + n->off_hb, B, D, 1, 0);
}

/* Recurrent layers on the batch of B windows whose input the first layer's forward
 * direction already holds (net_input's rows, unmasked). */
static void rnn_forward(net *n, size_t B, int training, rng *r) {
    size_t T = n->T, F = n->F, H = n->H, ndir = n->ndir, D = n->D;
    /* the first layer's backward direction reads the input time reversed: x_1(t) = x_0(T-1-t),
     * copied before the forward direction's dropout is applied in place */
    if (ndir == 2)
        for (size_t t = 0; t < T; t++)
            for (size_t b = 0; b < B; b++)
                memcpy(n->rnn[1].x + (t * B + b) * n->rnn[1].ldx,
                       n->rnn[0].x + ((T - 1 - t) * B + b) * n->rnn[0].ldx, F * sizeof(float));
    for (size_t l = 0; l < n->L; l++) {
        /* this layer's input: the batch (already in place for layer 0), or the previous
         * layer's outputs read from its directions' h buffers:
         * in(t,b, d*H + j) = h_d(d ? T-1-t : t, b, j) */
        for (size_t d = 0; d < ndir; d++) {
            net_rnn *c = &n->rnn[l * ndir + d];
            size_t I = c->I;
            c->use_imask = training && n->hp.dropout > 0.0f;
            c->use_rmask = training && n->hp.recurrent_dropout > 0.0f;
            if (c->use_imask) dropout_mask(c->imask, B * I, n->hp.dropout, r);
            if (c->use_rmask) dropout_mask(c->rmask, n->G * B * H, n->hp.recurrent_dropout, r);
            /* x_d(t) = in(d ? T-1-t : t) * imask */
            if (l > 0 || c->use_imask)
                for (size_t t = 0; t < T; t++) {
                    size_t s = d ? T - 1 - t : t;
                    for (size_t b = 0; b < B; b++) {
                        float *dst = c->x + (t * B + b) * c->ldx;
                        for (size_t e = 0; l > 0 && e < ndir; e++) {
                            const net_rnn *p = &n->rnn[(l - 1) * ndir + e];
                            size_t se = e ? T - 1 - s : s;
                            memcpy(dst + e * H, p->h + (se * B + b) * p->ldh, H * sizeof *dst);
                        }
                        if (c->use_imask)
                            for (size_t i = 0; i < I; i++) dst[i] *= c->imask[b * I + i];
                    }
                }
            const float *W = n->params + c->off_W, *U = n->params + c->off_U,
                        *bias = n->params + c->off_b;
            const float *rm = c->use_rmask ? c->rmask : NULL;
            if (n->hp.cell == HS_CELL_LSTM)
                lstm_forward(c->h, c->c, c->aux, c->gates, n->hm, c->x, rm, W, U, bias, T, B, I, H,
                             c->ldx, c->ldh);
            else
                gru_forward(c->h, c->gates, c->aux, n->rec, n->hm, c->x, rm, W, U, bias, T, B, I,
                            H);
        }
    }
    /* last(b) = concat_d h_d(T-1, b): forward after t=T-1, backward after original t=0 */
    for (size_t d = 0; d < ndir; d++) {
        const net_rnn *c = &n->rnn[(n->L - 1) * ndir + d];
        for (size_t b = 0; b < B; b++)
            memcpy(n->last + b * D + d * H, c->h + ((T - 1) * B + b) * c->ldh,
                   H * sizeof *n->last);
    }
}

static void dense_net_forward(net *n, const float *x, size_t B, int training, rng *r) {
    size_t H = n->H;
    /* Flatten of (B,T,F) to (B,T*F) is the same memory; backward reads the caller's x */
    n->xin = x;
    const float *in = x;
    for (size_t l = 0; l < n->L; l++) {
        net_dense *d = &n->dense[l];
        dense_forward(d->a, in, n->params + d->off_W, n->params + d->off_b, B, d->I, H, 1);
        d->use_mask = training && n->hp.dropout > 0.0f;
        if (d->use_mask) dropout_mask(d->mask, B * H, n->hp.dropout, r);
        for (size_t i = 0; i < B * H; i++) d->am[i] = d->use_mask ? d->a[i] * d->mask[i] : d->a[i];
        in = d->am;
    }
    memcpy(n->last, in, B * H * sizeof *n->last);
}

float *net_input(net *n, size_t B, size_t *ldt, size_t *ldb) {
    n->in_B = B;
    if (n->hp.cell == HS_CELL_DENSE) {
        *ldt = n->F;
        *ldb = n->T * n->F;
        return n->xbuf;
    }
    /* row (t,b) of the first layer's forward direction at x + (t*B + b)*ldx */
    *ldt = B * n->rnn[0].ldx;
    *ldb = n->rnn[0].ldx;
    return n->rnn[0].x;
}

void net_forward_input(net *n, float *pred, int training, rng *r) {
    size_t B = n->in_B;
    n->B = B;
    if (n->hp.cell == HS_CELL_DENSE)
        dense_net_forward(n, n->xbuf, B, training, r);
    else
        rnn_forward(n, B, training, r);
    head_forward(n, pred, B, training, r);
}

void net_forward(net *n, float *pred, const float *x, size_t B, int training, rng *r) {
    if (n->hp.cell == HS_CELL_DENSE) {
        /* the dense model reads x where it is (Flatten is the same memory) */
        n->B = B;
        dense_net_forward(n, x, B, training, r);
        head_forward(n, pred, B, training, r);
        return;
    }
    size_t T = n->T, F = n->F, ldt, ldb;
    float *in = net_input(n, B, &ldt, &ldb);
    /* in(t,b) = x(b,t) */
    for (size_t t = 0; t < T; t++)
        for (size_t b = 0; b < B; b++)
            memcpy(in + t * ldt + b * ldb, x + (b * T + t) * F, F * sizeof *in);
    net_forward_input(n, pred, training, r);
}

/* ---- backward -------------------------------------------------------------------------- */

static void rnn_backward(net *n, size_t B) {
    size_t T = n->T, H = n->H, ndir = n->ndir, D = n->D, L = n->L;
    /* top layer: dh_d = 0 except dh_d(T-1) = dlast[:, d*H:(d+1)*H]; the zero steps are
     * not written here: the layer's backward clears each step when it reaches it (dh_top) */
    for (size_t d = 0; d < ndir; d++) {
        net_rnn *c = &n->rnn[(L - 1) * ndir + d];
        for (size_t b = 0; b < B; b++)
            memcpy(c->dh + ((T - 1) * B + b) * H, n->dlast + b * D + d * H, H * sizeof *c->dh);
    }
    for (size_t l = L; l-- > 0;) {
        for (size_t d = 0; d < ndir; d++) {
            net_rnn *c = &n->rnn[l * ndir + d];
            size_t I = c->I;
            const float *W = n->params + c->off_W, *U = n->params + c->off_U;
            float *dW = n->grads + c->off_W, *dU = n->grads + c->off_U, *db = n->grads + c->off_b;
            const float *rm = c->use_rmask ? c->rmask : NULL;
            float *dx = l ? c->dx : NULL;
            int top = l == L - 1;
            if (n->hp.cell == HS_CELL_LSTM)
                lstm_backward(dx, dW, dU, db, n->dbacc, c->dg1, n->dc, n->hm, n->ut, c->dh, top,
                              c->x, c->h, c->c, c->aux, c->gates, rm, W, U, T, B, I, H, c->ldx,
                              c->ldh);
            else
                gru_backward(dx, dW, dU, db, n->dbacc, c->dg1, c->dg2, n->hm, n->ut, c->dh, top,
                             c->x, c->h, c->gates, c->aux, rm, W, U, T, B, I, H);
        }
        if (l == 0) break;
        /* route dx of this layer to the dh of the layer below: this layer's direction d saw
         * in(s) at its step t (s = d ? T-1-t : t) masked by imask; in(s, e*H + j) is
         * h_e(e ? T-1-s : s, j) of the layer below */
        for (size_t e = 0; e < ndir; e++) {
            net_rnn *p = &n->rnn[(l - 1) * ndir + e];
            memset(p->dh, 0, T * B * H * sizeof *p->dh);
        }
        for (size_t d = 0; d < ndir; d++) {
            const net_rnn *c = &n->rnn[l * ndir + d];
            size_t I = c->I;
            for (size_t t = 0; t < T; t++) {
                size_t s = d ? T - 1 - t : t;
                for (size_t b = 0; b < B; b++) {
                    const float *g = c->dx + (t * B + b) * I;
                    const float *m = c->imask + b * I;
                    for (size_t e = 0; e < ndir; e++) {
                        net_rnn *p = &n->rnn[(l - 1) * ndir + e];
                        size_t se = e ? T - 1 - s : s;
                        float *dst = p->dh + (se * B + b) * H;
                        if (c->use_imask)
                            for (size_t j = 0; j < H; j++) dst[j] += g[e * H + j] * m[e * H + j];
                        else
                            for (size_t j = 0; j < H; j++) dst[j] += g[e * H + j];
                    }
                }
            }
        }
    }
}

static void dense_net_backward(net *n, size_t B) {
    size_t H = n->H;
    /* dlast is dL/d(am of the last layer) */
    const float *dam = n->dlast;
    for (size_t l = n->L; l-- > 0;) {
        net_dense *d = &n->dense[l];
        /* da = dam * mask */
        for (size_t i = 0; i < B * H; i++) d->da[i] = d->use_mask ? dam[i] * d->mask[i] : dam[i];
        const float *in = l ? n->dense[l - 1].am : n->xin;
        /* the layer below's am buffer is not needed after this point: reuse its da as dx */
        float *dx = l ? n->dense[l - 1].da : NULL;
        dense_backward(dx, n->grads + d->off_W, n->grads + d->off_b, d->da, d->a, in,
                       n->params + d->off_W, B, d->I, H, 1);
        dam = dx;
    }
}

void net_backward(net *n, const float *dpred, size_t B) {
    size_t D = n->D;
    /* head: dw = hin^T dpred; db = sum dpred; dlast = dpred w * hmask */
    float *dw = n->grads + n->off_hw, *db = n->grads + n->off_hb;
    const float *w = n->params + n->off_hw;
    double sb = 0.0;
    for (size_t j = 0; j < D; j++) dw[j] = 0.0f;
    for (size_t b = 0; b < B; b++) {
        sb += (double)dpred[b];
        for (size_t j = 0; j < D; j++) {
            dw[j] += n->hin[b * D + j] * dpred[b];
            float g = dpred[b] * w[j];
            n->dlast[b * D + j] = n->use_hmask ? g * n->hmask[b * D + j] : g;
        }
    }
    db[0] = (float)sb;
    if (n->hp.cell == HS_CELL_DENSE)
        dense_net_backward(n, B);
    else
        rnn_backward(n, B);
}

/* ---- loss and description -------------------------------------------------------------- */

float net_mse(float *dpred, const float *pred, const float *y, size_t B) {
    double s = 0.0;
    for (size_t b = 0; b < B; b++) {
        double e = (double)pred[b] - (double)y[b];
        s += e * e;
        if (dpred) dpred[b] = (float)(2.0 * e / (double)B);
    }
    return (float)(s / (double)B);
}

float net_mae(const float *pred, const float *y, size_t B) {
    double s = 0.0;
    for (size_t b = 0; b < B; b++) s += fabs((double)pred[b] - (double)y[b]);
    return (float)(s / (double)B);
}

/* n with thousands separators: 9057 -> "9,057" */
static void group_digits(char *out, size_t len, size_t v) {
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%zu", v);
    char tmp[48];
    size_t k = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0) tmp[k++] = ',';
        tmp[k++] = digits[i];
    }
    tmp[k] = '\0';
    snprintf(out, len, "%s", tmp);
}

void net_describe(const net *n, char *buf, size_t len) {
    if (!buf || len == 0) return;
    char np[48], layers[32] = "", extra[96] = "";
    group_digits(np, sizeof np, n->n_params);
    if (n->L > 1) snprintf(layers, sizeof layers, " x%zu", n->L);
    const hs_hparams *hp = &n->hp;
    int k = 0;
    if (hp->cell != HS_CELL_DENSE && hp->bidirectional)
        k += snprintf(extra + k, sizeof extra - (size_t)k, " bidir");
    if (hp->dropout > 0.0f)
        k += snprintf(extra + k, sizeof extra - (size_t)k, " dropout %.2g", (double)hp->dropout);
    if (hp->cell != HS_CELL_DENSE && hp->recurrent_dropout > 0.0f)
        k += snprintf(extra + k, sizeof extra - (size_t)k, " rdrop %.2g",
                      (double)hp->recurrent_dropout);
    if (hp->head_dropout > 0.0f)
        snprintf(extra + k, sizeof extra - (size_t)k, " head_dropout %.2g",
                 (double)hp->head_dropout);
    snprintf(buf, len, "%s(%zu)%s%s, %s params", hparams_cell_name(hp->cell), n->H, layers, extra,
             np);
}

/* ---- named tensors ---------------------------------------------------------------------- */

/* Store tensor k (if k < max) and return k + 1. */
static size_t put_tensor(net_tensor *out, size_t max, size_t k, const char *name,
                         size_t offset, size_t rank, size_t d0, size_t d1) {
    if (k < max) {
        net_tensor *t = &out[k];
        snprintf(t->name, sizeof t->name, "%s", name);
        t->offset = offset;
        t->rank = rank;
        t->dims[0] = d0;
        t->dims[1] = rank == 2 ? d1 : 1;
    }
    return k + 1;
}

size_t net_tensors(const net *n, net_tensor *out, size_t max) {
    size_t k = 0, H = n->H;
    char name[48];
    if (n->hp.cell == HS_CELL_DENSE) {
        for (size_t l = 0; l < n->L; l++) {
            const net_dense *d = &n->dense[l];
            snprintf(name, sizeof name, "dense%zu/kernel", l);
            k = put_tensor(out, max, k, name, d->off_W, 2, d->I, H);
            snprintf(name, sizeof name, "dense%zu/bias", l);
            k = put_tensor(out, max, k, name, d->off_b, 1, H, 1);
        }
    } else {
        static const char *const dir_name[2] = {"forward", "backward"};
        size_t GH = n->G * H;
        for (size_t l = 0; l < n->L; l++)
            for (size_t d = 0; d < n->ndir; d++) {
                const net_rnn *r = &n->rnn[l * n->ndir + d];
                snprintf(name, sizeof name, "layer%zu/%s/kernel", l, dir_name[d]);
                k = put_tensor(out, max, k, name, r->off_W, 2, r->I, GH);
                snprintf(name, sizeof name, "layer%zu/%s/recurrent_kernel", l, dir_name[d]);
                k = put_tensor(out, max, k, name, r->off_U, 2, H, GH);
                snprintf(name, sizeof name, "layer%zu/%s/bias", l, dir_name[d]);
                /* GRU reset_after: [b_input; b_recurrent] as Keras stores it, (2, 3H) */
                if (n->hp.cell == HS_CELL_GRU) k = put_tensor(out, max, k, name, r->off_b, 2, 2, GH);
                else k = put_tensor(out, max, k, name, r->off_b, 1, GH, 1);
            }
    }
    k = put_tensor(out, max, k, "head/kernel", n->off_hw, 2, n->D, 1);
    k = put_tensor(out, max, k, "head/bias", n->off_hb, 1, 1, 1);
    return k;
}

const hs_hparams *net_hparams(const net *n) { return &n->hp; }

size_t net_num_inputs(const net *n) { return n->F; }

void net_residual(const net *n, float *pred, const float *base, size_t B) {
    if (!n->hp.residual) return;
    /* pred_b = head(h_b) + y_last_b */
    for (size_t b = 0; b < B; b++) pred[b] += base[b];
}
