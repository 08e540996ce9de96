/* kern: the table of hot loops (matrix products, fused gate math, bias sums, optimiser
 * updates, activations), one implementation per instruction set.
 *
 * model/kern_impl.h holds every kernel once, written in the vector abstraction of
 * model/simd.h; model/kern_avx512.c, kern_avx2.c and kern_generic.c compile it with
 * their own flags (CMakeLists.txt), so the rest of the program is built for baseline
 * x86-64 (or any other target) and one binary runs at full speed on every node.
 * kern() returns the table chosen once by model/isa.c (cpuid, or HSWEEP_ISA).
 * Conventions: row-major; shapes in the comments; time-major (T,B,X) tensors as in
 * lstm.h/gru.h. Within one table results are deterministic (they depend on the shapes,
 * never on pointer alignment or timing); tables differ from each other in rounding only.
 * Kernels cannot fail and never allocate (at most a fixed-size stack buffer). */
#ifndef HS_KERN_H
#define HS_KERN_H

#include <stddef.h>

/* which activation kern_ops.act applies */
typedef enum kern_act { KERN_EXP = 0, KERN_SIGMOID = 1, KERN_TANH = 2 } kern_act;

/* A prefetch stream for gemm_pf: up to 4 byte ranges, requested 64-byte line by line in
 * order (the data a later kernel will read, e.g. the next step's saved gates). */
typedef struct kern_pf {
    const char *p[4]; /* starts of the ranges (n 0: unused) */
    size_t n[4];      /* lengths in bytes */
    size_t cur, off;  /* cursor: the next line is at p[cur] + off */
} kern_pf;

/* Lines left in the stream pf (from its cursor to its end). */
static inline size_t kern_pf_left(const kern_pf *pf) {
    size_t l = 0;
    for (size_t i = pf->cur; i < 4; i++) {
        size_t o = i == pf->cur ? pf->off : 0;
        l += o < pf->n[i] ? (pf->n[i] - o + 63) / 64 : 0;
    }
    return l;
}

typedef struct kern_ops {
    const char *name; /* "avx512", "avx2" or "generic" */

    /* C (M,N) = beta*C + op(A) op(B), row-major with leading dimensions; A is (M,K)
     * (ta = 0, lda >= K) or (K,M) (ta = 1, lda >= M); B is (K,N) (tb = 0, ldb >= N) or
     * (N,K) (tb = 1, ldb >= K). beta 0 overwrites C (it may hold garbage then). Any of
     * M, N, K may be 0. Operands must not alias C. */
    void (*gemm)(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                 size_t ldb, int tb, size_t M, size_t N, size_t K, float beta);

    /* gemm, and while it runs a hint: the next `lines` cache lines of the stream pf are
     * requested into cache (prefetched), spread evenly over the product's micro-kernel
     * calls, and pf's cursor advanced past them. The product's results are gemm's bits;
     * pf NULL or lines 0: plain gemm. The generic table only advances the cursor. */
    void (*gemm_pf)(float *C, size_t ldc, const float *A, size_t lda, int ta, const float *B,
                    size_t ldb, int tb, size_t M, size_t N, size_t K, float beta,
                    struct kern_pf *pf, size_t lines);

    /* One LSTM step for B rows, gate order [i, f, g, o] (see lstm.h):
     * a = [g] + x W + hprev U + b; i, f, o = sigmoid(a), g = tanh(a);
     * c = f*cprev + i*g (cprev NULL: c_{-1} = 0); h = o*tanh(c).
     * g (B,4H) out: activated gates; in when gin != 0: partial sums to start from (the
     * masked recurrent products under recurrent dropout); x (B,I) rows ldx >= I floats
     * apart and W (I,4H), or x NULL; hprev (B,H) rows ldh >= H apart and U (H,4H), or hprev
     * NULL; b (4H); c, tc (B,H) out: c, tanh(c); h (B,H) out, rows ldh apart (net.c keeps
     * x_t and h_{t-1} side by side in one row: see lstm.h).
     * The products are fused with the gate math (pre-activations never go to memory). */
    void (*lstm_step)(float *g, float *c, float *tc, float *h, const float *cprev, int gin,
                      const float *x, const float *W, size_t I, const float *hprev,
                      const float *U, const float *b, size_t B, size_t H, size_t ldx,
                      size_t ldh);

    /* LSTM gate backward for B rows: dc += dh*o*(1-tanh^2 c); da_o = dh*tanh(c)*o(1-o);
     * da_i = dc*g*i(1-i); da_g = dc*i*(1-g^2); da_f = dc*cprev*f(1-f); dc = dc*f; and the
     * bias sums dbacc[j] += sum_r dg[r*4H + j] in double (rows in order, from 0; the sums
     * of colsum).
     * dg (B,4H) out; dc (B,H) in/out; dbacc (4H) in/out; g (B,4H), tc, dh (B,H); cprev
     * (B,H) or NULL (0). */
    void (*lstm_cell_bwd)(float *dg, float *dc, double *dbacc, const float *g, const float *tc,
                          const float *dh, const float *cprev, size_t B, size_t H);

    /* One GRU (reset_after) step for B rows, gates [z, r, h] (see gru.h), with
     * x_* = x W (fused) and rec_* = hprev U (fused when rec is NULL and hprev is not; zero
     * when both are NULL; else the caller's precomputed (B,3H) products):
     * z = s(x_z + b_in_z + rec_z + b_rec_z); r = s(x_r + ... ); r_h = rec_h + b_rec_h;
     * hh = tanh(x_h + b_in_h + r*r_h); h = z*hprev + (1-z)*hh.
     * g (B,3H) out: [z, r, hh]; h, rh (B,H) out; x (B,I), W (I,3H); hprev (B,H) or NULL
     * (0); U (H,3H); b (2,3H) = [b_in; b_rec]. */
    void (*gru_step)(float *g, float *h, float *rh, const float *rec, const float *x,
                     const float *W, size_t I, const float *hprev, const float *U,
                     const float *b, size_t B, size_t H);

    /* GRU gate backward for B rows: dz = dh*(hprev - hh); da_h = dh*(1-z)*(1-hh^2);
     * da_z = dz*z(1-z); da_r = da_h*r_h*r(1-r); dxg = [da_z, da_r, da_h];
     * drg = [da_z, da_r, da_h*r]; dhp += dh*z (dhp NULL: skipped).
     * dxg, drg (B,3H) out; g (B,3H), rh, dh (B,H); hprev (B,H) or NULL (0). */
    void (*gru_cell_bwd)(float *dxg, float *drg, float *dhp, const float *g, const float *rh,
                         const float *dh, const float *hprev, size_t B, size_t H);

    /* acc[j] += sum_r X[r*ldx + j] for j < n, r < rows, in double (bias gradients).
     * acc (n) doubles; X (rows, ldx). */
    void (*colsum)(double *acc, const float *X, size_t ldx, size_t rows, size_t n);

    /* RMSprop (TF2): ms = rho ms + (1-rho) g^2; w -= lr g / (sqrt(ms) + eps). (n) each. */
    void (*rmsprop)(float *w, float *ms, const float *g, size_t n, float lr, float rho,
                    float eps);

    /* Adam (Keras): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m/(sqrt(v)+eps). */
    void (*adam)(float *w, float *m, float *v, const float *g, size_t n, float lr_t, float b1,
                 float b2, float eps);

    /* y = max(x, 0) in place (n). */
    void (*relu)(float *y, size_t n);

    /* dy = y > 0 ? dy : 0 (n). */
    void (*relu_bwd)(float *dy, const float *y, size_t n);

    /* out = a * b elementwise (n); out may alias a. */
    void (*mul)(float *out, const float *a, const float *b, size_t n);

    /* y = exp / sigmoid / tanh of x (n), the approximations the cells use (error bounds in
     * docs/engine.md, tested by tests/test_act.c); y may alias x. */
    void (*act)(float *y, const float *x, size_t n, kern_act which);

    /* The FMA peak probe for benchmarks: iters iterations of fma_flops / (2 VL) independent
     * vector FMAs (enough accumulators to cover the FMA latency on every port); returns a
     * value that depends on all of them so nothing is optimised away. */
    float (*fma_loop)(long iters);
    double fma_flops; /* FLOPs per iteration of fma_loop */
} kern_ops;

/* The tables (kern_avx512/avx2 exist on x86-64 builds only). */
extern const kern_ops kern_generic;
#if defined(__x86_64__) || defined(_M_X64)
extern const kern_ops kern_avx2;
extern const kern_ops kern_avx512;
#endif

/* The active table (model/isa.c selects it on first use; see isa.h). */
const kern_ops *kern(void);

#endif
