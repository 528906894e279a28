/*******************************************************************************
 * test_imh.c: independence Metropolis on targets with known answers.
 *
 * 1. Gaussian: proposals x ~ q = N(0, s^2) (s = 1.5), target
 *    p(x) ~ exp(-(x - mu)^2 / 2) (mu = 0.5), Z = sqrt(2 pi), n = 1e6.
 *    log w = -(x-mu)^2/2 - log q(x).  Checks, each within 3 standard errors
 *    (Gamma method for the chain, autocorrelations included):
 *      chain mean of x = mu, chain variance <x^2> - <x>^2 = 1
 *      (stats_gamma_derived on the series), acceptance = its exact value
 *      A = int int min(p(x) q(y), p(y) q(x)) dx dy (2D trapezoid rule,
 *      converged to 1e-6), log Z (metro_summary_compute) = log sqrt(2 pi),
 *      reweighted <x> = mu, ESS = (E w)^2 / E w^2 within 3 delta-method
 *      sigma (moments E_q w^k by quadrature).
 * 2. Discrete: 5 states, q = (.3,.25,.2,.15,.1), p ~ (1,2,3,2,1) (Z = 9),
 *    f(k) = k.  From the exact IMH transition matrix P: exact acceptance,
 *    exact tau_int of f (Gamma(t) = sum_x p_x f~_x (P^t f~)_x summed to
 *    convergence) and the exact error of the chain mean.  Checks: mean
 *    within 3 errors, tau_int within 3 dtau_int, error within 3
 *    error_of_error of sqrt(2 tau var / n), acceptance within 3 errors,
 *    log Z = log 9 within 3 dlogz.
 * 3. Perfect proposals (constant log-weight): acceptance 1 and ESS 1
 *    exactly, log Z exact, dlogz 0; q = p up to rounding: acceptance 1.
 * Fixed seeds; proposals from rng streams with purpose RNG_TEST.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "global.h"
#include "rng.h"
#include "stats.h"
#include "metro.h"
#include "check.h"

#define SEED 0x5eed1234abcdULL

static double f_var(const double *m, void *arg)
{
  (void)arg;
  return m[1] - m[0] * m[0];
}

/* Gaussian case: normalised densities. */
static double dens_q(double x, double s) { return exp(-0.5 * x * x / (s * s)) / (s * sqrt(2.0 * M_PI)); }
static double dens_p(double x, double mu) { return exp(-0.5 * (x - mu) * (x - mu)) / sqrt(2.0 * M_PI); }

/* A = int int min(p(x) q(y), p(y) q(x)) on [-L, L]^2, trapezoid rule. */
static double accept_exact(double mu, double s, double L, double h)
{
  long m = (long)floor(2.0 * L / h + 0.5) + 1;
  double *p = malloc((size_t)m * sizeof *p), *q = malloc((size_t)m * sizeof *q);
  double sum = 0.0;
  for (long i = 0; i < m; i++) {
    double x = -L + h * (double)i, c = (i == 0 || i == m - 1) ? 0.5 : 1.0;
    p[i] = c * dens_p(x, mu);
    q[i] = c * dens_q(x, s);
  }
  for (long i = 0; i < m; i++) {
    double row = 0.0;
    for (long j = 0; j < m; j++) {
      double a = p[i] * q[j], b = p[j] * q[i];
      row += a < b ? a : b;
    }
    sum += row;
  }
  free(p);
  free(q);
  return sum * h * h;
}

/* E_q[w^k] with w = ptilde/q, ptilde = sqrt(2 pi) p: int ptilde^k q^(1-k). */
static double moment_w(int k, double mu, double s)
{
  double L = 14.0, h = 1e-3, sum = 0.0;
  long m = (long)(2.0 * L / h);
  for (long i = 0; i <= m; i++) {
    double x = -L + h * (double)i, c = (i == 0 || i == m) ? 0.5 : 1.0;
    double pt = exp(-0.5 * (x - mu) * (x - mu));
    sum += c * pow(pt, k) * pow(dens_q(x, s), 1 - k);
  }
  return sum * h;
}

static void test_gaussian(long n)
{
  const double mu = 0.5, s = 1.5, logz = 0.5 * log(2.0 * M_PI);
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc(2 * (size_t)n * sizeof *obs);
  double *series = malloc(2 * (size_t)n * sizeof *series);
  int64_t *state = malloc((size_t)n * sizeof *state);
  long nburn = 100;
  rng_stream_t g;
  metro_imh_t r;
  metro_summary_t sm;
  stats_gamma_t gv;
  double A, A2;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 1, 0);
  for (long i = 0; i < n; i++) {
    double x = s * rng_gaussian(&g);
    lw[i] = -0.5 * (x - mu) * (x - mu) + 0.5 * x * x / (s * s) + log(s * sqrt(2.0 * M_PI));
    obs[2 * i] = x;
    obs[2 * i + 1] = x * x;
  }
  rc = metro_imh_run(lw, obs, n, 2, SEED, 0, nburn, STATS_S_DEFAULT, series, state, &r);
  check_int(rc, EMF_SUCCESS, "gauss: metro_imh_run succeeds");
  check_int(r.n, n - nburn, "gauss: steps after burn-in");
  check_int(r.n_decisions, n - nburn, "gauss: decisions");
  check_int(r.n_invalid, 0, "gauss: no invalid log-weights");
  printf("gauss n=%ld: <x> = %.5f +- %.5f (tau_int %.3f +- %.3f), <x^2> = %.5f +- %.5f "
         "(tau_int %.3f)\n", n, r.obs[0].mean, r.obs[0].error, r.obs[0].tau_int,
         r.obs[0].dtau_int, r.obs[1].mean, r.obs[1].error, r.obs[1].tau_int);
  check_sigma(r.obs[0].mean, mu, r.obs[0].error, 3.0, "gauss: chain <x> = mu (3 Gamma errors)");
  check_sigma(r.obs[1].mean, 1.0 + mu * mu, r.obs[1].error, 3.0,
              "gauss: chain <x^2> = 1 + mu^2 (3 Gamma errors)");
  rc = stats_gamma_derived(series + 2 * nburn, n - nburn, 2, f_var, NULL, STATS_S_DEFAULT, &gv);
  check_int(rc, EMF_SUCCESS, "gauss: variance analysis succeeds");
  printf("gauss: var = %.5f +- %.5f (tau_int %.3f)\n", gv.mean, gv.error, gv.tau_int);
  check_sigma(gv.mean, 1.0, gv.error, 3.0, "gauss: chain variance = 1 (3 Gamma errors)");
  check_true(r.obs[0].tau_int > 0.5, "gauss: IMH chain is autocorrelated (tau_int > 1/2)");

  A = accept_exact(mu, s, 10.0, 0.005);
  A2 = accept_exact(mu, s, 10.0, 0.0025);
  check_abs(A, A2, 1e-6, "gauss: quadrature of the acceptance converged (h vs h/2, 1e-6)");
  printf("gauss: acceptance %.5f +- %.5f (tau_int %.3f), exact %.6f; longest rejection "
         "run %ld\n", r.acceptance, r.acc.error, r.acc.tau_int, A2, r.rej_run_max);
  check_rel(r.acc.mean, r.acceptance, 1e-12, 0.0, "gauss: Gamma mean of acceptance series");
  check_sigma(r.acceptance, A2, r.acc.error, 3.0, "gauss: acceptance = exact (3 Gamma errors)");

  rc = metro_summary_compute(lw, obs, n, 2, SEED, 0, nburn, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_SUCCESS, "gauss: summary succeeds");
  printf("gauss: log Z = %.5f +- %.5f (exact %.5f), ESS %.5f, <x>_rw = %.5f +- %.5f\n",
         sm.logz, sm.dlogz, logz, sm.ess, sm.rw[0].mean, sm.rw[0].error);
  check_sigma(sm.logz, logz, sm.dlogz, 3.0, "gauss: log Z = log sqrt(2 pi) (3 errors)");
  check_sigma(sm.rw[0].mean, mu, sm.rw[0].error, 3.0, "gauss: reweighted <x> = mu (3 errors)");
  check_sigma(sm.rw[1].mean, 1.0 + mu * mu, sm.rw[1].error, 3.0,
              "gauss: reweighted <x^2> = 1 + mu^2 (3 errors)");
  check_bits(&sm.imh.obs[0].mean, &r.obs[0].mean, sizeof(double),
             "gauss: summary chain mean = metro_imh_run's");
  {
    double m1 = moment_w(1, mu, s), m2 = moment_w(2, mu, s), m3 = moment_w(3, mu, s);
    double m4 = moment_w(4, mu, s), dn = (double)n;
    double ess = m1 * m1 / m2, g1 = 2.0 * m1 / m2, g2 = -m1 * m1 / (m2 * m2);
    double vw = m2 - m1 * m1, vw2 = m4 - m2 * m2, cov = m3 - m1 * m2;
    double sig = sqrt((g1 * g1 * vw + g2 * g2 * vw2 + 2.0 * g1 * g2 * cov) / dn);
    check_rel(m1, sqrt(2.0 * M_PI), 1e-10, 0.0, "gauss: quadrature E_q w = Z");
    printf("gauss: ESS exact %.5f +- %.5f\n", ess, sig);
    check_sigma(sm.ess, ess, sig, 3.0, "gauss: ESS = exact (3 delta-method sigma)");
  }
  free(lw);
  free(obs);
  free(series);
  free(state);
}

/* ---- discrete target with the exact transition matrix ---- */

#define K 5

static void test_discrete(long n)
{
  const double q[K] = {0.3, 0.25, 0.2, 0.15, 0.1};
  const double pt[K] = {1.0, 2.0, 3.0, 2.0, 1.0};
  double p[K], w[K], P[K][K], f[K], v[K], v2[K], cq[K];
  double fmean = 0.0, g0 = 0.0, gsum = 0.0, A = 0.0, tau, err;
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc((size_t)n * sizeof *obs);
  rng_stream_t g;
  metro_imh_t r;
  metro_summary_t sm;
  int rc;

  for (int x = 0; x < K; x++) {
    p[x] = pt[x] / 9.0;
    w[x] = pt[x] / q[x];
    f[x] = (double)x;
    fmean += p[x] * f[x];
    cq[x] = q[x] + (x > 0 ? cq[x - 1] : 0.0);
  }
  for (int x = 0; x < K; x++) {
    double stay = 1.0;
    for (int y = 0; y < K; y++) {
      if (y == x) continue;
      P[x][y] = q[y] * fmin(1.0, w[y] / w[x]);
      stay -= P[x][y];
      A += p[x] * P[x][y];
    }
    P[x][x] = stay;
    A += p[x] * q[x]; /* proposing the same state is an acceptance */
  }
  for (int x = 0; x < K; x++) {
    v[x] = f[x] - fmean;
    g0 += p[x] * v[x] * v[x];
  }
  for (int t = 1; t < 100000; t++) {
    double gt = 0.0;
    for (int x = 0; x < K; x++) {
      v2[x] = 0.0;
      for (int y = 0; y < K; y++) v2[x] += P[x][y] * v[y];
    }
    for (int x = 0; x < K; x++) {
      v[x] = v2[x];
      gt += p[x] * (f[x] - fmean) * v[x];
    }
    gsum += gt;
    if (fabs(gt) < 1e-20) break;
  }
  tau = 0.5 + gsum / g0;
  err = sqrt(2.0 * tau * g0 / (double)n);

  rng_stream_init(&g, SEED, RNG_TEST, 2, 0);
  for (long i = 0; i < n; i++) {
    double u = rng_uniform(&g);
    int x = 0;
    while (x < K - 1 && u > cq[x]) x++;
    lw[i] = log(w[x]);
    obs[i] = f[x];
  }
  rc = metro_imh_run(lw, obs, n, 1, SEED, 7, 0, STATS_S_DEFAULT, NULL, NULL, &r);
  check_int(rc, EMF_SUCCESS, "discrete: metro_imh_run succeeds");
  printf("discrete n=%ld: <f> = %.5f +- %.5f (exact %.5f, exact error %.5f), tau_int = "
         "%.4f +- %.4f (exact %.4f), acceptance %.5f +- %.5f (exact %.5f)\n", n, r.obs[0].mean,
         r.obs[0].error, fmean, err, r.obs[0].tau_int, r.obs[0].dtau_int, tau, r.acceptance,
         r.acc.error, A);
  check_sigma(r.obs[0].mean, fmean, r.obs[0].error, 3.0, "discrete: chain mean (3 Gamma errors)");
  check_sigma(r.obs[0].tau_int, tau, r.obs[0].dtau_int, 3.0,
              "discrete: tau_int = exact from P (3 dtau_int)");
  check_sigma(r.obs[0].error, err, r.obs[0].error_of_error, 3.0,
              "discrete: Gamma error = exact sqrt(2 tau var / n) (3 error_of_error)");
  check_sigma(r.acceptance, A, r.acc.error, 3.0, "discrete: acceptance = exact (3 Gamma errors)");
  check_int(r.n_decisions, n - 1, "discrete: n - 1 decisions without burn-in");

  rc = metro_summary_compute(lw, obs, n, 1, SEED, 7, 0, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_SUCCESS, "discrete: summary succeeds");
  printf("discrete: log Z = %.5f +- %.5f (exact %.5f), <f>_rw = %.5f +- %.5f\n", sm.logz,
         sm.dlogz, log(9.0), sm.rw[0].mean, sm.rw[0].error);
  check_sigma(sm.logz, log(9.0), sm.dlogz, 3.0, "discrete: log Z = log 9 (3 errors)");
  check_sigma(sm.rw[0].mean, fmean, sm.rw[0].error, 3.0, "discrete: reweighted mean (3 errors)");
  check_rel(sm.logw_spread, log(3.0 / 0.2) - log(1.0 / 0.3), 1e-14, 0.0,
            "discrete: log-weight spread = log w_max - log w_min");
  free(lw);
  free(obs);
}

static void test_perfect(long n)
{
  const double c = 1.234, mu = -0.3;
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc((size_t)n * sizeof *obs);
  rng_stream_t g;
  metro_summary_t sm;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 3, 0);
  for (long i = 0; i < n; i++) {
    lw[i] = c;
    obs[i] = rng_gaussian(&g);
  }
  rc = metro_summary_compute(lw, obs, n, 1, SEED, 0, 0, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_SUCCESS, "perfect: summary succeeds");
  check_int(sm.imh.n_accept, n - 1, "perfect: every proposal accepted");
  check_rel(sm.imh.acceptance, 1.0, 0.0, 0.0, "perfect: acceptance exactly 1");
  check_int(sm.imh.rej_run_max, 0, "perfect: no rejection");
  check_rel(sm.ess, 1.0, 0.0, 0.0, "perfect: ESS exactly 1");
  check_rel(sm.logz, c, 0.0, 0.0, "perfect: log Z exact");
  check_rel(sm.dlogz, 0.0, 0.0, 0.0, "perfect: dlogz = 0");
  check_rel(sm.logw_spread, 0.0, 0.0, 0.0, "perfect: spread 0");
  check_int(sm.imh.acc_status, EMF_EDOM, "perfect: acceptance series constant (EDOM)");
  check_true(sm.imh.acc.status & STATS_FLAG_NOVAR, "perfect: acceptance series flagged NOVAR");
  check_rel(sm.imh.obs[0].mean, sm.rw[0].mean, 1e-12, 0.0,
            "perfect: chain mean = reweighted mean = plain mean");
  check_rel(sm.imh.obs[0].error, sm.rw[0].error, 0.05, 0.0,
            "perfect: Gamma error ~ independent-sample error (5%%)");

  /* q = p up to rounding: log w = -(x-mu)^2/2 - log N(x; mu, 1) */
  for (long i = 0; i < n; i++) {
    double x = mu + rng_gaussian(&g);
    lw[i] = -0.5 * (x - mu) * (x - mu) - (-0.5 * (x - mu) * (x - mu) - 0.5 * log(2.0 * M_PI));
    obs[i] = x;
  }
  rc = metro_summary_compute(lw, obs, n, 1, SEED, 0, 0, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_SUCCESS, "q = p: summary succeeds");
  check_rel(sm.imh.acceptance, 1.0, 0.0, 0.0, "q = p: acceptance 1");
  check_rel(sm.ess, 1.0, 1e-14, 0.0, "q = p: ESS 1 to rounding");
  check_rel(sm.logz, 0.5 * log(2.0 * M_PI), 1e-14, 0.0, "q = p: log Z = log sqrt(2 pi)");
  free(lw);
  free(obs);
}

int main(void)
{
  test_gaussian(1000000);
  test_discrete(1000000);
  test_perfect(100000);
  return check_finish("test_imh");
}
