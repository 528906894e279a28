/*******************************************************************************
 * test_gamma.c: Gamma method (stats_gamma, stats_gamma_derived) and the FFT
 * autocorrelation functions on AR(1) processes with known properties.
 *
 * AR(1): x_0 ~ N(0,1), x_t = a x_{t-1} + sqrt(1-a^2) eta_t (stationary,
 * variance 1), rho(t) = a^t, tau_int = (1/2)(1+a)/(1-a), and the exact
 * variance of the mean of n samples
 *   Var(xbar) = (1/n) [ (1+a)/(1-a) - 2a(1-a^n) / (n (1-a)^2) ].
 * Tolerances: tau_int within 3 dtau_int and the error within 3
 * error_of_error (Wolff's estimates); means within 3 errors; rho(t) within
 * 4 Bartlett standard deviations; FFT against direct sums to 1e-12 (relative
 * to gamma(0)); coverage within 3 binomial standard deviations.  Fixed seeds;
 * gaussians from splitmix64 + Box-Muller (tu_rng_gauss, testutil.h).
 ******************************************************************************/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "global.h"
#include "stats.h"
#include "check.h"
#include "testutil.h"

static void ar1(tu_rng_t *g, double a, double *x, long n, long stride)
{
  double c = sqrt(1.0 - a * a), v = tu_rng_gauss(g);
  x[0] = v;
  for (long t = 1; t < n; t++) {
    v = a * v + c * tu_rng_gauss(g);
    x[t * stride] = v;
  }
}

static double ar1_tau(double a) { return 0.5 * (1.0 + a) / (1.0 - a); }

static double ar1_var_mean(double a, long n)
{
  double dn = (double)n;
  return ((1.0 + a) / (1.0 - a) - 2.0 * a * (1.0 - pow(a, dn)) / (dn * (1.0 - a) * (1.0 - a))) / dn;
}

/* Bartlett's variance of the estimated rho(t) for an AR(1). */
static double ar1_var_rho(double a, long t, long n)
{
  double a2 = a * a, a2t = pow(a2, (double)t);
  if (a == 0.0) return 1.0 / (double)n;
  return ((1.0 + a2) * (1.0 - a2t) / (1.0 - a2) - 2.0 * (double)t * a2t) / (double)n;
}

static void test_ar1(double a, long n, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *x = malloc((size_t)n * sizeof *x), *rho;
  double tau = ar1_tau(a), err = sqrt(ar1_var_mean(a, n));
  long tmaxrho = 30;
  stats_gamma_t r;
  int rc;

  ar1(&g, a, x, n, 1);
  rc = stats_gamma(x, n, STATS_S_DEFAULT, &r);
  printf("AR(1) a=%.2f n=%ld: mean %.3e +- %.4e (exact %.4e, eoe %.1e) tau %.4f +- %.4f "
         "(exact %.4f) W %ld\n",
         a, n, r.mean, r.error, err, r.error_of_error, r.tau_int, r.dtau_int, tau, r.window);
  check_int(rc, EMF_SUCCESS, "a=%g: stats_gamma returns success", a);
  check_int(r.status, STATS_OK, "a=%g: no flags", a);
  check_int(r.n, n, "a=%g: n", a);
  check_sigma(r.tau_int, tau, r.dtau_int, 3.0, "a=%g: tau_int vs exact (3 dtau_int)", a);
  check_sigma(r.error, err, r.error_of_error, 3.0,
              "a=%g: error vs exact sd of the mean (3 error_of_error)", a);
  check_sigma(r.mean, 0.0, r.error, 3.0, "a=%g: mean vs 0 (3 errors)", a);
  check_rel(r.error * r.error, 2.0 * r.tau_int * r.var / (double)n, 1e-12, 0.0,
            "a=%g: error^2 = 2 tau_int var / n", a);
  check_rel(r.error_of_error, r.error * sqrt((r.window + 0.5) / (double)n), 1e-14, 0.0,
            "a=%g: error_of_error = error sqrt((W+1/2)/n)", a);
  check_true(r.dtau_int > 0.0 && r.dtau_int < 0.1 * tau, "a=%g: dtau_int in (0, tau/10)", a);

  /* Autocorrelation function against a^t (4 Bartlett sigma each). */
  rho = malloc((size_t)(tmaxrho + 1) * sizeof *rho);
  rc = stats_autocorr(x, n, rho, tmaxrho);
  check_int(rc, EMF_SUCCESS, "a=%g: stats_autocorr returns success", a);
  check_abs(rho[0], 1.0, 0.0, "a=%g: rho(0) = 1", a);
  for (long t = 1; t <= tmaxrho; t++)
    check_sigma(rho[t], pow(a, (double)t), sqrt(ar1_var_rho(a, t, n)), 4.0,
                "a=%g: rho(%ld) vs a^t (4 sigma)", a, t);
  free(rho);
  free(x);
}

/* Direct O(n nmax) autocovariance for the FFT check. */
static void autocov_direct(const double *x, long n, double *gam, long nmax)
{
  double mean = 0.0;
  for (long i = 0; i < n; i++) mean += x[i];
  mean /= (double)n;
  for (long t = 0; t <= nmax; t++) {
    double s = 0.0;
    for (long i = 0; i + t < n; i++) s += (x[i] - mean) * (x[i + t] - mean);
    gam[t] = s / (double)(n - t);
  }
}

static void test_fft(long n, long nmax, double a, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *x = malloc((size_t)n * sizeof *x);
  double *g1 = malloc((size_t)(nmax + 1) * sizeof *g1);
  double *g2 = malloc((size_t)(nmax + 1) * sizeof *g2);
  double *rho = malloc((size_t)(nmax + 1) * sizeof *rho);
  double maxd = 0.0, maxr = 0.0;
  int rc;

  ar1(&g, a, x, n, 1);
  for (long i = 0; i < n; i++) x[i] += 5.0; /* nonzero mean */
  autocov_direct(x, n, g2, nmax);
  rc = stats_autocov(x, n, g1, nmax);
  check_int(rc, EMF_SUCCESS, "fft n=%ld nmax=%ld: stats_autocov success", n, nmax);
  rc = stats_autocorr(x, n, rho, nmax);
  check_int(rc, EMF_SUCCESS, "fft n=%ld nmax=%ld: stats_autocorr success", n, nmax);
  for (long t = 0; t <= nmax; t++) {
    double d = fabs(g1[t] - g2[t]) / g2[0], dr = fabs(rho[t] - g2[t] / g2[0]);
    if (d > maxd) maxd = d;
    if (dr > maxr) maxr = dr;
  }
  printf("FFT vs direct n=%ld nmax=%ld: max |dgamma|/gamma0 %.2e, max |drho| %.2e\n", n,
         nmax, maxd, maxr);
  check_abs(maxd, 0.0, 1e-12, "fft n=%ld: autocov vs direct sum (1e-12 gamma0)", n);
  check_abs(maxr, 0.0, 1e-12, "fft n=%ld: autocorr vs direct sum (1e-12)", n);
  free(x);
  free(g1);
  free(g2);
  free(rho);
}

/* Derived quantities: columns y1 = 3 + x, y2 = 1 + (x + u)/2 with x, u
 * independent AR(1) (a = 0.5, 0.9). */
static double f_ratio(const double *m, void *arg)
{
  (void)arg;
  return m[0] / m[1];
}

static double f_linear(const double *m, void *arg)
{
  const double *c = arg;
  return c[0] * m[0] + c[1] * m[1];
}

static double f_first(const double *m, void *arg)
{
  (void)arg;
  return m[0];
}

static double f_nan(const double *m, void *arg)
{
  (void)arg;
  return m[0] > 1e300 ? 0.0 : NAN;
}

static void test_derived(long n, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *xu = malloc(2 * (size_t)n * sizeof *xu), *y = malloc(2 * (size_t)n * sizeof *y);
  double *lin = malloc((size_t)n * sizeof *lin), *col = malloc((size_t)n * sizeof *col);
  double c[2] = {2.0, -3.0};
  double a1 = 0.5, a2 = 0.9;
  /* F = y1/y2 linearised: dF = dy1 - 3 dy2 = -x/2 - 3u/2 */
  double err = sqrt(0.25 * ar1_var_mean(a1, n) + 2.25 * ar1_var_mean(a2, n));
  double tau = (0.25 * 2.0 * ar1_tau(a1) + 2.25 * 2.0 * ar1_tau(a2)) / (2.0 * (0.25 + 2.25));
  stats_gamma_t r, r2;
  int rc;

  ar1(&g, a1, xu, n, 2);
  ar1(&g, a2, xu + 1, n, 2);
  for (long i = 0; i < n; i++) {
    y[2 * i] = 3.0 + xu[2 * i];
    y[2 * i + 1] = 1.0 + 0.5 * (xu[2 * i] + xu[2 * i + 1]);
    lin[i] = c[0] * y[2 * i] + c[1] * y[2 * i + 1];
    col[i] = y[2 * i];
  }
  rc = stats_gamma_derived(y, n, 2, f_ratio, NULL, STATS_S_DEFAULT, &r);
  printf("ratio n=%ld: F %.6f +- %.4e (exact 3, error %.4e, eoe %.1e) tau %.3f +- %.3f "
         "(exact %.3f) W %ld\n",
         n, r.mean, r.error, err, r.error_of_error, r.tau_int, r.dtau_int, tau, r.window);
  check_int(rc, EMF_SUCCESS, "ratio: success");
  check_int(r.status, STATS_OK, "ratio: no flags");
  check_sigma(r.mean, 3.0, r.error, 3.0, "ratio: F vs 3 (3 errors)");
  check_sigma(r.error, err, r.error_of_error, 3.0, "ratio: error vs exact (3 error_of_error)");
  check_sigma(r.tau_int, tau, r.dtau_int, 3.0, "ratio: tau_int vs exact (3 dtau_int)");

  /* A linear f: the finite-difference gradient is exact, so the result must
   * equal the primary analysis of the linear combination. */
  rc = stats_gamma_derived(y, n, 2, f_linear, c, STATS_S_DEFAULT, &r);
  check_int(rc, EMF_SUCCESS, "linear: success");
  rc = stats_gamma(lin, n, STATS_S_DEFAULT, &r2);
  check_int(rc, EMF_SUCCESS, "linear: primary success");
  check_rel(r.mean, r2.mean, 1e-12, 0.0, "linear: mean = primary mean");
  check_rel(r.error, r2.error, 1e-8, 0.0, "linear: error = primary error");
  check_rel(r.tau_int, r2.tau_int, 1e-8, 0.0, "linear: tau_int = primary tau_int");
  check_int(r.window, r2.window, "linear: same window");

  rc = stats_gamma_derived(y, n, 2, f_first, NULL, STATS_S_DEFAULT, &r);
  rc |= stats_gamma(col, n, STATS_S_DEFAULT, &r2);
  check_int(rc, EMF_SUCCESS, "f = m0: success");
  check_rel(r.mean, r2.mean, 1e-15, 0.0, "f = m0: mean = primary mean");
  check_rel(r.error, r2.error, 1e-9, 0.0, "f = m0: error = primary error");
  check_rel(r.dtau_int, r2.dtau_int, 1e-9, 0.0, "f = m0: dtau_int = primary dtau_int");

  /* S = 0: no autocorrelation assumed. */
  rc = stats_gamma(col, n, 0.0, &r2);
  check_int(rc, EMF_SUCCESS, "S=0: success");
  check_int(r2.window, 0, "S=0: window 0");
  check_rel(r2.tau_int, 0.5, 1e-14, 0.0, "S=0: tau_int 1/2");
  check_sigma(r2.error, sqrt(1.0 / (double)n), r2.error_of_error, 3.0,
              "S=0: error vs naive sd/sqrt(n) (3 error_of_error)");

  /* f not finite. */
  rc = stats_gamma_derived(y, n, 2, f_nan, NULL, STATS_S_DEFAULT, &r);
  check_int(rc, EMF_EDOM, "f returns NaN: EMF_EDOM");
  free(xu);
  free(y);
  free(lin);
  free(col);
}

/* Coverage: fraction of |mean| <= error over independent short chains. */
static void test_coverage(int nchain, long n, double a, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *x = malloc((size_t)n * sizeof *x), frac, sig, ratio = 0.0;
  int hit = 0, bad = 0;
  for (int c = 0; c < nchain; c++) {
    stats_gamma_t r;
    ar1(&g, a, x, n, 1);
    if (stats_gamma(x, n, STATS_S_DEFAULT, &r) != EMF_SUCCESS) bad++;
    if (fabs(r.mean) <= r.error) hit++;
    ratio += r.error / sqrt(ar1_var_mean(a, n));
  }
  frac = (double)hit / nchain;
  sig = sqrt(0.6826894921370859 * (1.0 - 0.6826894921370859) / nchain);
  printf("coverage a=%.2f n=%ld chains=%d: %.4f (expected 0.6827 +- %.4f), "
         "mean error/exact %.4f\n",
         a, n, nchain, frac, sig, ratio / nchain);
  check_int(bad, 0, "coverage a=%g: all analyses succeed", a);
  check_sigma(frac, 0.6826894921370859, sig, 3.0,
              "coverage a=%g n=%ld: fraction within 1 error (3 binomial sigma)", a, n);
  free(x);
}

static void test_degenerate(void)
{
  double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, alt[8] = {1, -1, 1, -1, 1, -1, 1, -1};
  double cst[5] = {0.1, 0.1, 0.1, 0.1, 0.1}, rho[8];
  double y[6] = {0.1, 2.0, 0.1, 3.0, 0.1, 4.0};
  stats_gamma_t r;
  int rc;

  check_int(stats_gamma(x, 8, 1.5, NULL), EMF_EINVAL, "NULL result: EMF_EINVAL");
  check_int(stats_gamma(NULL, 8, 1.5, &r), EMF_EINVAL, "NULL data: EMF_EINVAL");
  check_int(stats_gamma(x, 0, 1.5, &r), EMF_EINVAL, "n = 0: EMF_EINVAL");
  rc = stats_gamma(x, 1, 1.5, &r);
  check_int(rc, EMF_EINVAL, "n = 1: EMF_EINVAL");
  check_abs(r.mean, 1.0, 0.0, "n = 1: mean set");
  check_true(isnan(r.error), "n = 1: error NaN");
  check_int(stats_gamma(x, 8, -1.0, &r), EMF_EINVAL, "S < 0: EMF_EINVAL");
  check_int(stats_gamma(x, 8, NAN, &r), EMF_EINVAL, "S NaN: EMF_EINVAL");
  x[3] = NAN;
  check_int(stats_gamma(x, 8, 1.5, &r), EMF_EDOM, "NaN sample: EMF_EDOM");
  x[3] = INFINITY;
  check_int(stats_gamma(x, 8, 1.5, &r), EMF_EDOM, "inf sample: EMF_EDOM");
  x[3] = 4.0;

  rc = stats_gamma(cst, 5, 1.5, &r);
  check_int(rc, EMF_EDOM, "constant series: EMF_EDOM");
  check_int(r.status, STATS_FLAG_NOVAR, "constant series: STATS_FLAG_NOVAR");
  check_abs(r.mean, 0.1, 0.0, "constant series: exact mean");
  check_abs(r.error, 0.0, 0.0, "constant series: error 0");
  check_abs(r.tau_int, 0.5, 0.0, "constant series: tau_int 1/2");

  rc = stats_gamma(alt, 8, 1.5, &r);
  check_int(rc, EMF_ERANGE, "alternating series: EMF_ERANGE");
  check_int(r.status, STATS_FLAG_NEGVAR, "alternating series: STATS_FLAG_NEGVAR");
  check_true(isnan(r.error), "alternating series: error NaN");

  /* n = 2: Gamma(1) = -Gamma(0), so any window gives C_F <= 0; S = 0 works. */
  rc = stats_gamma(x, 2, 1.5, &r);
  check_int(rc, EMF_ERANGE, "n = 2, S = 1.5: EMF_ERANGE");
  rc = stats_gamma(x, 2, 0.0, &r);
  check_int(rc, EMF_SUCCESS, "n = 2, S = 0: success");
  /* Gamma(0) = 1/4, bias-corrected C_F = (1/4)(1 + 1/2): error = sqrt(3/16) */
  check_rel(r.error, sqrt(3.0 / 16.0), 1e-15, 0.0, "n = 2, S = 0: error");

  /* Derived: one constant column contributes nothing. */
  rc = stats_gamma_derived(y, 3, 2, f_first, NULL, 1.5, &r);
  check_int(rc, EMF_EDOM, "derived of a constant column: EMF_EDOM");
  check_int(r.status, STATS_FLAG_NOVAR, "derived of a constant column: NOVAR");
  check_abs(r.mean, 0.1, 0.0, "derived of a constant column: exact value");
  rc = stats_gamma_derived(y, 3, 2, f_ratio, NULL, 1.5, &r);
  check_int(rc, EMF_SUCCESS, "derived ratio, n = 3: success");
  check_int(stats_gamma_derived(y, 3, 0, f_ratio, NULL, 1.5, &r), EMF_EINVAL,
            "derived nobs = 0: EMF_EINVAL");
  check_int(stats_gamma_derived(y, 3, 2, NULL, NULL, 1.5, &r), EMF_EINVAL,
            "derived f = NULL: EMF_EINVAL");

  check_int(stats_autocorr(x, 8, rho, 8), EMF_EINVAL, "autocorr nmax = n: EMF_EINVAL");
  check_int(stats_autocorr(x, 8, rho, -1), EMF_EINVAL, "autocorr nmax < 0: EMF_EINVAL");
  rc = stats_autocorr(cst, 5, rho, 4);
  check_int(rc, EMF_EDOM, "autocorr of a constant: EMF_EDOM");
  check_true(isnan(rho[1]), "autocorr of a constant: NaN");
  rc = stats_autocorr(x, 8, rho, 7);
  check_int(rc, EMF_SUCCESS, "autocorr full range: success");
  /* ramp 1..8: gamma(7) = (1-4.5)(8-4.5) = -12.25, gamma(0) = 5.25 */
  check_rel(rho[7], -12.25 / 5.25, 1e-14, 0.0, "autocorr of a ramp at t = n-1");
}

int main(void)
{
  test_ar1(0.0, 200000, 11);
  test_ar1(0.5, 500000, 12);
  test_ar1(0.9, 1000000, 13);
  test_fft(100000, 1000, 0.9, 21);
  test_fft(99991, 2000, 0.5, 22); /* prime n */
  test_fft(37, 36, 0.3, 23);
  test_derived(500000, 31);
  test_coverage(1000, 2000, 0.5, 41);
  test_coverage(400, 5000, 0.9, 42);
  test_degenerate();
  return check_finish("test_gamma");
}
