/*******************************************************************************
 * rk4vjp.c: backpropagation through one hand-written RKMK-RK4 step.
 *
 * flow_rk4_adj_t *flow_rk4_adj_alloc(size_t n, int N, size_t m)
 * void flow_rk4_adj_free(flow_rk4_adj_t *a)
 *   Scratch for steps of n matrices of SU(N) with m extras.  alloc returns
 *   NULL on bad sizes or no memory.
 *
 * int flow_rk4_vjp(flow_rk4_adj_t *a, const ode_stages_t *st, double *ubar,
 *                  const double *ebar, flow_field_vjp_fn vjp, void *ctx)
 *   Reverse sweep of the step recorded in st (ode.h, ode_stages_t):
 *     Y = h sum_s b_s K_s, U1 = exp(Y) U0, e1 = e0 + h sum_s b_s r_s,
 *     Y_1 = 0, Y_2 = h/2 K_1, Y_3 = h/2 K_2, Y_4 = h K_3,
 *     U_s = exp(Y_s) U0, (X_s, r_s) = field(U_s, t + c_s h),
 *     K_s = X_s - [Y_s, X_s]/2 + [Y_s, [Y_s, X_s]]/12.
 *   ubar: in the cotangent of U1, out that of U0; ebar: the cotangent of
 *   e1 (equal to that of e0).  The field's VJP (and with it the parameter
 *   gradient) is called once per stage, last stage first.  Returns
 *   EMF_SUCCESS, EMF_EINVAL (sizes differ from the allocation) or vjp's
 *   status.
 *
 * void flow_vjp_exp(int N, const double *y, const double *ubar,
 *                   double *u0bar, double *ybar)
 *   For U = exp(Y) U0 with left-trivialised cotangent ubar of U:
 *   u0bar = Ad_{exp(-Y)} ubar = exp(-Y) ubar exp(Y) (since
 *   exp(Y) exp(s eta) U0 = exp(s Ad_{exp Y} eta) U, and Ad is orthogonal),
 *   ybar = dexp_Y^T ubar = sum_k (-1)^k ad_Y^k ubar / (k+1)!  (from
 *   exp(Y + s d) = exp(s dexp_Y d + O(s^2)) exp(Y), ad_Y^T = -ad_Y), summed
 *   until a term no longer changes the sum (at most 80 terms).
 *
 * void flow_vjp_dexpinv2(int N, const double *y, const double *x,
 *                        const double *kbar, double *xbar, double *ybar)
 *   VJP of K = X - [Y,X]/2 + [Y,[Y,X]]/12 (bilinear in Y and X):
 *     xbar += kbar + [Y, kbar]/2 + [Y, [Y, kbar]]/12,
 *     ybar += [kbar, X]/2 + ([[Y,X], kbar] - [X, [Y, kbar]])/12.
 *
 * Context: local, allocation-free after _alloc.  Derivation and the FD
 * tests: doc/flow.md, tests/unit/flow/test_vjp.c.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "flow.h"
#include "sun.h"
#include "util.h"

struct flow_rk4_adj {
  size_t n, m, na;
  int N, ngen;
  double *ybar;     /* (na) */
  double *kbar;     /* (4, na) */
  double *xbar;     /* (na) */
  double *ysbar;    /* (na) */
  double *usbar;    /* (na) */
  double *u0bar;    /* (na) */
  double *rbar;     /* (m1) */
  double *tmp;      /* (2 ngen) */
};

static const double rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double rk4_c[4] = {0.0, 0.5, 0.5, 1.0};

flow_rk4_adj_t *flow_rk4_adj_alloc(size_t n, int N, size_t m)
{
  flow_rk4_adj_t *a;
  size_t na;
  if (n < 1 || N < 2 || N > EMF_NMAX) return NULL;
  a = acalloc(1, sizeof *a);
  if (!a) return NULL;
  a->n = n;
  a->m = m;
  a->N = N;
  a->ngen = N * N - 1;
  na = a->na = n * (size_t)a->ngen;
  a->ybar = acalloc(9 * na + (m > 0 ? m : 1) + 2 * (size_t)a->ngen, sizeof(double));
  if (!a->ybar) {
    afree(a);
    return NULL;
  }
  a->kbar = a->ybar + na;
  a->xbar = a->kbar + 4 * na;
  a->ysbar = a->xbar + na;
  a->usbar = a->ysbar + na;
  a->u0bar = a->usbar + na;
  a->rbar = a->u0bar + na;
  a->tmp = a->rbar + (m > 0 ? m : 1);
  return a;
}

void flow_rk4_adj_free(flow_rk4_adj_t *a)
{
  if (!a) return;
  afree(a->ybar);
  afree(a);
}

void flow_vjp_exp(int N, const double *y, const double *ubar, double *u0bar,
                  double *ybar)
{
  const int ngen = N * N - 1;
  cplx_t e[EMF_NMAX * EMF_NMAX], z[EMF_NMAX * EMF_NMAX];
  cplx_t t1[EMF_NMAX * EMF_NMAX], t2[EMF_NMAX * EMF_NMAX];
  double term[EMF_NMAX * EMF_NMAX], nxt[EMF_NMAX * EMF_NMAX];
  if (u0bar) {
    sun_exp_alg(N, e, y);
    sun_from_alg(N, z, ubar);
    sun_dag_mul(N, t1, e, z);   /* exp(-Y) Z */
    sun_mul(N, t2, t1, e);      /* exp(-Y) Z exp(Y) */
    sun_to_alg(N, u0bar, t2);
  }
  if (ybar) {
    for (int a = 0; a < ngen; a++) ybar[a] = term[a] = ubar[a];
    for (int k = 1; k <= 80; k++) {
      double tn = 0.0, sn = 0.0;
      sun_alg_bracket(N, nxt, y, term);
      for (int a = 0; a < ngen; a++) {
        term[a] = -nxt[a] / (k + 1);
        tn = fmax(tn, fabs(term[a]));
      }
      for (int a = 0; a < ngen; a++) {
        ybar[a] += term[a];
        sn = fmax(sn, fabs(ybar[a]));
      }
      if (tn <= 1e-18 * sn || tn == 0.0) break;
    }
  }
}

void flow_vjp_dexpinv2(int N, const double *y, const double *x,
                       const double *kbar, double *xbar, double *ybar)
{
  const int ngen = N * N - 1;
  double yk[EMF_NMAX * EMF_NMAX], yyk[EMF_NMAX * EMF_NMAX];
  double kx[EMF_NMAX * EMF_NMAX], yx[EMF_NMAX * EMF_NMAX];
  double t1[EMF_NMAX * EMF_NMAX], t2[EMF_NMAX * EMF_NMAX];
  sun_alg_bracket(N, yk, y, kbar);    /* [Y, kbar] */
  sun_alg_bracket(N, yyk, y, yk);     /* [Y, [Y, kbar]] */
  sun_alg_bracket(N, kx, kbar, x);    /* [kbar, X] */
  sun_alg_bracket(N, yx, y, x);       /* [Y, X] */
  sun_alg_bracket(N, t1, yx, kbar);   /* [[Y,X], kbar] */
  sun_alg_bracket(N, t2, x, yk);      /* [X, [Y, kbar]] */
  for (int a = 0; a < ngen; a++) {
    xbar[a] += kbar[a] + 0.5 * yk[a] + yyk[a] / 12.0;
    ybar[a] += 0.5 * kx[a] + (t1[a] - t2[a]) / 12.0;
  }
}

int flow_rk4_vjp(flow_rk4_adj_t *a, const ode_stages_t *st, double *ubar,
                 const double *ebar, flow_field_vjp_fn vjp, void *ctx)
{
  const size_t n = a->n, na = a->na, nu = n * (size_t)(a->N * a->N);
  const int ngen = a->ngen, N = a->N;
  const double h = st->h;
  int status;
  if (st->n != a->n || st->N != a->N || st->m != a->m) return EMF_EINVAL;

  /* U1 = exp(Y) U0 */
  for (size_t i = 0; i < n; i++)
    flow_vjp_exp(N, st->yend + i * ngen, ubar + i * ngen, a->u0bar + i * ngen,
                 a->ybar + i * ngen);
  /* Y = h sum_s b_s K_s */
  for (int s = 0; s < 4; s++)
    for (size_t i = 0; i < na; i++) a->kbar[s * na + i] = h * rk4_b[s] * a->ybar[i];

  for (int s = 3; s >= 0; s--) {
    const double *ys = st->y + s * na, *xs = st->x + s * na;
    const cplx_t *us = st->u + s * nu;
    memset(a->xbar, 0, na * sizeof(double));
    memset(a->ysbar, 0, na * sizeof(double));
    for (size_t i = 0; i < n; i++)
      flow_vjp_dexpinv2(N, ys + i * ngen, xs + i * ngen, a->kbar + s * na + i * ngen,
                        a->xbar + i * ngen, a->ysbar + i * ngen);
    for (size_t j = 0; j < a->m; j++) a->rbar[j] = h * rk4_b[s] * ebar[j];
    status = vjp(st->t + rk4_c[s] * h, us, a->xbar, a->rbar, a->usbar, ctx);
    if (status != EMF_SUCCESS) return status;
    if (s == 0) {
      for (size_t i = 0; i < na; i++) a->u0bar[i] += a->usbar[i];
    } else {
      const double as = (s == 3) ? h : 0.5 * h;
      for (size_t i = 0; i < n; i++) {
        double *t0 = a->tmp, *t1 = a->tmp + ngen;
        flow_vjp_exp(N, ys + i * ngen, a->usbar + i * ngen, t0, t1);
        for (int c = 0; c < ngen; c++) {
          a->u0bar[i * ngen + c] += t0[c];
          a->ysbar[i * ngen + c] += t1[c];
        }
      }
      for (size_t i = 0; i < na; i++) a->kbar[(s - 1) * na + i] += as * a->ysbar[i];
    }
  }
  memcpy(ubar, a->u0bar, na * sizeof(double));
  return EMF_SUCCESS;
}
