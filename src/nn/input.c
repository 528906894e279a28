/*******************************************************************************
 * input.c: the input layer of the network on jets, forward and backward.
 *
 * The first dense layer acts on the input jet of [x, e(t)]: value [x, e],
 * derivative rows the unit vectors e_j (j < m), Laplacian row [h, 0].  Most
 * of that jet is constant, so the layer is computed from its structure:
 *   z0 = x w[0:m] + e w[m:m+n_t] + b,   z_j = w[j],   z_L = h w[0:m],
 * which costs (2m + n_t) n_out multiply-adds per sample instead of
 * (m + 2)(m + n_t) n_out for the general dense jet (doc/nn.md).
 *
 * void nn_input_jet_forward(double *z, const double *x, const double *h,
 *                           const double *e, const double *w, const double *b,
 *                           int n_batch, int m, int n_t, int n_out)
 *   z (n_batch, m + 2, n_out) from x, h (n_batch, m), the time features
 *   e (n_t, shared by the batch), w (m + n_t, n_out) and b (n_out).
 *
 * void nn_input_jet_backward(double *dx, double *dh, double *dw, double *db,
 *                            const double *dz, const double *x,
 *                            const double *h, const double *e,
 *                            const double *w, int n_batch, int m, int n_t,
 *                            int n_out)
 *   Accumulates, from dz (n_batch, m + 2, n_out): dx += dz0 w[0:m]^T and
 *   dh += dzL w[0:m]^T (n_batch, m; either may be NULL), and
 *   dw[j] += x_j dz0 + h_j dzL + dz_j (j < m), dw[m+t] += e_t dz0,
 *   db += dz0, summed over the batch.
 *
 * Context: local, thread-safe, no allocation; outputs must not alias inputs.
 ******************************************************************************/
#include <string.h>
#include "nn.h"
#include "nn_int.h"

void nn_input_jet_forward(double *z, const double *x, const double *h,
                          const double *e, const double *w, const double *b,
                          int n_batch, int m, int n_t, int n_out)
{
  const int nc = m + 2;
  /* the time part, shared by the batch, goes first into sample 0's value
   * row; the samples are then filled from the last to the first */
  double *restrict c = z;
  for (int o = 0; o < n_out; o++) c[o] = b[o];
  for (int t = 0; t < n_t; t++) {
    const double et = e[t], *restrict wt = w + (size_t)(m + t) * n_out;
    for (int o = 0; o < n_out; o++) c[o] += et * wt[o];
  }
  for (int bt = n_batch - 1; bt >= 0; bt--) {
    double *restrict zb = z + (size_t)bt * nc * n_out;
    double *restrict zL = zb + (size_t)(m + 1) * n_out;
    const double *xb = x + (size_t)bt * m, *hb = h + (size_t)bt * m;
    if (bt > 0) memcpy(zb, c, (size_t)n_out * sizeof(double));
    for (int o = 0; o < n_out; o++) zL[o] = 0.0;
    for (int j = 0; j < m; j++) {
      const double *restrict wj = w + (size_t)j * n_out;
      const double xj = xb[j], hj = hb[j];
      for (int o = 0; o < n_out; o++) {
        zb[o] += xj * wj[o];
        zL[o] += hj * wj[o];
      }
      memcpy(zb + (size_t)(j + 1) * n_out, wj, (size_t)n_out * sizeof(double));
    }
  }
}

/* sum_o a[o] b[o] as NN_VL lanes of partial sums */
static double dot(const double *a, const double *b, int n)
{
  vd_t acc = vbroadcast(0.0);
  int o = 0;
  for (; o + NN_VL <= n; o += NN_VL) acc = vfma(vload(a + o), vload(b + o), acc);
  double s = vhsum(acc);
  for (; o < n; o++) s += a[o] * b[o];
  return s;
}

void nn_input_jet_backward(double *dx, double *dh, double *dw, double *db,
                           const double *dz, const double *x, const double *h,
                           const double *e, const double *w, int n_batch, int m,
                           int n_t, int n_out)
{
  const int nc = m + 2;
  for (int bt = 0; bt < n_batch; bt++) {
    const double *restrict dz0 = dz + (size_t)bt * nc * n_out;
    const double *restrict dzL = dz0 + (size_t)(m + 1) * n_out;
    const double *xb = x + (size_t)bt * m, *hb = h + (size_t)bt * m;
    for (int j = 0; j < m; j++) {
      const double *wj = w + (size_t)j * n_out;
      if (dx) dx[(size_t)bt * m + j] += dot(dz0, wj, n_out);
      if (dh) dh[(size_t)bt * m + j] += dot(dzL, wj, n_out);
    }
    if (dw) {
      for (int j = 0; j < m; j++) {
        double *restrict dwj = dw + (size_t)j * n_out;
        const double *restrict dzj = dz0 + (size_t)(j + 1) * n_out;
        const double xj = xb[j], hj = hb[j];
        for (int o = 0; o < n_out; o++) dwj[o] += xj * dz0[o] + hj * dzL[o] + dzj[o];
      }
      for (int t = 0; t < n_t; t++) {
        double *restrict dwt = dw + (size_t)(m + t) * n_out;
        const double et = e[t];
        for (int o = 0; o < n_out; o++) dwt[o] += et * dz0[o];
      }
    }
    if (db)
      for (int o = 0; o < n_out; o++) db[o] += dz0[o];
  }
}
