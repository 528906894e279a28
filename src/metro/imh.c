/*******************************************************************************
 * imh.c: run and analyse an independence Metropolis chain.
 *
 * int metro_imh_analyse(const double *series, const int64_t *state,
 *                       int64_t first, long n, int nobs, double S,
 *                       metro_imh_t *r)
 *   Analyses n consecutive chain steps whose first step processed proposal
 *   `first` (global index): series[j*nobs + k] the current state's
 *   observables and state[j] its global index, as written by
 *   metro_chain_advance.  Step j is a decision when first + j >= 1, an
 *   acceptance when state[j] == first + j.  Fills r: n, n_decisions,
 *   n_accept, acceptance = n_accept / n_decisions, rej_run_max (longest run
 *   of consecutive rejections inside the stretch), acc = stats_gamma of the
 *   0/1 acceptance series over the decisions (error of the acceptance,
 *   autocorrelations included) with its return code in acc_status, and for
 *   each observable obs[k] = stats_gamma(column k, S) (chain mean, Gamma
 *   error, tau_int) with its return code in obs_status[k].  n_invalid and
 *   n_zero are set to -1 (they need the log-weights; metro_imh_run fills
 *   them).  A constant column (e.g. acceptance 1) gives EMF_EDOM with
 *   STATS_FLAG_NOVAR in its status: exact mean, error 0, tau_int 1/2.
 *   Returns EMF_SUCCESS (per-quantity codes are in acc_status and
 *   obs_status), EMF_EINVAL (r or state NULL, series NULL with nobs > 0,
 *   n < 2, first < 0, nobs out of range, S < 0 or not finite), or
 *   EMF_ENOMEM / EMF_EFAILED / EMF_ENOTSUP when stats_gamma could not run.
 *
 * int metro_imh_run(const double *logw, const double *obs, long n, int nobs,
 *                   uint64_t seed, uint64_t chain, long nburn, double S,
 *                   double *series, int64_t *state, metro_imh_t *r)
 *   Runs the chain (metro_chain_init + metro_chain_advance) over proposals
 *   0..n-1 and analyses steps nburn..n-1 with metro_imh_analyse; n_invalid
 *   and n_zero count the NaN/+inf and -inf log-weights among proposals
 *   nburn..n-1.  series (n*nobs) and state (n) receive the whole chain when
 *   not NULL (otherwise scratch space is allocated).  Returns as
 *   metro_imh_analyse, plus EMF_EINVAL for logw NULL, obs NULL with
 *   nobs > 0, nburn < 0 or n - nburn < 2, EMF_ERANGE for n > 2^32 and
 *   EMF_ENOMEM.
 *
 * Context: local (no MPI).  Calls stats_gamma, which plans FFTW transforms:
 * not to be called from several threads at once.  doc/metro.md.
 ******************************************************************************/
#include <math.h>
#include <stdlib.h>
#include "metro.h"

static void imh_clear(metro_imh_t *r, long n, int nobs)
{
  r->n = n;
  r->n_decisions = r->n_accept = 0;
  r->n_invalid = r->n_zero = -1;
  r->rej_run_max = 0;
  r->acceptance = NAN;
  r->acc.mean = r->acc.error = r->acc.error_of_error = NAN;
  r->acc.tau_int = r->acc.dtau_int = r->acc.var = NAN;
  r->acc.window = 0;
  r->acc.n = 0;
  r->acc.status = STATS_OK;
  r->acc_status = EMF_EINVAL;
  r->nobs = nobs;
  for (int k = 0; k < METRO_NOBS_MAX; k++) {
    r->obs[k] = r->acc;
    r->obs_status[k] = EMF_EINVAL;
  }
}

/* A failure of stats_gamma that is not about the data. */
static int hard_failure(int rc)
{
  return rc == EMF_ENOMEM || rc == EMF_EFAILED || rc == EMF_ENOTSUP;
}

int metro_imh_analyse(const double *series, const int64_t *state, int64_t first,
                      long n, int nobs, double S, metro_imh_t *r)
{
  double *buf;
  long nd = 0, na = 0, run = 0, run_max = 0;
  int status = EMF_SUCCESS;

  if (r == NULL) return EMF_EINVAL;
  imh_clear(r, n, nobs);
  if (state == NULL || n < 2 || first < 0 || nobs < 0 || nobs > METRO_NOBS_MAX ||
      (nobs > 0 && series == NULL) || !(S >= 0.0) || !isfinite(S))
    return EMF_EINVAL;

  buf = malloc((size_t)n * sizeof *buf);
  if (buf == NULL) return EMF_ENOMEM;

  for (long j = 0; j < n; j++) {
    int64_t g = first + j;
    if (g == 0) continue;
    if (state[j] == g) {
      na++;
      run = 0;
      buf[nd++] = 1.0;
    } else {
      run++;
      if (run > run_max) run_max = run;
      buf[nd++] = 0.0;
    }
  }
  r->n_decisions = nd;
  r->n_accept = na;
  r->rej_run_max = run_max;
  if (nd > 0) r->acceptance = (double)na / (double)nd;
  r->acc_status = stats_gamma(buf, nd, S, &r->acc);
  if (hard_failure(r->acc_status)) status = r->acc_status;

  for (int k = 0; k < nobs && status == EMF_SUCCESS; k++) {
    for (long j = 0; j < n; j++) buf[j] = series[(size_t)j * (size_t)nobs + k];
    r->obs_status[k] = stats_gamma(buf, n, S, &r->obs[k]);
    if (hard_failure(r->obs_status[k])) status = r->obs_status[k];
  }
  free(buf);
  return status;
}

int metro_imh_run(const double *logw, const double *obs, long n, int nobs,
                  uint64_t seed, uint64_t chain, long nburn, double S,
                  double *series, int64_t *state, metro_imh_t *r)
{
  metro_chain_t c;
  double *ser = series;
  int64_t *st = state;
  int rc;

  if (r == NULL) return EMF_EINVAL;
  imh_clear(r, n - nburn, nobs);
  if (logw == NULL || nobs < 0 || nobs > METRO_NOBS_MAX || (nobs > 0 && obs == NULL) ||
      nburn < 0 || n - nburn < 2)
    return EMF_EINVAL;

  if (ser == NULL && nobs > 0) ser = malloc((size_t)n * (size_t)nobs * sizeof *ser);
  if (st == NULL) st = malloc((size_t)n * sizeof *st);
  if ((ser == NULL && nobs > 0) || st == NULL) {
    rc = EMF_ENOMEM;
    goto out;
  }
  rc = metro_chain_init(&c, seed, chain, nobs);
  if (rc == EMF_SUCCESS) rc = metro_chain_advance(&c, logw, obs, n, ser, st);
  if (rc == EMF_SUCCESS)
    rc = metro_imh_analyse(ser != NULL ? ser + (size_t)nburn * (size_t)nobs : NULL,
                           st + nburn, nburn, n - nburn, nobs, S, r);
  if (rc == EMF_SUCCESS) {
    long ni = 0, nz = 0;
    for (long j = nburn; j < n; j++) {
      if (isnan(logw[j]) || logw[j] == INFINITY) ni++;
      else if (logw[j] == -INFINITY) nz++;
    }
    r->n_invalid = ni;
    r->n_zero = nz;
  }
out:
  if (ser != series) free(ser);
  if (st != state) free(st);
  return rc;
}
