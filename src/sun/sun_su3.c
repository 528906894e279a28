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
 *   For c1 < 0.76 (all eigenvalues of Q below r = 2 sqrt(c1/3) < 1: every
 *   HMC drift, eps |P| ~ 0.1-1) the f_j are the Taylor series reduced by
 *   Cayley-Hamilton (real recursion, no division, no libm call), cut at
 *   the degree K = 8..18 whose remainder r^(K+1)/(K+1)! is below 1e-17
 *   (table taylor_c1; K rounded up to even).  Otherwise they come from the closed form of
 *   Morningstar and Peardon (Phys. Rev. D 69 (2004) 054501,
 *   hep-lat/0311018) evaluated at |c0| (f_j(-c0) = (-1)^j conj f_j(c0)),
 *   where the denominator 9u^2 - w^2 >= 2 c1 >= 1.5.  Both branches are
 *   smooth in w^2, so (near-)degenerate eigenvalues, where the arccos in
 *   the closed form is ill-conditioned, cost no accuracy
 *   (doc/conventions.md).  EMF_EDOM (u untouched) if x is not finite.
 *
 * int su3_exp_mul(cplx_t *u, const double *x, double c)
 *   u <- exp(c X) u in place (the HMC drift): the exponential as above
 *   (bit-identical to su3_exp_alg of c x), multiplied into u with the rows
 *   of u in AVX2 registers (portable fma() version without AVX2/FMA).
 *   EMF_EDOM (u untouched) if c x is not finite.
 *
 * int su3_exp_mul4(cplx_t *const *u, const double *const *x, double c)
 *   su3_exp_mul on the four links u[l] with x[l], l = 0..3, bit for bit:
 *   with AVX2/FMA one link per vector lane (the exponential and the
 *   product u <- e u written lane by lane with the operations of
 *   su3_exp_mat and su3_lmul; the Taylor degree is per lane, the lanes
 *   that reached theirs keep their sums by a blend), so the drift of HMC
 *   costs about half.  A quadruple with a lane outside the Taylor branch
 *   (c1 >= 0.76) or not finite is done link by link with su3_exp_mul.
 *   Returns EMF_EDOM if any c x[l] is not finite (those links untouched).
 *
 * int sun_su3_exp_mul_lanes(double *u, const double *x, double c)
 *   su3_exp_mul on four links held as vector lanes (the HMC drift on the
 *   site-vectorised links of wilson_su3.c): entry k (re, im of the 9
 *   complex entries, row-major) of link l at u[4 k + l], coordinate a of
 *   its algebra element at x[4 a + l], both 32-byte aligned.  Bit for bit
 *   su3_exp_mul per lane (same code as su3_exp_mul4, without transposes); a
 *   quadruple with a lane outside the Taylor branch or not finite goes
 *   lane by lane through su3_exp_mul.  Returns EMF_EDOM if any c x[l] is
 *   not finite (those lanes untouched), else EMF_SUCCESS.
 *
 * void su3_to_alg(double *x, const cplx_t *m)     x_a = -2 Re tr(T_a m)
 * void su3_from_alg(cplx_t *m, const double *x)   m = sum_a x_a T_a
 *
 * Context: local, allocation-free, thread-safe.  Use via sun_type_get(3).
 ******************************************************************************/
#include <math.h>
#include "simd4.h"
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif
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

/* i^k/k! = w_k (k even) or i w_k (k odd), k = 0..18 */
static const double taylor_w[19] = {
    1.0, 1.0, -1.0 / 2.0, -1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, -1.0 / 720.0,
    -1.0 / 5040.0, 1.0 / 40320.0, 1.0 / 362880.0, -1.0 / 3628800.0,
    -1.0 / 39916800.0, 1.0 / 479001600.0, 1.0 / 6227020800.0,
    -1.0 / 87178291200.0, -1.0 / 1307674368000.0, 1.0 / 20922789888000.0,
    1.0 / 355687428096000.0, -1.0 / 6402373705728000.0};

/* Degree of the Taylor branch: the eigenvalues of Q are bounded by
 * r = 2 sqrt(c1/3); taylor_c1[j] is the largest c1 for which degree
 * K = 8 + j leaves a remainder r^(K+1)/(K+1)! (1 - r/(K+2))^-1 < 1e-17
 * (rounded down).  Beyond the last entry (r > 1) the closed form is used. */
static const double taylor_c1[11] = {0.0021, 0.006, 0.0146, 0.0307, 0.058, 0.101,
                                     0.166, 0.258, 0.384, 0.549, 0.76};

/* f0, f1, f2 with exp(iQ) = f0 + f1 Q + f2 Q^2, from c0 = det Q, c1 = tr Q^2/2. */
static void su3_exp_coeffs(double c0, double c1, double *fr, double *fi)
{
  if (c1 < taylor_c1[10]) {
    /* sum_{k<=K} i^k/k! Q^k with Q^k = a_k + b_k Q + d_k Q^2 (Cayley-
     * Hamilton): a_{k+1} = c0 d_k, b_{k+1} = a_k + c1 d_k, d_{k+1} = b_k,
     * all real; the real and imaginary parts collect the even and odd k.
     * Terms alternate in sign within each part and are bounded by
     * r^k/k! <= 1/k!, so no cancellation beyond rounding. */
    int K = 8;
    while (c1 >= taylor_c1[K - 8]) K++;
    K += K & 1; /* even (<= 18): the loop takes an odd and an even term */
    double a = 1.0, b = 0.0, d = 0.0;
    double r0 = 1.0, r1 = 0.0, r2 = 0.0, i0 = 0.0, i1 = 0.0, i2 = 0.0;
    for (int k = 1; k < K; k += 2) {
      double an = c0 * d, bn = a + c1 * d;
      d = b;
      a = an;
      b = bn;
      i0 += taylor_w[k] * a; i1 += taylor_w[k] * b; i2 += taylor_w[k] * d;
      an = c0 * d;
      bn = a + c1 * d;
      d = b;
      a = an;
      b = bn;
      r0 += taylor_w[k + 1] * a; r1 += taylor_w[k + 1] * b; r2 += taylor_w[k + 1] * d;
    }
    fr[0] = r0; fr[1] = r1; fr[2] = r2;
    fi[0] = i0; fi[1] = i1; fi[2] = i2;
    return;
  }
  /* closed form of Morningstar and Peardon at |c0| (c1 >= 0.76 here, so
   * 9u^2 - w^2 >= 2 c1 is far from 0); sincos of u and w once each */
  const int neg = c0 < 0.0;
  const double c0a = fabs(c0);
  const double r = sqrt(c1 / 3.0);
  const double ratio = c0a / (2.0 * r * r * r);
  const double theta = ratio >= 1.0 ? 0.0 : acos(ratio);
  const double u = r * cos(theta / 3.0), w = sqrt(c1) * sin(theta / 3.0);
  const double u2 = u * u, w2 = w * w;
  const double cw = cos(w), sw = sin(w);
  const double xi0 = (fabs(w) < 0.05) ? 1.0 - w2 / 6.0 * (1.0 - w2 / 20.0 * (1.0 - w2 / 42.0))
                                      : sw / w;
  const double cu = cos(u), su = sin(u);
  /* e2iu = exp(2iu), emiu = exp(-iu) */
  const double e2r = (cu - su) * (cu + su), e2i = 2.0 * cu * su;
  const double emr = cu, emi = -su;
  /* h0 = (u2 - w2) e2iu + emiu (8 u2 cw + i 2u (3u2 + w2) xi0) */
  const double a0r = 8.0 * u2 * cw, a0i = 2.0 * u * (3.0 * u2 + w2) * xi0;
  /* h1 = 2u e2iu - emiu (2u cw - i (3u2 - w2) xi0) */
  const double a1r = 2.0 * u * cw, a1i = -(3.0 * u2 - w2) * xi0;
  /* h2 = e2iu - emiu (cw + i 3u xi0) */
  const double a2r = cw, a2i = 3.0 * u * xi0;
  const double inv = 1.0 / (9.0 * u2 - w2);
  const double s = neg ? -1.0 : 1.0; /* f_j(-c0) = (-1)^j conj f_j(c0) */
  fr[0] = inv * ((u2 - w2) * e2r + emr * a0r - emi * a0i);
  fi[0] = s * inv * ((u2 - w2) * e2i + emr * a0i + emi * a0r);
  fr[1] = s * inv * (2.0 * u * e2r - (emr * a1r - emi * a1i));
  fi[1] = inv * (2.0 * u * e2i - (emr * a1i + emi * a1r));
  fr[2] = inv * (e2r - (emr * a2r - emi * a2i));
  fi[2] = s * inv * (e2i - (emr * a2i + emi * a2r));
}

/* e = exp(c X) as 18 doubles (re, im interleaved, row-major); EMF_EDOM if
 * c x is not finite. */
static inline __attribute__((always_inline)) int su3_exp_mat(double *restrict e,
                                                              const double *restrict x,
                                                              double c)
{
  double y[8], c1 = 0.0;
  for (int a = 0; a < 8; a++) {
    y[a] = c * x[a];
    c1 += y[a] * y[a];
  }
  c1 *= 0.25;
  if (!isfinite(c1)) return EMF_EDOM;
  /* Q = -i X: real diagonal, upper triangle q01, q02, q12 */
  const double q00 = 0.5 * y[2] + 0.5 * ISQRT3 * y[7];
  const double q11 = -0.5 * y[2] + 0.5 * ISQRT3 * y[7];
  const double q22 = -ISQRT3 * y[7];
  const double q01r = 0.5 * y[0], q01i = -0.5 * y[1];
  const double q02r = 0.5 * y[3], q02i = -0.5 * y[4];
  const double q12r = 0.5 * y[5], q12i = -0.5 * y[6];
  const double n01 = q01r * q01r + q01i * q01i;
  const double n02 = q02r * q02r + q02i * q02i;
  const double n12 = q12r * q12r + q12i * q12i;
  /* Re(q01 q12 conj(q02)) */
  const double t01_12r = q01r * q12r - q01i * q12i, t01_12i = q01r * q12i + q01i * q12r;
  const double c0 = q00 * q11 * q22 + 2.0 * (t01_12r * q02r + t01_12i * q02i) -
                    q00 * n12 - q11 * n02 - q22 * n01;
  double fr[3], fi[3];
  su3_exp_coeffs(c0, c1, fr, fi);
  /* Q^2 (Hermitian) */
  const double p00 = q00 * q00 + n01 + n02;
  const double p11 = q11 * q11 + n01 + n12;
  const double p22 = q22 * q22 + n02 + n12;
  /* p01 = (q00 + q11) q01 + q02 conj(q12) */
  const double p01r = (q00 + q11) * q01r + q02r * q12r + q02i * q12i;
  const double p01i = (q00 + q11) * q01i + q02i * q12r - q02r * q12i;
  /* p02 = (q00 + q22) q02 + q01 q12 */
  const double p02r = (q00 + q22) * q02r + t01_12r;
  const double p02i = (q00 + q22) * q02i + t01_12i;
  /* p12 = (q11 + q22) q12 + conj(q01) q02 */
  const double p12r = (q11 + q22) * q12r + q01r * q02r + q01i * q02i;
  const double p12i = (q11 + q22) * q12i + q01r * q02i - q01i * q02r;
  /* diagonal: f0 + f1 q + f2 p (q, p real) */
  e[0] = fr[0] + fr[1] * q00 + fr[2] * p00;
  e[1] = fi[0] + fi[1] * q00 + fi[2] * p00;
  e[8] = fr[0] + fr[1] * q11 + fr[2] * p11;
  e[9] = fi[0] + fi[1] * q11 + fi[2] * p11;
  e[16] = fr[0] + fr[1] * q22 + fr[2] * p22;
  e[17] = fi[0] + fi[1] * q22 + fi[2] * p22;
  /* off-diagonal: (ij) = f1 q + f2 p, (ji) = f1 conj(q) + f2 conj(p) */
#define OFFD(ij, ji, qr, qi, pr, pi)                                   \
  e[2 * ij] = fr[1] * qr - fi[1] * qi + fr[2] * pr - fi[2] * pi;       \
  e[2 * ij + 1] = fr[1] * qi + fi[1] * qr + fr[2] * pi + fi[2] * pr;   \
  e[2 * ji] = fr[1] * qr + fi[1] * qi + fr[2] * pr + fi[2] * pi;       \
  e[2 * ji + 1] = fi[1] * qr - fr[1] * qi + fi[2] * pr - fr[2] * pi
  OFFD(1, 3, q01r, q01i, p01r, p01i);
  OFFD(2, 6, q02r, q02i, p02r, p02i);
  OFFD(5, 7, q12r, q12i, p12r, p12i);
#undef OFFD
  return EMF_SUCCESS;
}

int su3_exp_alg(cplx_t *u, const double *x)
{
  double e[18];
  int st = su3_exp_mat(e, x, 1.0);
  if (st != EMF_SUCCESS) return st;
  for (int k = 0; k < 9; k++) u[k] = CMPLX(e[2 * k], e[2 * k + 1]);
  return EMF_SUCCESS;
}

#if defined(__AVX2__) && defined(__FMA__)
/* u <- e u in place: the rows of u in registers (one 4-wide and one 2-wide
 * register each, re/im interleaved) with re/im-swapped copies; per row of
 * the result 3 + 3 FMAs per register and one addsub. */
static inline __attribute__((always_inline)) void su3_lmul(double *restrict u,
                                                            const double *restrict e)
{
  const __m256d b0 = _mm256_loadu_pd(u), b1 = _mm256_loadu_pd(u + 6),
                b2 = _mm256_loadu_pd(u + 12);
  const __m128d d0 = _mm_loadu_pd(u + 4), d1 = _mm_loadu_pd(u + 10),
                d2 = _mm_loadu_pd(u + 16);
  const __m256d s0 = _mm256_permute_pd(b0, 5), s1 = _mm256_permute_pd(b1, 5),
                s2 = _mm256_permute_pd(b2, 5);
  const __m128d t0 = _mm_permute_pd(d0, 1), t1 = _mm_permute_pd(d1, 1),
                t2 = _mm_permute_pd(d2, 1);
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
    const double *a = e + 6 * i;
    const __m256d r0 = _mm256_broadcast_sd(a), i0 = _mm256_broadcast_sd(a + 1);
    const __m256d r1 = _mm256_broadcast_sd(a + 2), i1 = _mm256_broadcast_sd(a + 3);
    const __m256d r2 = _mm256_broadcast_sd(a + 4), i2 = _mm256_broadcast_sd(a + 5);
    __m256d x = _mm256_mul_pd(r0, b0);
    __m128d xe = _mm_mul_pd(_mm256_castpd256_pd128(r0), d0);
    x = _mm256_fmadd_pd(r1, b1, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r1), d1, xe);
    x = _mm256_fmadd_pd(r2, b2, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r2), d2, xe);
    __m256d y = _mm256_mul_pd(i0, s0);
    __m128d ye = _mm_mul_pd(_mm256_castpd256_pd128(i0), t0);
    y = _mm256_fmadd_pd(i1, s1, y);
    ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i1), t1, ye);
    y = _mm256_fmadd_pd(i2, s2, y);
    ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i2), t2, ye);
    _mm256_storeu_pd(u + 6 * i, _mm256_addsub_pd(x, y));
    _mm_storeu_pd(u + 6 * i + 4, _mm_addsub_pd(xe, ye));
  }
}
#else
/* u <- e u in place, portable version */
static void su3_lmul(double *restrict u, const double *restrict e)
{
  double b[18];
  for (int k = 0; k < 18; k++) b[k] = u[k];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double re = 0.0, im = 0.0;
      for (int k = 0; k < 3; k++) {
        const double ar = e[2 * (3 * i + k)], ai = e[2 * (3 * i + k) + 1];
        const double br = b[2 * (3 * k + j)], bi = b[2 * (3 * k + j) + 1];
        re = fma(ar, br, fma(-ai, bi, re));
        im = fma(ar, bi, fma(ai, br, im));
      }
      u[2 * (3 * i + j)] = re;
      u[2 * (3 * i + j) + 1] = im;
    }
}
#endif

int su3_exp_mul(cplx_t *u, const double *x, double c)
{
  double e[18];
  int st = su3_exp_mat(e, x, c);
  if (st != EMF_SUCCESS) return st;
  su3_lmul((double *)u, e);
  return EMF_SUCCESS;
}

/* lane l of u (entry k at u[4k + l]) and x (coordinate a at x[4a + l])
 * through su3_exp_mul */
static int exp_mul_lane(double *u, const double *x, double c, int l)
{
  cplx_t t[9];
  double *td = (double *)t, xl[8];
  for (int k = 0; k < 18; k++) td[k] = u[4 * k + l];
  for (int a = 0; a < 8; a++) xl[a] = x[4 * a + l];
  int st = su3_exp_mul(t, xl, c);
  for (int k = 0; k < 18; k++) u[4 * k + l] = td[k];
  return st;
}

#if defined(__AVX2__) && defined(__FMA__)

#define V(x) _mm256_set1_pd(x)
#define ADD _mm256_add_pd
#define SUB _mm256_sub_pd
#define MUL _mm256_mul_pd

/* s * sum_k a_k b_k: product, then two FMAs (as in su3_lmul, per lane) */
static inline __attribute__((always_inline)) v4 chain3(v4 a0, v4 b0, v4 a1, v4 b1, v4 a2,
                                                       v4 b2)
{
  return _mm256_fmadd_pd(a2, b2, _mm256_fmadd_pd(a1, b1, _mm256_mul_pd(a0, b0)));
}

/* e = exp(c X) for the four lanes of t (t[a]: coordinate a of the lanes),
 * lane by lane the operations of su3_exp_mat in its Taylor branch.
 * Returns 0 (e unset) if a lane is not finite or needs the closed form. */
static inline __attribute__((always_inline)) int exp4(v4 *restrict e, const v4 *t,
                                                      double c)
{
  v4 y[8];
  v4 c1 = V(0.0);
  for (int a = 0; a < 8; a++) {
    y[a] = MUL(V(c), t[a]);
    c1 = ADD(c1, MUL(y[a], y[a]));
  }
  c1 = MUL(c1, V(0.25));
  if (_mm256_movemask_pd(_mm256_cmp_pd(c1, V(taylor_c1[10]), _CMP_LT_OQ)) != 0xF) return 0;
  /* the degree of su3_exp_coeffs per lane without branches: K = 8 + the
   * number of thresholds taylor_c1[j] <= c1 (increasing table), rounded
   * up to even; the pair of terms (k, k + 1), k odd, is added while
   * k < K_even, i.e. while k <= K (k is odd) */
  v4 vK = V(8.0);
  for (int j = 0; j < 10; j++)
    vK = ADD(vK, _mm256_and_pd(_mm256_cmp_pd(c1, V(taylor_c1[j]), _CMP_GE_OQ), V(1.0)));
  const double h3 = 0.5 * ISQRT3;
  const v4 q00 = ADD(MUL(V(0.5), y[2]), MUL(V(h3), y[7]));
  const v4 q11 = ADD(MUL(V(-0.5), y[2]), MUL(V(h3), y[7]));
  const v4 q22 = MUL(V(-ISQRT3), y[7]);
  const v4 q01r = MUL(V(0.5), y[0]), q01i = MUL(V(-0.5), y[1]);
  const v4 q02r = MUL(V(0.5), y[3]), q02i = MUL(V(-0.5), y[4]);
  const v4 q12r = MUL(V(0.5), y[5]), q12i = MUL(V(-0.5), y[6]);
  const v4 n01 = ADD(MUL(q01r, q01r), MUL(q01i, q01i));
  const v4 n02 = ADD(MUL(q02r, q02r), MUL(q02i, q02i));
  const v4 n12 = ADD(MUL(q12r, q12r), MUL(q12i, q12i));
  const v4 t01_12r = SUB(MUL(q01r, q12r), MUL(q01i, q12i));
  const v4 t01_12i = ADD(MUL(q01r, q12i), MUL(q01i, q12r));
  const v4 c0 =
      SUB(SUB(SUB(ADD(MUL(MUL(q00, q11), q22),
                      MUL(V(2.0), ADD(MUL(t01_12r, q02r), MUL(t01_12i, q02i)))),
                  MUL(q00, n12)),
              MUL(q11, n02)),
          MUL(q22, n01));
  /* su3_exp_coeffs, Taylor branch; lanes whose degree is reached keep
   * their sums (blend), so each lane adds exactly its own terms */
  v4 a = V(1.0), b = V(0.0), d = V(0.0);
  v4 r0 = V(1.0), r1 = V(0.0), r2 = V(0.0), i0 = V(0.0), i1 = V(0.0), i2 = V(0.0);
  for (int k = 1;; k += 2) {
    const v4 m = _mm256_cmp_pd(V((double)k), vK, _CMP_LE_OQ);
    if (_mm256_movemask_pd(m) == 0) break;
    v4 an = MUL(c0, d), bn = ADD(a, MUL(c1, d));
    d = b;
    a = an;
    b = bn;
    i0 = _mm256_blendv_pd(i0, ADD(i0, MUL(V(taylor_w[k]), a)), m);
    i1 = _mm256_blendv_pd(i1, ADD(i1, MUL(V(taylor_w[k]), b)), m);
    i2 = _mm256_blendv_pd(i2, ADD(i2, MUL(V(taylor_w[k]), d)), m);
    an = MUL(c0, d);
    bn = ADD(a, MUL(c1, d));
    d = b;
    a = an;
    b = bn;
    r0 = _mm256_blendv_pd(r0, ADD(r0, MUL(V(taylor_w[k + 1]), a)), m);
    r1 = _mm256_blendv_pd(r1, ADD(r1, MUL(V(taylor_w[k + 1]), b)), m);
    r2 = _mm256_blendv_pd(r2, ADD(r2, MUL(V(taylor_w[k + 1]), d)), m);
  }
  const v4 p00 = ADD(ADD(MUL(q00, q00), n01), n02);
  const v4 p11 = ADD(ADD(MUL(q11, q11), n01), n12);
  const v4 p22 = ADD(ADD(MUL(q22, q22), n02), n12);
  const v4 p01r = ADD(ADD(MUL(ADD(q00, q11), q01r), MUL(q02r, q12r)), MUL(q02i, q12i));
  const v4 p01i = SUB(ADD(MUL(ADD(q00, q11), q01i), MUL(q02i, q12r)), MUL(q02r, q12i));
  const v4 p02r = ADD(MUL(ADD(q00, q22), q02r), t01_12r);
  const v4 p02i = ADD(MUL(ADD(q00, q22), q02i), t01_12i);
  const v4 p12r = ADD(ADD(MUL(ADD(q11, q22), q12r), MUL(q01r, q02r)), MUL(q01i, q02i));
  const v4 p12i = SUB(ADD(MUL(ADD(q11, q22), q12i), MUL(q01r, q02i)), MUL(q01i, q02r));
  e[0] = ADD(ADD(r0, MUL(r1, q00)), MUL(r2, p00));
  e[1] = ADD(ADD(i0, MUL(i1, q00)), MUL(i2, p00));
  e[8] = ADD(ADD(r0, MUL(r1, q11)), MUL(r2, p11));
  e[9] = ADD(ADD(i0, MUL(i1, q11)), MUL(i2, p11));
  e[16] = ADD(ADD(r0, MUL(r1, q22)), MUL(r2, p22));
  e[17] = ADD(ADD(i0, MUL(i1, q22)), MUL(i2, p22));
#define OFFD4(ij, ji, qr, qi, pr, pi)                                              \
  e[2 * ij] = SUB(ADD(SUB(MUL(r1, qr), MUL(i1, qi)), MUL(r2, pr)), MUL(i2, pi));    \
  e[2 * ij + 1] = ADD(ADD(ADD(MUL(r1, qi), MUL(i1, qr)), MUL(r2, pi)), MUL(i2, pr)); \
  e[2 * ji] = ADD(ADD(ADD(MUL(r1, qr), MUL(i1, qi)), MUL(r2, pr)), MUL(i2, pi));     \
  e[2 * ji + 1] = SUB(ADD(SUB(MUL(i1, qr), MUL(r1, qi)), MUL(i2, pr)), MUL(r2, pi))
  OFFD4(1, 3, q01r, q01i, p01r, p01i);
  OFFD4(2, 6, q02r, q02i, p02r, p02i);
  OFFD4(5, 7, q12r, q12i, p12r, p12i);
#undef OFFD4
  return 1;
}

/* o = e m (su3_lmul, lane by lane) */
static inline __attribute__((always_inline)) void lmul4(v4 *restrict o, const v4 *restrict e,
                                                        const v4 *restrict m)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      const int a0 = 2 * (3 * i), a1 = a0 + 2, a2 = a0 + 4;
      const int b0 = 2 * j, b1 = 2 * (3 + j), b2 = 2 * (6 + j);
      const v4 xrr = chain3(e[a0], m[b0], e[a1], m[b1], e[a2], m[b2]);
      const v4 yii = chain3(e[a0 + 1], m[b0 + 1], e[a1 + 1], m[b1 + 1], e[a2 + 1], m[b2 + 1]);
      const v4 xri = chain3(e[a0], m[b0 + 1], e[a1], m[b1 + 1], e[a2], m[b2 + 1]);
      const v4 yir = chain3(e[a0 + 1], m[b0], e[a1 + 1], m[b1], e[a2 + 1], m[b2]);
      o[2 * (3 * i + j)] = SUB(xrr, yii);
      o[2 * (3 * i + j) + 1] = ADD(xri, yir);
    }
}

int su3_exp_mul4(cplx_t *const *u, const double *const *x, double c)
{
  v4 e[18], t[8];
  tr4(t, _mm256_loadu_pd(x[0]), _mm256_loadu_pd(x[1]), _mm256_loadu_pd(x[2]),
      _mm256_loadu_pd(x[3]));
  tr4(t + 4, _mm256_loadu_pd(x[0] + 4), _mm256_loadu_pd(x[1] + 4),
      _mm256_loadu_pd(x[2] + 4), _mm256_loadu_pd(x[3] + 4));
  if (!exp4(e, t, c)) {
    /* not finite, or the closed form: link by link */
    int st = EMF_SUCCESS;
    for (int l = 0; l < 4; l++) {
      int st1 = su3_exp_mul(u[l], x[l], c);
      if (st == EMF_SUCCESS) st = st1;
    }
    return st;
  }
  double *u0 = (double *)u[0], *u1 = (double *)u[1], *u2 = (double *)u[2],
         *u3 = (double *)u[3];
  v4 m[18], o[18];
  /* transposes by pairs of doubles: (lane 0, lane 2) and (lane 1, lane 3) */
  for (int k = 0; k < 18; k += 2) {
    const v4 s02 = _mm256_loadu2_m128d(u2 + k, u0 + k),
             s13 = _mm256_loadu2_m128d(u3 + k, u1 + k);
    m[k] = _mm256_unpacklo_pd(s02, s13);
    m[k + 1] = _mm256_unpackhi_pd(s02, s13);
  }
  lmul4(o, e, m);
  for (int k = 0; k < 18; k += 2) {
    const v4 lo = _mm256_unpacklo_pd(o[k], o[k + 1]), hi = _mm256_unpackhi_pd(o[k], o[k + 1]);
    _mm256_storeu2_m128d(u2 + k, u0 + k, lo);
    _mm256_storeu2_m128d(u3 + k, u1 + k, hi);
  }
  return EMF_SUCCESS;
}

int sun_su3_exp_mul_lanes(double *u, const double *x, double c)
{
  v4 e[18];
  if (!exp4(e, (const v4 *)x, c)) {
    int st = EMF_SUCCESS;
    for (int l = 0; l < 4; l++) {
      int st1 = exp_mul_lane(u, x, c, l);
      if (st == EMF_SUCCESS) st = st1;
    }
    return st;
  }
  v4 o[18];
  lmul4(o, e, (const v4 *)u);
  for (int k = 0; k < 18; k++) _mm256_store_pd(u + 4 * k, o[k]);
  return EMF_SUCCESS;
}
#undef V
#undef ADD
#undef SUB
#undef MUL

#else

int su3_exp_mul4(cplx_t *const *u, const double *const *x, double c)
{
  int st = EMF_SUCCESS;
  for (int l = 0; l < 4; l++) {
    int st1 = su3_exp_mul(u[l], x[l], c);
    if (st == EMF_SUCCESS) st = st1;
  }
  return st;
}

int sun_su3_exp_mul_lanes(double *u, const double *x, double c)
{
  int st = EMF_SUCCESS;
  for (int l = 0; l < 4; l++) {
    int st1 = exp_mul_lane(u, x, c, l);
    if (st == EMF_SUCCESS) st = st1;
  }
  return st;
}

#endif

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
