/*******************************************************************************
 * wilson_su3.c: the Wilson force specialised to SU(3) (the HMC hot path and
 * the only SU(3) Wilson kernel: pot_wilson_eval calls it too).
 *
 * int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
 *   Same contract as the "force" entry of the "wilson" type (wilson.c),
 *   for N = 3 only: f_a = (beta/6) x_a(U_l Sigma).  The D links of a site
 *   are done together (site_su3): the upper staples enter through the
 *   plaquettes P based at the site (U_mu(x) times the upper staple of
 *   plane nu is P; for U_nu(x) it is P^+, whose projection is -x_a(P)),
 *   the lower staples are summed per link; 46 products per site in 4D
 *   instead of 52.  Per link the terms are summed in a fixed order
 *   (planes lexicographic, then lower staples nu ascending).  The 3x3
 *   complex products are inlined: AVX2/FMA intrinsics (rows of the right
 *   factor in registers, adjoints folded into the loads) when the build
 *   targets AVX2 and FMA (the default -march=x86-64-v3), else
 *   straight-line real arithmetic with explicit fma() (the -std=c11 build
 *   does not contract a*b+c by itself).  Nothing is allocated.  Every owned
 *   link is computed by the same instruction sequence from the same inputs
 *   (all at its own site or in the depth-1 halo), so the bits do not depend
 *   on the grid.  Returns EMF_SUCCESS.
 *
 * int wilson_value_force_su3(const gauge_t *u, double beta, qsum_t *s, double *f)
 *   The same pass for action_wilson_value_force_all: *s += -(beta/3) times
 *   the sum of Re tr P over the plaquettes of each owned site (one
 *   qsum_add per site) if s != NULL; f = the force if f != NULL.  Returns
 *   EMF_SUCCESS.
 *
 * Context: local; link halos (depth >= 1) must be current.  Called through
 * wilson.c when u->n == 3.
 ******************************************************************************/
#include <math.h>
#include "action_int.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/* c (+)= op(a) op(b), op = identity or adjoint (da, db; constants at every
 * call, so each instance is straight-line code).  Row i of c is
 * sum_k op(a)_ik (row k of op(b)): the three rows of op(b) (rows of b, or
 * conjugated columns of b) sit in one 4-wide and one 2-wide register each
 * (re, im interleaved), with re/im-swapped copies; per row of c, 3 + 3
 * FMAs per register and one addsub:
 *   (sum re(a_ik) b_k) -/+ (sum im(a_ik) swap(b_k)),
 * where for op(a) = a^+ the second sum enters with the other sign. */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b,
       const int da, const int db, const int acc)
{
  __m256d b0, b1, b2;
  __m128d e0, e1, e2;
  if (db) {
    const __m256d cj = _mm256_set_pd(-0.0, 0.0, -0.0, 0.0);
    const __m128d cj2 = _mm_set_pd(-0.0, 0.0);
    b0 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 6, b), cj);
    b1 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 8, b + 2), cj);
    b2 = _mm256_xor_pd(_mm256_loadu2_m128d(b + 10, b + 4), cj);
    e0 = _mm_xor_pd(_mm_loadu_pd(b + 12), cj2);
    e1 = _mm_xor_pd(_mm_loadu_pd(b + 14), cj2);
    e2 = _mm_xor_pd(_mm_loadu_pd(b + 16), cj2);
  } else {
    b0 = _mm256_loadu_pd(b);
    b1 = _mm256_loadu_pd(b + 6);
    b2 = _mm256_loadu_pd(b + 12);
    e0 = _mm_loadu_pd(b + 4);
    e1 = _mm_loadu_pd(b + 10);
    e2 = _mm_loadu_pd(b + 16);
  }
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
    /* op(a)_ik at a + o_k (re) and a + o_k + 1 (im, conjugated if da) */
    const int o0 = da ? 2 * i : 6 * i, o1 = da ? 6 + 2 * i : 6 * i + 2,
              o2 = da ? 12 + 2 * i : 6 * i + 4;
    const __m256d r0 = _mm256_broadcast_sd(a + o0), i0 = _mm256_broadcast_sd(a + o0 + 1);
    const __m256d r1 = _mm256_broadcast_sd(a + o1), i1 = _mm256_broadcast_sd(a + o1 + 1);
    const __m256d r2 = _mm256_broadcast_sd(a + o2), i2 = _mm256_broadcast_sd(a + o2 + 1);
    __m256d x = _mm256_mul_pd(r0, b0);
    __m128d xe = _mm_mul_pd(_mm256_castpd256_pd128(r0), e0);
    x = _mm256_fmadd_pd(r1, b1, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r1), e1, xe);
    x = _mm256_fmadd_pd(r2, b2, x);
    xe = _mm_fmadd_pd(_mm256_castpd256_pd128(r2), e2, xe);
    __m256d y;
    __m128d ye;
    /* y = sum im(op(a)_ik) b_k, swapped once per row (the swap is exact,
     * so this equals the sum of im(op(a)_ik) swap(b_k)) */
    if (da) {
      y = _mm256_mul_pd(_mm256_xor_pd(i0, _mm256_set1_pd(-0.0)), b0);
      ye = _mm_mul_pd(_mm_xor_pd(_mm256_castpd256_pd128(i0), _mm_set1_pd(-0.0)), e0);
      y = _mm256_fnmadd_pd(i1, b1, y);
      ye = _mm_fnmadd_pd(_mm256_castpd256_pd128(i1), e1, ye);
      y = _mm256_fnmadd_pd(i2, b2, y);
      ye = _mm_fnmadd_pd(_mm256_castpd256_pd128(i2), e2, ye);
    } else {
      y = _mm256_mul_pd(i0, b0);
      ye = _mm_mul_pd(_mm256_castpd256_pd128(i0), e0);
      y = _mm256_fmadd_pd(i1, b1, y);
      ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i1), e1, ye);
      y = _mm256_fmadd_pd(i2, b2, y);
      ye = _mm_fmadd_pd(_mm256_castpd256_pd128(i2), e2, ye);
    }
    __m256d z = _mm256_addsub_pd(x, _mm256_permute_pd(y, 5));
    __m128d ze = _mm_addsub_pd(xe, _mm_permute_pd(ye, 1));
    if (acc) {
      z = _mm256_add_pd(z, _mm256_loadu_pd(c + 6 * i));
      ze = _mm_add_pd(ze, _mm_loadu_pd(c + 6 * i + 4));
    }
    _mm256_storeu_pd(c + 6 * i, z);
    _mm_storeu_pd(c + 6 * i + 4, ze);
  }
}

#else

/* c (+)= op(a) op(b), portable straight-line version (flags as above). */
static inline __attribute__((always_inline)) void
m3_mul(double *restrict c, const double *restrict a, const double *restrict b,
       const int da, const int db, const int acc)
{
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++) {
#pragma GCC unroll 3
    for (int j = 0; j < 3; j++) {
      double re = 0.0, im = 0.0;
#pragma GCC unroll 3
      for (int k = 0; k < 3; k++) {
        const int ia = da ? 2 * (3 * k + i) : 2 * (3 * i + k);
        const int ib = db ? 2 * (3 * j + k) : 2 * (3 * k + j);
        const double xr = a[ia], xi = da ? -a[ia + 1] : a[ia + 1];
        const double yr = b[ib], yi = db ? -b[ib + 1] : b[ib + 1];
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

/* X[mu] = U_mu(x) Sigma_mu(x) for the D links of the owned site is, and
 * *plaq = sum_{mu<nu} Re tr P_{mu nu}(x).  The upper staples enter through
 * the plaquettes P = a b^+, a = U_mu(x) U_nu(x+mu), b = U_nu(x) U_mu(x+nu)
 * (mu < nu): U_mu(x) times the upper staple in plane nu is P, and U_nu(x)
 * times the upper staple in plane mu is P^+, of which only the projection
 * matters: x_a(P^+) = -x_a(P), so X_nu takes -P.  The lower staples are
 * summed per link, lo = sum_nu [U_mu(x-nu) U_nu(x-nu+mu)]^+ U_nu(x-nu), and
 * X_mu += U_mu(x) lo.  Order per link: planes (mu, nu) lexicographic, then
 * the lower staples nu ascending: fixed by the lattice, not by the grid.
 * 3 D (D-1)/2 + 2 D (D-1) + D products (46 in 4D). */
static inline __attribute__((always_inline)) void
site_su3(const gauge_t *u, long is, double (*X)[18], double *plaq)
{
  const geom_t *g = u->g;
  const int D = g->D;
  const long *up = g->up, *dn = g->dn;
  double a[18], b[18], p[18], lo[18];
  double re = 0.0;
  if (D < 2) { /* no plaquettes */
    for (int k = 0; k < 18; k++) X[0][k] = 0.0;
    *plaq = 0.0;
    return;
  }
  for (int mu = 0; mu < D; mu++) {
    const long xmu = up[is * D + mu];
    for (int nu = mu + 1; nu < D; nu++) {
      const long xnu = up[is * D + nu];
      m3_mul(a, lnk(u, is, mu), lnk(u, xmu, nu), 0, 0, 0);
      m3_mul(b, lnk(u, is, nu), lnk(u, xnu, mu), 0, 0, 0);
      m3_mul(p, a, b, 0, 1, 0);
      if (nu == mu + 1 && mu == 0)
        for (int k = 0; k < 18; k++) X[mu][k] = p[k];
      else
        for (int k = 0; k < 18; k++) X[mu][k] += p[k];
      if (mu == 0)
        for (int k = 0; k < 18; k++) X[nu][k] = -p[k];
      else
        for (int k = 0; k < 18; k++) X[nu][k] -= p[k];
      re += p[0] + p[8] + p[16];
    }
  }
  for (int mu = 0; mu < D; mu++) {
    const long xmu = up[is * D + mu];
    const int nu0 = mu == 0 ? 1 : 0;
    {
      const long xmnu = dn[is * D + nu0], xmu_mnu = dn[xmu * D + nu0];
      m3_mul(a, lnk(u, xmnu, mu), lnk(u, xmu_mnu, nu0), 0, 0, 0);
      m3_mul(lo, a, lnk(u, xmnu, nu0), 1, 0, 0);
    }
    for (int nu = nu0 + 1; nu < D; nu++) {
      if (nu == mu) continue;
      const long xmnu = dn[is * D + nu], xmu_mnu = dn[xmu * D + nu];
      m3_mul(a, lnk(u, xmnu, mu), lnk(u, xmu_mnu, nu), 0, 0, 0);
      m3_mul(lo, a, lnk(u, xmnu, nu), 1, 0, 1);
    }
    m3_mul(X[mu], lnk(u, is, mu), lo, 0, 0, 1);
  }
  *plaq = re;
}

/* f (+)= c x(X) per link; *s += cs (sum of Re tr P) per site if s != NULL */
static void force_loop(const gauge_t *u, double c, double *f, int add, qsum_t *s,
                       double cs)
{
  const geom_t *g = u->g;
  const int D = g->D;
  double X[EMF_DMAX][18], x[8], plaq;
  for (long i = 0; i < g->n_owned; i++) {
    site_su3(u, g->owned[i], X, &plaq);
    if (s != NULL) qsum_add(s, cs * plaq);
    if (f == NULL) continue;
    for (int mu = 0; mu < D; mu++) {
      u->su->to_alg(x, (const cplx_t *)X[mu]);
      double *fl = f + ((size_t)i * D + mu) * 8;
      if (add)
        for (int k = 0; k < 8; k++) fl[k] += c * x[k];
      else
        for (int k = 0; k < 8; k++) fl[k] = c * x[k];
    }
  }
}

int wilson_force_su3(const action_t *a, const gauge_t *u, double *f, int add)
{
  force_loop(u, a->beta / 6.0, f, add, NULL, 0.0);
  return EMF_SUCCESS;
}

int wilson_value_force_su3(const gauge_t *u, double beta, qsum_t *s, double *f)
{
  force_loop(u, beta / 6.0, f, 0, s, -beta / 3.0);
  return EMF_SUCCESS;
}
