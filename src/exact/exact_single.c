/*******************************************************************************
 * exact_single.c: one SU(N) matrix with density
 *   p(U) = exp((beta/N) sum_k c_k Re tr U^k) / Z   (Haar measure, mass 1)
 * by Weyl integration (doc/exact.md, section 4).
 *
 * Weyl's formula with theta_N = -(theta_1 + ... + theta_{N-1}):
 *   int_SU(N) F dU = 1/(N! (2 pi)^(N-1)) int |Delta(e^{i theta})|^2 F dtheta,
 * |Delta|^2 = prod_{j<l} 4 sin^2((theta_j - theta_l)/2).  The integrand is
 * smooth and periodic, so the trapezoid rule with n points per angle
 * (theta = 2 pi a / n) converges exponentially; on this grid theta_N is again
 * a grid point, so every factor comes from tables of size n.
 *
 * int exact_single(int N, double beta, const double *c, int nc, exact_single_t *out)
 *   log Z and <(1/N) Re tr U^k>, k = 1..EXACT_SINGLE_KMAX, with c[k-1]
 *   multiplying Re tr U^k (k = 1..nc).  The rule starts at 48 points per
 *   angle and doubles until logZ and every observable change by less than
 *   1e-11 between n/2 and n (the result is that of the finer rule, whose
 *   error is then far smaller; out->quad_err is the last change).  Returns
 *   EMF_SUCCESS; EMF_ETOL (fields filled) if the change stays above 1e-11
 *   when the rule reaches its size limit (n^(N-1) <= 2^25, n <= 2^16);
 *   EMF_EINVAL (N not in 2..EMF_NMAX, nc not in 0..EXACT_SINGLE_NCMAX,
 *   c NULL with nc > 0, out NULL); EMF_EDOM (beta not finite or |beta| > 1e6,
 *   c not finite); EMF_ENOTSUP (N too large for even the smallest rule);
 *   EMF_ENOMEM.  beta may have any sign (it multiplies the c_k).
 *
 * int exact_single_rule(int N, double beta, const double *c, int nc, int n,
 *                       exact_single_t *out)
 *   The same with one rule of n points per angle (n >= 2); quad_err = NAN.
 *   For convergence studies.  Errors as above, EMF_EINVAL for n < 2,
 *   EMF_ENOTSUP if n^(N-1) > 2^27.
 *
 * int exact_single_angle_density(int N, double beta, const double *c, int nc,
 *                                const double *theta, size_t n_theta, double *rho)
 *   Density rho(theta) of one eigenvalue angle theta (any real; 2 pi
 *   periodic), normalised so that int_{-pi}^{pi} rho dtheta = 1:
 *     rho(theta_1) = int p(theta_1, ..., theta_{N-1}) dtheta_2..dtheta_{N-1},
 *   the remaining N-2 angles integrated by the trapezoid rule with the
 *   converged n of exact_single.  rho[i] = rho(theta[i]).  Note
 *   int rho(theta) cos(k theta) dtheta = <(1/N) Re tr U^k>.  Errors as for
 *   exact_single, EMF_EINVAL for theta or rho NULL with n_theta > 0.
 *
 * int exact_single_angle_joint(int N, double beta, const double *c, int nc,
 *                              const double *theta, size_t n_theta, double *p)
 *   Joint density of the N-1 independent angles, normalised on
 *   [-pi, pi)^(N-1):  p = |Delta|^2 exp(...) / (N! (2 pi)^(N-1) Z).
 *   theta holds n_theta points of N-1 angles each (row-major); p[i] is the
 *   density at point i.  Errors as for exact_single_angle_density.
 *
 * Context: local, serial, MPI-free; no global state (thread-safe).
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "exact.h"

#define QUAD_TOL 1e-11
#define N_START 48
#define N_LIMIT 65536
#define POINTS_ADAPT (1L << 25)
#define POINTS_FIXED (1L << 27)

typedef struct { double s, c; } ksum_t; /* Neumaier-compensated sum */

static void ksum_add(ksum_t *a, double x)
{
  double t = a->s + x;
  if (fabs(a->s) >= fabs(x)) a->c += (a->s - t) + x;
  else a->c += (x - t) + a->s;
  a->s = t;
}

static void ksum_scale(ksum_t *a, double f)
{
  a->s *= f;
  a->c *= f;
}

static int check_args(int N, double beta, const double *c, int nc)
{
  int k;
  if (N < 2 || N > EMF_NMAX || nc < 0 || nc > EXACT_SINGLE_NCMAX) return EMF_EINVAL;
  if (nc > 0 && c == NULL) return EMF_EINVAL;
  if (!isfinite(beta) || fabs(beta) > 1e6) return EMF_EDOM;
  for (k = 0; k < nc; k++)
    if (!isfinite(c[k])) return EMF_EDOM;
  return EMF_SUCCESS;
}

/* Exponent per eigenvalue: (beta/N) sum_k c_k cos(k theta). */
static double potential(int N, double beta, const double *c, int nc, double theta)
{
  int k;
  double e = 0.0;
  for (k = 0; k < nc; k++) e += c[k] * cos((k + 1) * theta);
  return beta / N * e;
}

/* log(N!) */
static double log_factorial(int N)
{
  double s = 0.0;
  int j;
  for (j = 2; j <= N; j++) s += log((double)j);
  return s;
}

static long ipow(long n, int p)
{
  long r = 1;
  while (p-- > 0) r *= n;
  return r;
}

int exact_single_rule(int N, double beta, const double *c, int nc, int n,
                      exact_single_t *out)
{
  int st = check_args(N, beta, c, nc), j, l, k;
  long npts, pt;
  int idx[EMF_NMAX];
  double *tab, *e, *s2, *ck, emax = -INFINITY;
  ksum_t z = {0, 0}, o[EXACT_SINGLE_KMAX];
  if (st != EMF_SUCCESS) return st;
  if (out == NULL || n < 2) return EMF_EINVAL;
  if ((double)n > pow((double)POINTS_FIXED, 1.0 / (N - 1)) + 0.5) return EMF_ENOTSUP;
  npts = ipow(n, N - 1);
  if (npts > POINTS_FIXED) return EMF_ENOTSUP;
  tab = malloc((size_t)n * (2 + EXACT_SINGLE_KMAX) * sizeof *tab);
  if (tab == NULL) return EMF_ENOMEM;
  e = tab;
  s2 = tab + n;
  ck = tab + 2 * n; /* ck[k*n + a] = cos((k+1) theta_a) / N */
  for (j = 0; j < n; j++) {
    double th = 2.0 * M_PI * j / n, s = sin(M_PI * j / n);
    e[j] = potential(N, beta, c, nc, th);
    s2[j] = 4.0 * s * s;
    for (k = 0; k < EXACT_SINGLE_KMAX; k++) ck[k * n + j] = cos((k + 1) * th) / N;
  }
  for (k = 0; k < EXACT_SINGLE_KMAX; k++) o[k].s = o[k].c = 0.0;
  for (j = 0; j < N - 1; j++) idx[j] = 0;
  for (pt = 0; pt < npts; pt++) {
    long sum = 0;
    double ex = 0.0, v2 = 1.0, w;
    for (j = 0; j < N - 1; j++) sum += idx[j];
    idx[N - 1] = (int)((n - sum % n) % n);
    for (j = 0; j < N; j++) ex += e[idx[j]];
    for (j = 0; j < N; j++)
      for (l = j + 1; l < N; l++) v2 *= s2[(idx[j] - idx[l] + n) % n];
    if (v2 > 0.0) {
      if (ex > emax) { /* rescale the running sums to the new maximum */
        double f = isinf(emax) ? 0.0 : exp(emax - ex);
        ksum_scale(&z, f);
        for (k = 0; k < EXACT_SINGLE_KMAX; k++) ksum_scale(&o[k], f);
        emax = ex;
      }
      w = v2 * exp(ex - emax);
      ksum_add(&z, w);
      for (k = 0; k < EXACT_SINGLE_KMAX; k++) {
        double g = 0.0;
        for (j = 0; j < N; j++) g += ck[k * n + idx[j]];
        ksum_add(&o[k], w * g);
      }
    }
    for (j = 0; j < N - 1; j++) { /* odometer over the N-1 free angles */
      if (++idx[j] < n) break;
      idx[j] = 0;
    }
  }
  {
    double zv = z.s + z.c;
    out->logZ = emax + log(zv) - (N - 1) * log((double)n) - log_factorial(N);
    for (k = 0; k < EXACT_SINGLE_KMAX; k++) out->retr_uk_over_n[k] = (o[k].s + o[k].c) / zv;
  }
  out->n_points = n;
  out->quad_err = NAN;
  free(tab);
  if (!isfinite(out->logZ)) return EMF_ERANGE;
  return EMF_SUCCESS;
}

int exact_single(int N, double beta, const double *c, int nc, exact_single_t *out)
{
  int st = check_args(N, beta, c, nc), n, k;
  exact_single_t prev, cur;
  if (st != EMF_SUCCESS) return st;
  if (out == NULL) return EMF_EINVAL;
  if (ipow(2 * N_START, N - 1) > POINTS_ADAPT) return EMF_ENOTSUP;
  st = exact_single_rule(N, beta, c, nc, N_START, &prev);
  if (st != EMF_SUCCESS) return st;
  for (n = 2 * N_START;; n *= 2) {
    double d;
    st = exact_single_rule(N, beta, c, nc, n, &cur);
    if (st != EMF_SUCCESS) return st;
    d = fabs(cur.logZ - prev.logZ);
    for (k = 0; k < EXACT_SINGLE_KMAX; k++)
      d = fmax(d, fabs(cur.retr_uk_over_n[k] - prev.retr_uk_over_n[k]));
    cur.quad_err = d;
    *out = cur;
    if (d <= QUAD_TOL) return EMF_SUCCESS;
    if (2L * n > N_LIMIT || ipow(2L * n, N - 1) > POINTS_ADAPT) return EMF_ETOL;
    prev = cur;
  }
}

/* |Delta|^2 exp(E - shift) at the N angles th[0..N-1]. */
static double weyl_weight(int N, double beta, const double *c, int nc,
                          const double *th, double shift)
{
  int j, l;
  double ex = 0.0, v2 = 1.0;
  for (j = 0; j < N; j++) ex += potential(N, beta, c, nc, th[j]);
  for (j = 0; j < N; j++)
    for (l = j + 1; l < N; l++) {
      double s = sin(0.5 * (th[j] - th[l]));
      v2 *= 4.0 * s * s;
    }
  return v2 * exp(ex - shift);
}

static int density_args(int N, double beta, const double *c, int nc,
                        const double *theta, size_t n_theta, const double *res,
                        exact_single_t *s)
{
  int st = check_args(N, beta, c, nc);
  if (st != EMF_SUCCESS) return st;
  if (n_theta > 0 && (theta == NULL || res == NULL)) return EMF_EINVAL;
  st = exact_single(N, beta, c, nc, s);
  return st;
}

int exact_single_angle_density(int N, double beta, const double *c, int nc,
                               const double *theta, size_t n_theta, double *rho)
{
  exact_single_t s;
  int st = density_args(N, beta, c, nc, theta, n_theta, rho, &s), j, n;
  size_t i;
  long npts, pt;
  double norm;
  if (st != EMF_SUCCESS) return st;
  n = s.n_points;
  npts = ipow(n, N - 2);
  /* rho = 1/(N! 2 pi Z) * mean over the grid of the other N-2 angles. */
  norm = -s.logZ - log_factorial(N) - log(2.0 * M_PI);
  for (i = 0; i < n_theta; i++) {
    int idx[EMF_NMAX];
    double th[EMF_NMAX];
    ksum_t acc = {0, 0};
    for (j = 0; j < N; j++) idx[j] = 0;
    for (pt = 0; pt < npts; pt++) {
      double sum = theta[i];
      th[0] = theta[i];
      for (j = 1; j < N - 1; j++) {
        th[j] = 2.0 * M_PI * idx[j] / n;
        sum += th[j];
      }
      th[N - 1] = -sum;
      ksum_add(&acc, weyl_weight(N, beta, c, nc, th, -norm));
      for (j = 1; j < N - 1; j++) {
        if (++idx[j] < n) break;
        idx[j] = 0;
      }
    }
    rho[i] = (acc.s + acc.c) / (double)npts;
  }
  return EMF_SUCCESS;
}

int exact_single_angle_joint(int N, double beta, const double *c, int nc,
                             const double *theta, size_t n_theta, double *p)
{
  exact_single_t s;
  int st = density_args(N, beta, c, nc, theta, n_theta, p, &s), j;
  size_t i;
  double norm;
  if (st != EMF_SUCCESS) return st;
  norm = -s.logZ - log_factorial(N) - (N - 1) * log(2.0 * M_PI);
  for (i = 0; i < n_theta; i++) {
    double th[EMF_NMAX], sum = 0.0;
    for (j = 0; j < N - 1; j++) {
      th[j] = theta[i * (size_t)(N - 1) + j];
      sum += th[j];
    }
    th[N - 1] = -sum;
    p[i] = weyl_weight(N, beta, c, nc, th, -norm);
  }
  return EMF_SUCCESS;
}
