/*******************************************************************************
 * reweight.c: statistics of weighted (reweighted) independent samples.
 *
 * int stats_reweight(const double *logw, const double *obs, long n,
 *                    stats_reweight_t *r)
 *   For n samples with log-weights logw[i] (w = exp(logw), e.g. the flow's
 *   log w = -S - log q) and an optional observable obs[i] (NULL: none),
 *   computes from the shifted weights exp(logw - max logw), so that any
 *   scale of log w is safe:
 *     ess        = (sum w)^2 / (n sum w^2)                (fraction, 1/n..1)
 *     logz       = log((1/n) sum w),  dlogz = s_w / (sqrt(n) wbar)
 *                  (delta method, s_w the sample standard deviation of w)
 *     mean       = sum w o / sum w                        (self-normalised)
 *     error      = sqrt(n/(n-1) sum w^2 (o - mean)^2) / sum w   (delta method)
 *     error_jack = jackknife standard error of the same ratio
 *   logw[i] = -inf is allowed (zero weight).  Returns EMF_SUCCESS,
 *   EMF_EINVAL (NULL logw or r, n < 2; for n == 1 the values that exist are
 *   still set), or EMF_EDOM (a log-weight +inf or NaN, all weights zero, or
 *   a non-finite observable with nonzero weight).  error_jack is NaN when
 *   one sample carries all the weight (the leave-one-out ratio is undefined).
 *
 * These formulas assume independent samples.  For a Markov chain (e.g.
 * independence Metropolis) analyse the ratio <w o>/<w> with
 * stats_gamma_derived on the columns (w', w' o), w' = exp(logw - max logw).
 *
 * Context: local, thread-safe, no allocation.  Formulas: doc/stats.md.
 ******************************************************************************/
#include <math.h>
#include "util.h"
#include "stats.h"

int stats_reweight(const double *logw, const double *obs, long n,
                   stats_reweight_t *r)
{
  qsum_t s1 = {0.0, 0.0}, s2 = {0.0, 0.0}, swo = {0.0, 0.0};
  double m = -INFINITY, sw, wbar, mean = NAN;

  if (r == NULL) return EMF_EINVAL;
  r->ess = r->mean = r->error = r->error_jack = NAN;
  r->logz = r->dlogz = r->logw_max = NAN;
  r->n = n;
  if (logw == NULL || n < 1) return EMF_EINVAL;

  for (long i = 0; i < n; i++) {
    if (isnan(logw[i]) || logw[i] == INFINITY) return EMF_EDOM;
    if (logw[i] > m) m = logw[i];
  }
  if (m == -INFINITY) return EMF_EDOM;
  r->logw_max = m;

  for (long i = 0; i < n; i++) {
    double w = exp(logw[i] - m);
    qsum_add(&s1, w);
    qsum_add(&s2, w * w);
    if (obs != NULL && w > 0.0) {
      if (!isfinite(obs[i])) return EMF_EDOM;
      qsum_add(&swo, w * obs[i]);
    }
  }
  sw = qsum_value(&s1); /* >= 1: the largest weight is exactly 1 */
  wbar = sw / (double)n;
  r->ess = sw * sw / ((double)n * qsum_value(&s2));
  r->logz = m + log(wbar);
  if (obs != NULL) {
    mean = qsum_value(&swo) / sw;
    r->mean = mean;
  }
  if (n < 2) return EMF_EINVAL;

  /* Second pass: variance of w, delta-method and jackknife errors. */
  {
    qsum_t vw = {0.0, 0.0}, vo = {0.0, 0.0}, j1 = {0.0, 0.0}, j2 = {0.0, 0.0};
    int jack_ok = 1;
    double dn = (double)n;
    for (long i = 0; i < n; i++) {
      double w = exp(logw[i] - m), dw = w - wbar;
      qsum_add(&vw, dw * dw);
      if (obs != NULL && w > 0.0) {
        /* leave-one-out ratio minus the full one: -w_i (o_i - mean) / (S - w_i) */
        double dev = obs[i] - mean, rest = (s1.hi - w) + s1.lo, dj;
        qsum_add(&vo, w * w * dev * dev);
        if (rest > 0.0) {
          dj = -w * dev / rest;
          qsum_add(&j1, dj);
          qsum_add(&j2, dj * dj);
        } else {
          jack_ok = 0;
        }
      }
    }
    r->dlogz = sqrt(qsum_value(&vw) / (dn - 1.0) / dn) / wbar;
    if (obs != NULL) {
      r->error = sqrt(dn / (dn - 1.0) * qsum_value(&vo)) / sw;
      if (jack_ok) {
        double a = qsum_value(&j1) / dn, b = qsum_value(&j2) / dn;
        double v = (dn - 1.0) * (b - a * a);
        r->error_jack = sqrt(v > 0.0 ? v : 0.0);
      }
    }
  }
  return EMF_SUCCESS;
}
