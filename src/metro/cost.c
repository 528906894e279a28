/*******************************************************************************
 * cost.c: cost per independent sample of a Markov chain.
 *
 * int metro_cost_from_tau(double seconds, long n, double tau_int,
 *                         double dtau_int, metro_cost_t *c)
 *   For a chain of n steps that cost `seconds` in total, with integrated
 *   autocorrelation time tau_int +- dtau_int (in steps): n_indep =
 *   n / (2 tau_int), cost = seconds / n_indep = 2 tau_int seconds / n and
 *   dcost = 2 dtau_int seconds / n (the error of tau_int only; dtau_int may
 *   be NaN, giving dcost NaN).  Returns EMF_SUCCESS or EMF_EINVAL (c NULL,
 *   n < 1, seconds negative or not finite, tau_int not finite and > 0,
 *   dtau_int negative).
 *
 * int metro_cost_imh(double seconds, const metro_imh_t *r, int k,
 *                    metro_cost_t *c)
 *   The same for an analysed IMH chain (metro_imh_run/metro_imh_analyse):
 *   n = r->n (the steps after burn-in; `seconds` must be their cost) and
 *   tau_int of observable k, or for k = -1 the largest tau_int over the
 *   observables (the conservative choice).  Returns as above, plus
 *   EMF_EINVAL for r NULL or k out of range and EMF_EDOM when the chosen
 *   tau_int is not available (NaN).
 *
 * int metro_cost_series(const double *x, long n, double seconds, double S,
 *                       metro_cost_t *c)
 *   The same for a plain series x[0..n-1] (e.g. the HMC plaquette history):
 *   tau_int from stats_gamma(x, n, S).  A constant series (stats_gamma's
 *   EMF_EDOM with STATS_FLAG_NOVAR) takes tau_int = 1/2 and is reported as
 *   EMF_EDOM with the cost filled in; other stats_gamma errors are returned
 *   with the cost fields NaN.
 *
 * Context: local, no state.  metro_cost_series plans FFTW transforms (not
 * thread-safe).  doc/metro.md.
 ******************************************************************************/
#include <math.h>
#include "metro.h"

int metro_cost_from_tau(double seconds, long n, double tau_int, double dtau_int,
                        metro_cost_t *c)
{
  if (c == NULL) return EMF_EINVAL;
  c->seconds = seconds;
  c->n = n;
  c->tau_int = tau_int;
  c->dtau_int = dtau_int;
  c->n_indep = c->cost = c->dcost = NAN;
  if (n < 1 || !isfinite(seconds) || seconds < 0.0 || !isfinite(tau_int) ||
      !(tau_int > 0.0) || dtau_int < 0.0)
    return EMF_EINVAL;
  c->n_indep = (double)n / (2.0 * tau_int);
  c->cost = 2.0 * tau_int * seconds / (double)n;
  c->dcost = 2.0 * dtau_int * seconds / (double)n;
  return EMF_SUCCESS;
}

int metro_cost_imh(double seconds, const metro_imh_t *r, int k, metro_cost_t *c)
{
  double tau = NAN, dtau = NAN;

  if (c == NULL) return EMF_EINVAL;
  c->seconds = seconds;
  c->n = 0;
  c->tau_int = c->dtau_int = c->n_indep = c->cost = c->dcost = NAN;
  if (r == NULL || r->nobs < 1 || r->nobs > METRO_NOBS_MAX || k < -1 || k >= r->nobs)
    return EMF_EINVAL;
  c->n = r->n;
  if (k >= 0) {
    tau = r->obs[k].tau_int;
    dtau = r->obs[k].dtau_int;
  } else {
    for (int j = 0; j < r->nobs; j++) {
      if (isnan(r->obs[j].tau_int)) return EMF_EDOM;
      if (j == 0 || r->obs[j].tau_int > tau) {
        tau = r->obs[j].tau_int;
        dtau = r->obs[j].dtau_int;
      }
    }
  }
  if (isnan(tau)) return EMF_EDOM;
  return metro_cost_from_tau(seconds, r->n, tau, dtau, c);
}

int metro_cost_series(const double *x, long n, double seconds, double S,
                      metro_cost_t *c)
{
  stats_gamma_t g;
  int rc, rc2;

  if (c == NULL) return EMF_EINVAL;
  c->seconds = seconds;
  c->n = n;
  c->tau_int = c->dtau_int = c->n_indep = c->cost = c->dcost = NAN;
  rc = stats_gamma(x, n, S, &g);
  if (rc != EMF_SUCCESS && !(rc == EMF_EDOM && (g.status & STATS_FLAG_NOVAR)))
    return rc;
  if (g.status & STATS_FLAG_NOVAR) g.dtau_int = 0.0;
  rc2 = metro_cost_from_tau(seconds, n, g.tau_int, g.dtau_int, c);
  return rc2 != EMF_SUCCESS ? rc2 : rc;
}
