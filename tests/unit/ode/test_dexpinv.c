/*******************************************************************************
 * test_dexpinv.c: the truncated dexp^{-1} series against finite differences.
 *
 * (a) Convention and signs: for U(s) = exp(Y + s V) (the chart map),
 *     dU/ds U^{-1} = dexp_Y(V) =: W; the central difference
 *     W_fd = [exp(Y + eps V) - exp(Y - eps V)]/(2 eps) exp(-Y), eps = 1e-5,
 *     projected to coordinates, must satisfy ode_dexpinv(Y, W_fd) = V with
 *     all 8 orders kept: relative error < 1e-6 (floor 1e-8 |V|), for
 *     N = 2, 3 and |Y| ~ 0.3 and ~ 1.  The projection of W_fd onto su(N)
 *     must carry all of W_fd (W is in su(N)): residual < 1e-8.
 * (b) Truncation order: |dexpinv_k(Y, X) - dexpinv_8(Y, X)| for n_ad = 0, 1,
 *     2, 4 scales as |Y|^(j) with j the first dropped non-zero power
 *     (1, 2, 4, 6): halving Y divides it by 2^j within +-0.3 in the exponent.
 * (c) Y = 0 gives X exactly; bad N or n_ad give EMF_EINVAL.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "check.h"
#include "ode_testlib.h"

static double norm(int k, const double *a)
{
  double s = 0.0;
  for (int i = 0; i < k; i++) s += a[i] * a[i];
  return sqrt(s);
}

static void exp_of(int N, cplx_t *u, const double *y, double s, const double *v)
{
  double z[EMF_NMAX * EMF_NMAX];
  for (int a = 0; a < N * N - 1; a++) z[a] = y[a] + s * v[a];
  sun_exp_alg(N, u, z);
}

static void test_fd(int N, double scale, trng_t *g)
{
  const int nn = N * N, ngen = nn - 1;
  const double eps = 1e-5;
  double y[EMF_NMAX * EMF_NMAX], v[EMF_NMAX * EMF_NMAX], w[EMF_NMAX * EMF_NMAX];
  double out[EMF_NMAX * EMF_NMAX], diff[EMF_NMAX * EMF_NMAX];
  cplx_t up[EMF_NMAX * EMF_NMAX], um[EMF_NMAX * EMF_NMAX], ue[EMF_NMAX * EMF_NMAX];
  cplx_t d[EMF_NMAX * EMF_NMAX], back[EMF_NMAX * EMF_NMAX];

  for (int rep = 0; rep < 5; rep++) {
    double res = 0.0, err;
    for (int a = 0; a < ngen; a++) {
      y[a] = scale * trng_gauss(g) / sqrt((double)ngen);
      v[a] = trng_gauss(g);
    }
    exp_of(N, up, y, eps, v);
    exp_of(N, um, y, -eps, v);
    exp_of(N, ue, y, 0.0, v);
    for (int i = 0; i < nn; i++) up[i] = (up[i] - um[i]) / (2.0 * eps);
    sun_mul_dag(N, d, up, ue);            /* dU/ds U^{-1} */
    sun_to_alg(N, w, d);
    sun_from_alg(N, back, w);
    for (int i = 0; i < nn; i++) res = fmax(res, cabs(back[i] - d[i]));
    check_abs(res, 0.0, 1e-8, "N=%d |Y|=%.2f rep %d: dU U^-1 is in su(N)", N,
              norm(ngen, y), rep);
    ode_dexpinv(N, 8, out, y, w);
    for (int a = 0; a < ngen; a++) diff[a] = out[a] - v[a];
    err = norm(ngen, diff) / fmax(norm(ngen, v), 1e-8);
    check_abs(err, 0.0, 1e-6, "N=%d |Y|=%.2f rep %d: dexpinv(dexp V) = V (FD), rel err %.1e",
              N, norm(ngen, y), rep, err);
  }
}

static void test_truncation(int N, trng_t *g)
{
  const int ngen = N * N - 1;
  const int n_ads[4] = {0, 1, 2, 4}, first_dropped[4] = {1, 2, 4, 6};
  double y[EMF_NMAX * EMF_NMAX], x[EMF_NMAX * EMF_NMAX], yh[EMF_NMAX * EMF_NMAX];
  double a8[EMF_NMAX * EMF_NMAX], ak[EMF_NMAX * EMF_NMAX], diff[EMF_NMAX * EMF_NMAX];

  for (int a = 0; a < ngen; a++) {
    y[a] = 0.2 * trng_gauss(g);
    x[a] = trng_gauss(g);
  }
  for (int k = 0; k < 4; k++) {
    double e[2];
    for (int half = 0; half < 2; half++) {
      for (int a = 0; a < ngen; a++) yh[a] = y[a] * (half ? 0.5 : 1.0);
      ode_dexpinv(N, 8, a8, yh, x);
      ode_dexpinv(N, n_ads[k], ak, yh, x);
      for (int a = 0; a < ngen; a++) diff[a] = ak[a] - a8[a];
      e[half] = norm(ngen, diff);
    }
    check_abs(log2(e[0] / e[1]), first_dropped[k], 0.3,
              "N=%d n_ad=%d: truncation error ~ |Y|^%d (%.2e -> %.2e)", N, n_ads[k],
              first_dropped[k], e[0], e[1]);
  }
  for (int a = 0; a < ngen; a++) yh[a] = 0.0;
  ode_dexpinv(N, 8, ak, yh, x);
  check_bits(ak, x, (size_t)ngen * sizeof(double), "N=%d: dexpinv at Y = 0 is X", N);
}

int main(void)
{
  trng_t g = {2024};
  double out[3], y[3] = {0.1, 0.2, 0.3}, x[3] = {1, 2, 3};
  for (int N = 2; N <= 4; N++) {
    test_fd(N, 0.3, &g);
    test_fd(N, 1.0, &g);
    test_truncation(N, &g);
  }
  check_int(ode_dexpinv(1, 2, out, y, x), EMF_EINVAL, "N = 1 rejected");
  check_int(ode_dexpinv(EMF_NMAX + 1, 2, out, y, x), EMF_EINVAL, "N > NMAX rejected");
  check_int(ode_dexpinv(2, 9, out, y, x), EMF_EINVAL, "n_ad = 9 rejected");
  check_int(ode_dexpinv(2, -1, out, y, x), EMF_EINVAL, "n_ad = -1 rejected");
  return check_finish("ode/test_dexpinv");
}
