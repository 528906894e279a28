/*******************************************************************************
 * test_alg.c: the su(N) basis, coordinates, projection and bracket, N = 2..5.
 *
 * - Pauli (N = 2) and Gell-Mann (N = 3) order and signs, entry by entry.
 * - <T_a, T_b> = -2 tr(T_a T_b) = delta_ab; each T_a anti-Hermitian and
 *   traceless; sum_a T_a T_a = -C_F 1, C_F = (N^2-1)/(2N).
 * - Fierz: sum_a tr(T_a A) tr(T_a B) = -1/2 [tr(AB) - tr A tr B / N] for
 *   random complex A, B.
 * - P(P(M)) = P(M); P(M) traceless and anti-Hermitian; <T_a, P(M)> =
 *   -2 Re tr(T_a M) = sun_to_alg; from_alg(to_alg(M)) = P(M); the
 *   projection is orthogonal:
 *   Re tr(T_a (M - P(M))) = 0 for every a.
 * - sun_alg_bracket(x, y) = coordinates of the matrix commutator, and it is
 *   antisymmetric and satisfies the Jacobi identity.
 * - sun_basis rejects a bad N.
 * All comparisons on O(1) random inputs with tolerance 1e-14 (absolute).
 ******************************************************************************/
#include <math.h>
#include "check.h"
#include "rng.h"
#include "sun.h"
#include "testutil.h"

#define NM (EMF_NMAX * EMF_NMAX)
#define TOL 1e-14

static void check_named_bases(void)
{
  static cplx_t t[8 * 9];
  const double r3 = 1.0 / sqrt(3.0);
  /* lambda matrices: T = i lambda / 2 */
  const cplx_t pauli[3][4] = {{0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
  const cplx_t gm[8][9] = {
      {0, 1, 0, 1, 0, 0, 0, 0, 0},   {0, -I, 0, I, 0, 0, 0, 0, 0},
      {1, 0, 0, 0, -1, 0, 0, 0, 0},  {0, 0, 1, 0, 0, 0, 1, 0, 0},
      {0, 0, -I, 0, 0, 0, I, 0, 0},  {0, 0, 0, 0, 0, 1, 0, 1, 0},
      {0, 0, 0, 0, 0, -I, 0, I, 0},  {r3, 0, 0, 0, r3, 0, 0, 0, -2 * r3}};
  check_int(sun_basis(2, t), EMF_SUCCESS, "sun_basis(2)");
  for (int a = 0; a < 3; a++) {
    cplx_t l[4];
    for (int i = 0; i < 4; i++) l[i] = 0.5 * I * pauli[a][i];
    check_abs(tu_maxdiff(4, t + 4 * a, l), 0, TOL, "N=2: T_%d = i sigma_%d / 2", a, a + 1);
  }
  check_int(sun_basis(3, t), EMF_SUCCESS, "sun_basis(3)");
  for (int a = 0; a < 8; a++) {
    cplx_t l[9];
    for (int i = 0; i < 9; i++) l[i] = 0.5 * I * gm[a][i];
    check_abs(tu_maxdiff(9, t + 9 * a, l), 0, TOL, "N=3: T_%d = i lambda_%d / 2", a, a + 1);
  }
  check_int(sun_basis(1, t), EMF_EINVAL, "sun_basis(1) -> EINVAL");
  check_int(sun_basis(EMF_NMAX + 1, t), EMF_EINVAL, "sun_basis(NMAX+1) -> EINVAL");
}

static void check_basis(int n, rng_stream_t *s)
{
  static cplx_t t[NM * NM];
  int ngen = n * n - 1, nn = n * n;
  cplx_t m[NM], cas[NM], id[NM];
  sun_basis(n, t);
  double eorth = 0.0, eah = 0.0;
  for (int a = 0; a < ngen; a++) {
    for (int b = 0; b < ngen; b++) {
      sun_mul(n, m, t + a * nn, t + b * nn);
      cplx_t ip = -2.0 * sun_trace(n, m);
      eorth = fmax(eorth, cabs(ip - (a == b ? 1.0 : 0.0)));
    }
    cplx_t d[NM];
    sun_dag(n, d, t + a * nn);
    for (int i = 0; i < nn; i++) eah = fmax(eah, cabs(d[i] + t[a * nn + i]));
    eah = fmax(eah, cabs(sun_trace(n, t + a * nn)));
  }
  check_abs(eorth, 0, TOL, "N=%d: <T_a,T_b> = delta_ab (%.1e)", n, eorth);
  check_abs(eah, 0, TOL, "N=%d: T_a anti-Hermitian and traceless (%.1e)", n, eah);

  sun_zero(n, cas);
  for (int a = 0; a < ngen; a++) {
    sun_mul(n, m, t + a * nn, t + a * nn);
    sun_add(n, cas, m);
  }
  sun_unit(n, id);
  sun_scale(n, id, -(n * n - 1.0) / (2.0 * n));
  check_abs(tu_maxdiff(nn, cas, id), 0, TOL, "N=%d: sum_a T_a T_a = -C_F 1", n);

  double efierz = 0.0;
  for (int rep = 0; rep < 10; rep++) {
    cplx_t a[NM], b[NM], ab[NM], l = 0.0;
    tu_gaussian_matrix(s, n, sqrt(2.0 * n), a);
    tu_gaussian_matrix(s, n, sqrt(2.0 * n), b);
    for (int g = 0; g < ngen; g++) {
      sun_mul(n, m, t + g * nn, a);
      cplx_t ta = sun_trace(n, m);
      sun_mul(n, m, t + g * nn, b);
      l += ta * sun_trace(n, m);
    }
    sun_mul(n, ab, a, b);
    cplx_t r = -0.5 * (sun_trace(n, ab) - sun_trace(n, a) * sun_trace(n, b) / n);
    efierz = fmax(efierz, cabs(l - r));
  }
  check_abs(efierz, 0, TOL, "N=%d: Fierz identity on random A, B (%.1e)", n, efierz);
}

static void check_projection(int n, rng_stream_t *s)
{
  static cplx_t t[NM * NM];
  int ngen = n * n - 1, nn = n * n;
  sun_basis(n, t);
  double eidem = 0, eah = 0, ecoord = 0, erecon = 0, eorthc = 0, einplace = 0;
  for (int rep = 0; rep < 20; rep++) {
    cplx_t m[NM], p[NM], pp[NM], d[NM], tm[NM], r[NM], q[NM];
    double x[NM];
    tu_gaussian_matrix(s, n, sqrt(2.0 * n), m);
    sun_proj(n, p, m);
    sun_proj(n, pp, p);
    eidem = fmax(eidem, tu_maxdiff(nn, p, pp));
    sun_dag(n, d, p);
    for (int i = 0; i < nn; i++) eah = fmax(eah, cabs(d[i] + p[i]));
    eah = fmax(eah, cabs(sun_trace(n, p)));
    sun_to_alg(n, x, m);
    for (int a = 0; a < ngen; a++) {
      sun_mul(n, tm, t + a * nn, p);
      double ip = -2.0 * creal(sun_trace(n, tm));              /* <T_a, P(M)> */
      double re = -2.0 * sun_retrace_mul(n, t + a * nn, m);    /* -2 Re tr(T_a M) */
      ecoord = fmax(ecoord, fmax(fabs(ip - x[a]), fabs(re - x[a])));
      for (int i = 0; i < nn; i++) r[i] = m[i] - p[i];
      eorthc = fmax(eorthc, fabs(sun_retrace_mul(n, t + a * nn, r)));
    }
    sun_from_alg(n, r, x);
    erecon = fmax(erecon, tu_maxdiff(nn, r, p));
    sun_copy(n, q, m);
    sun_proj(n, q, q);
    einplace = fmax(einplace, tu_maxdiff(nn, q, p));
  }
  check_abs(eidem, 0, TOL, "N=%d: P(P(M)) = P(M) (%.1e)", n, eidem);
  check_abs(eah, 0, TOL, "N=%d: P(M) anti-Hermitian, traceless (%.1e)", n, eah);
  check_abs(ecoord, 0, TOL, "N=%d: <T_a,P(M)> = -2 Re tr(T_a M) = to_alg (%.1e)", n, ecoord);
  check_abs(eorthc, 0, TOL, "N=%d: Re tr(T_a (M - P(M))) = 0 (%.1e)", n, eorthc);
  check_abs(erecon, 0, TOL, "N=%d: from_alg(to_alg(M)) = P(M) (%.1e)", n, erecon);
  check_abs(einplace, 0, 0, "N=%d: sun_proj in place", n);
}

static void check_bracket(int n, rng_stream_t *s)
{
  int ngen = n * n - 1, nn = n * n;
  double ebr = 0, eanti = 0, ejac = 0;
  for (int rep = 0; rep < 20; rep++) {
    double x[NM], y[NM], w[NM], z[NM], z2[NM], zc[NM];
    double j1[NM], j2[NM], j3[NM], tmp[NM];
    cplx_t xm[NM], ym[NM], c[NM];
    for (int a = 0; a < ngen; a++) {
      x[a] = rng_gaussian(s); y[a] = rng_gaussian(s); w[a] = rng_gaussian(s);
    }
    sun_alg_bracket(n, z, x, y);
    sun_from_alg(n, xm, x);
    sun_from_alg(n, ym, y);
    sun_commutator(n, c, xm, ym);
    sun_to_alg(n, zc, c);
    cplx_t cm[NM];
    sun_from_alg(n, cm, z);
    ebr = fmax(ebr, tu_maxdiff(nn, cm, c));  /* [X,Y] lies in su(N) */
    sun_alg_bracket(n, z2, y, x);
    for (int a = 0; a < ngen; a++) {
      ebr = fmax(ebr, fabs(z[a] - zc[a]));
      eanti = fmax(eanti, fabs(z[a] + z2[a]));
    }
    sun_alg_bracket(n, tmp, y, w); sun_alg_bracket(n, j1, x, tmp);
    sun_alg_bracket(n, tmp, w, x); sun_alg_bracket(n, j2, y, tmp);
    sun_alg_bracket(n, tmp, x, y); sun_alg_bracket(n, j3, w, tmp);
    for (int a = 0; a < ngen; a++) ejac = fmax(ejac, fabs(j1[a] + j2[a] + j3[a]));
  }
  check_abs(ebr, 0, 1e-13, "N=%d: sun_alg_bracket = [X,Y] in coordinates (%.1e)", n, ebr);
  check_abs(eanti, 0, TOL, "N=%d: bracket antisymmetric (%.1e)", n, eanti);
  check_abs(ejac, 0, 1e-13, "N=%d: Jacobi identity (%.1e)", n, ejac);
}

int main(void)
{
  rng_stream_t s;
  rng_stream_init(&s, 99, RNG_TEST, 2, 0);
  check_named_bases();
  for (int n = 2; n <= 5; n++) {
    check_basis(n, &s);
    check_projection(n, &s);
    check_bracket(n, &s);
  }
  return check_finish("unit/sun/test_alg");
}
