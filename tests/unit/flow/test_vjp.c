/*******************************************************************************
 * test_vjp.c: the hand-written VJPs of the RKMK-RK4 backpropagation against
 * central finite differences (relative error < 1e-6, floor 1e-9).
 *
 * 1. flow_vjp_exp: J(U) = Re tr(A U) with a random complex A, U = exp(Y) U0;
 *    u0bar against d/ds J(exp(Y) exp(s T_a) U0), ybar against dJ/dY_a, for
 *    N = 2, 3, 4 and |Y| from 0.1 to 3 (the series must converge).
 * 2. flow_vjp_dexpinv2: J = <kbar, X - [Y,X]/2 + [Y,[Y,X]]/12> against FD
 *    in every coordinate of X and Y (the map is polynomial: FD is exact to
 *    rounding).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "flow.h"
#include "rng.h"
#include "sun.h"
#include "check.h"

#define NM (EMF_NMAX * EMF_NMAX)

static double jfun(int N, const cplx_t *A, const double *y, const cplx_t *u0)
{
  cplx_t e[NM], u[NM];
  sun_exp_alg(N, e, y);
  sun_mul(N, u, e, u0);
  return sun_retrace_mul(N, A, u);
}

static double fd_metric(double an, double fd, double floor)
{
  return fabs(an - fd) / fmax(fmax(fabs(an), fabs(fd)), floor);
}

static void test_exp(int N, double ynorm, rng_stream_t *s)
{
  const int ngen = N * N - 1;
  cplx_t A[NM], u0[NM], e[NM], u[NM], t[NM], T[NM * NM], ta[NM];
  double y[NM], ubar[NM], u0bar[NM], ybar[NM], g[2 * NM], nrm = 0;
  double worst0 = 0, worst1 = 0;
  rng_gaussians(s, g, 2 * N * N);
  for (int i = 0; i < N * N; i++) A[i] = CMPLX(g[2 * i], g[2 * i + 1]);
  rng_haar_sun(s, N, u0);
  rng_gaussians(s, y, ngen);
  for (int a = 0; a < ngen; a++) nrm += y[a] * y[a];
  for (int a = 0; a < ngen; a++) y[a] *= ynorm / sqrt(nrm);
  sun_basis(N, T);
  sun_exp_alg(N, e, y);
  sun_mul(N, u, e, u0);
  for (int a = 0; a < ngen; a++) {   /* ubar_a = Re tr(A T_a U) */
    sun_mul(N, t, T + a * N * N, u);
    ubar[a] = sun_retrace_mul(N, A, t);
  }
  flow_vjp_exp(N, y, ubar, u0bar, ybar);
  for (int a = 0; a < ngen; a++) {
    const double hs = 1e-5;
    double xp[NM], fd;
    cplx_t up[NM], um[NM];
    memset(xp, 0, sizeof xp);
    xp[a] = hs;
    sun_exp_alg(N, ta, xp);
    sun_mul(N, up, ta, u0);
    xp[a] = -hs;
    sun_exp_alg(N, ta, xp);
    sun_mul(N, um, ta, u0);
    fd = (jfun(N, A, y, up) - jfun(N, A, y, um)) / (2 * hs);
    worst0 = fmax(worst0, fd_metric(u0bar[a], fd, 1e-3));
    memcpy(xp, y, sizeof(double) * ngen);
    xp[a] += hs;
    fd = jfun(N, A, xp, u0);
    xp[a] -= 2 * hs;
    fd = (fd - jfun(N, A, xp, u0)) / (2 * hs);
    worst1 = fmax(worst1, fd_metric(ybar[a], fd, 1e-3));
  }
  check_abs(worst0, 0, 1e-6, "vjp_exp u0bar vs FD, N=%d |Y|=%g (max rel %.2e)", N, ynorm, worst0);
  check_abs(worst1, 0, 1e-6, "vjp_exp ybar vs FD, N=%d |Y|=%g (max rel %.2e)", N, ynorm, worst1);
}

static double kfun(int N, const double *kbar, const double *y, const double *x)
{
  const int ngen = N * N - 1;
  double yx[NM], yyx[NM], j = 0;
  sun_alg_bracket(N, yx, y, x);
  sun_alg_bracket(N, yyx, y, yx);
  for (int a = 0; a < ngen; a++) j += kbar[a] * (x[a] - 0.5 * yx[a] + yyx[a] / 12.0);
  return j;
}

static void test_dexpinv(int N, rng_stream_t *s)
{
  const int ngen = N * N - 1;
  double y[NM], x[NM], kbar[NM], xbar[NM] = {0}, ybar[NM] = {0}, worst = 0;
  rng_gaussians(s, y, ngen);
  rng_gaussians(s, x, ngen);
  rng_gaussians(s, kbar, ngen);
  flow_vjp_dexpinv2(N, y, x, kbar, xbar, ybar);
  for (int a = 0; a < ngen; a++) {
    const double hs = 1e-4;
    double p[NM], fd;
    memcpy(p, x, sizeof(double) * ngen);
    p[a] += hs;
    fd = kfun(N, kbar, y, p);
    p[a] -= 2 * hs;
    fd = (fd - kfun(N, kbar, y, p)) / (2 * hs);
    worst = fmax(worst, fd_metric(xbar[a], fd, 1e-3));
    memcpy(p, y, sizeof(double) * ngen);
    p[a] += hs;
    fd = kfun(N, kbar, p, x);
    p[a] -= 2 * hs;
    fd = (fd - kfun(N, kbar, p, x)) / (2 * hs);
    worst = fmax(worst, fd_metric(ybar[a], fd, 1e-3));
  }
  check_abs(worst, 0, 1e-6, "vjp_dexpinv2 vs FD, N=%d (max rel %.2e)", N, worst);
}

int main(void)
{
  rng_stream_t s;
  const double ys[] = {0.1, 0.7, 3.0};
  rng_stream_init(&s, 4242, RNG_TEST, 0, 0);
  for (int N = 2; N <= 4; N++) {
    for (int i = 0; i < 3; i++) test_exp(N, ys[i], &s);
    test_dexpinv(N, &s);
  }
  return check_finish("test_vjp");
}
