/*******************************************************************************
 * sun_basic.c: matrix arithmetic on N x N complex matrices, 2 <= N <= EMF_NMAX.
 *
 * Matrices are n*n cplx_t in row-major order (global.h).  Output arguments
 * may not alias inputs unless stated.  These are the generic kernels; the
 * specialised N = 2, 3 versions are reached through sun_type_get().
 *
 * void sun_unit(int n, cplx_t *u)             u = 1
 * void sun_zero(int n, cplx_t *u)             u = 0
 * void sun_copy(int n, cplx_t *dst, const cplx_t *src)
 * void sun_dag(int n, cplx_t *c, const cplx_t *a)          c = a^+
 * void sun_mul(int n, cplx_t *c, const cplx_t *a, const cplx_t *b)      c = a b
 * void sun_mul_dag(int n, cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a b^+
 * void sun_dag_mul(int n, cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a^+ b
 * void sun_add(int n, cplx_t *c, const cplx_t *a)           c += a
 * void sun_axpy(int n, cplx_t *c, cplx_t s, const cplx_t *a) c += s a
 * void sun_scale(int n, cplx_t *c, cplx_t s)                c *= s
 *   (c may equal a for sun_add and sun_axpy.)
 *
 * cplx_t sun_trace(int n, const cplx_t *a)
 *   tr a.
 *
 * double sun_retrace_mul(int n, const cplx_t *a, const cplx_t *b)
 *   Re tr(a b), without forming the product.
 *
 * cplx_t sun_det(int n, const cplx_t *a)
 *   det a: explicit formulas for n = 2, 3, LU with partial pivoting
 *   otherwise.  A singular matrix gives 0.
 *
 * double sun_unitarity_error(int n, const cplx_t *u)
 *   max( max_ij |(u^+ u - 1)_ij|, |det u - 1| ): 0 for an exact SU(N) matrix.
 *
 * int sun_reunitarize(int n, cplx_t *u)
 *   Replaces u (in place) by an SU(N) matrix close to it: Gram-Schmidt on
 *   the rows (each row orthogonalised twice against the previous ones, which
 *   keeps orthogonality at rounding level even for poorly conditioned
 *   input), then every row multiplied by exp(-i phi/n), phi = arg det in
 *   (-pi, pi].  For u already in SU(N) up to rounding this changes u by
 *   O(rounding).  Returns EMF_SUCCESS, or EMF_EDOM if u has a non-finite
 *   entry or a row is (numerically) linearly dependent on the previous ones
 *   (norm after orthogonalisation below 1e-12 of its original norm); u is
 *   then left partially modified.
 *
 * Context: local, allocation-free, thread-safe.  n must satisfy
 * 2 <= n <= EMF_NMAX (not checked; use sun_type_get to validate n).
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "sun.h"

void sun_unit(int n, cplx_t *u)
{
  sun_zero(n, u);
  for (int i = 0; i < n; i++) u[i * n + i] = 1.0;
}

void sun_zero(int n, cplx_t *u)
{
  for (int i = 0; i < n * n; i++) u[i] = 0.0;
}

void sun_copy(int n, cplx_t *dst, const cplx_t *src)
{
  memmove(dst, src, (size_t)(n * n) * sizeof *dst);
}

void sun_dag(int n, cplx_t *restrict c, const cplx_t *restrict a)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) c[i * n + j] = conj(a[j * n + i]);
}

void sun_mul(int n, cplx_t *restrict c, const cplx_t *restrict a,
             const cplx_t *restrict b)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      cplx_t s = 0.0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}

void sun_mul_dag(int n, cplx_t *restrict c, const cplx_t *restrict a,
                 const cplx_t *restrict b)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      cplx_t s = 0.0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * conj(b[j * n + k]);
      c[i * n + j] = s;
    }
}

void sun_dag_mul(int n, cplx_t *restrict c, const cplx_t *restrict a,
                 const cplx_t *restrict b)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      cplx_t s = 0.0;
      for (int k = 0; k < n; k++) s += conj(a[k * n + i]) * b[k * n + j];
      c[i * n + j] = s;
    }
}

void sun_add(int n, cplx_t *c, const cplx_t *a)
{
  for (int i = 0; i < n * n; i++) c[i] += a[i];
}

void sun_axpy(int n, cplx_t *c, cplx_t s, const cplx_t *a)
{
  for (int i = 0; i < n * n; i++) c[i] += s * a[i];
}

void sun_scale(int n, cplx_t *c, cplx_t s)
{
  for (int i = 0; i < n * n; i++) c[i] *= s;
}

cplx_t sun_trace(int n, const cplx_t *a)
{
  cplx_t s = 0.0;
  for (int i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

double sun_retrace_mul(int n, const cplx_t *a, const cplx_t *b)
{
  double s = 0.0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      cplx_t x = a[i * n + k], y = b[k * n + i];
      s += creal(x) * creal(y) - cimag(x) * cimag(y);
    }
  return s;
}

cplx_t sun_det(int n, const cplx_t *a)
{
  if (n == 2) return a[0] * a[3] - a[1] * a[2];
  if (n == 3)
    return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
           a[2] * (a[3] * a[7] - a[4] * a[6]);
  cplx_t m[EMF_NMAX * EMF_NMAX];
  cplx_t det = 1.0;
  sun_copy(n, m, a);
  for (int k = 0; k < n; k++) {
    int p = k;
    double best = cabs(m[k * n + k]);
    for (int i = k + 1; i < n; i++)
      if (cabs(m[i * n + k]) > best) { best = cabs(m[i * n + k]); p = i; }
    if (best == 0.0) return 0.0;
    if (p != k) {
      for (int j = 0; j < n; j++) {
        cplx_t t = m[k * n + j];
        m[k * n + j] = m[p * n + j];
        m[p * n + j] = t;
      }
      det = -det;
    }
    cplx_t piv = m[k * n + k];
    det *= piv;
    for (int i = k + 1; i < n; i++) {
      cplx_t f = m[i * n + k] / piv;
      for (int j = k + 1; j < n; j++) m[i * n + j] -= f * m[k * n + j];
    }
  }
  return det;
}

double sun_unitarity_error(int n, const cplx_t *u)
{
  double err = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      cplx_t s = (i == j) ? -1.0 : 0.0;
      for (int k = 0; k < n; k++) s += conj(u[k * n + i]) * u[k * n + j];
      double e = cabs(s);
      if (!(e <= err)) err = e;   /* also propagates NaN */
    }
  double e = cabs(sun_det(n, u) - 1.0);
  if (!(e <= err)) err = e;
  return err;
}

/* Row i of u: orthogonalise against rows 0..i-1 (twice), then normalise. */
static int row_orthonormalise(int n, cplx_t *u, int i)
{
  cplx_t *r = u + i * n;
  double norm0 = 0.0, norm = 0.0;
  for (int k = 0; k < n; k++) norm0 += creal(r[k]) * creal(r[k]) + cimag(r[k]) * cimag(r[k]);
  if (!isfinite(norm0) || norm0 == 0.0) return EMF_EDOM;
  for (int pass = 0; pass < 2; pass++)
    for (int j = 0; j < i; j++) {
      const cplx_t *q = u + j * n;
      cplx_t s = 0.0;
      for (int k = 0; k < n; k++) s += conj(q[k]) * r[k];
      for (int k = 0; k < n; k++) r[k] -= s * q[k];
    }
  for (int k = 0; k < n; k++) norm += creal(r[k]) * creal(r[k]) + cimag(r[k]) * cimag(r[k]);
  if (!(norm > 1e-24 * norm0)) return EMF_EDOM;
  double inv = 1.0 / sqrt(norm);
  for (int k = 0; k < n; k++) r[k] *= inv;
  return EMF_SUCCESS;
}

int sun_reunitarize(int n, cplx_t *u)
{
  for (int i = 0; i < n; i++) {
    int status = row_orthonormalise(n, u, i);
    if (status != EMF_SUCCESS) return status;
  }
  cplx_t d = sun_det(n, u);
  double phi = carg(d);
  sun_scale(n, u, cexp(-I * phi / n));
  return EMF_SUCCESS;
}
