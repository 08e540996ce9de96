/* net: a whole model (stacked/bidirectional LSTM or GRU, or the dense baseline) with a
 * Dense(1) regression head, forward, backward and the MSE loss.
 *
 * Recurrent model (hp->cell LSTM or GRU): layers 1..L, each unidirectional (width H) or
 * Bidirectional (forward and backward copies, outputs concatenated, width 2H; the backward
 * copy reads time reversed and its sequence output is re-reversed, Keras style). Every
 * layer but the last returns sequences; the last returns its final state (for
 * Bidirectional: concat(forward h after t=T-1, backward h after t=0)). hp->dropout is an
 * inverted-dropout mask on each layer's input, one (B, I) mask per sequence fixed over time
 * (each direction draws its own); hp->recurrent_dropout is Keras recurrent dropout, one mask
 * per gate on h_{t-1}; hp->head_dropout is dropout on the final state; then Dense(1).
 * Dense model (HS_CELL_DENSE): Flatten (B, T*F) -> [Dense(H, relu) -> dropout(hp->dropout)]
 * x L -> dropout(hp->head_dropout) -> Dense(1).
 * Parameters live in ONE flat float buffer (gradients in a second buffer of the same layout):
 * per layer and direction W, U, b (GRU: b is (2,3H) = [b_in; b_rec]), then the head w (D), b (1).
 * All activation caches are sized at create time for max_batch; forward/backward never
 * allocate and cannot fail. Dropout masks are drawn from the caller's rng in a fixed order
 * (layer, direction, input mask then recurrent mask; then the head mask), so a seed fixes
 * everything. A batch comes either as a (B,T,F) array (net_forward) or is gathered by the
 * caller straight into the first layer's input cache (net_input, net_forward_input: the
 * trainer's path, no batch copy); both give the same bits. Not thread-safe per object;
 * independent objects are. */
#ifndef HS_NET_H
#define HS_NET_H

#include <stddef.h>

#include "model/hparams.h"
#include "model/rng.h"

typedef struct net net;

/* Build a model for hp (cell, units, layers, dropouts, bidirectional, T = sequence_length)
 * with n_inputs (F) features and batches of at most max_batch windows. Returns NULL when hp
 * is outside the registry's bounds (hparams_check), F or max_batch is zero or above 2^24,
 * or memory runs out. Parameters start at zero: call net_init.
 * The caller owns the result (net_free). */
net *net_create(const hs_hparams *hp, size_t n_inputs, size_t max_batch);

/* Free n and everything it owns; NULL is fine. */
void net_free(net *n);

/* Number of trainable parameters (floats in net_params / net_grads). */
size_t net_num_params(const net *n);

/* The flat parameter buffer (net_num_params floats), owned by n; write it to restore. */
float *net_params(net *n);

/* The flat gradient buffer, same layout, overwritten by net_backward; owned by n. */
float *net_grads(net *n);

/* Largest batch net_forward accepts (max_batch given to net_create). */
size_t net_max_batch(const net *n);

/* Keras initialisation from r: kernels glorot_uniform, recurrent kernels orthogonal,
 * biases zero with LSTM forget bias 1, head glorot_uniform / zero. Draw order: layers in
 * order, per direction W then U. */
void net_init(net *n, rng *r);

/* Forward pass. pred (B) out: predictions; x (B,T,F) row-major as window_fill makes it;
 * 1 <= B <= max_batch. training = 1 draws dropout masks from r and applies them;
 * training = 0 applies no dropout and does not touch r (may be NULL). Keeps the caches
 * net_backward needs; the dense model reads x again in net_backward, so x must stay
 * unchanged until then. A recurrent model copies x into net_input's rows and runs
 * net_forward_input: both ways give the same bits. */
void net_forward(net *n, float *pred, const float *x, size_t B, int training, rng *r);

/* Where the next batch's inputs go, so a caller can gather them in place (no (B,T,F) copy):
 * element (b, t, f) of the batch (b < B windows, t < T steps, f < F features; net_forward's
 * x(b,t,f)) is written to in[t*ldt + b*ldb + f], in the returned in. Recurrent model: the
 * rows of the first layer's (forward direction's) input cache, t-major (ldt = B*ldb, ldb >=
 * F; the floats between rows belong to n and must not be written); dense model: a (B,T*F)
 * buffer of n (ldt = F, ldb = T*F). 1 <= B <= max_batch; ldt, ldb (out) in floats. Owned by
 * n, valid until the next call on n; write all B*T*F elements, then call net_forward_input
 * before any other net_* call on n (a forward pass overwrites the rows). Cannot fail. */
float *net_input(net *n, size_t B, size_t *ldt, size_t *ldb);

/* net_forward on the batch of B windows (B of the last net_input) written at net_input:
 * pred (B) out, training and r as for net_forward. Bit-identical to net_forward on the same
 * inputs. Input dropout is applied to the rows in place (they hold the layer's masked input,
 * which net_backward reads). Cannot fail. */
void net_forward_input(net *n, float *pred, int training, rng *r);

/* The residual output (hp->residual, a skip connection to the persistence forecast):
 * pred[b] += base[b] for b < B, where base (B) holds each window's last raw target value
 * (window_fill_last; the value the persistence baseline predicts), so the network learns the
 * change of the target over the horizon. The offset does not depend on the parameters:
 * dL/dpred is taken at the shifted prediction and net_backward is unchanged. Does nothing
 * when hp->residual is 0. Cannot fail. */
void net_residual(const net *n, float *pred, const float *base, size_t B);

/* Backward pass after net_forward on the same batch: dpred (B) = dL/dpred. Overwrites
 * net_grads with dL/dparams. Call at most once per net_forward. */
void net_backward(net *n, const float *dpred, size_t B);

/* Mean squared error (1/B) sum (pred-y)^2, accumulated in double; if dpred is not NULL it
 * receives the gradient 2(pred-y)/B. */
float net_mse(float *dpred, const float *pred, const float *y, size_t B);

/* Mean absolute error (1/B) sum |pred-y|, accumulated in double. */
float net_mae(const float *pred, const float *y, size_t B);

/* One named parameter tensor: a view into the flat parameter buffer. */
typedef struct net_tensor {
    char name[48];        /* e.g. "layer0/forward/kernel", "dense1/bias", "head/kernel" */
    size_t offset;        /* index of its first float in net_params */
    size_t rank;          /* 1 or 2 */
    size_t dims[2];       /* shape, row-major (dims[1] is 1 for rank 1); prod = its floats */
} net_tensor;

/* The parameter tensors of n, in the flat buffer's (and Keras get_weights()) order:
 * recurrent model, per layer l (0-based) and direction d ("forward", then "backward" when
 * bidirectional): "layer<l>/<d>/kernel" (I, G*H), "layer<l>/<d>/recurrent_kernel" (H, G*H),
 * "layer<l>/<d>/bias" LSTM (4H), GRU (2, 3H); dense model, per hidden layer l:
 * "dense<l>/kernel" (I, H), "dense<l>/bias" (H); then "head/kernel" (D, 1), "head/bias" (1).
 * I = F for the first layer (T*F for dense0), H or 2H above; D = H, or 2H bidirectional.
 * Writes min(count, max) entries to out (may be NULL when max is 0) and returns count; the
 * tensors are contiguous and their sizes add up to net_num_params. Cannot fail. */
size_t net_tensors(const net *n, net_tensor *out, size_t max);

/* The configuration n was created with (a copy kept by n). */
const hs_hparams *net_hparams(const net *n);

/* Number of input features F n was created with. */
size_t net_num_inputs(const net *n);

/* One-line summary into buf (always NUL-terminated when len > 0), e.g.
 * "lstm(32) x2 bidir, 9,057 params" or "dense(16), 26,913 params". */
void net_describe(const net *n, char *buf, size_t len);

#endif
