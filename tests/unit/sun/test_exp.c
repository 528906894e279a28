/*******************************************************************************
 * test_exp.c: the exponential map, N = 2, 3, 4.
 *
 * For x = 0, random directions of norm |x| from 1e-12 to 12 (including both
 * sides of the SU(3) series/closed-form switch at |x| = 2 sqrt(0.76)), and
 * degenerate and nearly degenerate spectra (diagonal X with repeated
 * eigenvalues, c0 = +-c0_max and c0 = 0 for SU(3), |x| from 1e-9 to 10,
 * rotated by a random SU(N) matrix, plus 1e-9 perturbations):
 *   - sun_exp_alg agrees with a 120-term Taylor series summed in long
 *     double (no scaling; the entries of X^k/k! stay below ~1e2 for
 *     |x| <= 12, so the reference is good to ~1e-17), to 1e-14;
 *   - exp(x) = exp(x/2)^2 to 1e-14;
 *   - exp(x) exp(-x) = 1 to 1e-14;
 *   - U is in SU(N): sun_unitarity_error <= 1e-14;
 *   - the matrix form sun_exp(X) equals sun_exp_alg(x) (same tolerance as
 *     the reference: the round trip through coordinates rounds x), and
 *     sun_exp(M) = exp(P(M)) for a general M;
 *   - sun_exp_taylor (the general-N path) agrees with the reference for
 *     N = 2, 3 as well;
 *   - SU(3): just below each switch of the Taylor degree (c1 = |x|^2/4 at
 *     the entries of taylor_c1 in sun_su3.c, 0.0021 ... 0.76, the last one
 *     the switch to the closed form) and just above, with the largest
 *     eigenvalue at its bound (degenerate spectra), all of the above;
 *   - the table's fused drift exp_mul(u, x, c) equals mul(exp_alg(c x), u)
 *     for a Haar-random u (1e-15), and leaves u untouched (EMF_EDOM) for
 *     non-finite input.
 * Error returns: EMF_EDOM for NaN/Inf input, EMF_EINVAL for a bad N.
 ******************************************************************************/
#include <math.h>
#include "check.h"
#include "rng.h"
#include "sun.h"

#define NM (EMF_NMAX * EMF_NMAX)

typedef long double complex lcplx_t;

/* u = exp(x) by its Taylor series in long double, 120 terms. */
static void exp_reference(int n, cplx_t *u, const cplx_t *x)
{
  lcplx_t term[NM], sum[NM], tmp[NM];
  for (int i = 0; i < n * n; i++) term[i] = sum[i] = (i % (n + 1) == 0);
  for (int k = 1; k <= 120; k++) {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        lcplx_t s = 0;
        for (int l = 0; l < n; l++) s += term[i * n + l] * (lcplx_t)x[l * n + j];
        tmp[i * n + j] = s / k;
      }
    for (int i = 0; i < n * n; i++) {
      term[i] = tmp[i];
      sum[i] += term[i];
    }
  }
  for (int i = 0; i < n * n; i++) u[i] = (cplx_t)sum[i];
}

static double maxdiff(int nn, const cplx_t *a, const cplx_t *b)
{
  double d = 0.0;
  for (int i = 0; i < nn; i++)
    if (!(cabs(a[i] - b[i]) <= d)) d = cabs(a[i] - b[i]);
  return d;
}

typedef struct { double ref, half, inv, unit, mat, taylor; } errs_t;

static void errs_max(errs_t *e, const errs_t *f)
{
  e->ref = fmax(e->ref, f->ref); e->half = fmax(e->half, f->half);
  e->inv = fmax(e->inv, f->inv); e->unit = fmax(e->unit, f->unit);
  e->mat = fmax(e->mat, f->mat); e->taylor = fmax(e->taylor, f->taylor);
}

/* All checks on one algebra element x; returns the errors. */
static errs_t exp_errors(int n, const double *x)
{
  int ngen = n * n - 1, nn = n * n;
  double xh[NM], xm[NM];
  cplx_t u[NM], uh[NM], u2[NM], um[NM], p[NM], one[NM], xmat[NM], ref[NM], ut[NM];
  errs_t e;
  for (int a = 0; a < ngen; a++) { xh[a] = 0.5 * x[a]; xm[a] = -x[a]; }
  int st = sun_exp_alg(n, u, x);
  st |= sun_exp_alg(n, uh, xh);
  st |= sun_exp_alg(n, um, xm);
  sun_from_alg(n, xmat, x);
  exp_reference(n, ref, xmat);
  e.ref = maxdiff(nn, u, ref);
  sun_mul(n, u2, uh, uh);
  e.half = maxdiff(nn, u, u2);
  sun_mul(n, p, u, um);
  sun_unit(n, one);
  e.inv = maxdiff(nn, p, one);
  e.unit = sun_unitarity_error(n, u);
  st |= sun_exp(n, p, xmat);
  e.mat = maxdiff(nn, p, u);
  st |= sun_exp_taylor(n, ut, xmat);
  e.taylor = maxdiff(nn, ut, ref);
  if (st != EMF_SUCCESS) e.ref = INFINITY;
  return e;
}

static void random_direction(rng_stream_t *s, int n, double *x, double r)
{
  double nrm = 0.0;
  for (int a = 0; a < n * n - 1; a++) { x[a] = rng_gaussian(s); nrm += x[a] * x[a]; }
  for (int a = 0; a < n * n - 1; a++) x[a] *= r / sqrt(nrm);
}

/* coordinates of V diag(i d) V^+ (d real, sum d = 0) */
static void rotated_diag(rng_stream_t *s, int n, double *x, const double *d, int rotate)
{
  cplx_t dm[NM], v[NM], t1[NM], t2[NM];
  sun_zero(n, dm);
  for (int i = 0; i < n; i++) dm[i * n + i] = I * d[i];
  if (rotate) {
    rng_haar_sun(s, n, v);
    sun_mul(n, t1, v, dm);
    sun_mul_dag(n, t2, t1, v);
  } else {
    sun_copy(n, t2, dm);
  }
  sun_to_alg(n, x, t2);
}

static void report(int n, const char *what, const errs_t *e, double tol)
{
  check_abs(e->ref, 0, tol, "N=%d %s: exp = long-double Taylor (%.1e)", n, what, e->ref);
  check_abs(e->half, 0, tol, "N=%d %s: exp(x) = exp(x/2)^2 (%.1e)", n, what, e->half);
  check_abs(e->inv, 0, 1e-14, "N=%d %s: exp(x) exp(-x) = 1 (%.1e)", n, what, e->inv);
  check_abs(e->unit, 0, 1e-14, "N=%d %s: exp in SU(N) (%.1e)", n, what, e->unit);
  check_abs(e->mat, 0, tol, "N=%d %s: sun_exp(X) = sun_exp_alg(x) (%.1e)", n, what, e->mat);
  check_abs(e->taylor, 0, tol, "N=%d %s: sun_exp_taylor = reference (%.1e)", n, what, e->taylor);
}

static void check_n(int n, rng_stream_t *s)
{
  static const double norms[] = {1e-12, 1e-6, 1e-3, 0.1, 0.447, 0.4473, 0.448,
                                 1.0, 3.0, 7.0, 10.0, 12.0};
  int ngen = n * n - 1;
  double x[NM];
  errs_t zero = {0, 0, 0, 0, 0, 0};

  for (int a = 0; a < ngen; a++) x[a] = 0.0;
  cplx_t u[NM], one[NM];
  sun_exp_alg(n, u, x);
  sun_unit(n, one);
  check_abs(maxdiff(n * n, u, one), 0, 0, "N=%d: exp(0) = 1 exactly", n);

  errs_t small = zero, large = zero;
  for (size_t k = 0; k < sizeof norms / sizeof norms[0]; k++)
    for (int rep = 0; rep < 20; rep++) {
      random_direction(s, n, x, norms[k]);
      errs_t e = exp_errors(n, x);
      errs_max(norms[k] <= 1.0 ? &small : &large, &e);
    }
  report(n, "random |x| <= 1", &small, 1e-14);
  report(n, "random 1 < |x| <= 12", &large, 1e-14);

  /* degenerate spectra, X = i diag(d) (optionally rotated): d = (1,..,1,
   * 1-N) and its negative (for N = 3: det Q = -c0_max and +c0_max, two equal
   * eigenvalues), and d = (1,-1,0,..) (for N = 3: c0 = 0) */
  double d[EMF_NMAX];
  errs_t deg = zero, degl = zero;
  for (int kind = 0; kind < 3; kind++)
    for (int rot = 0; rot < 2; rot++)
      for (int sc = 0; sc < 6; sc++) {
        static const double scale[] = {1e-9, 1e-3, 0.2, 1.0, 4.0, 10.0};
        for (int i = 0; i < n; i++) {
          if (kind == 0) d[i] = (i < n - 1) ? 1.0 : -(n - 1.0);
          if (kind == 1) d[i] = (i < n - 1) ? -1.0 : (n - 1.0);
          if (kind == 2) d[i] = (i == 0) ? 1.0 : (i == 1 ? -1.0 : 0.0);
        }
        double nd = 0.0;  /* |x|^2 = <X,X> = 2 sum d_i^2 */
        for (int i = 0; i < n; i++) nd += 2.0 * d[i] * d[i];
        for (int i = 0; i < n; i++) d[i] *= scale[sc] / sqrt(nd);
        rotated_diag(s, n, x, d, rot);
        errs_t e = exp_errors(n, x);
        errs_max(scale[sc] <= 1.0 ? &deg : &degl, &e);
        /* nearly degenerate: perturb by 1e-9 relative */
        for (int a = 0; a < ngen; a++) x[a] += 1e-9 * scale[sc] * rng_gaussian(s);
        e = exp_errors(n, x);
        errs_max(scale[sc] <= 1.0 ? &deg : &degl, &e);
      }
  report(n, "degenerate, small", &deg, 1e-14);
  report(n, "degenerate, large", &degl, 1e-14);

  if (n == 3) {
    /* the degree switches of the SU(3) Taylor branch, from both sides */
    static const double sw[] = {0.0021, 0.006, 0.0146, 0.0307, 0.058, 0.101,
                                0.166, 0.258, 0.384, 0.549, 0.76};
    errs_t swe = zero;
    for (size_t k = 0; k < sizeof sw / sizeof sw[0]; k++)
      for (int side = -1; side <= 1; side += 2)
        for (int kind = 0; kind < 2; kind++) {
          const double nx = 2.0 * sqrt(sw[k]) * (1.0 + side * 1e-12);
          for (int i = 0; i < 3; i++) d[i] = (i < 2) == (kind == 0) ? 1.0 : -2.0;
          for (int i = 0; i < 3; i++) d[i] *= nx / sqrt(12.0);
          rotated_diag(s, n, x, d, 1);
          errs_t e = exp_errors(n, x);
          errs_max(&swe, &e);
          random_direction(s, n, x, nx);
          e = exp_errors(n, x);
          errs_max(&swe, &e);
        }
    report(n, "Taylor degree switches", &swe, 1e-14);
  }

  /* fused drift: exp_mul(u, x, c) = exp(c x) u */
  {
    const sun_type_t *su = sun_type_get(n);
    double g[2 * NM], y[NM];
    cplx_t h[NM], h0[NM], e1[NM], ref[NM];
    double dmax = 0.0;
    for (int rep = 0; rep < 20; rep++) {
      for (int i = 0; i < 2 * n * n; i++) g[i] = rng_gaussian(s);
      sun_haar_from_gaussians(n, h, g);
      random_direction(s, n, x, rep < 10 ? 0.3 : 4.0);
      const double c = 0.05 * (rep + 1);
      for (int a = 0; a < ngen; a++) y[a] = c * x[a];
      su->exp_alg(e1, y);
      sun_mul(n, ref, e1, h);
      check_int(su->exp_mul(h, x, c), EMF_SUCCESS, "N=%d: exp_mul status", n);
      const double dd = maxdiff(n * n, h, ref);
      if (dd > dmax) dmax = dd;
    }
    check_abs(dmax, 0, 1e-15, "N=%d: exp_mul(u, x, c) = exp(c x) u (%.1e)", n, dmax);
    sun_copy(n, h0, h);
    x[1] = NAN;
    check_int(su->exp_mul(h, x, 0.5), EMF_EDOM, "N=%d: exp_mul(NaN) -> EDOM", n);
    check_abs(maxdiff(n * n, h, h0), 0, 0, "N=%d: exp_mul(NaN) leaves u untouched", n);
    x[1] = 0.0;
  }

  /* general matrix: sun_exp(M) = exp(P(M)) */
  cplx_t m[NM], u1[NM], u2[NM];
  for (int i = 0; i < n * n; i++) {
    double re = rng_gaussian(s), im = rng_gaussian(s);
    m[i] = CMPLX(re, im);
  }
  sun_to_alg(n, x, m);
  sun_exp(n, u1, m);
  sun_exp_alg(n, u2, x);
  check_abs(maxdiff(n * n, u1, u2), 0, 1e-14, "N=%d: sun_exp(M) = exp(P(M))", n);

  /* error returns */
  x[0] = NAN;
  check_int(sun_exp_alg(n, u, x), EMF_EDOM, "N=%d: exp_alg(NaN) -> EDOM", n);
  x[0] = INFINITY;
  check_int(sun_exp_alg(n, u, x), EMF_EDOM, "N=%d: exp_alg(Inf) -> EDOM", n);
  m[1] = NAN;
  check_int(sun_exp(n, u, m), EMF_EDOM, "N=%d: sun_exp(NaN) -> EDOM", n);
  check_int(sun_exp_taylor(n, u, m), EMF_EDOM, "N=%d: sun_exp_taylor(NaN) -> EDOM", n);
  check_int(sun_type_get(n)->exp_alg(u, x), EMF_EDOM, "N=%d: table exp_alg(Inf) -> EDOM", n);
}

int main(void)
{
  rng_stream_t s;
  rng_stream_init(&s, 314159, RNG_TEST, 3, 0);
  for (int n = 2; n <= 4; n++) check_n(n, &s);
  cplx_t u[4], x[4] = {0, 0, 0, 0};
  double xa[3] = {0, 0, 0};
  check_int(sun_exp(1, u, x), EMF_EINVAL, "sun_exp(n=1) -> EINVAL");
  check_int(sun_exp_alg(EMF_NMAX + 1, u, xa), EMF_EINVAL, "sun_exp_alg(n=NMAX+1) -> EINVAL");
  check_int(sun_exp_taylor(0, u, x), EMF_EINVAL, "sun_exp_taylor(n=0) -> EINVAL");
  return check_finish("unit/sun/test_exp");
}
