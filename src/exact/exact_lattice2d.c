/*******************************************************************************
 * exact_lattice2d.c: exact 2D SU(N) lattice gauge theory by character
 * expansion (doc/exact.md, sections 1-3).
 *
 * double exact_rep_dim(int N, const int *lambda)
 *   Dimension d_r of the SU(N) representation with highest weight
 *   lambda[0] >= ... >= lambda[N-2] >= 0 (N-1 numbers; lambda_N = 0), by the
 *   Weyl dimension formula.  Returns 0 for an invalid N or lambda.
 *
 * int exact_bessel_scaled(double x, int nmax, double *b)
 *   b[n] = e^-x I_n(x) for n = 0..nmax (modified Bessel functions of integer
 *   order), x > 0.  Miller's backward recurrence I_{n-1} = I_{n+1} + (2n/x) I_n
 *   started far above the last non-negligible order and normalised by the
 *   exact identity I_0 + 2 sum_{n>=1} I_n = e^x (all terms positive, so the
 *   normalisation loses nothing).  Relative error ~1e-16 for the low orders.
 *   Orders whose value is below ~1e-300 are set to 0.  Errors: EMF_EINVAL
 *   (b NULL or nmax < 0), EMF_EDOM (x not in [1e-12, 1e5]), EMF_ENOMEM.
 *
 * int exact_char_coeff(int N, double beta, const int *lambda, exact_coeff_t *out)
 *   Coefficients of the representation lambda (N-1 numbers, as above) in the
 *   character expansion of w(U) = exp((beta/N) Re tr U), divided by e^beta:
 *   out->c = e^-beta c_r, out->g[k-1] = e^-beta c_r[(1/N) Re tr U^k] (k=1,2),
 *   out->dim = d_r, out->err = estimated rounding error.  Uses
 *     d_r c_r = sum_m det_{i,j} [ I_{lambda_i + m - i + j}(beta/N) ]
 *   and, for Re tr U^k, the derivative of this determinant under
 *   h(theta) -> h(theta)(1 + eps e^{+-ik theta}): row i shifted by -+k.
 *   2 <= N <= EMF_NMAX.  Errors: EMF_EINVAL (bad N, lambda or NULL),
 *   EMF_EDOM (beta not in [1e-12, 1e5]), EMF_ENOMEM.
 *
 * int exact_lattice2d(int N, double beta, long L, exact_lattice2d_t *out)
 *   <(1/N) Re tr U_P>, <(1/N) Re tr U_P^2> and ln Z on the periodic L x L
 *   lattice (V = L^2 plaquettes, Z = sum_r c_r^V), or in infinite volume for
 *   L = 0 (then lnZ = NAN and lnZ_per_plaq = log c_0).  Representations are
 *   summed in shells of fixed lambda_1 until the rigorous tail bounds from the
 *   sum rule sum_r d_r^2 c_r = e^beta fall below 1e-18 (doc/exact.md, sec. 3).
 *   Returns EMF_SUCCESS, or EMF_ETOL with all fields filled when the tail
 *   bounds stay above 1e-12 (L = 1 at large beta, huge N) or when the
 *   estimated relative rounding error of c_0 exceeds 1e-8 (cancellation in
 *   the determinants at very large beta/N, e.g. SU(3) beta > ~1000); EMF_EINVAL (bad
 *   N, L < 0, out NULL), EMF_EDOM (beta not in [1e-12, 1e5]), EMF_ENOMEM.
 *
 * int exact_lattice2d_volume(int N, double beta, long V, exact_lattice2d_t *out)
 *   The same for any periodic L_0 x L_1 torus with V = L_0 L_1 plaquettes
 *   (Z = sum_r c_r^V depends on the volume only); V = 0 is infinite volume.
 *   exact_lattice2d(N, beta, L) is exact_lattice2d_volume(N, beta, L*L).
 *   Errors as above (EMF_EINVAL for V < 0).
 *
 * Context: local, serial, MPI-free; no global state (thread-safe).
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "exact.h"

#define BETA_MIN 1e-12
#define BETA_MAX 1e5
#define TAIL_GOAL 1e-18   /* truncation target (relative) */
#define TAIL_ACCEPT 1e-12 /* above this the result is flagged EMF_ETOL */
#define DET_BUDGET 5e7    /* largest number of determinant evaluations */
#define ROUND_ACCEPT 1e-8 /* largest estimated relative rounding error of c_0 */

/* Neumaier-compensated sum. */
typedef struct { double s, c; } nsum_t;

static void nsum_add(nsum_t *a, double x)
{
  double t = a->s + x;
  if (fabs(a->s) >= fabs(x)) a->c += (a->s - t) + x;
  else a->c += (x - t) + a->s;
  a->s = t;
}

static double nsum_value(const nsum_t *a) { return a->s + a->c; }

/* Order beyond which e^-x I_n(x) < e^-700 (leading Debye asymptotics). */
static int bessel_cutoff(double x)
{
  int n;
  for (n = 1; n < 10000000; n++) {
    double s = sqrt((double)n * n + x * x);
    double l = -x + s - n * asinh(n / x) - 0.5 * log(2.0 * M_PI * s);
    if (n > x && l < -700.0) break;
  }
  return n;
}

int exact_bessel_scaled(double x, int nmax, double *b)
{
  int ncut, ntop, nstart, n, k;
  double ip1 = 0.0, i = 1e-280, norm;
  nsum_t sum = {0.0, 0.0};
  if (b == NULL || nmax < 0) return EMF_EINVAL;
  if (!(x >= 1e-12 && x <= 1e5)) return EMF_EDOM;
  ncut = bessel_cutoff(x);
  ntop = ncut > nmax ? ncut : nmax;
  nstart = ntop + 16 + (int)sqrt(40.0 * ntop);
  for (n = 0; n <= nmax; n++) b[n] = 0.0;
  /* i = I_n (unnormalised), ip1 = I_{n+1}; sum collects I_0 + 2 sum I_n. */
  for (n = nstart; n >= 1; n--) {
    double im1 = ip1 + (2.0 * n / x) * i;
    if (n <= nmax) b[n] = i;
    if (n <= ntop) nsum_add(&sum, 2.0 * i);
    ip1 = i;
    i = im1;
    if (i > 1e250) {
      for (k = n; k <= nmax; k++) b[k] *= 1e-250;
      sum.s *= 1e-250;
      sum.c *= 1e-250;
      ip1 *= 1e-250;
      i *= 1e-250;
    }
  }
  b[0] = i;
  nsum_add(&sum, i);
  norm = nsum_value(&sum);
  for (n = 0; n <= nmax; n++) {
    b[n] /= norm;
    if (b[n] < 1e-300) b[n] = 0.0;
  }
  return EMF_SUCCESS;
}

double exact_rep_dim(int N, const int *lambda)
{
  int i, j, l[EMF_NMAX];
  double d = 1.0;
  if (N < 2 || N > EMF_NMAX || lambda == NULL) return 0.0;
  for (i = 0; i < N - 1; i++) l[i] = lambda[i];
  l[N - 1] = 0;
  for (i = 0; i < N - 1; i++)
    if (l[i] < l[i + 1]) return 0.0;
  for (i = 0; i < N; i++)
    for (j = i + 1; j < N; j++) d *= (double)(l[i] - l[j] + j - i) / (j - i);
  return d;
}

/* ------------------------------------------------------------------------- */
/* Bessel table and determinants                                             */
/* ------------------------------------------------------------------------- */

typedef struct {
  int N;
  int nb;       /* b[n] for n = 0..nb; zero beyond */
  double *b;
} btab_t;

static int btab_init(btab_t *t, int N, double beta)
{
  double x = beta / N;
  t->N = N;
  t->nb = bessel_cutoff(x);
  t->b = malloc((size_t)(t->nb + 1) * sizeof *t->b);
  if (t->b == NULL) return EMF_ENOMEM;
  return exact_bessel_scaled(x, t->nb, t->b);
}

static inline double bval(const btab_t *t, long n)
{
  if (n < 0) n = -n;
  return n <= t->nb ? t->b[n] : 0.0;
}

/* Determinant of the N x N matrix a (row-major, overwritten for N > 3). */
static double det_small(int N, double *a)
{
  int i, j, k, p;
  double d = 1.0;
  if (N == 2) return a[0] * a[3] - a[1] * a[2];
  if (N == 3)
    return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
           a[2] * (a[3] * a[7] - a[4] * a[6]);
  for (k = 0; k < N; k++) {
    p = k;
    for (i = k + 1; i < N; i++)
      if (fabs(a[i * N + k]) > fabs(a[p * N + k])) p = i;
    if (a[p * N + k] == 0.0) return 0.0;
    if (p != k) {
      for (j = 0; j < N; j++) {
        double s = a[k * N + j];
        a[k * N + j] = a[p * N + j];
        a[p * N + j] = s;
      }
      d = -d;
    }
    d *= a[k * N + k];
    for (i = k + 1; i < N; i++) {
      double f = a[i * N + k] / a[k * N + k];
      for (j = k + 1; j < N; j++) a[i * N + j] -= f * a[k * N + j];
    }
  }
  return d;
}

/* det [ I_{off_i + j} ], i, j = 0..N-1, scaled Bessel values. */
static double det_offsets(const btab_t *t, const long *off)
{
  int i, j, N = t->N;
  double a[EMF_NMAX * EMF_NMAX];
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) a[i * N + j] = bval(t, off[i] + j);
  return det_small(N, a);
}

/* Hadamard bound prod_i ||row_i||_2 of the same matrix. */
static double hadamard_offsets(const btab_t *t, const long *off)
{
  int i, j, N = t->N;
  double h = 1.0;
  for (i = 0; i < N; i++) {
    double r = 0.0;
    for (j = 0; j < N; j++) {
      double v = bval(t, off[i] + j);
      r += v * v;
    }
    h *= sqrt(r);
  }
  return h;
}

/* Contribution of one m: c-determinant, the g sums, Hadamard bound. */
static double coeff_m(const btab_t *t, const int *lam, long m, double *gk)
{
  int i, k, N = t->N;
  long off[EMF_NMAX];
  double d0;
  for (i = 0; i < N; i++) off[i] = (long)lam[i] + m - i;
  d0 = det_offsets(t, off);
  for (k = 1; k <= 2; k++) {
    double s = 0.0;
    for (i = 0; i < N; i++) {
      off[i] -= k;
      s += det_offsets(t, off);
      off[i] += 2 * k;
      s += det_offsets(t, off);
      off[i] -= k;
    }
    gk[k - 1] = s;
  }
  return d0;
}

/* Coefficients of one representation (lam has N entries, lam[N-1] = 0).
 * Counts determinant evaluations in *ndet. */
static void coeff_rep(const btab_t *t, const int *lam, exact_coeff_t *out, double *ndet)
{
  int i, dir, N = t->N;
  long mc, m, off[EMF_NMAX], mlim = 4L * t->nb + 16;
  double mean = 0.0, hsum = 0.0, d;
  nsum_t c = {0, 0}, g1 = {0, 0}, g2 = {0, 0};
  for (i = 0; i < N; i++) mean += lam[i] - i;
  mean = mean / N + 0.5 * (N - 1);
  mc = -(long)floor(mean + 0.5);
  for (dir = 1; dir >= -1; dir -= 2) {
    double hprev = INFINITY;
    for (m = (dir > 0 ? mc : mc - 1); labs(m - mc) <= mlim; m += dir) {
      double gk[2], h;
      for (i = 0; i < N; i++) off[i] = (long)lam[i] + m - i;
      h = hadamard_offsets(t, off);
      if (h == 0.0 && hprev == 0.0) break;
      nsum_add(&c, coeff_m(t, lam, m, gk));
      nsum_add(&g1, gk[0]);
      nsum_add(&g2, gk[1]);
      *ndet += 1 + 4 * N;
      hsum += h;
      if (h <= 1e-20 * hsum && h <= hprev) break;
      hprev = h;
    }
  }
  d = exact_rep_dim(N, lam);
  out->dim = d;
  out->c = nsum_value(&c) / d;
  out->g[0] = nsum_value(&g1) / (2.0 * N * d);
  out->g[1] = nsum_value(&g2) / (2.0 * N * d);
  out->err = 4.0 * N * DBL_EPSILON * hsum / d;
}

static int lambda_valid(int N, const int *lambda)
{
  int i;
  if (lambda == NULL) return 0;
  for (i = 0; i < N - 1; i++) {
    if (lambda[i] < 0) return 0;
    if (i > 0 && lambda[i] > lambda[i - 1]) return 0;
  }
  return 1;
}

int exact_char_coeff(int N, double beta, const int *lambda, exact_coeff_t *out)
{
  btab_t t;
  int i, lam[EMF_NMAX], st;
  double ndet = 0.0;
  if (N < 2 || N > EMF_NMAX || out == NULL || !lambda_valid(N, lambda))
    return EMF_EINVAL;
  if (!(beta >= BETA_MIN && beta <= BETA_MAX)) return EMF_EDOM;
  st = btab_init(&t, N, beta);
  if (st == EMF_SUCCESS) {
    for (i = 0; i < N - 1; i++) lam[i] = lambda[i];
    lam[N - 1] = 0;
    coeff_rep(&t, lam, out, &ndet);
  }
  free(t.b);
  return st;
}

/* ------------------------------------------------------------------------- */
/* Lattice sums                                                              */
/* ------------------------------------------------------------------------- */

/* Next highest weight with lam[0] fixed (entries 1..N-2 non-increasing,
 * lam[N-1] = 0); returns 0 after the last one (all zero). */
static int next_in_shell(int N, int *lam)
{
  int p, q;
  for (p = N - 2; p >= 1; p--)
    if (lam[p] > 0) break;
  if (p < 1) return 0;
  lam[p]--;
  for (q = p + 1; q <= N - 2; q++) lam[q] = lam[p];
  return 1;
}

int exact_lattice2d(int N, double beta, long L, exact_lattice2d_t *out)
{
  if (L < 0 || L > 3037000499L) return EMF_EINVAL;
  return exact_lattice2d_volume(N, beta, L * L, out);
}

int exact_lattice2d_volume(int N, double beta, long V_plaq, exact_lattice2d_t *out)
{
  btab_t t;
  exact_coeff_t c0, cr;
  int lam[EMF_NMAX], i, st, shell;
  double V, logc0, ndet = 0.0, tb = INFINITY, ob = INFINITY, zs, rup = 1.0;
  nsum_t z = {0, 0}, num[2] = {{0, 0}, {0, 0}}, sr = {0, 0};
  double err_sr = 0.0;
  long nterms = 0;

  if (N < 2 || N > EMF_NMAX || V_plaq < 0 || out == NULL) return EMF_EINVAL;
  if (!(beta >= BETA_MIN && beta <= BETA_MAX)) return EMF_EDOM;
  st = btab_init(&t, N, beta);
  if (st != EMF_SUCCESS) {
    free(t.b);
    return st;
  }
  memset(lam, 0, sizeof lam);
  coeff_rep(&t, lam, &c0, &ndet);
  logc0 = log(c0.c);

  if (V_plaq == 0) {
    out->plaquette = c0.g[0] / c0.c;
    out->retr_u2 = c0.g[1] / c0.c;
    out->lnZ = NAN;
    out->lnZ_per_plaq = beta + logc0;
    out->n_terms = 1;
    out->lambda_max = 0;
    out->tail_bound = 0.0;
    out->obs_tail_bound = 0.0;
    out->round_err = c0.err / c0.c;
    free(t.b);
    return out->round_err <= ROUND_ACCEPT ? EMF_SUCCESS : EMF_ETOL;
  }

  V = (double)V_plaq;
  for (shell = 0;; shell++) {
    double shell_sr = 0.0, shell_abs = 0.0;
    memset(lam, 0, sizeof lam);
    for (i = 0; i < N - 1; i++) lam[i] = shell;
    do {
      double u, w;
      if (shell == 0) cr = c0;
      else coeff_rep(&t, lam, &cr, &ndet);
      nterms++;
      nsum_add(&sr, cr.dim * cr.dim * cr.c);
      err_sr += cr.dim * cr.dim * cr.err;
      shell_sr += cr.dim * cr.dim * fabs(cr.c);
      /* u = (c_r/c_0)^(V-1), w = (c_r/c_0)^V; unresolved c_r <= 0 add 0. */
      if (V == 1.0) {
        u = 1.0;
        w = cr.c / c0.c;
      } else if (cr.c > 0.0) {
        u = exp((V - 1.0) * (log(cr.c) - logc0));
        w = u * cr.c / c0.c;
      } else {
        u = w = 0.0;
      }
      nsum_add(&z, w);
      nsum_add(&num[0], u * cr.g[0] / c0.c);
      nsum_add(&num[1], u * cr.g[1] / c0.c);
      shell_abs += fabs(w) + u * (fabs(cr.g[0]) + fabs(cr.g[1])) / c0.c;
    } while (N > 2 && next_in_shell(N, lam));

    /* Tail bounds from R = 1 - sum_{r in S} d_r^2 c_r >= sum_{r not in S} c_r. */
    zs = nsum_value(&z);
    rup = fmax(1.0 - nsum_value(&sr), 0.0) + err_sr + 4.0 * DBL_EPSILON;
    if (rup < c0.c) {
      double q = log(rup / c0.c);
      tb = exp(V * q) / zs;
      if (V >= 2.0) ob = exp((V - 1.0) * q) / sqrt(c0.c) / zs + tb;
      else ob = 10.0 * shell_abs / zs + tb;
    }
    if (shell > 0 && tb <= TAIL_GOAL && ob <= TAIL_GOAL) break;
    /* Rounding floor reached: further shells change nothing. */
    if (shell > 0 && shell_sr < 1e-3 * DBL_EPSILON && shell_abs < 1e-3 * DBL_EPSILON * zs)
      break;
    if (ndet > DET_BUDGET || shell > t.nb) break;
  }

  out->n_terms = nterms;
  out->lambda_max = shell;
  out->lnZ = V * (beta + logc0) + log(zs);
  out->lnZ_per_plaq = out->lnZ / V;
  out->plaquette = nsum_value(&num[0]) / zs;
  out->retr_u2 = nsum_value(&num[1]) / zs;
  out->tail_bound = tb;
  out->obs_tail_bound = ob;
  out->round_err = V * c0.err / c0.c + (nterms + 4) * DBL_EPSILON;
  free(t.b);
  return (tb <= TAIL_ACCEPT && ob <= TAIL_ACCEPT && c0.err <= ROUND_ACCEPT * c0.c)
             ? EMF_SUCCESS
             : EMF_ETOL;
}
