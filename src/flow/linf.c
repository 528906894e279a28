/*******************************************************************************
 * linf.c: the linear F of the lattice flow, F(f, t) = sum_j f_j a_j(t) with
 * time-dependent coefficients a_j(t) = sum_n c_{j,n} phi_n(t)
 * (doc/flow_lattice.md section 7), and its degree-2 extension
 * F(f, t) = sum_j f_j a_j(t) + sum_{p = (j <= k)} f_j f_k a_p(t)
 * (section 9): linear in the parameters either way.
 *
 * The time basis is the shifted Legendre polynomials phi_n(t) = P_n(2t - 1),
 * n = 0..n_basis-1 (phi_0 = 1, phi_1 = 2t - 1, ...; orthogonal on [0, 1]).
 * Monomials: j = 0..m-1 the features of potential.h (Re tr W^k at k-1,
 * Im tr W^k at K+k-1); with degree 2 then the pairs p = (j, k), j <= k, in
 * the order (0,0), (0,1), .., (0,m-1), (1,1), .., (m-1,m-1) at index m + p.
 * Parameters c[i * n_basis + n] for monomial i, n = 0..n_basis-1.
 * Degree 1: g = dF/df = a(t), d2F/df2 = 0, L = a.h.
 * Degree 2: g_i = a_i + sum_p a_p (delta_ij f_k + delta_ik f_j), Hessian
 * H = sum_p a_p (e_j e_k^T + e_k e_j^T), L = g.h + sum_p a_p (G_jk + G_kj).
 *
 * size_t flow_linf_n_params(int K, int n_basis)
 *   2 K n_basis (degree 1).
 *
 * size_t flow_linf_n_params_deg(int K, int degree, int n_basis)
 *   (m + [degree 2] m (m + 1) / 2) n_basis, m = 2 K; 0 for another degree.
 *
 * void flow_linf_basis(int n_basis, double t, double *phi)
 *   phi[n] = P_n(2t - 1) by the three-term recurrence.
 *
 * int flow_linf_init(pot_func_t *F, flow_linf_t *c, int K, int n_basis)
 *   flow_linf_init_deg with degree 1.
 *
 * int flow_linf_init_deg(pot_func_t *F, flow_linf_t *c, int K, int degree,
 *                        int n_basis)
 *   Points F (name "linear", K) at c, parameters unset (flow_linf_set).
 *   EMF_EINVAL if K is outside 1..POT_KMAX, degree outside 1..2 or n_basis
 *   outside 1..FLOW_LINF_BASIS_MAX.
 *
 * size_t flow_linf_size(const flow_linf_t *c)
 *   Its number of parameters.
 *
 * void flow_linf_set(flow_linf_t *c, const double *theta, double *dtheta)
 *   The parameters forward reads and the buffer backward accumulates
 *   dF/dc into (NULL: none).
 *
 * void flow_linf_coef(const flow_linf_t *c, double t, double *a)
 *   a[i] = a_i(t) (n_mono values: m, plus m (m + 1) / 2 with degree 2).
 *
 * const flow_linf_t *flow_linf_of(const pot_func_t *F)
 *   The flow_linf_t behind F when F was set up by flow_linf_init(_deg),
 *   else NULL.
 *
 * void flow_linf_grad_acc(const flow_linf_t *c, qsum_t *acc, double t,
 *                         int nb, const double *dout, const double *f,
 *                         const double *G, const double *h)
 *   Adds the parameter gradient of sum_b dout_b . out_b to the
 *   double-double accumulators acc (n_mono n_basis): each loop's
 *   da_i = dF_b m_i + dg_b . dm_i/df + dL_b dL_i/da_i (m_i the monomial;
 *   for j: dF f_j + dg_j + dL h_j; for p = (j, k): dF f_j f_k + dg_j f_k +
 *   dg_k f_j + dL (h_j f_k + h_k f_j + G_jk + G_kj); h NULL: no L term)
 *   enters an exact-enough sum over the batch, which is multiplied by
 *   phi_n(t) once (double-double times double) and added to
 *   acc[i n_basis + n].  The total over any split of the loops into batches
 *   and ranks then rounds to the same double (doc/flow_lattice.md section 2).
 *
 * double flow_linf_lo_coef(int N, double beta, int loop_len)
 *   Coefficient c of Re tr W in the leading-order trivialising potential
 *   Phi = c sum_P Re tr W_P of the Wilson action S = -(beta/N) sum_P Re tr
 *   W_P: Delta Phi = S - <S> with Delta Re tr W = -loop_len C_F Re tr W
 *   (C_F = (N^2 - 1)/(2N), every link of the loop), so c = beta / (loop_len
 *   N C_F) (= beta / (2 (N^2 - 1)) for plaquettes).
 *
 * The pot_func_t: forward writes out_b = (F, g, L) (L = 0 when h is NULL);
 * backward accumulates df_b += dF g + H (dg + dL h), dh_b += dL g,
 * dG_b += dL H (degree 1: H = 0, dG untouched) and, when params != 0 and
 * dtheta is set, dtheta[i n_basis + n] += (sum_b da_bi) phi_n(t).  Each
 * loop's results depend on that loop only.
 *
 * Context: local, no allocation, re-entrant (c is only read, except
 * dtheta).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "flow_lat.h"

size_t flow_linf_n_params(int K, int n_basis) { return flow_linf_n_params_deg(K, 1, n_basis); }

/* monomials of degree <= `degree` (1 or 2) in m features */
static int n_monomials(int m, int degree) { return m + (degree == 2 ? m * (m + 1) / 2 : 0); }

size_t flow_linf_n_params_deg(int K, int degree, int n_basis)
{
  if (degree < 1 || degree > 2) return 0;
  return (size_t)n_monomials(2 * K, degree) * (size_t)n_basis;
}

size_t flow_linf_size(const flow_linf_t *c) { return (size_t)c->n_mono * (size_t)c->n_basis; }

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
  for (int i = 0; i < c->n_mono; i++) {
    double s = 0.0;
    for (int n = 0; n < nb; n++) s += c->theta[i * nb + n] * phi[n];
    a[i] = s;
  }
}

/* row b of a batch of rows of w numbers (NULL stays NULL) */
static const double *row(const double *p, int b, int w)
{
  return p != NULL ? p + (size_t)b * (size_t)w : NULL;
}

static double *row_w(double *p, int b, int w)
{
  return p != NULL ? p + (size_t)b * (size_t)w : NULL;
}

/* out = (F, g, L) of one loop; a: the coefficients at t */
static void loop_forward(const flow_linf_t *c, const double *a, const double *fb,
                         const double *Gb, const double *hb, double *o)
{
  const int m = c->m;
  double F = 0.0, L = 0.0;
  for (int j = 0; j < m; j++) {
    F += fb[j] * a[j];
    o[1 + j] = a[j];
  }
  if (c->degree == 2)
    for (int j = 0, p = m; j < m; j++)
      for (int k = j; k < m; k++, p++) {
        F += a[p] * fb[j] * fb[k];
        o[1 + j] += a[p] * fb[k];
        o[1 + k] += a[p] * fb[j];
        if (Gb != NULL) L += a[p] * (Gb[j * m + k] + Gb[k * m + j]);
      }
  if (hb != NULL)
    for (int j = 0; j < m; j++) L += o[1 + j] * hb[j];
  o[0] = F;
  o[m + 1] = L;
}

static int linf_forward(void *ctx, double *out, int shape, double t, int nb,
                        const double *f, const double *G, const double *h)
{
  const flow_linf_t *c = ctx;
  const int m = c->m;
  double a[FLOW_LINF_MONO_MAX];
  (void)shape;
  if (c->theta == NULL) return EMF_EINVAL;
  flow_linf_coef(c, t, a);
  for (int b = 0; b < nb; b++)
    loop_forward(c, a, row(f, b, m), row(G, b, m * m), row(h, b, m), row_w(out, b, m + 2));
  return EMF_SUCCESS;
}

/* da_i of one loop for every monomial i (d = its dout) */
static void loop_da(const flow_linf_t *c, const double *d, const double *fb, const double *Gb,
                    const double *hb, double *da)
{
  const int m = c->m;
  for (int j = 0; j < m; j++)
    da[j] = d[0] * fb[j] + d[1 + j] + (hb != NULL ? d[m + 1] * hb[j] : 0.0);
  if (c->degree == 2)
    for (int j = 0, p = m; j < m; j++)
      for (int k = j; k < m; k++, p++) {
        double v = d[0] * fb[j] * fb[k] + d[1 + j] * fb[k] + d[1 + k] * fb[j];
        if (hb != NULL) v += d[m + 1] * (hb[j] * fb[k] + hb[k] * fb[j]);
        if (Gb != NULL) v += d[m + 1] * (Gb[j * m + k] + Gb[k * m + j]);
        da[p] = v;
      }
}

/* input cotangents of one loop: df += dF g + H (dg + dL h), dh += dL g,
 * dG += dL H */
static void loop_backward(const flow_linf_t *c, const double *a, const double *d,
                          const double *fb, const double *hb, double *dfb, double *dGb,
                          double *dhb)
{
  const int m = c->m;
  double o[POT_MMAX + 2];
  loop_forward(c, a, fb, NULL, NULL, o);  /* g = o[1..m] */
  for (int j = 0; j < m; j++) dfb[j] += d[0] * o[1 + j];
  if (dhb != NULL)
    for (int j = 0; j < m; j++) dhb[j] += d[m + 1] * o[1 + j];
  if (c->degree != 2) return;
  for (int j = 0, p = m; j < m; j++)
    for (int k = j; k < m; k++, p++) {
      double wk = d[1 + k] + (hb != NULL ? d[m + 1] * hb[k] : 0.0);
      double wj = d[1 + j] + (hb != NULL ? d[m + 1] * hb[j] : 0.0);
      dfb[j] += a[p] * wk;
      dfb[k] += a[p] * wj;
      if (dGb != NULL) {
        dGb[j * m + k] += d[m + 1] * a[p];
        dGb[k * m + j] += d[m + 1] * a[p];
      }
    }
}

static int linf_backward(void *ctx, double *df, double *dG, double *dh, int shape,
                         double t, int nb, const double *dout, const double *f,
                         const double *G, const double *h, int params)
{
  const flow_linf_t *c = ctx;
  const int m = c->m;
  double a[FLOW_LINF_MONO_MAX];
  (void)shape;
  if (c->theta == NULL) return EMF_EINVAL;
  flow_linf_coef(c, t, a);
  for (int b = 0; b < nb; b++)
    loop_backward(c, a, row(dout, b, m + 2), row(f, b, m), row(h, b, m), row_w(df, b, m),
                  row_w(dG, b, m * m), row_w(dh, b, m));
  if (params && c->dtheta != NULL) {
    double phi[FLOW_LINF_BASIS_MAX], da[FLOW_LINF_MONO_MAX], sum[FLOW_LINF_MONO_MAX];
    flow_linf_basis(c->n_basis, t, phi);
    for (int i = 0; i < c->n_mono; i++) sum[i] = 0.0;
    for (int b = 0; b < nb; b++) {
      loop_da(c, row(dout, b, m + 2), row(f, b, m), row(G, b, m * m), row(h, b, m), da);
      for (int i = 0; i < c->n_mono; i++) sum[i] += da[i];
    }
    for (int i = 0; i < c->n_mono; i++)
      for (int n = 0; n < c->n_basis; n++) c->dtheta[i * c->n_basis + n] += sum[i] * phi[n];
  }
  return EMF_SUCCESS;
}

int flow_linf_init(pot_func_t *F, flow_linf_t *c, int K, int n_basis)
{
  return flow_linf_init_deg(F, c, K, 1, n_basis);
}

int flow_linf_init_deg(pot_func_t *F, flow_linf_t *c, int K, int degree, int n_basis)
{
  if (K < 1 || K > POT_KMAX || degree < 1 || degree > 2 || n_basis < 1 ||
      n_basis > FLOW_LINF_BASIS_MAX)
    return EMF_EINVAL;
  memset(c, 0, sizeof *c);
  c->K = K;
  c->m = 2 * K;
  c->degree = degree;
  c->n_mono = n_monomials(c->m, degree);
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
                        const double *dout, const double *f, const double *G, const double *h)
{
  const int m = c->m, nbas = c->n_basis;
  double phi[FLOW_LINF_BASIS_MAX], d1[FLOW_LINF_MONO_MAX];
  qsum_t da[FLOW_LINF_MONO_MAX];
  memset(da, 0, sizeof da);
  for (int b = 0; b < nb; b++) {
    loop_da(c, row(dout, b, m + 2), row(f, b, m), row(G, b, m * m), row(h, b, m), d1);
    for (int i = 0; i < c->n_mono; i++) qsum_add(&da[i], d1[i]);
  }
  flow_linf_basis(nbas, t, phi);
  for (int i = 0; i < c->n_mono; i++)
    for (int n = 0; n < nbas; n++) {
      /* (hi + lo) phi = p + e + lo phi with p + e = hi phi exactly */
      const double p = da[i].hi * phi[n], e = fma(da[i].hi, phi[n], -p);
      qsum_add(&acc[i * nbas + n], p);
      qsum_add(&acc[i * nbas + n], e + da[i].lo * phi[n]);
    }
}

double flow_linf_lo_coef(int N, double beta, int loop_len)
{
  const double cf = (double)(N * N - 1) / (2.0 * N);
  return beta / ((double)loop_len * (double)N * cf);
}
