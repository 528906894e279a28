/*******************************************************************************
 * sun_su3.c: straight-line kernels for N = 3 (entries of the "su3" table).
 *
 * void su3_mul(cplx_t *c, const cplx_t *a, const cplx_t *b)      c = a b
 * void su3_mul_dag(cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a b^+
 * void su3_dag_mul(cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a^+ b
 *   General complex 3x3 matrices; c may not alias a or b.
 *
 * int su3_exp_alg(cplx_t *u, const double *x)
 *   u = exp(X), X = sum_a x_a T_a = iQ with Q = (1/2) sum_a x_a lambda_a
 *   Hermitian and traceless.  By Cayley-Hamilton (Q^3 = c1 Q + c0 1 with
 *   c0 = det Q, c1 = tr(Q^2)/2 = |x|^2/4), exp(iQ) = f0 1 + f1 Q + f2 Q^2.
 *   The f_j come from the closed form of Morningstar and Peardon
 *   (Phys. Rev. D 69 (2004) 054501, hep-lat/0311018) evaluated at |c0| (f_j(-c0) =
 *   (-1)^j conj f_j(c0)), which keeps the denominator 9u^2 - w^2 >= 2 c1;
 *   for c1 < 0.05 they come from the Cayley-Hamilton reduction of the
 *   Taylor series instead, summed to rounding level.  Both branches are
 *   smooth in w^2, so (near-)degenerate eigenvalues, where the arccos in
 *   the closed form is ill-conditioned, cost no accuracy (doc/conventions.md).
 *   EMF_EDOM (u untouched) if x is not finite.
 *
 * void su3_to_alg(double *x, const cplx_t *m)     x_a = -2 Re tr(T_a m)
 * void su3_from_alg(cplx_t *m, const double *x)   m = sum_a x_a T_a
 *
 * Context: local, allocation-free, thread-safe.  Use via sun_type_get(3).
 ******************************************************************************/
#include <math.h>
#include "sun_int.h"

#define ISQRT3 0.57735026918962576451   /* 1/sqrt(3) */

/* The products are written in real arithmetic: one row of the left factor
 * is loaded into six doubles and combined with the three columns of the
 * right factor.  gcc turns this into straight-line FMA code that is ~1.5x
 * faster than the same product written with complex operators (measured,
 * doc/conventions.md). */
#define LOAD_ROW(m, i)                                                    \
  const double r0 = creal(m[3 * i]), i0 = cimag(m[3 * i]),                \
               r1 = creal(m[3 * i + 1]), i1 = cimag(m[3 * i + 1]),        \
               r2 = creal(m[3 * i + 2]), i2 = cimag(m[3 * i + 2])
#define LOAD_COL(m, i)                                                    \
  const double r0 = creal(m[i]), i0 = cimag(m[i]), r1 = creal(m[3 + i]),  \
               i1 = cimag(m[3 + i]), r2 = creal(m[6 + i]), i2 = cimag(m[6 + i])
/* (r_k + i i_k) times column j of b */
#define TIMES_COL(b, j)                                                   \
  CMPLX(r0 * creal(b[j]) - i0 * cimag(b[j]) + r1 * creal(b[3 + j]) -      \
            i1 * cimag(b[3 + j]) + r2 * creal(b[6 + j]) - i2 * cimag(b[6 + j]), \
        r0 * cimag(b[j]) + i0 * creal(b[j]) + r1 * cimag(b[3 + j]) +      \
            i1 * creal(b[3 + j]) + r2 * cimag(b[6 + j]) + i2 * creal(b[6 + j]))
/* (r_k + i i_k) times conj of row j of b */
#define TIMES_CONJ_ROW(b, j)                                              \
  CMPLX(r0 * creal(b[3 * j]) + i0 * cimag(b[3 * j]) + r1 * creal(b[3 * j + 1]) + \
            i1 * cimag(b[3 * j + 1]) + r2 * creal(b[3 * j + 2]) + i2 * cimag(b[3 * j + 2]), \
        i0 * creal(b[3 * j]) - r0 * cimag(b[3 * j]) + i1 * creal(b[3 * j + 1]) - \
            r1 * cimag(b[3 * j + 1]) + i2 * creal(b[3 * j + 2]) - r2 * cimag(b[3 * j + 2]))
/* (r_k - i i_k) times column j of b */
#define CONJ_TIMES_COL(b, j)                                              \
  CMPLX(r0 * creal(b[j]) + i0 * cimag(b[j]) + r1 * creal(b[3 + j]) +      \
            i1 * cimag(b[3 + j]) + r2 * creal(b[6 + j]) + i2 * cimag(b[6 + j]), \
        r0 * cimag(b[j]) - i0 * creal(b[j]) + r1 * cimag(b[3 + j]) -      \
            i1 * creal(b[3 + j]) + r2 * cimag(b[6 + j]) - i2 * creal(b[6 + j]))

void su3_mul(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  { LOAD_ROW(a, 0); c[0] = TIMES_COL(b, 0); c[1] = TIMES_COL(b, 1); c[2] = TIMES_COL(b, 2); }
  { LOAD_ROW(a, 1); c[3] = TIMES_COL(b, 0); c[4] = TIMES_COL(b, 1); c[5] = TIMES_COL(b, 2); }
  { LOAD_ROW(a, 2); c[6] = TIMES_COL(b, 0); c[7] = TIMES_COL(b, 1); c[8] = TIMES_COL(b, 2); }
}

void su3_mul_dag(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  { LOAD_ROW(a, 0); c[0] = TIMES_CONJ_ROW(b, 0); c[1] = TIMES_CONJ_ROW(b, 1); c[2] = TIMES_CONJ_ROW(b, 2); }
  { LOAD_ROW(a, 1); c[3] = TIMES_CONJ_ROW(b, 0); c[4] = TIMES_CONJ_ROW(b, 1); c[5] = TIMES_CONJ_ROW(b, 2); }
  { LOAD_ROW(a, 2); c[6] = TIMES_CONJ_ROW(b, 0); c[7] = TIMES_CONJ_ROW(b, 1); c[8] = TIMES_CONJ_ROW(b, 2); }
}

void su3_dag_mul(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  { LOAD_COL(a, 0); c[0] = CONJ_TIMES_COL(b, 0); c[1] = CONJ_TIMES_COL(b, 1); c[2] = CONJ_TIMES_COL(b, 2); }
  { LOAD_COL(a, 1); c[3] = CONJ_TIMES_COL(b, 0); c[4] = CONJ_TIMES_COL(b, 1); c[5] = CONJ_TIMES_COL(b, 2); }
  { LOAD_COL(a, 2); c[6] = CONJ_TIMES_COL(b, 0); c[7] = CONJ_TIMES_COL(b, 1); c[8] = CONJ_TIMES_COL(b, 2); }
}

/* f0, f1, f2 with exp(iQ) = f0 + f1 Q + f2 Q^2, from c0 = det Q, c1 = tr Q^2/2. */
static void su3_exp_coeffs(double c0, double c1, cplx_t *f)
{
  if (c1 < 0.05) {
    /* sum_k i^k/k! Q^k with Q^k = a_k + b_k Q + d_k Q^2 (Cayley-Hamilton):
     * a_{k+1} = c0 d_k, b_{k+1} = a_k + c1 d_k, d_{k+1} = b_k.  All
     * eigenvalues are below 2 sqrt(c1/3) < 0.26, so 18 terms are exact to
     * rounding (0.26^18/18! < 1e-25). */
    double a = 1.0, b = 0.0, d = 0.0, fac = 1.0;
    double re[3] = {1.0, 0.0, 0.0}, im[3] = {0.0, 0.0, 0.0};
    for (int k = 1; k <= 18; k++) {
      double an = c0 * d, bn = a + c1 * d, dn = b;
      a = an; b = bn; d = dn;
      fac /= k;
      double sgn = (k & 2) ? -fac : fac;  /* i^k = sgn * (1 or i) */
      double *dst = (k & 1) ? im : re;
      dst[0] += sgn * a; dst[1] += sgn * b; dst[2] += sgn * d;
    }
    for (int j = 0; j < 3; j++) f[j] = CMPLX(re[j], im[j]);
    return;
  }
  int neg = c0 < 0.0;
  double c0a = fabs(c0);
  double r = sqrt(c1 / 3.0);
  double c0max = 2.0 * r * r * r;
  double ratio = c0a / c0max;
  double theta = ratio >= 1.0 ? 0.0 : acos(ratio);
  double u = r * cos(theta / 3.0), w = sqrt(c1) * sin(theta / 3.0);
  double u2 = u * u, w2 = w * w;
  double cw = cos(w);
  double xi0 = (fabs(w) < 0.05) ? 1.0 - w2 / 6.0 * (1.0 - w2 / 20.0 * (1.0 - w2 / 42.0))
                                : sin(w) / w;
  double cu = cos(u), su = sin(u);
  cplx_t e2iu = CMPLX((cu - su) * (cu + su), 2.0 * cu * su), emiu = CMPLX(cu, -su);
  cplx_t h0 = (u2 - w2) * e2iu +
              emiu * CMPLX(8.0 * u2 * cw, 2.0 * u * (3.0 * u2 + w2) * xi0);
  cplx_t h1 = 2.0 * u * e2iu - emiu * CMPLX(2.0 * u * cw, -(3.0 * u2 - w2) * xi0);
  cplx_t h2 = e2iu - emiu * CMPLX(cw, 3.0 * u * xi0);
  double inv = 1.0 / (9.0 * u2 - w2);
  f[0] = h0 * inv;
  f[1] = h1 * inv;
  f[2] = h2 * inv;
  if (neg) {
    f[0] = conj(f[0]);
    f[1] = -conj(f[1]);
    f[2] = conj(f[2]);
  }
}

int su3_exp_alg(cplx_t *u, const double *x)
{
  double c1 = 0.0;
  for (int a = 0; a < 8; a++) c1 += x[a] * x[a];
  c1 *= 0.25;
  if (!isfinite(c1)) return EMF_EDOM;
  /* Q = -i X: real diagonal, upper triangle q01, q02, q12 */
  double q00 = 0.5 * x[2] + 0.5 * ISQRT3 * x[7];
  double q11 = -0.5 * x[2] + 0.5 * ISQRT3 * x[7];
  double q22 = -ISQRT3 * x[7];
  cplx_t q01 = 0.5 * CMPLX(x[0], -x[1]);
  cplx_t q02 = 0.5 * CMPLX(x[3], -x[4]);
  cplx_t q12 = 0.5 * CMPLX(x[5], -x[6]);
  double n01 = creal(q01) * creal(q01) + cimag(q01) * cimag(q01);
  double n02 = creal(q02) * creal(q02) + cimag(q02) * cimag(q02);
  double n12 = creal(q12) * creal(q12) + cimag(q12) * cimag(q12);
  double c0 = q00 * q11 * q22 + 2.0 * creal(q01 * q12 * conj(q02)) - q00 * n12 -
              q11 * n02 - q22 * n01;
  cplx_t f[3];
  su3_exp_coeffs(c0, c1, f);
  /* Q^2 (Hermitian) */
  double p00 = q00 * q00 + n01 + n02;
  double p11 = q11 * q11 + n01 + n12;
  double p22 = q22 * q22 + n02 + n12;
  cplx_t p01 = (q00 + q11) * q01 + q02 * conj(q12);
  cplx_t p02 = (q00 + q22) * q02 + q01 * q12;
  cplx_t p12 = (q11 + q22) * q12 + conj(q01) * q02;
  u[0] = f[0] + f[1] * q00 + f[2] * p00;
  u[4] = f[0] + f[1] * q11 + f[2] * p11;
  u[8] = f[0] + f[1] * q22 + f[2] * p22;
  u[1] = f[1] * q01 + f[2] * p01;
  u[2] = f[1] * q02 + f[2] * p02;
  u[5] = f[1] * q12 + f[2] * p12;
  u[3] = f[1] * conj(q01) + f[2] * conj(p01);
  u[6] = f[1] * conj(q02) + f[2] * conj(p02);
  u[7] = f[1] * conj(q12) + f[2] * conj(p12);
  return EMF_SUCCESS;
}

void su3_to_alg(double *x, const cplx_t *m)
{
  x[0] = cimag(m[1]) + cimag(m[3]);
  x[1] = creal(m[1]) - creal(m[3]);
  x[2] = cimag(m[0]) - cimag(m[4]);
  x[3] = cimag(m[2]) + cimag(m[6]);
  x[4] = creal(m[2]) - creal(m[6]);
  x[5] = cimag(m[5]) + cimag(m[7]);
  x[6] = creal(m[5]) - creal(m[7]);
  x[7] = ISQRT3 * (cimag(m[0]) + cimag(m[4]) - 2.0 * cimag(m[8]));
}

void su3_from_alg(cplx_t *m, const double *x)
{
  double d3 = 0.5 * x[2], d8 = 0.5 * ISQRT3 * x[7];
  m[0] = CMPLX(0.0, d3 + d8);
  m[4] = CMPLX(0.0, -d3 + d8);
  m[8] = CMPLX(0.0, -2.0 * d8);
  m[1] = 0.5 * CMPLX(x[1], x[0]);
  m[3] = 0.5 * CMPLX(-x[1], x[0]);
  m[2] = 0.5 * CMPLX(x[4], x[3]);
  m[6] = 0.5 * CMPLX(-x[4], x[3]);
  m[5] = 0.5 * CMPLX(x[6], x[5]);
  m[7] = 0.5 * CMPLX(-x[6], x[5]);
}
