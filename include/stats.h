/*******************************************************************************
 * stats.h: error analysis of Monte Carlo time series and weighted samples.
 *
 * Gamma method (U. Wolff, Comput. Phys. Commun. 156 (2004) 143, as in his
 * UWerr) for one replica: mean, error including autocorrelations, the error
 * of the error, the integrated autocorrelation time with its error, chosen by
 * Wolff's automatic windowing with parameter S (STATS_S_DEFAULT = 1.5).
 * Derived quantities f(<a_1>, ..., <a_nobs>) use the gradient of f by
 * central finite differences.  Autocorrelation functions come from a
 * zero-padded FFT (FFTW).  Self-normalised reweighting of independent
 * samples from log-weights.  Formulas and conventions: doc/stats.md.
 ******************************************************************************/
#ifndef STATS_H
#define STATS_H

#define STATS_S_DEFAULT 1.5

/* Flags in the status field of stats_gamma_t (bitwise or). */
enum {
  STATS_OK = 0,
  STATS_FLAG_NOVAR = 1,    /* no fluctuations: error 0, tau_int 1/2 */
  STATS_FLAG_NOWINDOW = 2, /* windowing never stopped: W = floor(n/2) used */
  STATS_FLAG_NEGVAR = 4    /* summed autocovariance C_F(W) <= 0 */
};

typedef struct {
  double mean;           /* estimate (f at the means for derived quantities) */
  double error;          /* standard error, autocorrelations included */
  double error_of_error; /* statistical error of `error` */
  double tau_int;        /* bias-corrected integrated autocorrelation time */
  double dtau_int;       /* its statistical error */
  double var;            /* bias-corrected Gamma_F(0): error^2 = 2 tau_int var / n */
  long window;           /* summation window W */
  long n;                /* number of samples */
  int status;            /* STATS_OK or STATS_FLAG_* bits */
} stats_gamma_t;

typedef struct {
  double ess;            /* (sum w)^2 / (n sum w^2), in [1/n, 1] */
  double mean;           /* sum w o / sum w (NaN when obs == NULL) */
  double error;          /* its standard error, delta method */
  double error_jack;     /* its standard error, jackknife (NaN when undefined) */
  double logz;           /* log( (1/n) sum w ) */
  double dlogz;          /* its standard error, delta method */
  double logw_max;       /* largest log-weight (the shift used internally) */
  long n;                /* number of samples */
} stats_reweight_t;

/* gamma.c */
int stats_gamma(const double *x, long n, double S, stats_gamma_t *r);
int stats_gamma_derived(const double *x, long n, int nobs,
                        double (*f)(const double *means, void *arg), void *arg,
                        double S, stats_gamma_t *r);
int stats_autocov(const double *x, long n, double *gamma, long nmax);
int stats_autocorr(const double *x, long n, double *rho, long nmax);

/* reweight.c */
int stats_reweight(const double *logw, const double *obs, long n,
                   stats_reweight_t *r);

#endif
