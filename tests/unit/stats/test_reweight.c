/*******************************************************************************
 * test_reweight.c: stats_reweight on samples with known answers.
 *
 * x ~ N(0,1) reweighted to N(mu,1): log w = mu x - mu^2/2 (normalised, so
 * log Z = 0), and with E_q[w^k g(x)] = exp(k(k-1) mu^2/2) E_{N(k mu,1)}[g]:
 *   ESS -> exp(-mu^2),  <x>_w -> mu,  n error^2 -> exp(mu^2)(1 + mu^2),
 *   n dlogz^2 -> exp(mu^2) - 1.
 * Each estimate is compared with its limit within 3 standard deviations of
 * the estimator, computed in closed form by the delta method from the same
 * moments (stated next to each check).  Also: shift invariance and no
 * overflow with log-weights ~ +-1e3, exactly known small cases, agreement
 * with a direct computation, with the jackknife and with the Gamma method
 * at S = 0, and every error return.  Fixed seeds; gaussians from
 * splitmix64 + Box-Muller (tu_rng_gauss, testutil.h).
 ******************************************************************************/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "global.h"
#include "stats.h"
#include "check.h"
#include "testutil.h"

static double ew(double k, double mu) { return exp(0.5 * k * (k - 1.0) * mu * mu); }

static double f_ratio(const double *m, void *arg)
{
  (void)arg;
  return m[1] / m[0];
}

static void test_gauss_shift(double mu, long n, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *x = malloc((size_t)n * sizeof *x), *lw = malloc((size_t)n * sizeof *lw);
  double *cols = malloc(2 * (size_t)n * sizeof *cols);
  double m2 = mu * mu, dn = (double)n;
  stats_reweight_t r;
  stats_gamma_t gr;
  int rc;

  for (long i = 0; i < n; i++) {
    x[i] = tu_rng_gauss(&g);
    lw[i] = mu * x[i] - 0.5 * m2;
  }
  rc = stats_reweight(lw, x, n, &r);
  check_int(rc, EMF_SUCCESS, "mu=%g: success", mu);
  check_int(r.n, n, "mu=%g: n", mu);

  /* ESS = M1^2/M2; delta method with g = (2 M1/M2, -M1^2/M2^2). */
  {
    double ess = exp(-m2), g1 = 2.0 * exp(-m2), g2 = -exp(-2.0 * m2);
    double vw = ew(2, mu) - 1.0, vw2 = ew(4, mu) - ew(2, mu) * ew(2, mu);
    double cov = ew(3, mu) - ew(2, mu);
    double sig = sqrt((g1 * g1 * vw + g2 * g2 * vw2 + 2.0 * g1 * g2 * cov) / dn);
    printf("mu=%.2f n=%ld: ESS %.5f (exact %.5f +- %.5f)\n", mu, n, r.ess, ess, sig);
    check_sigma(r.ess, ess, sig, 3.0, "mu=%g: ESS vs exp(-mu^2) (3 sigma, delta method)", mu);
  }
  /* Reweighted mean and its error.  Y = w^2 (x-mu)^2: E Y = e^{mu^2}(1+mu^2),
   * E Y^2 = e^{6mu^2}((3mu)^4 + 6(3mu)^2 + 3), cov(Y, w) = e^{3mu^2}(1+4mu^2) - E Y;
   * error ~ sqrt(Ybar / n) / wbar. */
  {
    double ey = ew(2, mu) * (1.0 + m2), ey2 = ew(4, mu) * (81.0 * m2 * m2 + 54.0 * m2 + 3.0);
    double cyw = ew(3, mu) * (1.0 + 4.0 * m2) - ey, vw = ew(2, mu) - 1.0;
    double err = sqrt(ey / dn);
    double rel = sqrt(((ey2 - ey * ey) / (4.0 * ey * ey) + vw - cyw / ey) / dn);
    printf("mu=%.2f: mean %.5f +- %.5f (exact %.5f, error exact %.5f +- %.5f), jack %.5f\n",
           mu, r.mean, r.error, mu, err, rel * err, r.error_jack);
    check_sigma(r.mean, mu, r.error, 3.0, "mu=%g: reweighted mean vs mu (3 errors)", mu);
    check_sigma(r.error, err, rel * err, 3.0,
                "mu=%g: delta-method error vs exact (3 sigma of the estimate)", mu);
    /* The jackknife and delta-method variances differ at relative order
     * max_i w_i / sum w (~1e-4 here); allow 1e-3. */
    check_rel(r.error_jack, r.error, 1e-3, 0.0, "mu=%g: jackknife error = delta-method error", mu);
  }
  /* log Z = 0; dlogz = s_w / (sqrt(n) wbar) with v = var w, m3, m4 central moments. */
  {
    double v = ew(2, mu) - 1.0;
    double m3 = ew(3, mu) - 3.0 * ew(2, mu) + 2.0;
    double m4 = ew(4, mu) - 4.0 * ew(3, mu) + 6.0 * ew(2, mu) - 3.0;
    double dl = sqrt(v / dn), rel = sqrt(((m4 - v * v) / (4.0 * v * v) + v - m3 / v) / dn);
    printf("mu=%.2f: logz %.2e +- %.5f (exact 0, error exact %.5f +- %.5f)\n", mu, r.logz,
           r.dlogz, dl, rel * dl);
    check_sigma(r.logz, 0.0, r.dlogz, 3.0, "mu=%g: log Z vs 0 (3 dlogz)", mu);
    check_sigma(r.dlogz, dl, rel * dl, 3.0, "mu=%g: dlogz vs exact (3 sigma of the estimate)", mu);
    check_rel(r.dlogz, sqrt((1.0 / r.ess - 1.0) / (dn - 1.0)), 1e-8, 0.0,
              "mu=%g: dlogz^2 = (1/ESS - 1)/(n-1)", mu);
  }
  /* Gamma method at S = 0 on the columns (w', w' x): the same ratio; its
   * error differs by O(1/n) (bias factors, finite-difference gradient). */
  for (long i = 0; i < n; i++) {
    double w = exp(lw[i] - r.logw_max);
    cols[2 * i] = w;
    cols[2 * i + 1] = w * x[i];
  }
  rc = stats_gamma_derived(cols, n, 2, f_ratio, NULL, 0.0, &gr);
  check_int(rc, EMF_SUCCESS, "mu=%g: Gamma method on (w, w x) succeeds", mu);
  check_rel(gr.mean, r.mean, 1e-13, 0.0, "mu=%g: Gamma-method ratio = reweighted mean", mu);
  check_rel(gr.error, r.error, 1e-4, 0.0, "mu=%g: Gamma-method (S=0) error = delta error", mu);
  free(x);
  free(lw);
  free(cols);
}

/* Direct evaluation with plain exp for moderate log-weights. */
static void test_direct(long n, uint64_t seed)
{
  tu_rng_t g = {seed, 0, 0.0};
  double *o = malloc((size_t)n * sizeof *o), *lw = malloc((size_t)n * sizeof *lw);
  long double s1 = 0, s2 = 0, so = 0, sv = 0;
  double mean, err, ess, logz;
  stats_reweight_t r;

  for (long i = 0; i < n; i++) {
    lw[i] = 3.0 * tu_rng_gauss(&g);
    o[i] = 2.0 + tu_rng_gauss(&g);
  }
  for (long i = 0; i < n; i++) {
    long double w = expl(lw[i]);
    s1 += w;
    s2 += w * w;
    so += w * o[i];
  }
  mean = (double)(so / s1);
  for (long i = 0; i < n; i++) {
    long double w = expl(lw[i]), d = o[i] - (long double)mean;
    sv += w * w * d * d;
  }
  err = (double)(sqrtl(sv * n / (n - 1)) / s1);
  ess = (double)(s1 * s1 / (n * s2));
  logz = (double)logl(s1 / n);
  check_int(stats_reweight(lw, o, n, &r), EMF_SUCCESS, "direct: success");
  check_rel(r.ess, ess, 1e-12, 0.0, "direct: ESS");
  check_rel(r.mean, mean, 1e-12, 0.0, "direct: mean");
  check_rel(r.error, err, 1e-12, 0.0, "direct: error");
  check_rel(r.logz, logz, 1e-12, 1e-14, "direct: log Z");

  /* Shift invariance with log-weights ~ +-1e3 (naive exp over/underflows). */
  for (int k = 0; k < 2; k++) {
    double shift = k ? -1000.0 : 1000.0;
    stats_reweight_t rs;
    for (long i = 0; i < n; i++) lw[i] += shift;
    check_int(stats_reweight(lw, o, n, &rs), EMF_SUCCESS, "shift %g: success", shift);
    check_rel(rs.ess, r.ess, 1e-10, 0.0, "shift %g: ESS invariant", shift);
    check_rel(rs.mean, r.mean, 1e-10, 0.0, "shift %g: mean invariant", shift);
    check_rel(rs.error, r.error, 1e-10, 0.0, "shift %g: error invariant", shift);
    check_rel(rs.error_jack, r.error_jack, 1e-10, 0.0, "shift %g: jackknife invariant", shift);
    check_rel(rs.dlogz, r.dlogz, 1e-10, 0.0, "shift %g: dlogz invariant", shift);
    check_abs(rs.logz, r.logz + shift, 1e-10, "shift %g: log Z shifted", shift);
    for (long i = 0; i < n; i++) lw[i] -= shift;
  }
  free(o);
  free(lw);
}

static void test_exact_cases(void)
{
  double lw[10], o[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  stats_reweight_t r;
  int rc;

  /* w proportional to (1,2,3,4) at log-scale +-1000 (log(i+1) and the
   * shift round at 1e-16 relative; the error is a difference: 1e-13). */
  for (int k = 0; k < 2; k++) {
    double base = k ? -1000.0 : 1000.0;
    for (int i = 0; i < 4; i++) lw[i] = base + log(i + 1.0);
    rc = stats_reweight(lw, o, 4, &r);
    check_int(rc, EMF_SUCCESS, "w ~ (1,2,3,4), base %g: success", base);
    check_rel(r.ess, 100.0 / 120.0, 1e-14, 0.0, "w ~ (1,2,3,4), base %g: ESS 5/6", base);
    check_rel(r.mean, 3.0, 1e-14, 0.0, "w ~ (1,2,3,4), base %g: mean 3", base);
    /* sum w^2 (o-3)^2 / (sum w)^2 = (4 + 4 + 0 + 16)/100, times n/(n-1) = 4/3 */
    check_rel(r.error, sqrt(0.24 * 4.0 / 3.0), 1e-13, 0.0, "w ~ (1,2,3,4), base %g: error",
              base);
    check_rel(r.logz, base + log(2.5), 1e-15, 0.0, "w ~ (1,2,3,4), base %g: log Z", base);
    /* jackknife from the explicit leave-one-out ratios */
    {
      double loo[4], lbar = 0.0, v = 0.0;
      for (int i = 0; i < 4; i++) {
        double sw = 0.0, swo = 0.0;
        for (int j = 0; j < 4; j++)
          if (j != i) {
            sw += j + 1.0;
            swo += (j + 1.0) * o[j];
          }
        loo[i] = swo / sw;
        lbar += 0.25 * loo[i];
      }
      for (int i = 0; i < 4; i++) v += (loo[i] - lbar) * (loo[i] - lbar);
      check_rel(r.error_jack, sqrt(0.75 * v), 1e-13, 0.0,
                "w ~ (1,2,3,4), base %g: jackknife error", base);
    }
  }
  /* two equal weights dominate: exp(-2000) underflows to 0 exactly */
  lw[0] = lw[1] = 1000.0;
  for (int i = 2; i < 10; i++) lw[i] = -1000.0;
  rc = stats_reweight(lw, o, 10, &r);
  check_int(rc, EMF_SUCCESS, "two dominant weights: success");
  check_rel(r.ess, 0.2, 1e-15, 0.0, "two dominant weights: ESS = 2/n");
  check_rel(r.mean, 1.5, 1e-15, 0.0, "two dominant weights: mean");
  check_rel(r.logz, 1000.0 + log(0.2), 1e-15, 0.0, "two dominant weights: log Z");
  check_true(isfinite(r.error_jack), "two dominant weights: jackknife finite");

  /* one weight carries everything; -inf log-weights; NaN obs at zero weight */
  lw[0] = 0.0;
  lw[1] = lw[2] = -INFINITY;
  o[1] = NAN;
  rc = stats_reweight(lw, o, 3, &r);
  check_int(rc, EMF_SUCCESS, "single weight: success");
  check_rel(r.ess, 1.0 / 3.0, 1e-15, 0.0, "single weight: ESS = 1/n");
  check_rel(r.mean, 1.0, 0.0, 0.0, "single weight: mean = its observable");
  check_abs(r.error, 0.0, 0.0, "single weight: delta error 0");
  check_true(isnan(r.error_jack), "single weight: jackknife undefined (NaN)");
  check_rel(r.logz, log(1.0 / 3.0), 1e-15, 0.0, "single weight: log Z");

  /* obs == NULL: weights only */
  rc = stats_reweight(lw, NULL, 3, &r);
  check_int(rc, EMF_SUCCESS, "no observable: success");
  check_true(isnan(r.mean) && isnan(r.error), "no observable: mean and error NaN");

  /* error returns */
  check_int(stats_reweight(lw, o, 3, NULL), EMF_EINVAL, "NULL result: EMF_EINVAL");
  check_int(stats_reweight(NULL, o, 3, &r), EMF_EINVAL, "NULL log-weights: EMF_EINVAL");
  check_int(stats_reweight(lw, o, 0, &r), EMF_EINVAL, "n = 0: EMF_EINVAL");
  rc = stats_reweight(lw, o, 1, &r);
  check_int(rc, EMF_EINVAL, "n = 1: EMF_EINVAL");
  check_rel(r.ess, 1.0, 0.0, 0.0, "n = 1: ESS still set");
  check_rel(r.mean, 1.0, 0.0, 0.0, "n = 1: mean still set");
  check_int(stats_reweight(lw + 1, o + 1, 2, &r), EMF_EDOM, "all weights zero: EMF_EDOM");
  lw[1] = NAN;
  check_int(stats_reweight(lw, o, 3, &r), EMF_EDOM, "NaN log-weight: EMF_EDOM");
  lw[1] = INFINITY;
  check_int(stats_reweight(lw, o, 3, &r), EMF_EDOM, "+inf log-weight: EMF_EDOM");
  lw[1] = 0.0;
  check_int(stats_reweight(lw, o, 3, &r), EMF_EDOM, "NaN observable with weight: EMF_EDOM");
}

int main(void)
{
  test_gauss_shift(0.5, 1000000, 101);
  test_gauss_shift(1.0, 1000000, 102);
  test_direct(100000, 103);
  test_exact_cases();
  return check_finish("test_reweight");
}
