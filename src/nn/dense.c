/*******************************************************************************
 * dense.c: the dense (affine) layer on jets, forward and backward.
 *
 * A jet buffer has the shape (n_batch, n_ch, n): n_ch channels per sample,
 * channel 0 the value, the others derivatives of it.  An affine map y = x w + b
 * acts on every channel linearly; the bias enters the value channel only.
 * All n_batch * n_ch rows therefore form one matrix product, which is what
 * the tuned kernels compute.  n_ch = 1 is the plain dense layer.
 *
 * void nn_dense_jet_forward(double *y, const double *x, const double *w,
 *                           const double *b, int n_batch, int n_ch, int n_in,
 *                           int n_out)
 *   y (n_batch, n_ch, n_out) = x (n_batch, n_ch, n_in) w (n_in, n_out), plus
 *   b (n_out) on channel-0 rows when b is not NULL.  Overwrites y.
 *
 * void nn_dense_jet_forward_naive(...)
 *   Same, by the textbook triple loop (the reference of the tests).
 *
 * void nn_dense_jet_backward(double *dx, double *dw, double *db,
 *                            const double *dy, const double *x,
 *                            const double *w, int n_batch, int n_ch,
 *                            int n_in, int n_out)
 *   Accumulates dx += dy w^T (n_batch, n_ch, n_in), dw += x^T dy (n_in,
 *   n_out) and db += the sum of dy over channel-0 rows.  Any of dx, dw, db
 *   may be NULL.
 *
 * void nn_dense_jet_backward_naive(...)
 *   Same, by the textbook loops.
 *
 * void nn_dense_jet_backward_dx_t(double *dx, const double *dy,
 *                                 const double *wt, int n_batch, int n_ch,
 *                                 int n_in, int n_out)
 *   The dx part alone, dx += dy wt, from the transposed weight wt (n_out,
 *   n_in): the forward kernel's layout, about twice as fast as the dot
 *   products of nn_dense_jet_backward (the network uses it).
 *
 * void nn_transpose(double *at, const double *a, int n_rows, int n_cols)
 *   at (n_cols, n_rows) = a^T for a (n_rows, n_cols).
 *
 * Context: local, thread-safe, no allocation.  Sizes must be positive and
 * the output buffers must not alias the inputs.  The tuned kernels sum in a
 * different order than the naive ones (agreement to rounding, not bitwise).
 ******************************************************************************/
#include <string.h>
#include "nn.h"
#include "nn_int.h"

/* Register tile of the forward kernel: MR rows times NR outputs, as NV
 * vectors of VL doubles (GCC/Clang vector extension; with AVX2 one vector
 * is one register, and the tile is 12 accumulator registers). */
#define VL NN_VL
#define NV 4
#define MR 3
#define NR (NV * VL)
/* Rows per cache block of the weight-gradient kernel. */
#define RB 96

/* y = x w + bias (add = 0) or y += x w (add = 1) on an MR x NR tile. */
static void fwd_tile(double *restrict y, const double *restrict x,
                     const double *restrict w, const double *const bias[MR],
                     int n_in, int n_out, int o0, int add)
{
  vd_t acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int k = 0; k < NV; k++)
      acc[r][k] = add       ? vload(y + (size_t)r * n_out + o0 + k * VL)
                  : bias[r] ? vload(bias[r] + o0 + k * VL)
                            : vbroadcast(0.0);
  for (int i = 0; i < n_in; i++) {
    const double *wi = w + (size_t)i * n_out + o0;
    vd_t wv[NV];
    for (int k = 0; k < NV; k++) wv[k] = vload(wi + k * VL);
    for (int r = 0; r < MR; r++) {
      vd_t xr = vbroadcast(x[(size_t)r * n_in + i]);
      for (int k = 0; k < NV; k++) acc[r][k] = vfma(xr, wv[k], acc[r][k]);
    }
  }
  for (int r = 0; r < MR; r++)
    for (int k = 0; k < NV; k++) vstore(y + (size_t)r * n_out + o0 + k * VL, acc[r][k]);
}

/* One row, outputs o0..n_out-1, plain loops (tile remainders). */
static void fwd_row(double *restrict y, const double *restrict x,
                    const double *restrict w, const double *restrict bias,
                    int n_in, int n_out, int o0, int add)
{
  if (!add)
    for (int o = o0; o < n_out; o++) y[o] = bias ? bias[o] : 0.0;
  for (int i = 0; i < n_in; i++) {
    double xi = x[i];
    const double *wi = w + (size_t)i * n_out;
    for (int o = o0; o < n_out; o++) y[o] += xi * wi[o];
  }
}

/* n_out = 1 (the output layer): one dot product per row, as a vector of
 * partial sums (i mod VL). */
static void fwd_dot(double *restrict y, const double *restrict x,
                    const double *restrict w, const double *b, int n_rows,
                    int n_ch, int n_in)
{
  const int i_end = n_in / VL * VL;
  for (int r = 0; r < n_rows; r++) {
    const double *xr = x + (size_t)r * n_in;
    vd_t acc = vbroadcast(0.0);
    for (int i = 0; i < i_end; i += VL) acc = vfma(vload(xr + i), vload(w + i), acc);
    double sum = vhsum(acc);
    for (int i = i_end; i < n_in; i++) sum += xr[i] * w[i];
    y[r] = (b && r % n_ch == 0) ? sum + b[0] : sum;
  }
}

/* y (n_rows, n_out) = x w (+ b on rows r % n_ch == 0), or += x w (add). */
static void matmul(double *y, const double *x, const double *w, const double *b,
                   int n_rows, int n_ch, int n_in, int n_out, int add)
{
  const int o_end = n_out / NR * NR;
  int r0 = 0;
  for (; r0 + MR <= n_rows; r0 += MR) {
    const double *bias[MR];
    for (int r = 0; r < MR; r++) bias[r] = (b && (r0 + r) % n_ch == 0) ? b : NULL;
    for (int o0 = 0; o0 < o_end; o0 += NR)
      fwd_tile(y + (size_t)r0 * n_out, x + (size_t)r0 * n_in, w, bias, n_in,
               n_out, o0, add);
    if (o_end < n_out)
      for (int r = 0; r < MR; r++)
        fwd_row(y + (size_t)(r0 + r) * n_out, x + (size_t)(r0 + r) * n_in, w,
                bias[r], n_in, n_out, o_end, add);
  }
  for (; r0 < n_rows; r0++)
    fwd_row(y + (size_t)r0 * n_out, x + (size_t)r0 * n_in, w,
            (b && r0 % n_ch == 0) ? b : NULL, n_in, n_out, 0, add);
}

void nn_dense_jet_forward(double *y, const double *x, const double *w,
                          const double *b, int n_batch, int n_ch, int n_in,
                          int n_out)
{
  if (n_out == 1)
    fwd_dot(y, x, w, b, n_batch * n_ch, n_ch, n_in);
  else
    matmul(y, x, w, b, n_batch * n_ch, n_ch, n_in, n_out, 0);
}

void nn_dense_jet_backward_dx_t(double *dx, const double *dy, const double *wt,
                                int n_batch, int n_ch, int n_in, int n_out)
{
  matmul(dx, dy, wt, NULL, n_batch * n_ch, 1, n_out, n_in, 1);
}

void nn_transpose(double *at, const double *a, int n_rows, int n_cols)
{
  for (int i = 0; i < n_rows; i++)
    for (int j = 0; j < n_cols; j++)
      at[(size_t)j * n_rows + i] = a[(size_t)i * n_cols + j];
}

void nn_dense_jet_forward_naive(double *y, const double *x, const double *w,
                                const double *b, int n_batch, int n_ch,
                                int n_in, int n_out)
{
  for (int r = 0; r < n_batch * n_ch; r++)
    for (int o = 0; o < n_out; o++) {
      double s = (b && r % n_ch == 0) ? b[o] : 0.0;
      for (int i = 0; i < n_in; i++)
        s += x[(size_t)r * n_in + i] * w[(size_t)i * n_out + o];
      y[(size_t)r * n_out + o] = s;
    }
}

/* dx rows r0..r0+DR-1, inputs i0..i0+DI-1: dot products over o, as vectors
 * of partial sums (o mod VL) reduced at the end. */
#define DR 3
#define DI 4
static void bwd_dx_tile(double *restrict dx, const double *restrict dy,
                        const double *restrict w, int n_in, int n_out, int i0)
{
  vd_t acc[DR][DI];
  const int o_end = n_out / VL * VL;
  for (int r = 0; r < DR; r++)
    for (int i = 0; i < DI; i++) acc[r][i] = vbroadcast(0.0);
  for (int o = 0; o < o_end; o += VL) {
    vd_t dv[DR];
    for (int r = 0; r < DR; r++) dv[r] = vload(dy + (size_t)r * n_out + o);
    for (int i = 0; i < DI; i++) {
      vd_t wv = vload(w + (size_t)(i0 + i) * n_out + o);
      for (int r = 0; r < DR; r++) acc[r][i] = vfma(dv[r], wv, acc[r][i]);
    }
  }
  for (int r = 0; r < DR; r++)
    for (int i = 0; i < DI; i++) {
      double s = vhsum(acc[r][i]);
      for (int o = o_end; o < n_out; o++)
        s += dy[(size_t)r * n_out + o] * w[(size_t)(i0 + i) * n_out + o];
      dx[(size_t)r * n_in + i0 + i] += s;
    }
}

static void bwd_dx_row(double *restrict dx, const double *restrict dy,
                       const double *restrict w, int n_in, int n_out, int i0)
{
  for (int i = i0; i < n_in; i++) {
    double s = 0.0;
    for (int o = 0; o < n_out; o++) s += dy[o] * w[(size_t)i * n_out + o];
    dx[i] += s;
  }
}

/* dw[i0..i0+MR-1][o0..o0+NR-1] += sum over rows r0..r1-1 of x[r][i] dy[r][o]. */
static void bwd_dw_tile(double *restrict dw, const double *restrict dy,
                        const double *restrict x, int r0, int r1, int n_in,
                        int n_out, int i0, int o0)
{
  vd_t acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int k = 0; k < NV; k++)
      acc[i][k] = vload(dw + (size_t)(i0 + i) * n_out + o0 + k * VL);
  for (int r = r0; r < r1; r++) {
    const double *dyr = dy + (size_t)r * n_out + o0;
    vd_t dv[NV];
    for (int k = 0; k < NV; k++) dv[k] = vload(dyr + k * VL);
    for (int i = 0; i < MR; i++) {
      vd_t xi = vbroadcast(x[(size_t)r * n_in + i0 + i]);
      for (int k = 0; k < NV; k++) acc[i][k] = vfma(xi, dv[k], acc[i][k]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int k = 0; k < NV; k++)
      vstore(dw + (size_t)(i0 + i) * n_out + o0 + k * VL, acc[i][k]);
}

/* Remainder of dw: inputs i, outputs o in [o0, o1), rows r0..r1-1. */
static void bwd_dw_rest(double *restrict dw, const double *restrict dy,
                        const double *restrict x, int r0, int r1, int n_in,
                        int n_out, int i, int o0, int o1)
{
  for (int r = r0; r < r1; r++) {
    double xi = x[(size_t)r * n_in + i];
    const double *dyr = dy + (size_t)r * n_out;
    for (int o = o0; o < o1; o++) dw[(size_t)i * n_out + o] += xi * dyr[o];
  }
}

void nn_dense_jet_backward(double *dx, double *dw, double *db, const double *dy,
                           const double *x, const double *w, int n_batch,
                           int n_ch, int n_in, int n_out)
{
  const int n_rows = n_batch * n_ch;
  if (db)
    for (int bt = 0; bt < n_batch; bt++) {
      const double *dyr = dy + (size_t)bt * n_ch * n_out;
      for (int o = 0; o < n_out; o++) db[o] += dyr[o];
    }
  if (n_out == 1) {
    /* output layer: dx_r += dy_r w, dw += dy_r x_r, both vectors over i */
    for (int r = 0; r < n_rows; r++) {
      const double g = dy[r], *xr = x + (size_t)r * n_in;
      double *dxr = dx ? dx + (size_t)r * n_in : NULL;
      for (int i = 0; i < n_in && dxr; i++) dxr[i] += g * w[i];
      for (int i = 0; i < n_in && dw; i++) dw[i] += g * xr[i];
    }
    return;
  }
  if (dx) {
    const int i_end = n_in / DI * DI;
    int r0 = 0;
    for (; r0 + DR <= n_rows; r0 += DR) {
      for (int i0 = 0; i0 < i_end; i0 += DI)
        bwd_dx_tile(dx + (size_t)r0 * n_in, dy + (size_t)r0 * n_out, w, n_in,
                    n_out, i0);
      for (int r = r0; r < r0 + DR; r++)
        bwd_dx_row(dx + (size_t)r * n_in, dy + (size_t)r * n_out, w, n_in,
                   n_out, i_end);
    }
    for (; r0 < n_rows; r0++)
      bwd_dx_row(dx + (size_t)r0 * n_in, dy + (size_t)r0 * n_out, w, n_in,
                 n_out, 0);
  }
  if (dw) {
    const int i_end = n_in / MR * MR, o_end = n_out / NR * NR;
    for (int r0 = 0; r0 < n_rows; r0 += RB) {
      int r1 = r0 + RB < n_rows ? r0 + RB : n_rows;
      for (int i0 = 0; i0 < i_end; i0 += MR)
        for (int o0 = 0; o0 < o_end; o0 += NR)
          bwd_dw_tile(dw, dy, x, r0, r1, n_in, n_out, i0, o0);
      for (int i = 0; i < n_in; i++) {
        if (i < i_end) {
          if (o_end < n_out)
            bwd_dw_rest(dw, dy, x, r0, r1, n_in, n_out, i, o_end, n_out);
        } else {
          bwd_dw_rest(dw, dy, x, r0, r1, n_in, n_out, i, 0, n_out);
        }
      }
    }
  }
}

void nn_dense_jet_backward_naive(double *dx, double *dw, double *db,
                                 const double *dy, const double *x,
                                 const double *w, int n_batch, int n_ch,
                                 int n_in, int n_out)
{
  for (int r = 0; r < n_batch * n_ch; r++)
    for (int o = 0; o < n_out; o++) {
      double g = dy[(size_t)r * n_out + o];
      if (db && r % n_ch == 0) db[o] += g;
      for (int i = 0; i < n_in; i++) {
        if (dx) dx[(size_t)r * n_in + i] += g * w[(size_t)i * n_out + o];
        if (dw) dw[(size_t)i * n_out + o] += g * x[(size_t)r * n_in + i];
      }
    }
}
