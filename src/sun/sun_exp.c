/*******************************************************************************
 * sun_exp.c: the exponential map su(N) -> SU(N).
 *
 * int sun_exp(int n, cplx_t *u, const cplx_t *x)
 *   u = exp(P(x)), where P is the projection onto su(N) (sun_proj), so
 *   u = exp(x) for x in su(N).  n = 2: Rodrigues' formula; n = 3:
 *   Cayley-Hamilton closed form (sun_su3.c); n > 3: sun_exp_taylor.  u is
 *   unitary with det 1 to rounding.  Returns EMF_SUCCESS, EMF_EDOM if x has
 *   a non-finite entry (u is then unspecified), EMF_EINVAL for a bad n.
 *   u may not alias x.
 *
 * int sun_exp_alg(int n, cplx_t *u, const double *x)
 *   u = exp(sum_a x_a T_a), same methods and returns as sun_exp.
 *
 * int sun_exp_taylor(int n, cplx_t *u, const cplx_t *a)
 *   u = exp(a) for any complex n x n matrix a, by scaling and squaring:
 *   a / 2^s with ||a / 2^s||_inf <= 1/2, Taylor series to terms below
 *   2^-64 (at most 20 terms), then s squarings.  This is the general-N path
 *   of sun_exp and the reference the closed forms are tested against.
 *   Returns EMF_SUCCESS, EMF_EDOM if a is not finite, EMF_EINVAL for a bad
 *   n.  u may not alias a.
 *
 * Context: local, allocation-free, thread-safe.
 ******************************************************************************/
#include <math.h>
#include "sun_int.h"

int sun_exp_taylor(int n, cplx_t *restrict u, const cplx_t *restrict a)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  cplx_t b[EMF_NMAX * EMF_NMAX], term[EMF_NMAX * EMF_NMAX], tmp[EMF_NMAX * EMF_NMAX];
  double norm = 0.0;
  for (int i = 0; i < n; i++) {
    double r = 0.0;
    for (int j = 0; j < n; j++) r += cabs(a[i * n + j]);
    if (!(r <= norm)) norm = r;
  }
  if (!isfinite(norm)) return EMF_EDOM;
  int s = 0;
  double scale = 1.0;
  while (norm * scale > 0.5) { scale *= 0.5; s++; }
  for (int i = 0; i < n * n; i++) b[i] = scale * a[i];
  sun_unit(n, u);
  sun_add(n, u, b);
  sun_copy(n, term, b);
  for (int k = 2; k <= 20; k++) {
    sun_mul(n, tmp, term, b);
    double tmax = 0.0, inv = 1.0 / k;
    for (int i = 0; i < n * n; i++) {
      term[i] = tmp[i] * inv;
      u[i] += term[i];
      double e = fabs(creal(term[i])) + fabs(cimag(term[i]));
      if (e > tmax) tmax = e;
    }
    if (tmax < 0x1p-64) break;
  }
  for (int k = 0; k < s; k++) {
    sun_mul(n, tmp, u, u);
    sun_copy(n, u, tmp);
  }
  return EMF_SUCCESS;
}

int sun_exp(int n, cplx_t *restrict u, const cplx_t *restrict x)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  if (n <= 3) {
    double c[8];
    sun_to_alg(n, c, x);
    return n == 2 ? su2_exp_alg(u, c) : su3_exp_alg(u, c);
  }
  cplx_t p[EMF_NMAX * EMF_NMAX];
  sun_proj(n, p, x);
  return sun_exp_taylor(n, u, p);
}

int sun_exp_alg(int n, cplx_t *u, const double *x)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  if (n == 2) return su2_exp_alg(u, x);
  if (n == 3) return su3_exp_alg(u, x);
  cplx_t m[EMF_NMAX * EMF_NMAX];
  sun_from_alg(n, m, x);
  return sun_exp_taylor(n, u, m);
}
