/* init: the Keras weight initialisers used by the engine.
 *
 * glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) over the whole kernel (Keras
 * computes the fans of the fused (I, 4H) LSTM kernel, not of one gate).
 * orthogonal: Keras Orthogonal(gain 1) on a (rows, cols) kernel: draw a normal matrix of
 * shape (max, min), take its reduced QR, multiply Q's columns by sign(diag R), and
 * transpose if rows < cols. For the recurrent kernel (H, 4H) this gives a matrix whose H
 * ROWS are orthonormal (W W^T = I_H); the four (H, H) gate blocks are not orthogonal one by
 * one. QR is modified Gram-Schmidt in double, whose R has a positive diagonal, i.e. it
 * already equals Keras' sign-corrected factor.
 * All draws come from the caller's rng. Cannot fail; no allocation. */
#ifndef HS_INIT_H
#define HS_INIT_H

#include <stddef.h>

#include "model/rng.h"

/* Fill w[0..n) with U(-l, l), l = sqrt(6/(fan_in+fan_out)). Returns l. */
float init_glorot_uniform(float *w, size_t n, size_t fan_in, size_t fan_out, rng *r);

/* Fill w (rows, cols), row-major, with a Keras orthogonal matrix. work: caller scratch of
 * max(rows,cols)*min(rows,cols) doubles. Draws max*min normals from r. */
void init_orthogonal(float *w, size_t rows, size_t cols, double *work, rng *r);

#endif
