/*******************************************************************************
 * wilson_su3.c: the Wilson force specialised to SU(3) (the HMC hot path).
 *
 * int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
 *   Same contract and same staple order as the "force" entry of the
 *   "wilson" type (wilson.c), for N = 3 only: f_a = (beta/6) x_a(U_l Sigma).
 *   The adjoint staple sum Sigma^+ is accumulated in place (c += a b, with
 *   explicit adjoints of single links), then U_l (Sigma^+)^+ is projected.
 *   The 3x3 complex products are inlined: AVX2/FMA intrinsics (rows of the
 *   right factor in registers) when the build targets AVX2 and FMA (the
 *   default -march=x86-64-v3), else straight-line real arithmetic with
 *   explicit fma() (the -std=c11 build does not contract a*b+c by
 *   itself).  Nothing is allocated.  Every owned link is computed by the
 *   same instruction sequence from the same inputs, so the bits do not
 *   depend on the grid.  Returns EMF_SUCCESS.
 *
 * Context: local; link halos (depth >= 1) must be current.  Called through
 * wilson.c when u->n == 3.
 ******************************************************************************/
#include <math.h>
#include "action_int.h"

/* d = a^+ for interleaved 3x3 complex matrices. */
static inline __attribute__((always_inline)) void m3_dag(double *restrict d,
                                                        const double *restrict a)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      d[2 * (3 * i + j)] = a[2 * (3 * j + i)];
      d[2 * (3 * i + j) + 1] = -a[2 * (3 * j + i) + 1];
    }
}

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/* c (+)= a b.  Row i of c is sum_k a_ik (row k of b): with the rows of b
 * in one 4-wide and one 2-wide register (re, im interleaved) and their
 * re/im-swapped copies, each row takes 3 + 3 FMAs per register and one
 * addsub: (sum re(a_ik) b_k) -/+ (sum im(a_ik) swap(b_k)). */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b, const int acc)
{
  const __m256d b0 = _mm256_loadu_pd(b), b1 = _mm256_loadu_pd(b + 6),
                b2 = _mm256_loadu_pd(b + 12);
  const __m128d e0 = _mm_loadu_pd(b + 4), e1 = _mm_loadu_pd(b + 10), e2 = _mm_loadu_pd(b + 16);
  const __m256d s0 = _mm256_permute_pd(b0, 5), s1 = _mm256_permute_pd(b1, 5),
                s2 = _mm256_permute_pd(b2, 5);
  const __m128d t0 = _mm_permute_pd(e0, 1), t1 = _mm_permute_pd(e1, 1), t2 = _mm_permute_pd(e2, 1);
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
    const double *ar = a + 6 * i;
    __m256d r0 = _mm256_broadcast_sd(ar), i0 = _mm256_broadcast_sd(ar + 1);
    __m256d r1 = _mm256_broadcast_sd(ar + 2), i1 = _mm256_broadcast_sd(ar + 3);
    __m256d r2 = _mm256_broadcast_sd(ar + 4), i2 = _mm256_broadcast_sd(ar + 5);
    __m256d x = _mm256_mul_pd(r0, b0), y = _mm256_mul_pd(i0, s0);
    x = _mm256_fmadd_pd(r1, b1, x);
    y = _mm256_fmadd_pd(i1, s1, y);
    x = _mm256_fmadd_pd(r2, b2, x);
    y = _mm256_fmadd_pd(i2, s2, y);
    __m128d xe = _mm_mul_pd(_mm256_castpd256_pd128(r0), e0);
    __m128d ye = _mm_mul_pd(_mm256_castpd256_pd128(i0), t0);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r1), e1, xe);
    ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i1), t1, ye);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r2), e2, xe);
    ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i2), t2, ye);
    __m256d z = _mm256_addsub_pd(x, y);
    __m128d ze = _mm_addsub_pd(xe, ye);
    if (acc) {
      z = _mm256_add_pd(z, _mm256_loadu_pd(c + 6 * i));
      ze = _mm_add_pd(ze, _mm_loadu_pd(c + 6 * i + 4));
    }
    _mm256_storeu_pd(c + 6 * i, z);
    _mm_storeu_pd(c + 6 * i + 4, ze);
  }
}

#else

/* c (+)= a b, portable straight-line version. */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b, const int acc)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      double re = 0.0, im = 0.0;
#pragma GCC unroll 3
      for (int k = 0; k < 3; k++) {
        const double xr = a[2 * (3 * i + k)], xi = a[2 * (3 * i + k) + 1];
        const double yr = b[2 * (3 * k + j)], yi = b[2 * (3 * k + j) + 1];
        re = fma(xr, yr, re);
        re = fma(-xi, yi, re);
        im = fma(xr, yi, im);
        im = fma(xi, yr, im);
      }
      c[2 * (3 * i + j)] = acc ? c[2 * (3 * i + j)] + re : re;
      c[2 * (3 * i + j) + 1] = acc ? c[2 * (3 * i + j) + 1] + im : im;
    }
  }
}

#endif

static inline const double *lnk(const gauge_t *u, long is, int mu)
{
  return (const double *)gauge_link(u, is, mu);
}

int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
{
  const geom_t *g = u->g;
  const int D = g->D;
  const double c = a->beta / 6.0;
  const long *up = g->up, *dn = g->dn;
  double sd[18], sig[18], t1[18], T[18], m[18], x[8];
  for (long i = 0; i < g->n_owned; i++) {
    const long is = g->owned[i];
    for (int mu = 0; mu < D; mu++) {
      const long xmu = up[is * D + mu];
      for (int k = 0; k < 18; k++) sd[k] = 0.0;
      /* sd = Sigma^+: the adjoint staples, in the order of wilson.c */
      for (int nu = 0; nu < D; nu++) {
        if (nu == mu) continue;
        const long xnu = up[is * D + nu], xmnu = dn[is * D + nu];
        const long xmu_mnu = dn[xmu * D + nu];
        /* upper^+ = U_nu(x) U_mu(x+nu) U_nu(x+mu)^+ */
        m3_mul(t1, lnk(u, is, nu), lnk(u, xnu, mu), 0);
        m3_dag(T, lnk(u, xmu, nu));
        m3_mul(sd, t1, T, 1);
        /* lower^+ = U_nu(x-nu)^+ U_mu(x-nu) U_nu(x-nu+mu) */
        m3_mul(t1, lnk(u, xmnu, mu), lnk(u, xmu_mnu, nu), 0);
        m3_dag(T, lnk(u, xmnu, nu));
        m3_mul(sd, T, t1, 1);
      }
      m3_dag(sig, sd);
      m3_mul(m, lnk(u, is, mu), sig, 0);
      u->su->to_alg(x, (const cplx_t *)m);
      double *fl = f + ((size_t)i * D + mu) * 8;
      if (add)
        for (int k = 0; k < 8; k++) fl[k] += c * x[k];
      else
        for (int k = 0; k < 8; k++) fl[k] = c * x[k];
    }
  }
  return EMF_SUCCESS;
}
