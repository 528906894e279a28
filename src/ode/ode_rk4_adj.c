/*******************************************************************************
 * ode_rk4_adj.c: backpropagation through one hand-written RK4 RKMK step.
 *
 * int ode_rkmk_step_backward(ode_workspace_t *w, const ode_stages_t *st,
 *                            const double *a1, const double *g1,
 *                            ode_field_vjp_fn vjp, void *params, double *a0)
 *   Given the stages st recorded by ode_rkmk_step_fixed (U0 -> U1, e0 -> e1)
 *   and the gradient of a loss L at the step's output, returns the gradient
 *   at its input.  Gradients with respect to links are left-trivialised
 *   su(N) coordinates: a_i with D_eta L = sum_i <a_i, eta_i> for
 *   U_i -> exp(eps eta_i) U_i.  a1[n(N^2-1)]: dL/dU1; g1[m]: dL/de1 (NULL
 *   allowed when m = 0); dL/de0 = g1, since e1 = e0 + h sum_s b_s r_s.
 *   a0[n(N^2-1)] (out, may not alias a1): dL/dU0.  vjp is called once per
 *   stage, last stage first, at (t + c_s h, U_s, X_s) with gx = dL/dX_s and
 *   gr = h b_s g1; it must write au = dL/dU_s through X_s and r_s and may
 *   accumulate parameter gradients itself.
 *   Returns EMF_SUCCESS, EMF_EINVAL (sizes of st or NULL pointers), or the
 *   code vjp returned.
 *
 * Chain rule (doc/ode.md, "Backpropagation"): with dexp_Y = sum ad_Y^k/(k+1)!
 * the derivative of Y -> exp(Y) U0 (right-trivialised), its transpose in the
 * ad-invariant metric is dexp_{-Y}; Ad_{exp Y}^T = Ad_{exp(-Y)}; the
 * transpose of X -> dexp^{-1}_Y X (truncated) is dexp^{-1}_{-Y}; and
 *   (d/dY K)^T g = sum_k c_k sum_{j<k} (-1)^j [ad_Y^{k-1-j} X, ad_Y^j g].
 * Backwards over s = 4..1:  gK_s = h b_s gY + a_{s+1} h gY_{s+1},
 *   gX_s = dexp^{-1}_{-Y_s} gK_s, gY_s = (dK/dY)^T gK_s + dexp_{-Y_s} au_s,
 *   a0 += Ad_{exp(-Y_s)} au_s, with gY = dexp_{-Y} a1 and a0 starting at
 *   Ad_{exp(-Y)} a1.  The re-unitarisation of U1 is the identity on SU(N)
 *   and does not enter.  Checked against central finite differences of the
 *   forward step (tests/unit/ode/test_backward.c).
 *
 * Context: local; uses w's backward buffers (one call at a time per w).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "ode_internal.h"

#define NM (EMF_NMAX * EMF_NMAX)

/* B_k / k!, as in ode_stepper.c */
static const double dinv_c[3] = {1.0, -0.5, 1.0 / 12.0};
/* b_s and the stage coefficient a_{s,s-1} of the classical tableau */
static const double rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double rk4_a[4] = {0.0, 0.5, 0.5, 1.0};
static const double rk4_c[4] = {0.0, 0.5, 0.5, 1.0};

static void comm(const sun_type_t *st, cplx_t *c, const cplx_t *a, const cplx_t *b)
{
  cplx_t p[NM], q[NM];
  st->mul(p, a, b);
  st->mul(q, b, a);
  for (int i = 0; i < st->nn; i++) c[i] = p[i] - q[i];
}

static int is_zero(int k, const double *y)
{
  for (int i = 0; i < k; i++)
    if (y[i] != 0.0) return 0;
  return 1;
}

/* out = dexp_{-Y}(a) = sum_k (-ad_Y)^k a / (k+1)!, summed to convergence.
 * The test uses the entrywise norm |re| + |im| in place of |z| (no hypot):
 * |z| <= |re| + |im| <= sqrt(2) |z|, so stopping at
 * sqrt(2) sum(|re|+|im|)(term) <= 1e-17 sum(|re|+|im|)(sum) implies the
 * Euclidean test sum |term| <= 1e-17 sum |sum| (at most one more term). */
static void dexp_neg(const sun_type_t *st, double *out, const double *y,
                     const double *a)
{
  cplx_t ym[NM], t[NM], acc[NM], c[NM];
  double tn, an;
  if (is_zero(st->ngen, y)) {
    memcpy(out, a, (size_t)st->ngen * sizeof(double));
    return;
  }
  st->from_alg(ym, y);
  st->from_alg(t, a);
  memcpy(acc, t, (size_t)st->nn * sizeof(cplx_t));
  for (int k = 1; k < 40; k++) {
    comm(st, c, ym, t);
    const double inv = -1.0 / (k + 1.0);
    tn = an = 0.0;
    for (int i = 0; i < st->nn; i++) {
      const double tr = inv * creal(c[i]), ti = inv * cimag(c[i]);
      const double ar = creal(acc[i]) + tr, ai = cimag(acc[i]) + ti;
      t[i] = CMPLX(tr, ti);
      acc[i] = CMPLX(ar, ai);
      tn += fabs(tr) + fabs(ti);
      an += fabs(ar) + fabs(ai);
    }
    if (1.4142135623730951 * tn <= 1e-17 * an) break;
  }
  st->to_alg(out, acc);
}

/* out += Ad_{exp(-Y)} a = exp(-Y) a exp(Y) */
static int ad_neg_add(const sun_type_t *st, double *out, const double *y,
                      const double *a)
{
  cplx_t e[NM], am[NM], p[NM], q[NM];
  double v[NM];
  int s;
  if (is_zero(st->ngen, y)) {
    for (int i = 0; i < st->ngen; i++) out[i] += a[i];
    return EMF_SUCCESS;
  }
  s = st->exp_alg(e, y);
  if (s != EMF_SUCCESS) return s;
  st->from_alg(am, a);
  st->dag_mul(p, e, am);
  st->mul(q, p, e);
  st->to_alg(v, q);
  for (int i = 0; i < st->ngen; i++) out[i] += v[i];
  return EMF_SUCCESS;
}

/* gy += (d/dY dexp^{-1}_Y X)^T g, terms up to ad_Y^2 */
static void dkdy_t_add(const sun_type_t *st, double *gy, const double *y,
                       const double *x, const double *g)
{
  cplx_t ym[NM], p[2][NM], q[2][NM], acc[NM], c[NM];
  double v[NM];
  st->from_alg(ym, y);
  st->from_alg(p[0], x);          /* P_i = ad_Y^i X */
  st->from_alg(q[0], g);          /* Q_j = ad_Y^j g */
  comm(st, p[1], ym, p[0]);
  comm(st, q[1], ym, q[0]);
  for (int i = 0; i < st->nn; i++) acc[i] = 0.0;
  for (int k = 1; k <= 2; k++)
    for (int j = 0; j < k; j++) {
      double f = dinv_c[k] * ((j % 2) ? -1.0 : 1.0);
      comm(st, c, p[k - 1 - j], q[j]);
      for (int i = 0; i < st->nn; i++) acc[i] += f * c[i];
    }
  st->to_alg(v, acc);
  for (int i = 0; i < st->ngen; i++) gy[i] += v[i];
}

int ode_rkmk_step_backward(ode_workspace_t *w, const ode_stages_t *st,
                           const double *a1, const double *g1,
                           ode_field_vjp_fn vjp, void *params, double *a0)
{
  const sun_type_t *su;
  size_t na, nu, ng;
  double *gy, *gk, *gx, *gys, *au, *gkn, *gr;
  double ny[NM];
  int s;

  if (w == NULL || st == NULL || a1 == NULL || vjp == NULL || a0 == NULL ||
      (w->m > 0 && g1 == NULL) || st->n != w->n || st->N != w->N || st->m != w->m)
    return EMF_EINVAL;
  su = w->st;
  na = w->na;
  nu = w->n * (size_t)w->nn;
  ng = (size_t)w->ngen;
  gy = w->bw;
  gk = w->bw + na;
  gx = w->bw + 2 * na;
  gys = w->bw + 3 * na;
  au = w->bw + 4 * na;
  gkn = w->bw + 5 * na;
  gr = w->bgr;

  /* U1 = exp(Y) U0 */
  memset(a0, 0, na * sizeof(double));
  for (size_t i = 0; i < w->n; i++) {
    dexp_neg(su, gy + i * ng, st->yend + i * ng, a1 + i * ng);
    s = ad_neg_add(su, a0 + i * ng, st->yend + i * ng, a1 + i * ng);
    if (s != EMF_SUCCESS) return s;
  }
  /* gK_4 = h b_4 gY */
  for (size_t i = 0; i < na; i++) gk[i] = st->h * rk4_b[3] * gy[i];

  for (int stg = ODE_RK4_NSTAGE - 1; stg >= 0; stg--) {
    const double *ys = st->y + stg * na, *xs = st->x + stg * na;
    const cplx_t *us = st->u + stg * nu;
    const double tstage = st->t + rk4_c[stg] * st->h;
    /* gX_s = dexp^{-1}_{-Y_s} gK_s ; gY_s = (dK/dY)^T gK_s */
    for (size_t i = 0; i < w->n; i++) {
      for (size_t a = 0; a < ng; a++) ny[a] = -ys[i * ng + a];
      ode_dexpinv_link(su, 2, gx + i * ng, ny, gk + i * ng);
    }
    memset(gys, 0, na * sizeof(double));
    if (stg > 0)
      for (size_t i = 0; i < w->n; i++)
        if (!is_zero(w->ngen, ys + i * ng))
          dkdy_t_add(su, gys + i * ng, ys + i * ng, xs + i * ng, gk + i * ng);
    /* field: au_s = dL/dU_s via X_s and r_s */
    for (size_t j = 0; j < w->m; j++) gr[j] = st->h * rk4_b[stg] * g1[j];
    s = vjp(tstage, us, xs, gx, gr, au, params);
    if (s != EMF_SUCCESS) return s;
    /* U_s = exp(Y_s) U0 */
    for (size_t i = 0; i < w->n; i++) {
      double t1[NM];
      s = ad_neg_add(su, a0 + i * ng, ys + i * ng, au + i * ng);
      if (s != EMF_SUCCESS) return s;
      dexp_neg(su, t1, ys + i * ng, au + i * ng);
      for (size_t a = 0; a < ng; a++) gys[i * ng + a] += t1[a];
    }
    /* Y_s = a_s h K_{s-1}: gK_{s-1} = h b_{s-1} gY + a_s h gY_s */
    if (stg > 0) {
      const double as = rk4_a[stg] * st->h;
      for (size_t i = 0; i < na; i++)
        gkn[i] = st->h * rk4_b[stg - 1] * gy[i] + as * gys[i];
      memcpy(gk, gkn, na * sizeof(double));
    }
  }
  return EMF_SUCCESS;
}
