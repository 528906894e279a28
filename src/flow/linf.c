/*******************************************************************************
 * linf.c: the linear F of the lattice flow, F(f, t) = sum_j f_j a_j(t) with
 * time-dependent coefficients a_j(t) = sum_n c_{j,n} phi_n(t)
 * (doc/flow_lattice.md section 7).
 *
 * The time basis is the shifted Legendre polynomials phi_n(t) = P_n(2t - 1),
 * n = 0..n_basis-1 (phi_0 = 1, phi_1 = 2t - 1, ...; orthogonal on [0, 1]).
 * Parameters c[j * n_basis + n], j = 0..m-1 (the feature index of
 * potential.h: Re tr W^k at k-1, Im tr W^k at K+k-1), n = 0..n_basis-1.
 * Since F is linear in f: g = dF/df = a(t), d2F/df2 = 0, L = a.h.
 *
 * size_t flow_linf_n_params(int K, int n_basis)
 *   2 K n_basis.
 *
 * void flow_linf_basis(int n_basis, double t, double *phi)
 *   phi[n] = P_n(2t - 1) by the three-term recurrence.
 *
 * int flow_linf_init(pot_func_t *F, flow_linf_t *c, int K, int n_basis)
 *   Points F (name "linear", K) at c, parameters unset (flow_linf_set).
 *   EMF_EINVAL if K is outside 1..POT_KMAX or n_basis outside
 *   1..FLOW_LINF_BASIS_MAX.
 *
 * void flow_linf_set(flow_linf_t *c, const double *theta, double *dtheta)
 *   The parameters forward reads and the buffer backward accumulates
 *   dF/dc into (NULL: none).
 *
 * void flow_linf_coef(const flow_linf_t *c, double t, double *a)
 *   a[j] = a_j(t) (m values).
 *
 * const flow_linf_t *flow_linf_of(const pot_func_t *F)
 *   The flow_linf_t behind F when F was set up by flow_linf_init, else NULL.
 *
 * void flow_linf_grad_acc(const flow_linf_t *c, qsum_t *acc, double t,
 *                         int nb, const double *dout, const double *f,
 *                         const double *h)
 *   Adds the parameter gradient of sum_b dout_b . out_b to the
 *   double-double accumulators acc (m n_basis): each loop's
 *   da_j = dF_b f_bj + dg_bj + dL_b h_bj (h NULL: no L term) enters an
 *   exact-enough sum over the batch, which is multiplied by phi_n(t) once
 *   (double-double times double) and added to acc[j n_basis + n].  The
 *   total over any split of the loops into batches and ranks then rounds to
 *   the same double (doc/flow_lattice.md section 2).
 *
 * double flow_linf_lo_coef(int N, double beta, int loop_len)
 *   Coefficient c of Re tr W in the leading-order trivialising potential
 *   Phi = c sum_P Re tr W_P of the Wilson action S = -(beta/N) sum_P Re tr
 *   W_P: Delta Phi = S - <S> with Delta Re tr W = -loop_len C_F Re tr W
 *   (C_F = (N^2 - 1)/(2N), every link of the loop), so c = beta / (loop_len
 *   N C_F) (= beta / (2 (N^2 - 1)) for plaquettes).
 *
 * The pot_func_t: forward writes out_b = (f_b . a, a, a . h_b) (L = 0 when
 * h is NULL); backward accumulates df_b += dF_b a, dh_b += dL_b a (dG
 * untouched: no Hessian) and, when params != 0 and dtheta is set,
 * dtheta[j n_basis + n] += (sum_b da_bj) phi_n(t).  Each loop's results
 * depend on that loop only.
 *
 * Context: local, no allocation, re-entrant (c is only read, except
 * dtheta).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "flow_lat.h"

size_t flow_linf_n_params(int K, int n_basis) { return (size_t)(2 * K) * (size_t)n_basis; }

void flow_linf_basis(int n_basis, double t, double *phi)
{
  const double x = 2.0 * t - 1.0;
  phi[0] = 1.0;
  if (n_basis > 1) phi[1] = x;
  for (int n = 1; n + 1 < n_basis; n++)
    phi[n + 1] = ((double)(2 * n + 1) * x * phi[n] - (double)n * phi[n - 1]) / (double)(n + 1);
}

void flow_linf_coef(const flow_linf_t *c, double t, double *a)
{
  double phi[FLOW_LINF_BASIS_MAX];
  const int nb = c->n_basis;
  flow_linf_basis(nb, t, phi);
  for (int j = 0; j < c->m; j++) {
    double s = 0.0;
    for (int n = 0; n < nb; n++) s += c->theta[j * nb + n] * phi[n];
    a[j] = s;
  }
}

static int linf_forward(void *ctx, double *out, int shape, double t, int nb,
                        const double *f, const double *G, const double *h)
{
  const flow_linf_t *c = ctx;
  const int m = c->m;
  double a[POT_MMAX];
  (void)shape;
  (void)G;
  if (c->theta == NULL) return EMF_EINVAL;
  flow_linf_coef(c, t, a);
  for (int b = 0; b < nb; b++) {
    const double *fb = f + (size_t)b * m;
    double *o = out + (size_t)b * (m + 2), F = 0.0, L = 0.0;
    for (int j = 0; j < m; j++) {
      F += fb[j] * a[j];
      o[1 + j] = a[j];
    }
    if (h != NULL)
      for (int j = 0; j < m; j++) L += a[j] * h[(size_t)b * m + j];
    o[0] = F;
    o[m + 1] = L;
  }
  return EMF_SUCCESS;
}

/* da_j of loop b: dF f_j + dg_j + dL h_j */
static inline double loop_da(int m, int j, const double *d, const double *fb, const double *hb)
{
  return d[0] * fb[j] + d[1 + j] + (hb != NULL ? d[m + 1] * hb[j] : 0.0);
}

static int linf_backward(void *ctx, double *df, double *dG, double *dh, int shape,
                         double t, int nb, const double *dout, const double *f,
                         const double *G, const double *h, int params)
{
  const flow_linf_t *c = ctx;
  const int m = c->m;
  double a[POT_MMAX];
  (void)shape;
  (void)dG;
  (void)G;
  if (c->theta == NULL) return EMF_EINVAL;
  flow_linf_coef(c, t, a);
  for (int b = 0; b < nb; b++) {
    const double *d = dout + (size_t)b * (m + 2);
    for (int j = 0; j < m; j++) df[(size_t)b * m + j] += d[0] * a[j];
    if (dh != NULL)
      for (int j = 0; j < m; j++) dh[(size_t)b * m + j] += d[m + 1] * a[j];
  }
  if (params && c->dtheta != NULL) {
    double phi[FLOW_LINF_BASIS_MAX], da[POT_MMAX];
    flow_linf_basis(c->n_basis, t, phi);
    for (int j = 0; j < m; j++) da[j] = 0.0;
    for (int b = 0; b < nb; b++)
      for (int j = 0; j < m; j++)
        da[j] += loop_da(m, j, dout + (size_t)b * (m + 2), f + (size_t)b * m,
                         h != NULL ? h + (size_t)b * m : NULL);
    for (int j = 0; j < m; j++)
      for (int n = 0; n < c->n_basis; n++) c->dtheta[j * c->n_basis + n] += da[j] * phi[n];
  }
  return EMF_SUCCESS;
}

int flow_linf_init(pot_func_t *F, flow_linf_t *c, int K, int n_basis)
{
  if (K < 1 || K > POT_KMAX || n_basis < 1 || n_basis > FLOW_LINF_BASIS_MAX) return EMF_EINVAL;
  memset(c, 0, sizeof *c);
  c->K = K;
  c->m = 2 * K;
  c->n_basis = n_basis;
  F->name = "linear";
  F->K = K;
  F->ctx = c;
  F->forward = linf_forward;
  F->backward = linf_backward;
  return EMF_SUCCESS;
}

void flow_linf_set(flow_linf_t *c, const double *theta, double *dtheta)
{
  c->theta = theta;
  c->dtheta = dtheta;
}

const flow_linf_t *flow_linf_of(const pot_func_t *F)
{
  return F != NULL && F->forward == linf_forward ? F->ctx : NULL;
}

void flow_linf_grad_acc(const flow_linf_t *c, qsum_t *acc, double t, int nb,
                        const double *dout, const double *f, const double *h)
{
  const int m = c->m, nbas = c->n_basis;
  double phi[FLOW_LINF_BASIS_MAX];
  qsum_t da[POT_MMAX];
  memset(da, 0, sizeof da);
  for (int b = 0; b < nb; b++)
    for (int j = 0; j < m; j++)
      qsum_add(&da[j], loop_da(m, j, dout + (size_t)b * (m + 2), f + (size_t)b * m,
                               h != NULL ? h + (size_t)b * m : NULL));
  flow_linf_basis(nbas, t, phi);
  for (int j = 0; j < m; j++)
    for (int n = 0; n < nbas; n++) {
      /* (hi + lo) phi = p + e + lo phi with p + e = hi phi exactly */
      const double p = da[j].hi * phi[n], e = fma(da[j].hi, phi[n], -p);
      qsum_add(&acc[j * nbas + n], p);
      qsum_add(&acc[j * nbas + n], e + da[j].lo * phi[n]);
    }
}

double flow_linf_lo_coef(int N, double beta, int loop_len)
{
  const double cf = (double)(N * N - 1) / (2.0 * N);
  return beta / ((double)loop_len * (double)N * cf);
}
