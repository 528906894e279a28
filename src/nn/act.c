/*******************************************************************************
 * act.c: smooth activations and the activation layer on jets.
 *
 * const nn_act_type_t *const nn_act_tanh, nn_act_softplus, nn_act_silu,
 *   nn_act_sin
 *   Activation types: name and eval(s0, s1, s2, s3, z, n), which writes s(z)
 *   and its first three derivatives at n points.  softplus(z) = log(1+e^z),
 *   silu(z) = z / (1 + e^-z).  tanh and silu are vectorised (nn_int.h's
 *   exp, a few ulp); softplus and sin call libm per point.  s''' is needed
 *   by the backward of the Laplacian channel.
 *
 * const nn_act_type_t *nn_act_lookup(const char *name)
 *   The type with that name, or NULL.
 *
 * const nn_act_type_t *const *nn_act_all(void)
 *   NULL-terminated list of all types.
 *
 * void nn_act_jet_forward(double *y, double *s, double *q, const double *z,
 *                         const double *G, const nn_act_type_t *act,
 *                         int n_batch, int n_ch, int n)
 *   Jet of y = s(z) for buffers (n_batch, n_ch, n), m = n_ch - 2:
 *     y0 = s(z0),  y_j = s'(z0) z_j (j = 1..m),
 *     y_L = s'(z0) z_L + s''(z0) q,  q = sum_jk z_j G_jk z_k,
 *   with G (n_batch, m, m) per sample (doc/nn.md).  Writes the caches
 *   s (n_batch, 3, n) = (s', s'', s''') and q (n_batch, n).
 *
 * void nn_act_jet_backward(double *dz, double *dG, const double *dy,
 *                          const double *z, const double *s, const double *q,
 *                          const double *G, int n_batch, int n_ch, int n)
 *   Accumulates the adjoints dz (n_batch, n_ch, n) and, if dG is not NULL,
 *   dG (n_batch, m, m), given dy and the forward's z, s, q, G.  G need not
 *   be symmetric: dz_j gets (G + G^T) z.
 *
 * Context: local, thread-safe, no allocation; outputs must not alias inputs.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "nn.h"
#include "nn_int.h"

/* ---- activation functions ----------------------------------------------- */

/* logistic sigma(z), stable for either sign */
static double sigmoid(double z)
{
  if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
  double e = exp(z);
  return e / (1.0 + e);
}

static void eval_softplus(double *s0, double *s1, double *s2, double *s3,
                          const double *z, int n)
{
  for (int i = 0; i < n; i++) {
    double sg = sigmoid(z[i]), a = sg * (1.0 - sg);
    s0[i] = fmax(z[i], 0.0) + log1p(exp(-fabs(z[i])));
    s1[i] = sg;
    s2[i] = a;
    s3[i] = a * (1.0 - 2.0 * sg);
  }
}

/* Runs f on the chunks of z (NN_VL at a time, the tail zero-padded) and
 * stores the four result vectors into s0..s3. */
static inline __attribute__((always_inline)) void
eval_chunks(double *s0, double *s1, double *s2, double *s3, const double *z,
            int n, void (*f)(vd_t z, vd_t r[4]))
{
  double *dst[4] = {s0, s1, s2, s3};
  for (int i = 0; i < n; i += NN_VL) {
    int nl = n - i < NN_VL ? n - i : NN_VL;
    vd_t r[4], zv;
    if (nl == NN_VL) {
      zv = vload(z + i);
    } else {
      double zt[NN_VL] = {0.0};
      memcpy(zt, z + i, (size_t)nl * sizeof(double));
      zv = vload(zt);
    }
    f(zv, r);
    for (int k = 0; k < 4; k++) {
      if (nl == NN_VL) {
        vstore(dst[k] + i, r[k]);
      } else {
        double tmp[NN_VL];
        vstore(tmp, r[k]);
        memcpy(dst[k] + i, tmp, (size_t)nl * sizeof(double));
      }
    }
  }
}

/* tanh by the vector kernel of nn_int.h (a few ulp); s' = 1 - t^2,
 * s'' = -2 t s', s''' = -2 (s'^2 + t s'') */
static inline __attribute__((always_inline)) void tanh_chunk(vd_t z, vd_t r[4])
{
  vd_t t = vtanh(z), d1 = 1.0 - t * t, d2 = -2.0 * t * d1;
  r[0] = t;
  r[1] = d1;
  r[2] = d2;
  r[3] = -2.0 * (d1 * d1 + t * d2);
}

static void eval_tanh(double *s0, double *s1, double *s2, double *s3,
                      const double *z, int n)
{
  eval_chunks(s0, s1, s2, s3, z, n, tanh_chunk);
}

/* silu z sigma(z) with sigma from the vector exp: e = exp(-|z|) (|z|
 * clamped to 700; NaN propagates), sigma = 1/(1+e) for z >= 0, e/(1+e)
 * else.  With a = sigma', c = 1 - 2 sigma: sigma'' = a c,
 * sigma''' = a c^2 - 2 a^2. */
static inline __attribute__((always_inline)) void silu_chunk(vd_t z, vd_t r[4])
{
  vd_t az = vabs(z);
  vd_t e = vexp_neg(-vselect(az > vbroadcast(700.0), vbroadcast(700.0), az));
  vd_t sg = vselect(z >= vbroadcast(0.0), 1.0 / (1.0 + e), e / (1.0 + e));
  vd_t a = sg * (1.0 - sg), c = 1.0 - 2.0 * sg;
  r[0] = z * sg;
  r[1] = sg + z * a;
  r[2] = a * (2.0 + z * c);
  r[3] = 3.0 * a * c + z * (a * c * c - 2.0 * a * a);
}

static void eval_silu(double *s0, double *s1, double *s2, double *s3,
                      const double *z, int n)
{
  eval_chunks(s0, s1, s2, s3, z, n, silu_chunk);
}

static void eval_sin(double *s0, double *s1, double *s2, double *s3,
                     const double *z, int n)
{
  for (int i = 0; i < n; i++) {
    double sn = sin(z[i]), cs = cos(z[i]);
    s0[i] = sn;
    s1[i] = cs;
    s2[i] = -sn;
    s3[i] = -cs;
  }
}

static const nn_act_type_t act_tanh = {"tanh", eval_tanh};
static const nn_act_type_t act_softplus = {"softplus", eval_softplus};
static const nn_act_type_t act_silu = {"silu", eval_silu};
static const nn_act_type_t act_sin = {"sin", eval_sin};

const nn_act_type_t *const nn_act_tanh = &act_tanh;
const nn_act_type_t *const nn_act_softplus = &act_softplus;
const nn_act_type_t *const nn_act_silu = &act_silu;
const nn_act_type_t *const nn_act_sin = &act_sin;

static const nn_act_type_t *const act_table[] = {&act_tanh, &act_softplus,
                                                 &act_silu, &act_sin, NULL};

const nn_act_type_t *const *nn_act_all(void) { return act_table; }

const nn_act_type_t *nn_act_lookup(const char *name)
{
  if (!name) return NULL;
  for (int i = 0; act_table[i]; i++)
    if (strcmp(act_table[i]->name, name) == 0) return act_table[i];
  return NULL;
}

/* ---- activation layer on jets -------------------------------------------- */

/* Units are processed in chunks of NN_VL (one vector per channel); a short
 * last chunk is zero-padded on load and cut on store. */
static inline vd_t ld(const double *p, int nl)
{
  if (nl == NN_VL) return vload(p);
  double t[NN_VL] = {0.0};
  memcpy(t, p, (size_t)nl * sizeof(double));
  return vload(t);
}

static inline void st(double *p, vd_t v, int nl)
{
  if (nl == NN_VL) {
    vstore(p, v);
  } else {
    double t[NN_VL];
    vstore(t, v);
    memcpy(p, t, (size_t)nl * sizeof(double));
  }
}

/* One sample; inlined with a constant m for the common sizes, so that the
 * loops over derivative channels unroll and stay in registers. */
static inline __attribute__((always_inline)) void
act_fwd_sample(double *y, double *s, double *q, const double *z, const double *G,
               const nn_act_type_t *act, int n_ch, int n, int bt, const int m)
{
  double c[NN_NX_MAX * (NN_NX_MAX + 1) / 2];
  {
    const double *zb = z + (size_t)bt * n_ch * n, *Gb = G + (size_t)bt * m * m;
    double *yb = y + (size_t)bt * n_ch * n;
    double *s1 = s + (size_t)bt * 3 * n, *s2 = s1 + n, *s3 = s2 + n;
    double *qb = q + (size_t)bt * n;
    act->eval(yb, s1, s2, s3, zb, n);
    /* q = sum_{j<=k} c_jk z_j z_k with c_jj = G_jj, c_jk = G_jk + G_kj */
    for (int j = 0, i = 0; j < m; j++)
      for (int k = j; k < m; k++, i++)
        c[i] = (k == j) ? Gb[j * m + j] : Gb[j * m + k] + Gb[k * m + j];
    for (int u = 0; u < n; u += NN_VL) {
      const int nl = n - u < NN_VL ? n - u : NN_VL;
      vd_t zj[NN_NX_MAX], qv = vbroadcast(0.0), s1v = ld(s1 + u, nl);
      for (int j = 0; j < m; j++) {
        zj[j] = ld(zb + (size_t)(j + 1) * n + u, nl);
        st(yb + (size_t)(j + 1) * n + u, s1v * zj[j], nl);
      }
      for (int j = 0, i = 0; j < m; j++)
        for (int k = j; k < m; k++, i++) qv = vfma(vbroadcast(c[i]), zj[j] * zj[k], qv);
      vd_t zL = ld(zb + (size_t)(m + 1) * n + u, nl);
      st(qb + u, qv, nl);
      st(yb + (size_t)(m + 1) * n + u, vfma(s1v, zL, ld(s2 + u, nl) * qv), nl);
    }
  }
}

void nn_act_jet_forward(double *y, double *s, double *q, const double *z,
                        const double *G, const nn_act_type_t *act, int n_batch,
                        int n_ch, int n)
{
  const int m = n_ch - 2;
  for (int bt = 0; bt < n_batch; bt++) {
    switch (m) {
      case 2: act_fwd_sample(y, s, q, z, G, act, n_ch, n, bt, 2); break;
      case 4: act_fwd_sample(y, s, q, z, G, act, n_ch, n, bt, 4); break;
      case 6: act_fwd_sample(y, s, q, z, G, act, n_ch, n, bt, 6); break;
      case 8: act_fwd_sample(y, s, q, z, G, act, n_ch, n, bt, 8); break;
      default: act_fwd_sample(y, s, q, z, G, act, n_ch, n, bt, m); break;
    }
  }
}

static inline __attribute__((always_inline)) void
act_bwd_sample(double *dz, double *dG, const double *dy, const double *z,
               const double *s, const double *q, const double *G, int n_ch,
               int n, int bt, const int m)
{
  const int np = m * (m + 1) / 2;
  double c2[NN_NX_MAX * NN_NX_MAX];
  vd_t accG[NN_NX_MAX * (NN_NX_MAX + 1) / 2];
  {
    const size_t off = (size_t)bt * n_ch * n;
    const double *zb = z + off, *dyb = dy + off, *Gb = G + (size_t)bt * m * m;
    const double *s1 = s + (size_t)bt * 3 * n, *s2 = s1 + n, *s3 = s2 + n;
    const double *qb = q + (size_t)bt * n;
    double *dzb = dz + off;
    for (int j = 0; j < m; j++)
      for (int k = 0; k < m; k++) c2[j * m + k] = Gb[j * m + k] + Gb[k * m + j];
    for (int i = 0; i < np; i++) accG[i] = vbroadcast(0.0);
    for (int u = 0; u < n; u += NN_VL) {
      const int nl = n - u < NN_VL ? n - u : NN_VL;
      vd_t zj[NN_NX_MAX], dyj[NN_NX_MAX];
      vd_t s1v = ld(s1 + u, nl), s2v = ld(s2 + u, nl), s3v = ld(s3 + u, nl);
      vd_t qv = ld(qb + u, nl), zL = ld(zb + (size_t)(m + 1) * n + u, nl);
      vd_t dy0 = ld(dyb + u, nl), dyL = ld(dyb + (size_t)(m + 1) * n + u, nl);
      vd_t qbar = dyL * s2v, sdz = vbroadcast(0.0);
      for (int j = 0; j < m; j++) {
        zj[j] = ld(zb + (size_t)(j + 1) * n + u, nl);
        dyj[j] = ld(dyb + (size_t)(j + 1) * n + u, nl);
        sdz = vfma(dyj[j], zj[j], sdz);
      }
      /* value: s1 dy0 + s2 sum_j dy_j z_j + dy_L (s2 z_L + s3 q) */
      vd_t dz0 = dy0 * s1v + s2v * sdz + dyL * vfma(s2v, zL, s3v * qv);
      st(dzb + u, ld(dzb + u, nl) + dz0, nl);
      st(dzb + (size_t)(m + 1) * n + u,
         ld(dzb + (size_t)(m + 1) * n + u, nl) + dyL * s1v, nl);
      /* derivative channels: s1 dy_j + qbar (G + G^T)_jk z_k */
      for (int j = 0; j < m; j++) {
        vd_t t = vbroadcast(0.0);
        for (int k = 0; k < m; k++) t = vfma(vbroadcast(c2[j * m + k]), zj[k], t);
        double *p = dzb + (size_t)(j + 1) * n + u;
        st(p, ld(p, nl) + vfma(dyj[j], s1v, qbar * t), nl);
      }
      /* dG_jk += sum_u qbar z_j z_k (padded lanes carry zeros) */
      for (int j = 0, i = 0; j < m; j++) {
        vd_t qz = qbar * zj[j];
        for (int k = j; k < m; k++, i++) accG[i] = vfma(qz, zj[k], accG[i]);
      }
    }
    if (dG) {
      double *dGb = dG + (size_t)bt * m * m;
      for (int j = 0, i = 0; j < m; j++)
        for (int k = j; k < m; k++, i++) {
          double sum = vhsum(accG[i]);
          dGb[j * m + k] += sum;
          if (k != j) dGb[k * m + j] += sum;
        }
    }
  }
}

void nn_act_jet_backward(double *dz, double *dG, const double *dy,
                         const double *z, const double *s, const double *q,
                         const double *G, int n_batch, int n_ch, int n)
{
  const int m = n_ch - 2;
  for (int bt = 0; bt < n_batch; bt++) {
    switch (m) {
      case 2: act_bwd_sample(dz, dG, dy, z, s, q, G, n_ch, n, bt, 2); break;
      case 4: act_bwd_sample(dz, dG, dy, z, s, q, G, n_ch, n, bt, 4); break;
      case 6: act_bwd_sample(dz, dG, dy, z, s, q, G, n_ch, n, bt, 6); break;
      case 8: act_bwd_sample(dz, dG, dy, z, s, q, G, n_ch, n, bt, 8); break;
      default: act_bwd_sample(dz, dG, dy, z, s, q, G, n_ch, n, bt, m); break;
    }
  }
}
