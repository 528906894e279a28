/*******************************************************************************
 * act.c: smooth activations and the activation layer on jets.
 *
 * const nn_act_type_t *const nn_act_tanh, nn_act_softplus, nn_act_silu,
 *   nn_act_sin
 *   Activation types: name and eval(s0, s1, s2, s3, z, n), which writes s(z)
 *   and its first three derivatives at n points.  softplus(z) = log(1+e^z),
 *   silu(z) = z / (1 + e^-z).  s''' is needed by the backward of the
 *   Laplacian channel.
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

/* ---- activation functions ----------------------------------------------- */

static void eval_tanh(double *s0, double *s1, double *s2, double *s3,
                      const double *z, int n)
{
  for (int i = 0; i < n; i++) {
    double t = tanh(z[i]), d1 = 1.0 - t * t, d2 = -2.0 * t * d1;
    s0[i] = t;
    s1[i] = d1;
    s2[i] = d2;
    s3[i] = -2.0 * (d1 * d1 + t * d2);
  }
}

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

static void eval_silu(double *s0, double *s1, double *s2, double *s3,
                      const double *z, int n)
{
  for (int i = 0; i < n; i++) {
    /* a = sigma', sigma'' = a (1 - 2 sigma), sigma''' = a (1-2 sigma)^2 - 2 a^2 */
    double x = z[i], sg = sigmoid(x), a = sg * (1.0 - sg), c = 1.0 - 2.0 * sg;
    s0[i] = x * sg;
    s1[i] = sg + x * a;
    s2[i] = a * (2.0 + x * c);
    s3[i] = 3.0 * a * c + x * (a * c * c - 2.0 * a * a);
  }
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

void nn_act_jet_forward(double *y, double *s, double *q, const double *z,
                        const double *G, const nn_act_type_t *act, int n_batch,
                        int n_ch, int n)
{
  const int m = n_ch - 2;
  for (int bt = 0; bt < n_batch; bt++) {
    const double *restrict zb = z + (size_t)bt * n_ch * n;
    const double *restrict Gb = G + (size_t)bt * m * m;
    const double *restrict zL = zb + (size_t)(m + 1) * n;
    double *restrict yb = y + (size_t)bt * n_ch * n;
    double *restrict yL = yb + (size_t)(m + 1) * n;
    double *restrict s1 = s + (size_t)bt * 3 * n, *s2 = s1 + n, *s3 = s2 + n;
    double *restrict qb = q + (size_t)bt * n;
    act->eval(yb, s1, s2, s3, zb, n);
    for (int j = 1; j <= m; j++) {
      const double *restrict zj = zb + (size_t)j * n;
      double *restrict yj = yb + (size_t)j * n;
      for (int u = 0; u < n; u++) yj[u] = s1[u] * zj[u];
    }
    /* q = sum_{j<=k} c_jk z_j z_k with c_jj = G_jj, c_jk = G_jk + G_kj */
    for (int u = 0; u < n; u++) qb[u] = 0.0;
    for (int j = 0; j < m; j++) {
      const double *restrict zj = zb + (size_t)(j + 1) * n;
      for (int k = j; k < m; k++) {
        const double *restrict zk = zb + (size_t)(k + 1) * n;
        double c = (k == j) ? Gb[j * m + j] : Gb[j * m + k] + Gb[k * m + j];
        for (int u = 0; u < n; u++) qb[u] += c * zj[u] * zk[u];
      }
    }
    for (int u = 0; u < n; u++) yL[u] = s1[u] * zL[u] + s2[u] * qb[u];
  }
}

void nn_act_jet_backward(double *dz, double *dG, const double *dy,
                         const double *z, const double *s, const double *q,
                         const double *G, int n_batch, int n_ch, int n)
{
  const int m = n_ch - 2;
  for (int bt = 0; bt < n_batch; bt++) {
    const size_t off = (size_t)bt * n_ch * n;
    const double *restrict zb = z + off, *restrict dyb = dy + off;
    const double *restrict Gb = G + (size_t)bt * m * m;
    const double *restrict zL = zb + (size_t)(m + 1) * n;
    const double *restrict dyL = dyb + (size_t)(m + 1) * n;
    const double *restrict s1 = s + (size_t)bt * 3 * n, *s2 = s1 + n, *s3 = s2 + n;
    const double *restrict qb = q + (size_t)bt * n;
    double *restrict dzb = dz + off, *restrict dzL = dzb + (size_t)(m + 1) * n;
    /* value and Laplacian channels */
    for (int u = 0; u < n; u++) {
      dzb[u] += dyb[u] * s1[u] + dyL[u] * (s2[u] * zL[u] + s3[u] * qb[u]);
      dzL[u] += dyL[u] * s1[u];
    }
    for (int j = 1; j <= m; j++) {
      const double *restrict zj = zb + (size_t)j * n;
      const double *restrict dyj = dyb + (size_t)j * n;
      double *restrict dzj = dzb + (size_t)j * n;
      for (int u = 0; u < n; u++) {
        dzb[u] += s2[u] * dyj[u] * zj[u];
        dzj[u] += dyj[u] * s1[u];
      }
    }
    /* through q: qbar = dy_L s'', dz_j += qbar (G + G^T)_jk z_k,
     * dG_jk += sum_u qbar z_j z_k */
    for (int j = 0; j < m; j++) {
      double *restrict dzj = dzb + (size_t)(j + 1) * n;
      for (int k = 0; k < m; k++) {
        const double *restrict zk = zb + (size_t)(k + 1) * n;
        double c = Gb[j * m + k] + Gb[k * m + j];
        for (int u = 0; u < n; u++) dzj[u] += c * dyL[u] * s2[u] * zk[u];
      }
    }
    if (dG) {
      double *dGb = dG + (size_t)bt * m * m;
      for (int j = 0; j < m; j++) {
        const double *zj = zb + (size_t)(j + 1) * n;
        for (int k = j; k < m; k++) {
          const double *zk = zb + (size_t)(k + 1) * n;
          double acc[4] = {0.0, 0.0, 0.0, 0.0};
          int u = 0;
          for (; u + 4 <= n; u += 4)
            for (int l = 0; l < 4; l++)
              acc[l] += dyL[u + l] * s2[u + l] * zj[u + l] * zk[u + l];
          double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
          for (; u < n; u++) sum += dyL[u] * s2[u] * zj[u] * zk[u];
          dGb[j * m + k] += sum;
          if (k != j) dGb[k * m + j] += sum;
        }
      }
    }
  }
}
