/*******************************************************************************
 * gamma.c: Gamma-method error analysis and FFT autocorrelation functions.
 *
 * int stats_gamma(const double *x, long n, double S, stats_gamma_t *r)
 *   Analyses the time series x[0..n-1] (one replica) by Wolff's Gamma method
 *   with automatic windowing parameter S (STATS_S_DEFAULT = 1.5; S = 0 means
 *   "no autocorrelations": W = 0).  Fills r: mean, error (autocorrelations
 *   included, with Wolff's bias correction of Gamma), error_of_error,
 *   tau_int (bias corrected) and dtau_int, var (bias-corrected Gamma(0)),
 *   window W, n and status flags.  Returns EMF_SUCCESS (possibly with
 *   STATS_FLAG_NOWINDOW set: the window criterion never triggered up to
 *   floor(n/2), which is then used), EMF_EINVAL (NULL pointer, n < 2, S < 0
 *   or not finite; r->n and, for n == 1, r->mean are still set), EMF_EDOM
 *   (a non-finite sample; or no fluctuations: all x equal, then r holds the
 *   exact mean, error 0, tau_int 1/2 and STATS_FLAG_NOVAR), EMF_ERANGE
 *   (C_F(W) <= 0: STATS_FLAG_NEGVAR, error NaN), EMF_ENOMEM / EMF_EFAILED
 *   (allocation or FFTW planning failed) or EMF_ENOTSUP (padded FFT length
 *   beyond 2^31 - 1, i.e. n > ~1.4e9).
 *
 * int stats_gamma_derived(const double *x, long n, int nobs,
 *                         double (*f)(const double *means, void *arg),
 *                         void *arg, double S, stats_gamma_t *r)
 *   Same for the derived quantity F = f(abar_1, ..., abar_nobs) of the means
 *   of nobs primary observables, x[i*nobs + alpha] = a_alpha at time i
 *   (row-major n x nobs).  The gradient of f is taken by central differences
 *   with steps h_alpha = sigma_alpha / (2 sqrt(n)) as in UWerr (zero for a
 *   constant observable), and the projected fluctuations sum_alpha f_alpha
 *   (a_alpha,i - abar_alpha) are analysed as above; r->mean = F.  Errors as
 *   for stats_gamma, plus EMF_EINVAL for nobs < 1 or f == NULL and EMF_EDOM
 *   when f returns a non-finite value at the means or at a displaced point.
 *
 * int stats_autocov(const double *x, long n, double *gamma, long nmax)
 *   gamma[t] = 1/(n-t) sum_{i=0}^{n-t-1} (x_i - xbar)(x_{i+t} - xbar) for
 *   t = 0..nmax (nmax + 1 values, 0 <= nmax <= n-1), computed with a
 *   zero-padded real FFT of length >= n + nmax.  Returns EMF_SUCCESS,
 *   EMF_EINVAL (NULL pointer, n < 1, nmax out of range), EMF_EDOM (a
 *   non-finite sample), EMF_ENOMEM, EMF_EFAILED (FFTW) or EMF_ENOTSUP.
 *   A constant series gives gamma = 0 and EMF_SUCCESS.
 *
 * int stats_autocorr(const double *x, long n, double *rho, long nmax)
 *   Normalised autocorrelation rho[t] = gamma[t] / gamma[0], t = 0..nmax.
 *   Errors as stats_autocov, plus EMF_EDOM when gamma[0] = 0 (rho is then
 *   filled with NaN).
 *
 * Context: local (no MPI), no global state of its own.  Each call plans and
 * destroys its own FFTW plans (FFTW_ESTIMATE, the input is never overwritten
 * by planning); FFTW's planner is not thread-safe, so these functions must
 * not run concurrently from several threads.  Formulas: doc/stats.md.
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "util.h"
#include "stats.h"

/* Smallest L' >= L of the form 2^a 3^b 5^c 7^d (fast FFTW sizes). */
static long fft_size(long L)
{
  long best = 1;
  while (best < L) best *= 2;
  for (long p7 = 1; p7 < best; p7 *= 7)
    for (long p5 = p7; p5 < best; p5 *= 5)
      for (long p3 = p5; p3 < best; p3 *= 3) {
        long m = p3;
        while (m < L) m *= 2;
        if (m < best) best = m;
      }
  return best;
}

/* gam[t] = 1/(n-t) sum_i d_i d_{i+t}, t = 0..tmax, for centred data d. */
static int autocov_fft(const double *d, long n, long tmax, double *gam)
{
  long L = fft_size(n + tmax), nc = L / 2 + 1;
  double *in;
  fftw_complex *out;
  fftw_plan fwd = NULL, bwd = NULL;
  int status = EMF_SUCCESS;

  if (L > 2147483647L) return EMF_ENOTSUP; /* FFTW's basic interface takes int */
  in = fftw_malloc((size_t)L * sizeof *in);
  out = fftw_malloc((size_t)nc * sizeof *out);
  if (in == NULL || out == NULL) {
    status = EMF_ENOMEM;
    goto done;
  }
  fwd = fftw_plan_dft_r2c_1d((int)L, in, out, FFTW_ESTIMATE);
  bwd = fftw_plan_dft_c2r_1d((int)L, out, in, FFTW_ESTIMATE);
  if (fwd == NULL || bwd == NULL) {
    status = EMF_EFAILED;
    goto done;
  }
  memcpy(in, d, (size_t)n * sizeof *in);
  memset(in + n, 0, (size_t)(L - n) * sizeof *in);
  fftw_execute(fwd);
  for (long k = 0; k < nc; k++) {
    double re = out[k][0], im = out[k][1];
    out[k][0] = re * re + im * im;
    out[k][1] = 0.0;
  }
  fftw_execute(bwd); /* in[t] = L * sum_i d_i d_{i+t} */
  for (long t = 0; t <= tmax; t++) gam[t] = in[t] / ((double)L * (double)(n - t));
done:
  if (fwd) fftw_destroy_plan(fwd);
  if (bwd) fftw_destroy_plan(bwd);
  fftw_free(in);
  fftw_free(out);
  return status;
}

static void gamma_clear(stats_gamma_t *r, long n)
{
  r->mean = r->error = r->error_of_error = NAN;
  r->tau_int = r->dtau_int = r->var = NAN;
  r->window = 0;
  r->n = n;
  r->status = STATS_OK;
}

static void gamma_novar(stats_gamma_t *r, double value)
{
  r->mean = value;
  r->error = r->error_of_error = 0.0;
  r->tau_int = 0.5;
  r->dtau_int = 0.0;
  r->var = 0.0;
  r->window = 0;
  r->status |= STATS_FLAG_NOVAR;
}

/* Mean of column alpha of the n x nobs array x (double-double sum; exact
 * when the column is constant). */
static double column_mean(const double *x, long n, int nobs, int alpha, int *constant)
{
  qsum_t s = {0.0, 0.0};
  double x0 = x[alpha];
  *constant = 1;
  for (long i = 0; i < n; i++) {
    double v = x[i * nobs + alpha];
    qsum_add(&s, v);
    if (v != x0) *constant = 0;
  }
  return *constant ? x0 : qsum_value(&s) / (double)n;
}

/* Wolff's analysis of the projected fluctuations d[0..n-1] (mean zero) of a
 * quantity with estimate `value`.  r->n is set by the caller. */
static int gamma_analyse(const double *d, long n, double value, double S,
                         stats_gamma_t *r)
{
  long tmax = (S > 0.0) ? n / 2 : 0, W = 0;
  double *gam, C, g0;
  int status, found = 0, allzero = 1;

  r->mean = value;
  for (long i = 0; i < n && allzero; i++)
    if (d[i] != 0.0) allzero = 0;
  if (allzero) {
    gamma_novar(r, value);
    return EMF_EDOM;
  }
  gam = malloc((size_t)(tmax + 1) * sizeof *gam);
  if (gam == NULL) return EMF_ENOMEM;
  status = autocov_fft(d, n, tmax, gam);
  if (status != EMF_SUCCESS) {
    free(gam);
    return status;
  }
  if (!(gam[0] > 0.0)) { /* cannot happen for nonzero d except by underflow */
    free(gam);
    gamma_novar(r, value);
    return EMF_EDOM;
  }

  /* Automatic windowing (Wolff 2004, eq. (52); UWerr). */
  if (tmax > 0) {
    double gint = 0.0;
    for (long t = 1; t <= tmax; t++) {
      double tauw, gw;
      gint += gam[t] / gam[0];
      tauw = (gint <= 0.0) ? DBL_EPSILON : S / log1p(1.0 / gint);
      gw = exp(-(double)t / tauw) - tauw / sqrt((double)t * (double)n);
      if (gw < 0.0) {
        W = t;
        found = 1;
        break;
      }
    }
    if (!found) {
      W = tmax;
      r->status |= STATS_FLAG_NOWINDOW;
    }
  }

  C = gam[0];
  for (long t = 1; t <= W; t++) C += 2.0 * gam[t];
  if (!(C > 0.0)) {
    r->window = W;
    r->var = gam[0];
    free(gam);
    r->status |= STATS_FLAG_NEGVAR;
    return EMF_ERANGE;
  }
  /* Bias correction: Gamma(t) += C_F / n for every t, so that
   * C_F -> C_F (1 + (2W+1)/n) and Gamma(0) -> Gamma(0) + C_F / n. */
  g0 = gam[0] + C / (double)n;
  C *= 1.0 + (2.0 * (double)W + 1.0) / (double)n;
  free(gam);

  r->window = W;
  r->var = g0;
  r->error = sqrt(C / (double)n);
  r->error_of_error = r->error * sqrt(((double)W + 0.5) / (double)n);
  r->tau_int = C / (2.0 * g0);
  {
    double arg = (double)W - r->tau_int + 0.5;
    if (arg <= 0.0) arg = (double)W + 0.5; /* Madras-Sokal form as fallback */
    r->dtau_int = 2.0 * r->tau_int * sqrt(arg / (double)n);
  }
  return EMF_SUCCESS;
}

static int all_finite(const double *x, long m)
{
  for (long i = 0; i < m; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

int stats_gamma(const double *x, long n, double S, stats_gamma_t *r)
{
  double mean, *d;
  int constant, status;

  if (r == NULL) return EMF_EINVAL;
  gamma_clear(r, n);
  if (x == NULL || n < 1) return EMF_EINVAL;
  if (n < 2) {
    r->mean = x[0];
    return EMF_EINVAL;
  }
  if (!(S >= 0.0) || !isfinite(S)) return EMF_EINVAL;
  if (!all_finite(x, n)) return EMF_EDOM;
  mean = column_mean(x, n, 1, 0, &constant);
  if (constant) {
    gamma_novar(r, mean);
    return EMF_EDOM;
  }
  d = malloc((size_t)n * sizeof *d);
  if (d == NULL) return EMF_ENOMEM;
  for (long i = 0; i < n; i++) d[i] = x[i] - mean;
  status = gamma_analyse(d, n, mean, S, r);
  free(d);
  return status;
}

int stats_gamma_derived(const double *x, long n, int nobs,
                        double (*f)(const double *means, void *arg), void *arg,
                        double S, stats_gamma_t *r)
{
  double *abar, *ainc, *grad, *d = NULL, value;
  int status = EMF_SUCCESS;

  if (r == NULL) return EMF_EINVAL;
  gamma_clear(r, n);
  if (x == NULL || f == NULL || nobs < 1 || n < 2) return EMF_EINVAL;
  if (!(S >= 0.0) || !isfinite(S)) return EMF_EINVAL;
  if ((unsigned long)n > ((size_t)-1) / sizeof(double) / (unsigned)nobs)
    return EMF_EINVAL;
  if (!all_finite(x, n * nobs)) return EMF_EDOM;

  abar = malloc(3 * (size_t)nobs * sizeof *abar);
  if (abar == NULL) return EMF_ENOMEM;
  ainc = abar + nobs;
  grad = ainc + nobs;

  for (int a = 0; a < nobs; a++) {
    int constant;
    abar[a] = column_mean(x, n, nobs, a, &constant);
    grad[a] = constant ? 0.0 : 1.0; /* marks which columns fluctuate */
  }
  value = f(abar, arg);
  if (!isfinite(value)) {
    status = EMF_EDOM;
    goto done;
  }
  /* Gradient by central differences, h_alpha = sigma_alpha / (2 sqrt(n)). */
  memcpy(ainc, abar, (size_t)nobs * sizeof *ainc);
  for (int a = 0; a < nobs; a++) {
    double s2 = 0.0, h, fp, fm;
    if (grad[a] == 0.0) continue;
    for (long i = 0; i < n; i++) {
      double dv = x[i * nobs + a] - abar[a];
      s2 += dv * dv;
    }
    h = sqrt(s2 / (double)n) / (2.0 * sqrt((double)n));
    if (!(h > 0.0)) {
      grad[a] = 0.0;
      continue;
    }
    ainc[a] = abar[a] + h;
    fp = f(ainc, arg);
    ainc[a] = abar[a] - h;
    fm = f(ainc, arg);
    ainc[a] = abar[a];
    grad[a] = (fp - fm) / (2.0 * h);
    if (!isfinite(grad[a])) {
      status = EMF_EDOM;
      goto done;
    }
  }

  d = malloc((size_t)n * sizeof *d);
  if (d == NULL) {
    status = EMF_ENOMEM;
    goto done;
  }
  for (long i = 0; i < n; i++) {
    double s = 0.0;
    for (int a = 0; a < nobs; a++) s += grad[a] * (x[i * nobs + a] - abar[a]);
    d[i] = s;
  }
  status = gamma_analyse(d, n, value, S, r);
done:
  if (status == EMF_EDOM && !(r->status & STATS_FLAG_NOVAR)) r->mean = value;
  free(d);
  free(abar);
  return status;
}

int stats_autocov(const double *x, long n, double *gamma, long nmax)
{
  double mean, *d;
  int constant, status;

  if (x == NULL || gamma == NULL || n < 1 || nmax < 0 || nmax > n - 1)
    return EMF_EINVAL;
  if (!all_finite(x, n)) return EMF_EDOM;
  mean = column_mean(x, n, 1, 0, &constant);
  if (constant) {
    for (long t = 0; t <= nmax; t++) gamma[t] = 0.0;
    return EMF_SUCCESS;
  }
  d = malloc((size_t)n * sizeof *d);
  if (d == NULL) return EMF_ENOMEM;
  for (long i = 0; i < n; i++) d[i] = x[i] - mean;
  status = autocov_fft(d, n, nmax, gamma);
  free(d);
  return status;
}

int stats_autocorr(const double *x, long n, double *rho, long nmax)
{
  int status = stats_autocov(x, n, rho, nmax);
  double g0;

  if (status != EMF_SUCCESS) return status;
  g0 = rho[0];
  if (!(g0 > 0.0)) {
    for (long t = 0; t <= nmax; t++) rho[t] = NAN;
    return EMF_EDOM;
  }
  for (long t = 0; t <= nmax; t++) rho[t] /= g0;
  rho[0] = 1.0;
  return EMF_SUCCESS;
}
