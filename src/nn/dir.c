/*******************************************************************************
 * dir.c: the network's jets along a few given directions (evaluation only).
 *
 * nn_forward propagates m + 2 jet channels: the value, d/dx_j for every
 * input feature and the Laplacian channel.  When the metric G of the
 * Laplacian has rank r < m, G = V M V^T with V (m x r) and M (r x r), the
 * same F and L come from r + 2 channels: the value, the directional
 * derivatives along the columns V_i of V, and the Laplacian channel, whose
 * activation term is q = sum_ij M_ij z_i z_j (doc/nn.md, "Reduced jets").
 *
 * void nn_input_dir_forward(double *z, const double *x, const double *V,
 *                           const double *h, const double *e, const double *w,
 *                           const double *b, int n_batch, int m, int r,
 *                           int n_t, int n_out)
 *   The input layer on the jet of [x, e(t)] along V: z (n_batch, r + 2,
 *   n_out) with z0 = x w[0:m] + e w[m:m+n_t] + b, z_i = sum_j V_ji w[j]
 *   (i = 1..r), z_L = h w[0:m].  x, h: (n_batch, m); V: (n_batch, m, r),
 *   row-major (V[(b*m + j)*r + i] = (V_i)_j); e: (n_t); w: (m + n_t, n_out).
 *   With V = identity (r = m) this is nn_input_jet_forward.
 *
 * int nn_forward_dir(double *out, nn_workspace_t *ws, const nn_t *net,
 *                    const double *theta, const double *x, const double *V,
 *                    const double *M, const double *h, double t, int n_batch,
 *                    int r)
 *   out (n_batch, r + 2) = (F, d_1..d_r, L) per sample, with g = dF/dx,
 *   H = d^2F/dx^2:  d_i = g . V_i,  L = sum_ij (V_i^T H V_j) M_ij + g . h.
 *   M: (n_batch, r, r) (need not be symmetric).  If G = V M V^T this L is
 *   nn_forward's L for G.  Keeps no caches (a following nn_backward is
 *   refused); any n_batch >= 1.  tanh and silu networks whose width is a
 *   multiple of 2 NN_VL with r <= 3 run through a fused per-sample kernel
 *   (each dense layer in register tiles of r + 2 channels x 2 NN_VL units,
 *   the activation jet unit by unit, the output layer contracted inside
 *   the last activation; the scratch of one sample stays in L1, and each
 *   sample's bits do not depend on the rest of the batch); everything
 *   else through
 *   nn_forward_dir_ref.  Returns EMF_SUCCESS, or EMF_EINVAL for n_batch < 1
 *   or r outside 1..n_x (nothing computed).
 *
 * int nn_forward_dir_ref(...)  (same arguments)
 *   The same outputs from the layer kernels (nn_input_dir_forward,
 *   nn_act_jet_forward with n_ch = r + 2 and G = M, nn_dense_jet_forward)
 *   in blocks of samples, for any activation and width: the reference of
 *   the fused kernel in the tests (agreement to rounding, not bitwise).
 *
 * Context: local, no allocation (the scratch of ws, which must come from
 * nn_workspace_alloc for net: r + 2 <= n_ch channels fit its buffers).  A
 * workspace serves one thread at a time.
 ******************************************************************************/
#include <string.h>
#include "nn.h"
#include "nn_int.h"

#define DIR_BLOCK 32          /* samples per block of the reference path */
#define NU (2 * NN_VL)        /* units per register tile of the fused kernel */
#define RMAX_FUSED 3          /* r + 2 <= 5 channels: 10 accumulators */

void nn_input_dir_forward(double *z, const double *x, const double *V,
                          const double *h, const double *e, const double *w,
                          const double *b, int n_batch, int m, int r, int n_t,
                          int n_out)
{
  const int nc = r + 2;
  for (int bt = 0; bt < n_batch; bt++) {
    double *restrict zb = z + (size_t)bt * nc * n_out;
    double *restrict zL = zb + (size_t)(r + 1) * n_out;
    const double *xb = x + (size_t)bt * m, *hb = h + (size_t)bt * m;
    const double *Vb = V + (size_t)bt * m * r;
    for (int o = 0; o < n_out; o++) zb[o] = b[o];
    for (int t = 0; t < n_t; t++) {
      const double et = e[t], *restrict wt = w + (size_t)(m + t) * n_out;
      for (int o = 0; o < n_out; o++) zb[o] += et * wt[o];
    }
    memset(zb + n_out, 0, (size_t)(r + 1) * n_out * sizeof(double));
    for (int j = 0; j < m; j++) {
      const double *restrict wj = w + (size_t)j * n_out;
      const double xj = xb[j], hj = hb[j];
      for (int o = 0; o < n_out; o++) {
        zb[o] += xj * wj[o];
        zL[o] += hj * wj[o];
      }
      for (int i = 0; i < r; i++) {
        const double vji = Vb[j * r + i];
        double *restrict zi = zb + (size_t)(i + 1) * n_out;
        for (int o = 0; o < n_out; o++) zi[o] += vji * wj[o];
      }
    }
  }
}

/* ---- reference path: the layer kernels on blocks of samples ------------- */

int nn_forward_dir_ref(double *out, nn_workspace_t *ws, const nn_t *net,
                       const double *theta, const double *x, const double *V,
                       const double *M, const double *h, double t, int n_batch,
                       int r)
{
  const int m = net->cfg.n_x, w = net->cfg.width, d = net->cfg.depth;
  const int nc = r + 2;
  const int blk = ws->n_batch_max < DIR_BLOCK ? ws->n_batch_max : DIR_BLOCK;
  nn_params_t p;
  if (n_batch < 1 || r < 1 || r > m) return EMF_EINVAL;
  nn_point_params(&p, net, (double *)theta);
  nn_time_features(ws->e, net, t);
  ws->n_cached = 0;
  for (int b0 = 0; b0 < n_batch; b0 += blk) {
    const int nb = n_batch - b0 < blk ? n_batch - b0 : blk;
    const double *prev = NULL;
    for (int l = 0; l < d; l++) {
      double *z = ws->adj0, *y = (l % 2 == 0) ? ws->adj1 : ws->adj2;
      if (l == 0)
        nn_input_dir_forward(z, x + (size_t)b0 * m, V + (size_t)b0 * m * r,
                             h + (size_t)b0 * m, ws->e, p.w[0], p.b[0], nb, m, r,
                             net->n_t, w);
      else
        nn_dense_jet_forward(z, prev, p.w[l], p.b[l], nb, nc, w, w);
      nn_act_jet_forward(y, ws->s[0], ws->q[0], z, M + (size_t)b0 * r * r,
                         net->cfg.act, nb, nc, w);
      prev = y;
    }
    nn_dense_jet_forward(out + (size_t)b0 * nc, prev, p.w[d], p.b[d], nb, nc, w, 1);
  }
  return EMF_SUCCESS;
}

/* ---- fused per-sample kernel --------------------------------------------- */

enum { ACT_TANH = 0, ACT_SILU = 1 };

/* s(z), s'(z), s''(z) on one vector, by the same formulas (and bits) as the
 * tanh and silu kernels of act.c. */
static inline __attribute__((always_inline)) void act_vec(vd_t z, vd_t *s0, vd_t *s1,
                                                          vd_t *s2, const int kind)
{
  if (kind == ACT_TANH) {
    vd_t th = vtanh(z), d1 = 1.0 - th * th;
    *s0 = th;
    *s1 = d1;
    *s2 = -2.0 * th * d1;
  } else {
    vd_t az = vabs(z);
    vd_t e = vexp_neg(-vselect(az > vbroadcast(700.0), vbroadcast(700.0), az));
    vd_t sg = vselect(z >= vbroadcast(0.0), 1.0 / (1.0 + e), e / (1.0 + e));
    vd_t a = sg * (1.0 - sg), c = 1.0 - 2.0 * sg;
    *s0 = z * sg;
    *s1 = sg + z * a;
    *s2 = a * (2.0 + z * c);
  }
}

/* The activation jet of one sample's layer, unit by unit (NN_VL at a time):
 * y0 = s(z0), y_i = s' z_i, y_L = s' z_L + s'' q with q = sum_{i<=j} c_ij
 * z_i z_j, c_ii = M_ii, c_ij = M_ij + M_ji (the order of
 * nn_act_jet_forward).  z, y: (r + 2, w).  With acc != NULL (last hidden
 * layer) y is not stored but contracted with the output weight wo:
 * acc[c] += wo[u] y_c[u].  The iterations are independent, so the
 * out-of-order core overlaps the activations of several units (each one
 * alone is a long dependency chain). */
static inline __attribute__((always_inline)) void
act_layer(double *y, vd_t *acc, const double *z, const double *wo, const double *cq,
          int w, const int r, const int kind)
{
  for (int u = 0; u < w; u += NN_VL) {
    vd_t s0, s1, s2, q = vbroadcast(0.0), zi[RMAX_FUSED], zL;
    act_vec(vload(z + u), &s0, &s1, &s2, kind);
    for (int i = 0; i < r; i++) zi[i] = vload(z + (size_t)(1 + i) * w + u);
    zL = vload(z + (size_t)(r + 1) * w + u);
    for (int i = 0, n = 0; i < r; i++)
      for (int j = i; j < r; j++, n++) q = vfma(vbroadcast(cq[n]), zi[i] * zi[j], q);
    zL = vfma(s1, zL, s2 * q);
    if (acc) {
      vd_t wv = vload(wo + u);
      acc[0] = vfma(s0, wv, acc[0]);
      for (int i = 0; i < r; i++) acc[1 + i] = vfma(s1 * zi[i], wv, acc[1 + i]);
      acc[r + 1] = vfma(zL, wv, acc[r + 1]);
    } else {
      vstore(y + u, s0);
      for (int i = 0; i < r; i++) vstore(y + (size_t)(1 + i) * w + u, s1 * zi[i]);
      vstore(y + (size_t)(r + 1) * w + u, zL);
    }
  }
}

/* One sample through the whole network.  c0 (w): b_0 + e w_0[m:], shared by
 * the batch; zb, ya, yb: (r + 2, w) scratch.  Each layer: the dense part in
 * register tiles of r + 2 channels x NU units into zb, then act_layer. */
static inline __attribute__((always_inline)) void
dir_sample(double *out, const double *x, const double *V, const double *M,
           const double *h, const double *c0, const nn_params_t *p, int m, int w,
           int d, double *zb, double *ya, double *yb, const int r, const int kind)
{
  const int nc = r + 2;
  double cq[RMAX_FUSED * (RMAX_FUSED + 1) / 2];
  vd_t acc[RMAX_FUSED + 2];
  for (int i = 0, n = 0; i < r; i++)
    for (int j = i; j < r; j++, n++)
      cq[n] = (i == j) ? M[i * r + i] : M[i * r + j] + M[j * r + i];
  for (int c = 0; c < nc; c++) acc[c] = vbroadcast(0.0);

  /* input layer */
  for (int u0 = 0; u0 < w; u0 += NU) {
    vd_t z[RMAX_FUSED + 2][2];
    for (int k = 0; k < 2; k++) {
      z[0][k] = vload(c0 + u0 + k * NN_VL);
      for (int c = 1; c < nc; c++) z[c][k] = vbroadcast(0.0);
    }
    for (int j = 0; j < m; j++) {
      const double *wj = p->w[0] + (size_t)j * w + u0;
      vd_t xj = vbroadcast(x[j]), hj = vbroadcast(h[j]);
      for (int k = 0; k < 2; k++) {
        vd_t wv = vload(wj + k * NN_VL);
        z[0][k] = vfma(xj, wv, z[0][k]);
        for (int i = 0; i < r; i++) z[1 + i][k] = vfma(vbroadcast(V[j * r + i]), wv, z[1 + i][k]);
        z[r + 1][k] = vfma(hj, wv, z[r + 1][k]);
      }
    }
    for (int c = 0; c < nc; c++)
      for (int k = 0; k < 2; k++) vstore(zb + (size_t)c * w + u0 + k * NN_VL, z[c][k]);
  }
  act_layer(ya, d == 1 ? acc : NULL, zb, p->w[d], cq, w, r, kind);

  /* hidden layers */
  for (int l = 1; l < d; l++) {
    const double *W = p->w[l], *bl = p->b[l];
    for (int u0 = 0; u0 < w; u0 += NU) {
      vd_t z[RMAX_FUSED + 2][2];
      for (int k = 0; k < 2; k++) {
        z[0][k] = vload(bl + u0 + k * NN_VL);
        for (int c = 1; c < nc; c++) z[c][k] = vbroadcast(0.0);
      }
      for (int i = 0; i < w; i++) {
        vd_t w0 = vload(W + (size_t)i * w + u0), w1 = vload(W + (size_t)i * w + u0 + NN_VL);
        for (int c = 0; c < nc; c++) {
          vd_t a = vbroadcast(ya[(size_t)c * w + i]);
          z[c][0] = vfma(a, w0, z[c][0]);
          z[c][1] = vfma(a, w1, z[c][1]);
        }
      }
      for (int c = 0; c < nc; c++)
        for (int k = 0; k < 2; k++) vstore(zb + (size_t)c * w + u0 + k * NN_VL, z[c][k]);
    }
    act_layer(yb, l == d - 1 ? acc : NULL, zb, p->w[d], cq, w, r, kind);
    {
      double *tmp = ya;
      ya = yb;
      yb = tmp;
    }
  }

  /* output layer: out_c = sum_u w_d[u] y_c[u] (+ b_d on the value) */
  for (int c = 0; c < nc; c++) {
    double s = vhsum(acc[c]);
    out[c] = c == 0 ? s + p->b[d][0] : s;
  }
}

/* The batch loop for one (r, kind): the switch below instantiates it with
 * constants, so the channel loops unroll and the tile stays in registers. */
static inline __attribute__((always_inline)) void
dir_batch(double *out, const double *x, const double *V, const double *M,
          const double *h, const double *c0, const nn_params_t *p, int m, int w,
          int d, double *zb, double *ya, double *yb, int n_batch, const int r,
          const int kind)
{
  for (int bt = 0; bt < n_batch; bt++)
    dir_sample(out + (size_t)bt * (r + 2), x + (size_t)bt * m, V + (size_t)bt * m * r,
               M + (size_t)bt * r * r, h + (size_t)bt * m, c0, p, m, w, d, zb, ya, yb,
               r, kind);
}

int nn_forward_dir(double *out, nn_workspace_t *ws, const nn_t *net,
                   const double *theta, const double *x, const double *V,
                   const double *M, const double *h, double t, int n_batch, int r)
{
  const int m = net->cfg.n_x, w = net->cfg.width, d = net->cfg.depth;
  const int kind = net->cfg.act == nn_act_tanh ? ACT_TANH
                   : net->cfg.act == nn_act_silu ? ACT_SILU
                                                 : -1;
  nn_params_t p;
  /* scratch: zb, ya, yb (r + 2, w) in adj2, adj0, adj1 (each holds at least
   * (n_x + 2) w doubles, r <= n_x), c0 (w) in q[0] (n_batch_max w) */
  double *c0 = ws->q[0], *zb = ws->adj2, *ya = ws->adj0, *yb = ws->adj1;
  if (n_batch < 1 || r < 1 || r > m) return EMF_EINVAL;
  if (kind < 0 || r > RMAX_FUSED || w % NU != 0)
    return nn_forward_dir_ref(out, ws, net, theta, x, V, M, h, t, n_batch, r);
  nn_point_params(&p, net, (double *)theta);
  nn_time_features(ws->e, net, t);
  ws->n_cached = 0;
  /* the time part of the input layer, shared by the batch (the order of
   * nn_input_jet_forward) */
  for (int o = 0; o < w; o++) c0[o] = p.b[0][o];
  for (int k = 0; k < net->n_t; k++) {
    const double ek = ws->e[k], *wk = p.w[0] + (size_t)(m + k) * w;
    for (int o = 0; o < w; o++) c0[o] += ek * wk[o];
  }
#define DIR_CASE(R, KIND) \
  dir_batch(out, x, V, M, h, c0, &p, m, w, d, zb, ya, yb, n_batch, R, KIND)
  if (kind == ACT_TANH) {
    switch (r) {
      case 1: DIR_CASE(1, ACT_TANH); break;
      case 2: DIR_CASE(2, ACT_TANH); break;
      default: DIR_CASE(3, ACT_TANH); break;
    }
  } else {
    switch (r) {
      case 1: DIR_CASE(1, ACT_SILU); break;
      case 2: DIR_CASE(2, ACT_SILU); break;
      default: DIR_CASE(3, ACT_SILU); break;
    }
  }
#undef DIR_CASE
  return EMF_SUCCESS;
}
