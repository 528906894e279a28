/*******************************************************************************
 * sun_alg.c: the Lie algebra su(N), its basis and coordinates.
 *
 * Basis (doc/conventions.md): T_a = i lambda_a / 2 with the generalised
 * Gell-Mann matrices lambda_a in the nested order
 *   for k = 1, ..., N-1:
 *     for j = 0, ..., k-1:  S_jk (1 at (j,k) and (k,j)),
 *                           A_jk (-i at (j,k), +i at (k,j));
 *     D_k = sqrt(2/(k(k+1))) diag(1, ..., 1, -k, 0, ..., 0)  (k ones),
 * so that a = 0, 1, 2 are the Pauli matrices (N = 2), a = 0..7 are
 * Gell-Mann's lambda_1..lambda_8 in his order (N = 3), and the su(N-1)
 * basis is the first (N-1)^2 - 1 elements of the su(N) basis.
 * The metric is <X,Y> = -2 tr(XY), so <T_a,T_b> = delta_ab.
 *
 * void sun_proj(int n, cplx_t *x, const cplx_t *m)
 *   x = P(m) = (m - m^+)/2 - tr(m - m^+)/(2n) 1, the orthogonal projection
 *   of m onto su(N).  x may equal m.
 *
 * void sun_to_alg(int n, double *x, const cplx_t *m)
 *   x_a = -2 Re tr(T_a m) = Im tr(lambda_a m) = <T_a, P(m)>, a = 0..n*n-2,
 *   for any complex matrix m.
 *
 * void sun_from_alg(int n, cplx_t *m, const double *x)
 *   m = sum_a x_a T_a.
 *
 * int sun_basis(int n, cplx_t *t)
 *   t[a*n*n + i*n + j] = (T_a)_ij for a = 0..n*n-2.  Returns EMF_SUCCESS, or
 *   EMF_EINVAL (t untouched) unless 2 <= n <= EMF_NMAX.
 *
 * void sun_commutator(int n, cplx_t *c, const cplx_t *a, const cplx_t *b)
 *   c = ab - ba.  c may not alias a or b.
 *
 * void sun_alg_bracket(int n, double *z, const double *x, const double *y)
 *   Coordinates of [X, Y] for X = sum x_a T_a, Y = sum y_a T_a.  z may not
 *   alias x or y.
 *
 * Context: local, allocation-free, thread-safe; 2 <= n <= EMF_NMAX unless a
 * function checks it.
 ******************************************************************************/
#include <math.h>
#include "sun.h"

void sun_proj(int n, cplx_t *x, const cplx_t *m)
{
  double tr = 0.0;  /* Im tr m: tr(m - m^+)/2 = i Im tr m */
  for (int i = 0; i < n; i++) tr += cimag(m[i * n + i]);
  tr /= n;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++) {
      cplx_t a = m[i * n + j], b = m[j * n + i];
      cplx_t h = 0.5 * (a - conj(b));
      x[i * n + j] = h;
      x[j * n + i] = -conj(h);
    }
    x[i * n + i] = I * (cimag(m[i * n + i]) - tr);
  }
}

void sun_to_alg(int n, double *x, const cplx_t *m)
{
  int a = 0;
  double dsum = 0.0;  /* sum of Im m_ii for i < k */
  for (int k = 1; k < n; k++) {
    for (int j = 0; j < k; j++) {
      cplx_t mjk = m[j * n + k], mkj = m[k * n + j];
      x[a++] = cimag(mjk) + cimag(mkj);
      x[a++] = creal(mjk) - creal(mkj);
    }
    dsum += cimag(m[(k - 1) * n + k - 1]);
    x[a++] = sqrt(2.0 / (k * (k + 1.0))) * (dsum - k * cimag(m[k * n + k]));
  }
}

void sun_from_alg(int n, cplx_t *m, const double *x)
{
  int a = 0;
  for (int i = 0; i < n * n; i++) m[i] = 0.0;
  for (int k = 1; k < n; k++) {
    for (int j = 0; j < k; j++) {
      double s = 0.5 * x[a], t = 0.5 * x[a + 1];
      m[j * n + k] = t + I * s;
      m[k * n + j] = -t + I * s;
      a += 2;
    }
    double d = 0.5 * sqrt(2.0 / (k * (k + 1.0))) * x[a++];
    for (int i = 0; i < k; i++) m[i * n + i] += I * d;
    m[k * n + k] += -I * (k * d);
  }
}

int sun_basis(int n, cplx_t *t)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  double e[EMF_NMAX * EMF_NMAX];
  int ngen = n * n - 1;
  for (int a = 0; a < ngen; a++) {
    for (int b = 0; b < ngen; b++) e[b] = (a == b);
    sun_from_alg(n, t + a * n * n, e);
  }
  return EMF_SUCCESS;
}

void sun_commutator(int n, cplx_t *restrict c, const cplx_t *restrict a,
                    const cplx_t *restrict b)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      cplx_t s = 0.0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j] - b[i * n + k] * a[k * n + j];
      c[i * n + j] = s;
    }
}

void sun_alg_bracket(int n, double *z, const double *x, const double *y)
{
  cplx_t xm[EMF_NMAX * EMF_NMAX], ym[EMF_NMAX * EMF_NMAX], c[EMF_NMAX * EMF_NMAX];
  sun_from_alg(n, xm, x);
  sun_from_alg(n, ym, y);
  sun_commutator(n, c, xm, ym);
  sun_to_alg(n, z, c);
}
