/*******************************************************************************
 * sun_exp.c: the exponential map su(N) -> SU(N).
 *
 * int sun_exp(int n, cplx_t *u, const cplx_t *x)
 *   u = exp(P(x)), where P is the projection onto su(N) (sun_proj), so
 *   u = exp(x) for x in su(N).  n = 2: Rodrigues' formula; n = 3:
 *   Cayley-Hamilton closed form (sun_su3.c); n > 3: sun_exp_taylor followed
 *   by one Newton-Schulz step towards unitarity and removal of det u's
 *   phase (this undoes the growth of rounding errors in the squarings).  u
 *   is unitary with det 1 to rounding.  Returns EMF_SUCCESS, EMF_EDOM if
 *   P(x) has a non-finite entry (the real parts of x's diagonal do not
 *   enter P(x)); u is then unspecified.  EMF_EINVAL for a bad n.
 *   u may not alias x.
 *
 * int sun_exp_alg(int n, cplx_t *u, const double *x)
 *   u = exp(sum_a x_a T_a), same methods and returns as sun_exp.
 *
 * int sun_exp_taylor(int n, cplx_t *u, const cplx_t *a)
 *   u = exp(a) for any complex n x n matrix a, by scaling and squaring:
 *   a / 2^s with Frobenius norm ||a / 2^s||_F <= 1/2, Taylor series to
 *   terms below 2^-64 (at most 20 terms: 2^-20/20! < 1e-24), then s
 *   squarings.  This is the general-N path
 *   of sun_exp and the reference the closed forms are tested against.
 *   Returns EMF_SUCCESS, EMF_EDOM if a is not finite (or so large that its
 *   squared Frobenius norm overflows), EMF_EINVAL for a bad n.  u may not
 *   alias a.
 *
 * Context: local, allocation-free, thread-safe.
 ******************************************************************************/
#include <math.h>
#include "sun_int.h"

int sun_exp_taylor(int n, cplx_t *restrict u, const cplx_t *restrict a)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  cplx_t b[EMF_NMAX * EMF_NMAX], term[EMF_NMAX * EMF_NMAX], tmp[EMF_NMAX * EMF_NMAX];
  double norm = 0.0;  /* Frobenius norm: submultiplicative, >= spectral norm */
  for (int i = 0; i < n * n; i++) norm += creal(a[i]) * creal(a[i]) + cimag(a[i]) * cimag(a[i]);
  if (!isfinite(norm)) return EMF_EDOM;
  norm = sqrt(norm);
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

/* One Newton-Schulz step towards the polar factor, u <- u (3 - u^+ u)/2,
 * then det u's phase divided out: squaring multiplies the rounding error of
 * the Taylor sum by 2^s; this step brings u back to SU(N) to rounding while
 * moving it by no more than its distance from SU(N), which is the error it
 * already has. */
static void unitary_polish(int n, cplx_t *u)
{
  cplx_t h[EMF_NMAX * EMF_NMAX], t[EMF_NMAX * EMF_NMAX];
  sun_dag_mul(n, h, u, u);
  for (int i = 0; i < n * n; i++) h[i] = -0.5 * h[i];
  for (int i = 0; i < n; i++) h[i * n + i] += 1.5;
  sun_mul(n, t, u, h);
  cplx_t d = sun_det(n, t);
  cplx_t ph = cexp(-I * (carg(d) / n));
  for (int i = 0; i < n * n; i++) u[i] = ph * t[i];
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
  int status = sun_exp_taylor(n, u, p);
  if (status == EMF_SUCCESS) unitary_polish(n, u);
  return status;
}

int sun_exp_alg(int n, cplx_t *u, const double *x)
{
  if (n < 2 || n > EMF_NMAX) return EMF_EINVAL;
  if (n == 2) return su2_exp_alg(u, x);
  if (n == 3) return su3_exp_alg(u, x);
  cplx_t m[EMF_NMAX * EMF_NMAX];
  sun_from_alg(n, m, x);
  int status = sun_exp_taylor(n, u, m);
  if (status == EMF_SUCCESS) unitary_polish(n, u);
  return status;
}
