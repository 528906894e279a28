/*******************************************************************************
 * test_summary.c: metro_summary_compute, metro_logq_error and the cost per
 * independent sample.
 *
 * 1. Summary of Gaussian proposals with NaN, +inf and -inf log-weights mixed
 *    in: counts, the finite log-weight range and standard deviation (against
 *    a long-double direct computation, 1e-12), ESS / log Z / reweighted
 *    means bit-identical to stats_reweight with the invalid entries at
 *    weight zero, the IMH part identical to metro_imh_run; error returns.
 * 2. Log-density error: log q perturbed by known amounts: max, rms, mean
 *    against a direct computation; ESS of both runs equal to stats_reweight;
 *    no perturbation gives zero error and equal ESS; bad samples counted.
 * 3. Cost: exact arithmetic of metro_cost_from_tau; metro_cost_imh picks the
 *    largest tau_int; metro_cost_series on AR(1) series with exact
 *    tau_int = (1+a)/(2(1-a)): the cost within 3 dcost of the exact cost;
 *    a constant series gives tau_int 1/2; error returns.
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "global.h"
#include "rng.h"
#include "stats.h"
#include "metro.h"
#include "check.h"

#define SEED 0xfeedbeef2026ULL

static void test_summary(long n)
{
  double *lw = malloc((size_t)n * sizeof *lw), *obs = malloc(2 * (size_t)n * sizeof *obs);
  double *lz = malloc((size_t)n * sizeof *lz), *col = malloc((size_t)n * sizeof *col);
  long double s1 = 0.0L, s2 = 0.0L, mx = -INFINITY, mn = INFINITY;
  long nfin = 0;
  rng_stream_t g;
  metro_summary_t sm;
  metro_imh_t r;
  stats_reweight_t rw;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 1, 0);
  for (long i = 0; i < n; i++) {
    double x = 1.4 * rng_gaussian(&g);
    lw[i] = 3.0 - 0.5 * (x - 0.3) * (x - 0.3) + 0.5 * x * x / 1.96;
    obs[2 * i] = x;
    obs[2 * i + 1] = x * x * x;
  }
  lw[0] = NAN; /* invalid start */
  lw[10] = NAN;
  lw[11] = INFINITY;
  lw[12] = -INFINITY;
  lw[n - 1] = -INFINITY;
  obs[2 * 10] = NAN; /* observables of an invalid proposal may be NaN */
  for (long i = 0; i < n; i++) {
    lz[i] = (isnan(lw[i]) || lw[i] == INFINITY) ? -INFINITY : lw[i];
    if (isfinite(lw[i])) {
      nfin++;
      s1 += lw[i];
      if (lw[i] > mx) mx = lw[i];
      if (lw[i] < mn) mn = lw[i];
    }
  }
  for (long i = 0; i < n; i++)
    if (isfinite(lw[i])) s2 += (lw[i] - s1 / nfin) * (lw[i] - s1 / nfin);

  rc = metro_summary_compute(lw, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_SUCCESS, "summary: succeeds with invalid entries");
  check_int(sm.n, n, "summary: n");
  check_int(sm.n_invalid, 3, "summary: NaN, NaN, +inf counted");
  check_int(sm.n_zero, 2, "summary: two -inf counted");
  check_rel(sm.logw_max, (double)mx, 0.0, 0.0, "summary: largest finite log-weight");
  check_rel(sm.logw_min, (double)mn, 0.0, 0.0, "summary: smallest finite log-weight");
  check_rel(sm.logw_spread, (double)(mx - mn), 1e-15, 0.0, "summary: spread");
  check_rel(sm.logw_std, (double)sqrtl(s2 / (nfin - 1)), 1e-12, 0.0,
            "summary: log-weight std vs long double (1e-12)");
  printf("summary n=%ld: ESS %.4f, log Z %.5f +- %.5f, spread %.3f, std %.4f, "
         "acceptance %.4f, tau_int(x) %.3f\n", n, sm.ess, sm.logz, sm.dlogz, sm.logw_spread,
         sm.logw_std, sm.imh.acceptance, sm.imh.obs[0].tau_int);

  rc = stats_reweight(lz, NULL, n, &rw);
  check_int(rc, EMF_SUCCESS, "summary: reference reweighting");
  check_bits(&sm.ess, &rw.ess, sizeof(double), "summary: ESS = stats_reweight, invalid at weight 0");
  check_bits(&sm.logz, &rw.logz, sizeof(double), "summary: log Z = stats_reweight");
  check_bits(&sm.dlogz, &rw.dlogz, sizeof(double), "summary: dlogz = stats_reweight");
  for (int k = 0; k < 2; k++) {
    for (long i = 0; i < n; i++) col[i] = obs[2 * i + k];
    stats_reweight(lz, col, n, &rw);
    check_bits(&sm.rw[k].mean, &rw.mean, sizeof(double), "summary: reweighted mean %d", k);
    check_bits(&sm.rw[k].error, &rw.error, sizeof(double), "summary: reweighted error %d", k);
  }
  /* log w = 3 - log 1.4 + log N(x; 0.3, 1) - log q(x), so Z = e^3 / 1.4
   * (the 5 zero weights lower log Z by 2.5e-5, far below dlogz) */
  check_sigma(sm.logz, 3.0 - log(1.4), sm.dlogz, 3.0, "summary: log Z = 3 - log 1.4 (3 errors)");
  check_sigma(sm.rw[0].mean, 0.3, sm.rw[0].error, 3.0,
              "summary: reweighted <x> = 0.3 (3 errors)");
  check_sigma(sm.rw[1].mean, 0.027 + 0.9, sm.rw[1].error, 3.0,
              "summary: reweighted <x^3> = mu^3 + 3 mu (3 errors)");

  rc = metro_imh_run(lw, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, NULL, NULL, &r);
  check_int(rc, EMF_SUCCESS, "summary: reference IMH run");
  check_true(memcmp(&sm.imh.obs[1].mean, &r.obs[1].mean, sizeof(double)) == 0 &&
             memcmp(&sm.imh.obs[1].tau_int, &r.obs[1].tau_int, sizeof(double)) == 0 &&
             sm.imh.n_accept == r.n_accept && sm.imh.n_invalid == r.n_invalid &&
             sm.imh.rej_run_max == r.rej_run_max, "summary: IMH part = metro_imh_run");
  check_int(sm.imh.n_invalid, 0, "summary: no invalid proposal after burn-in 50");
  check_sigma(sm.imh.obs[0].mean, 0.3, sm.imh.obs[0].error, 3.0,
              "summary: chain <x> = 0.3 (3 Gamma errors)");

  /* errors */
  obs[2 * 20] = INFINITY; /* non-finite observable with nonzero weight */
  rc = metro_summary_compute(lw, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_EDOM, "summary: non-finite observable of weight > 0 -> EDOM");
  check_true(isnan(sm.rw[0].mean) && isfinite(sm.rw[1].mean) && isfinite(sm.ess),
             "summary: only the affected observable is NaN");
  for (long i = 0; i < n; i++) lz[i] = NAN;
  rc = metro_summary_compute(lz, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, &sm);
  check_int(rc, EMF_EDOM, "summary: all log-weights NaN -> EDOM");
  check_int(sm.n_invalid, n, "summary: all counted invalid");
  check_true(isnan(sm.logw_spread) && isnan(sm.ess), "summary: spread and ESS NaN");
  check_int(metro_summary_compute(lw, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, NULL),
            EMF_EINVAL, "summary: s NULL");
  check_int(metro_summary_compute(NULL, obs, n, 2, SEED, 4, 50, STATS_S_DEFAULT, &sm),
            EMF_EINVAL, "summary: logw NULL");
  check_int(metro_summary_compute(lw, NULL, n, 2, SEED, 4, 50, STATS_S_DEFAULT, &sm),
            EMF_EINVAL, "summary: obs NULL with nobs > 0");
  check_int(metro_summary_compute(lw, obs, 1, 2, SEED, 4, 0, STATS_S_DEFAULT, &sm),
            EMF_EINVAL, "summary: n < 2");
  check_int(metro_summary_compute(lw, NULL, n, 0, SEED, 4, 50, STATS_S_DEFAULT, &sm),
            EMF_SUCCESS, "summary: nobs = 0");
  free(lw);
  free(obs);
  free(lz);
  free(col);
}

static void test_logq_error(long n)
{
  double *lq = malloc((size_t)n * sizeof *lq), *lqr = malloc((size_t)n * sizeof *lqr);
  double *sa = malloc((size_t)n * sizeof *sa), *sr = malloc((size_t)n * sizeof *sr);
  double *lw = malloc((size_t)n * sizeof *lw);
  long double sd = 0.0L, sd2 = 0.0L, mx = 0.0L;
  rng_stream_t g;
  metro_logq_error_t e;
  stats_reweight_t rw;
  int rc;

  rng_stream_init(&g, SEED, RNG_TEST, 2, 0);
  for (long i = 0; i < n; i++) {
    double x = rng_gaussian(&g);
    lqr[i] = -0.5 * x * x - 0.9189385332046727 + 0.2 * sin(3.0 * x);
    sa[i] = 0.5 * (x - 0.1) * (x - 0.1);
    sr[i] = sa[i] + 1e-7 * cos(x);
    lq[i] = lqr[i] + 1e-5 * rng_gaussian(&g) + 2e-6;
  }
  lq[7] = NAN;
  sr[9] = INFINITY;
  for (long i = 0; i < n; i++) {
    long double d;
    if (i == 7 || i == 9) continue;
    d = (long double)lq[i] - lqr[i];
    sd += d;
    sd2 += d * d;
    if (fabsl(d) > mx) mx = fabsl(d);
  }
  rc = metro_logq_error(lq, lqr, sa, sr, n, &e);
  check_int(rc, EMF_SUCCESS, "logq: succeeds");
  check_int(e.n_bad, 2, "logq: NaN log q and infinite action counted");
  check_rel(e.max_abs, (double)mx, 1e-9, 0.0, "logq: max |d| (1e-9 relative)");
  check_rel(e.rms, (double)sqrtl(sd2 / (n - 2)), 1e-9, 0.0, "logq: rms (1e-9)");
  check_rel(e.mean, (double)(sd / (n - 2)), 1e-8, 0.0, "logq: mean (1e-8)");
  for (long i = 0; i < n; i++) lw[i] = (i == 7 || i == 9) ? -INFINITY : -sr[i] - lqr[i];
  stats_reweight(lw, NULL, n, &rw);
  check_bits(&e.ess_ref, &rw.ess, sizeof(double), "logq: reference ESS = stats_reweight");
  check_bits(&e.logz_ref, &rw.logz, sizeof(double), "logq: reference log Z = stats_reweight");
  for (long i = 0; i < n; i++) lw[i] = (i == 7 || i == 9) ? -INFINITY : -sa[i] - lq[i];
  stats_reweight(lw, NULL, n, &rw);
  check_bits(&e.ess, &rw.ess, sizeof(double), "logq: ESS = stats_reweight");
  check_rel(e.dess, e.ess - e.ess_ref, 0.0, 0.0, "logq: dess = ess - ess_ref");
  printf("logq n=%ld: max %.3e rms %.3e mean %.3e, ESS %.6f vs %.6f (dESS %.2e)\n", n,
         e.max_abs, e.rms, e.mean, e.ess, e.ess_ref, e.dess);
  check_true(fabs(e.dess) < 1e-4, "logq: a 1e-5 log q error moves the ESS by < 1e-4");

  rc = metro_logq_error(lqr, lqr, sa, NULL, n, &e);
  check_int(rc, EMF_SUCCESS, "logq: same run, action_ref NULL");
  check_true(e.max_abs == 0.0 && e.rms == 0.0 && e.dess == 0.0 && e.n_bad == 0,
             "logq: no difference, no ESS change");
  for (long i = 0; i < n; i++) lw[i] = NAN;
  check_int(metro_logq_error(lw, lqr, sa, NULL, n, &e), EMF_EDOM, "logq: no good sample -> EDOM");
  check_true(isnan(e.rms) && isnan(e.ess), "logq: fields NaN without good samples");
  check_int(metro_logq_error(NULL, lqr, sa, NULL, n, &e), EMF_EINVAL, "logq: logq NULL");
  check_int(metro_logq_error(lq, NULL, sa, NULL, n, &e), EMF_EINVAL, "logq: logq_ref NULL");
  check_int(metro_logq_error(lq, lqr, NULL, NULL, n, &e), EMF_EINVAL, "logq: action NULL");
  check_int(metro_logq_error(lq, lqr, sa, NULL, 1, &e), EMF_EINVAL, "logq: n < 2");
  check_int(metro_logq_error(lq, lqr, sa, NULL, n, NULL), EMF_EINVAL, "logq: r NULL");
  free(lq);
  free(lqr);
  free(sa);
  free(sr);
  free(lw);
}

static void test_cost(void)
{
  metro_cost_t c;
  metro_imh_t r;
  long n = 200000;
  double *x = malloc((size_t)n * sizeof *x);
  rng_stream_t g;
  int rc;

  rc = metro_cost_from_tau(6.0, 300, 2.5, 0.1, &c);
  check_int(rc, EMF_SUCCESS, "cost: from tau");
  check_rel(c.n_indep, 60.0, 1e-15, 0.0, "cost: n / (2 tau) = 60");
  check_rel(c.cost, 0.1, 1e-15, 0.0, "cost: seconds / n_indep = 0.1");
  check_rel(c.dcost, 0.004, 1e-15, 0.0, "cost: 2 dtau seconds / n");
  check_int(metro_cost_from_tau(6.0, 0, 2.5, 0.1, &c), EMF_EINVAL, "cost: n = 0");
  check_int(metro_cost_from_tau(-1.0, 300, 2.5, 0.1, &c), EMF_EINVAL, "cost: negative seconds");
  check_int(metro_cost_from_tau(6.0, 300, 0.0, 0.1, &c), EMF_EINVAL, "cost: tau 0");
  check_int(metro_cost_from_tau(6.0, 300, NAN, 0.1, &c), EMF_EINVAL, "cost: tau NaN");
  check_int(metro_cost_from_tau(6.0, 300, 2.5, -0.1, &c), EMF_EINVAL, "cost: dtau < 0");
  check_int(metro_cost_from_tau(6.0, 300, 2.5, 0.1, NULL), EMF_EINVAL, "cost: c NULL");

  memset(&r, 0, sizeof r);
  r.n = 1000;
  r.nobs = 2;
  r.obs[0].tau_int = 1.2;
  r.obs[0].dtau_int = 0.05;
  r.obs[1].tau_int = 3.4;
  r.obs[1].dtau_int = 0.2;
  check_int(metro_cost_imh(50.0, &r, -1, &c), EMF_SUCCESS, "cost imh: largest tau");
  check_rel(c.cost, 2.0 * 3.4 * 50.0 / 1000.0, 1e-15, 0.0, "cost imh: uses tau 3.4");
  check_rel(c.dcost, 2.0 * 0.2 * 50.0 / 1000.0, 1e-15, 0.0, "cost imh: its dtau");
  check_int(metro_cost_imh(50.0, &r, 0, &c), EMF_SUCCESS, "cost imh: observable 0");
  check_rel(c.cost, 2.0 * 1.2 * 50.0 / 1000.0, 1e-15, 0.0, "cost imh: uses tau 1.2");
  check_int(metro_cost_imh(50.0, &r, 2, &c), EMF_EINVAL, "cost imh: k out of range");
  check_int(metro_cost_imh(50.0, NULL, 0, &c), EMF_EINVAL, "cost imh: r NULL");
  r.obs[1].tau_int = NAN;
  check_int(metro_cost_imh(50.0, &r, -1, &c), EMF_EDOM, "cost imh: tau NaN -> EDOM");

  rng_stream_init(&g, SEED, RNG_TEST, 3, 0);
  for (int ia = 0; ia < 2; ia++) {
    double a = ia == 0 ? 0.0 : 0.8, tau = (1.0 + a) / (2.0 * (1.0 - a));
    double exact = 2.0 * tau * 10.0 / (double)n;
    x[0] = rng_gaussian(&g);
    for (long i = 1; i < n; i++) x[i] = a * x[i - 1] + sqrt(1.0 - a * a) * rng_gaussian(&g);
    rc = metro_cost_series(x, n, 10.0, STATS_S_DEFAULT, &c);
    check_int(rc, EMF_SUCCESS, "cost series a=%g: succeeds", a);
    printf("cost AR(1) a=%.1f n=%ld: tau_int %.3f +- %.3f (exact %.3f), cost %.4e +- %.1e "
           "(exact %.4e)\n", a, n, c.tau_int, c.dtau_int, tau, c.cost, c.dcost, exact);
    check_sigma(c.cost, exact, c.dcost, 3.0, "cost series a=%g: cost = exact (3 dcost)", a);
  }
  for (long i = 0; i < 100; i++) x[i] = 0.7;
  rc = metro_cost_series(x, 100, 5.0, STATS_S_DEFAULT, &c);
  check_int(rc, EMF_EDOM, "cost series: constant series -> EDOM");
  check_rel(c.cost, 5.0 / 100.0, 1e-15, 0.0, "cost series: constant series, tau 1/2");
  check_int(metro_cost_series(x, 1, 5.0, STATS_S_DEFAULT, &c), EMF_EINVAL, "cost series: n = 1");
  check_true(isnan(c.cost), "cost series: NaN cost after an error");
  free(x);
}

int main(void)
{
  test_summary(200000);
  test_logq_error(100000);
  test_cost();
  return check_finish("test_summary");
}
