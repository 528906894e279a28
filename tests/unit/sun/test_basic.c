/*******************************************************************************
 * test_basic.c: generic matrix arithmetic of sun_basic.c, N = 2..6.
 *
 * - mul on a hand-computed 2x2 product; mul_dag(a,b) = mul(a, b^+) and
 *   dag_mul(a,b) = mul(a^+, b) to 1e-15; (ab)c = a(bc) to 1e-14;
 * - add, axpy, scale, copy, zero, unit against entry-wise formulas;
 * - trace linear, retrace_mul = Re tr(ab) to 1e-14;
 * - det: det 1 = 1, det(ab) = det a det b (1e-13 relative), the explicit
 *   N = 2, 3 formulas equal the LU path (embed a in diag(a, 1)), a row swap
 *   flips the sign, a repeated row gives 0;
 * - unitarity_error: 0 on 1, ~1e-16 on Haar samples, 2 for diag(1,..,-1);
 * - reunitarize: leaves SU(N) matrices unchanged to 1e-14, maps a 1e-6
 *   perturbation (and a U(N) phase) back to SU(N) to 1e-14 within 1e-5 of
 *   the original; EMF_EDOM on a singular or non-finite matrix.
 ******************************************************************************/
#include <math.h>
#include "check.h"
#include "rng.h"
#include "sun.h"
#include "testutil.h"

#define NM (EMF_NMAX * EMF_NMAX)

static void check_products(int n, rng_stream_t *s)
{
  int nn = n * n;
  cplx_t a[NM], b[NM], c[NM], d[NM], e[NM], f[NM], g[NM];
  tu_gaussian_matrix(s, n, sqrt(2.0 * n), a);
  tu_gaussian_matrix(s, n, sqrt(2.0 * n), b);
  tu_gaussian_matrix(s, n, sqrt(2.0 * n), c);
  sun_dag(n, d, b);
  sun_mul(n, e, a, d);
  sun_mul_dag(n, f, a, b);
  check_abs(tu_maxdiff(nn, e, f), 0, 1e-15, "N=%d: mul_dag(a,b) = a b^+", n);
  sun_dag(n, d, a);
  sun_mul(n, e, d, b);
  sun_dag_mul(n, f, a, b);
  check_abs(tu_maxdiff(nn, e, f), 0, 1e-15, "N=%d: dag_mul(a,b) = a^+ b", n);
  sun_mul(n, d, a, b);
  sun_mul(n, e, d, c);
  sun_mul(n, d, b, c);
  sun_mul(n, f, a, d);
  check_abs(tu_maxdiff(nn, e, f), 0, 1e-14, "N=%d: (ab)c = a(bc)", n);

  /* add, axpy, scale, copy */
  cplx_t z = CMPLX(0.3, -1.7);
  double err = 0.0;
  sun_copy(n, d, a);
  sun_add(n, d, b);
  sun_copy(n, e, a);
  sun_axpy(n, e, z, b);
  sun_copy(n, f, a);
  sun_scale(n, f, z);
  for (int i = 0; i < nn; i++) {
    err = fmax(err, cabs(d[i] - (a[i] + b[i])));
    err = fmax(err, cabs(e[i] - (a[i] + z * b[i])));
    err = fmax(err, cabs(f[i] - z * a[i]));
  }
  check_abs(err, 0, 1e-15, "N=%d: add, axpy, scale, copy entry-wise", n);
  sun_zero(n, g);
  sun_unit(n, d);
  err = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      err = fmax(err, cabs(g[i * n + j]));
      err = fmax(err, cabs(d[i * n + j] - (i == j)));
    }
  check_abs(err, 0, 0, "N=%d: zero and unit", n);

  /* traces */
  sun_copy(n, d, a);
  sun_axpy(n, d, z, b);
  cplx_t t1 = sun_trace(n, d), t2 = sun_trace(n, a) + z * sun_trace(n, b);
  check_abs(cabs(t1 - t2), 0, 1e-14, "N=%d: trace linear", n);
  sun_mul(n, e, a, b);
  check_abs(sun_retrace_mul(n, a, b), creal(sun_trace(n, e)), 1e-14,
            "N=%d: retrace_mul = Re tr(ab)", n);
}

static void check_det(int n, rng_stream_t *s)
{
  cplx_t a[NM], b[NM], ab[NM], big[NM], one[NM];
  sun_unit(n, one);
  check_abs(cabs(sun_det(n, one) - 1.0), 0, 0, "N=%d: det 1 = 1", n);
  tu_gaussian_matrix(s, n, sqrt(2.0 * n), a);
  tu_gaussian_matrix(s, n, sqrt(2.0 * n), b);
  sun_mul(n, ab, a, b);
  cplx_t dab = sun_det(n, ab), dadb = sun_det(n, a) * sun_det(n, b);
  check_rel(cabs(dab - dadb), 0, 0, 1e-13 * cabs(dadb), "N=%d: det(ab) = det a det b", n);
  if (n < EMF_NMAX) {  /* det of diag(a, 1) by the (N+1) path */
    int m = n + 1;
    sun_unit(m, big);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) big[i * m + j] = a[i * n + j];
    cplx_t d1 = sun_det(n, a), d2 = sun_det(m, big);
    check_rel(cabs(d1 - d2), 0, 0, 1e-14 * cabs(d1), "N=%d: det(a) = det diag(a, 1)", n);
  }
  sun_copy(n, b, a);
  for (int j = 0; j < n; j++) {
    b[j] = a[n + j];
    b[n + j] = a[j];
  }
  check_abs(cabs(sun_det(n, b) + sun_det(n, a)), 0, 1e-14, "N=%d: row swap flips det", n);
  for (int j = 0; j < n; j++) b[n + j] = b[j];
  check_abs(cabs(sun_det(n, b)), 0, 1e-15, "N=%d: repeated row -> det 0", n);
}

static void check_unitarity(int n, rng_stream_t *s)
{
  cplx_t u[NM], v[NM], w[NM];
  sun_unit(n, u);
  check_abs(sun_unitarity_error(n, u), 0, 0, "N=%d: unitarity_error(1) = 0", n);
  u[n * n - 1] = -1.0;
  check_abs(sun_unitarity_error(n, u), 2.0, 1e-15, "N=%d: unitarity_error(diag(1,..,-1)) = 2", n);
  u[n * n - 1] = NAN;
  check_true(!(sun_unitarity_error(n, u) <= 1.0), "N=%d: unitarity_error(NaN) not small", n);

  double eid = 0, eun = 0, edist = 0, eph = 0;
  for (int rep = 0; rep < 20; rep++) {
    rng_haar_sun(s, n, u);
    sun_copy(n, v, u);
    check_int(sun_reunitarize(n, v), EMF_SUCCESS, "N=%d rep %d: reunitarize", n, rep);
    eid = fmax(eid, tu_maxdiff(n * n, u, v));
    tu_gaussian_matrix(s, n, sqrt(2.0 * n), w);
    sun_copy(n, v, u);
    sun_axpy(n, v, 1e-6, w);
    sun_reunitarize(n, v);
    eun = fmax(eun, sun_unitarity_error(n, v));
    edist = fmax(edist, tu_maxdiff(n * n, u, v));
    sun_copy(n, v, u);
    sun_scale(n, v, cexp(I * 0.3 / n));  /* det phase 0.3 */
    sun_reunitarize(n, v);
    eph = fmax(eph, fmax(tu_maxdiff(n * n, u, v), sun_unitarity_error(n, v)));
  }
  check_abs(eid, 0, 1e-14, "N=%d: reunitarize leaves SU(N) unchanged (%.1e)", n, eid);
  check_abs(eun, 0, 1e-14, "N=%d: reunitarize(U + 1e-6 W) in SU(N) (%.1e)", n, eun);
  check_abs(edist, 0, 1e-5, "N=%d: ... within 1e-5 of U (%.1e)", n, edist);
  check_abs(eph, 0, 1e-14, "N=%d: reunitarize removes a small det phase (%.1e)", n, eph);
  sun_copy(n, v, u);
  for (int j = 0; j < n; j++) v[n + j] = v[j];
  check_int(sun_reunitarize(n, v), EMF_EDOM, "N=%d: reunitarize singular -> EDOM", n);
  sun_copy(n, v, u);
  v[2] = INFINITY;
  check_int(sun_reunitarize(n, v), EMF_EDOM, "N=%d: reunitarize Inf -> EDOM", n);
}

int main(void)
{
  rng_stream_t s;
  rng_stream_init(&s, 4242, RNG_TEST, 4, 0);
  const cplx_t a[4] = {1, I, 2, 3 - I}, b[4] = {2 * I, 1, -1, 4};
  const cplx_t ab[4] = {2 * I - I, 1 + 4 * I, 4 * I - 3 + I, 2 + 12 - 4 * I};
  cplx_t c[4];
  sun_mul(2, c, a, b);
  check_abs(tu_maxdiff(4, c, ab), 0, 0, "2x2 product by hand");
  for (int n = 2; n <= 6; n++) {
    check_products(n, &s);
    check_det(n, &s);
    check_unitarity(n, &s);
  }
  return check_finish("unit/sun/test_basic");
}
