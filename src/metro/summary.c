/*******************************************************************************
 * summary.c: the estimates from one set of flow proposals, and the
 * log-density error report.
 *
 * int metro_summary_compute(const double *logw, const double *obs, long n,
 *                           int nobs, uint64_t seed, uint64_t chain,
 *                           long nburn, double S, metro_summary_t *s)
 *   For n proposals with log-weights logw[i] and observables
 *   obs[i*nobs + k] fills s:
 *     n_invalid, n_zero   counts of NaN/+inf and of -inf log-weights;
 *     logw_max, logw_min, logw_spread = max - min, logw_std (sample
 *                         standard deviation) over the finite log-weights
 *                         (NaN when there are none; std NaN below two);
 *     ess, logz, dlogz    stats_reweight over all n proposals, invalid ones
 *                         with weight zero;
 *     rw[k]               stats_reweight with observable k (self-normalised
 *                         mean, delta-method and jackknife errors);
 *     imh                 metro_imh_run(logw, obs, n, nobs, seed, chain,
 *                         nburn, S): acceptance, chain means with Gamma
 *                         errors and tau_int.
 *   Returns EMF_SUCCESS, EMF_EINVAL (s or logw NULL, obs NULL with nobs > 0,
 *   nobs out of range, n < 2, nburn < 0 or n - nburn < 2, S invalid),
 *   EMF_EDOM (every weight zero, or a non-finite observable on a proposal
 *   of nonzero weight: the affected fields are NaN, the rest is filled),
 *   EMF_ERANGE (n > 2^32) or EMF_ENOMEM / EMF_EFAILED / EMF_ENOTSUP.
 *
 * int metro_logq_error(const double *logq, const double *logq_ref,
 *                      const double *action, const double *action_ref,
 *                      long n, metro_logq_error_t *r)
 *   The log-density error of the ODE: logq[i] from the production run and
 *   logq_ref[i] from a run at (e.g.) 100x tighter tolerance of the same
 *   prior samples, with actions action[i] and action_ref[i] of the two
 *   final configurations (action_ref NULL: the same action).  Over the
 *   samples where all four values are finite ("good"; the others are
 *   counted in n_bad) fills max_abs, rms and mean of d = logq - logq_ref.
 *   ess, logz (log w = -action - logq) and ess_ref, logz_ref (log w =
 *   -action_ref - logq_ref) come from stats_reweight over all n samples with
 *   the bad ones at weight zero in both, and dess = ess - ess_ref.
 *   Returns EMF_SUCCESS, EMF_EINVAL (NULL pointer other than action_ref,
 *   n < 2), EMF_EDOM (no good sample; fields NaN) or EMF_ENOMEM.
 *
 * Context: local (no MPI).  Uses stats_gamma (FFTW planner): not to be
 * called from several threads at once.  doc/metro.md.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include "util.h"
#include "metro.h"

static int is_invalid(double x) { return isnan(x) || x == INFINITY; }

static void reweight_clear(stats_reweight_t *r, long n)
{
  r->ess = r->mean = r->error = r->error_jack = NAN;
  r->logz = r->dlogz = r->logw_max = NAN;
  r->n = n;
}

int metro_summary_compute(const double *logw, const double *obs, long n, int nobs,
                          uint64_t seed, uint64_t chain, long nburn, double S,
                          metro_summary_t *s)
{
  double *lw = NULL, *col = NULL;
  stats_reweight_t r0;
  qsum_t sum = {0.0, 0.0}, sum2 = {0.0, 0.0};
  long nfin = 0;
  int status = EMF_SUCCESS, rc;

  if (s == NULL) return EMF_EINVAL;
  s->n = n;
  s->n_invalid = s->n_zero = 0;
  s->ess = s->logz = s->dlogz = NAN;
  s->logw_max = s->logw_min = s->logw_spread = s->logw_std = NAN;
  s->nobs = nobs;
  for (int k = 0; k < METRO_NOBS_MAX; k++) reweight_clear(&s->rw[k], n);
  rc = metro_imh_run(logw, obs, n, nobs, seed, chain, nburn, S, NULL, NULL, &s->imh);
  if (rc != EMF_SUCCESS) return rc;

  lw = malloc((size_t)n * sizeof *lw);
  col = malloc((size_t)n * sizeof *col);
  if (lw == NULL || col == NULL) {
    status = EMF_ENOMEM;
    goto out;
  }
  /* log-weights with invalid entries at weight zero; spread of finite ones */
  for (long i = 0; i < n; i++) {
    double x = logw[i];
    if (is_invalid(x)) {
      s->n_invalid++;
      x = -INFINITY;
    } else if (x == -INFINITY) {
      s->n_zero++;
    } else {
      if (nfin == 0 || x > s->logw_max) s->logw_max = x;
      if (nfin == 0 || x < s->logw_min) s->logw_min = x;
      nfin++;
    }
    lw[i] = x;
  }
  if (nfin > 0) {
    s->logw_spread = s->logw_max - s->logw_min;
    /* shift by logw_max: the deviations are small numbers */
    for (long i = 0; i < n; i++)
      if (isfinite(lw[i])) qsum_add(&sum, lw[i] - s->logw_max);
    for (long i = 0; i < n; i++)
      if (isfinite(lw[i])) {
        double d = lw[i] - s->logw_max - qsum_value(&sum) / (double)nfin;
        qsum_add(&sum2, d * d);
      }
    if (nfin > 1) s->logw_std = sqrt(qsum_value(&sum2) / (double)(nfin - 1));
  }

  rc = stats_reweight(lw, NULL, n, &r0);
  if (rc != EMF_SUCCESS) {
    status = rc;
    goto out;
  }
  s->ess = r0.ess;
  s->logz = r0.logz;
  s->dlogz = r0.dlogz;
  for (int k = 0; k < nobs; k++) {
    for (long i = 0; i < n; i++) col[i] = obs[(size_t)i * (size_t)nobs + k];
    rc = stats_reweight(lw, col, n, &s->rw[k]);
    if (rc != EMF_SUCCESS && status == EMF_SUCCESS) status = rc;
  }
out:
  free(lw);
  free(col);
  return status;
}

int metro_logq_error(const double *logq, const double *logq_ref,
                     const double *action, const double *action_ref, long n,
                     metro_logq_error_t *r)
{
  double *lw, *lwr;
  stats_reweight_t a, b;
  qsum_t sd = {0.0, 0.0}, sd2 = {0.0, 0.0};
  long ngood = 0;
  int status = EMF_SUCCESS;

  if (r == NULL) return EMF_EINVAL;
  r->n = n;
  r->n_bad = 0;
  r->max_abs = r->rms = r->mean = NAN;
  r->ess = r->ess_ref = r->dess = r->logz = r->logz_ref = NAN;
  if (logq == NULL || logq_ref == NULL || action == NULL || n < 2) return EMF_EINVAL;
  if (action_ref == NULL) action_ref = action;

  lw = malloc((size_t)n * sizeof *lw);
  lwr = malloc((size_t)n * sizeof *lwr);
  if (lw == NULL || lwr == NULL) {
    status = EMF_ENOMEM;
    goto out;
  }
  for (long i = 0; i < n; i++) {
    double lq = logq[i], lqr = logq_ref[i], sa = action[i], sr = action_ref[i];
    if (isfinite(lq) && isfinite(lqr) && isfinite(sa) && isfinite(sr)) {
      double d = lq - lqr;
      if (ngood == 0 || fabs(d) > r->max_abs) r->max_abs = fabs(d);
      qsum_add(&sd, d);
      qsum_add(&sd2, d * d);
      lw[i] = -sa - lq;
      lwr[i] = -sr - lqr;
      ngood++;
    } else {
      lw[i] = lwr[i] = -INFINITY;
    }
  }
  r->n_bad = n - ngood;
  if (ngood == 0) {
    status = EMF_EDOM;
    goto out;
  }
  r->mean = qsum_value(&sd) / (double)ngood;
  r->rms = sqrt(qsum_value(&sd2) / (double)ngood);
  /* -S - log q may still overflow to -inf (weight zero) or be +inf only if
   * the inputs are huge; stats_reweight reports the latter as EMF_EDOM. */
  status = stats_reweight(lw, NULL, n, &a);
  if (status == EMF_SUCCESS) status = stats_reweight(lwr, NULL, n, &b);
  if (status != EMF_SUCCESS) goto out;
  r->ess = a.ess;
  r->logz = a.logz;
  r->ess_ref = b.ess;
  r->logz_ref = b.logz;
  r->dess = a.ess - b.ess;
out:
  free(lw);
  free(lwr);
  return status;
}
