/*******************************************************************************
 * sun_su2.c: straight-line kernels for N = 2 (entries of the "su2" table).
 *
 * void su2_mul(cplx_t *c, const cplx_t *a, const cplx_t *b)      c = a b
 * void su2_mul_dag(cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a b^+
 * void su2_dag_mul(cplx_t *c, const cplx_t *a, const cplx_t *b)  c = a^+ b
 *   General complex 2x2 matrices; c may not alias a or b.
 *
 * int su2_exp_alg(cplx_t *u, const double *x)
 *   u = exp(X), X = sum_a x_a T_a = (i/2) x.sigma, by Rodrigues' formula
 *   u = cos(t) 1 + (sin(t)/t) X with t = |x|/2 (series for sin(t)/t when
 *   t < 1e-3).  EMF_EDOM (u untouched) if x is not finite.
 *
 * int su2_exp_mul(cplx_t *u, const double *x, double c)
 *   u <- exp(c X) u in place (the HMC drift); EMF_EDOM, u untouched, if c x
 *   is not finite.
 *
 * void su2_to_alg(double *x, const cplx_t *m)     x_a = -2 Re tr(T_a m)
 * void su2_from_alg(cplx_t *m, const double *x)   m = sum_a x_a T_a
 *
 * Context: local, allocation-free, thread-safe.  Use via sun_type_get(2).
 ******************************************************************************/
#include <math.h>
#include "sun_int.h"

void su2_mul(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  c[0] = a[0] * b[0] + a[1] * b[2];
  c[1] = a[0] * b[1] + a[1] * b[3];
  c[2] = a[2] * b[0] + a[3] * b[2];
  c[3] = a[2] * b[1] + a[3] * b[3];
}

void su2_mul_dag(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  c[0] = a[0] * conj(b[0]) + a[1] * conj(b[1]);
  c[1] = a[0] * conj(b[2]) + a[1] * conj(b[3]);
  c[2] = a[2] * conj(b[0]) + a[3] * conj(b[1]);
  c[3] = a[2] * conj(b[2]) + a[3] * conj(b[3]);
}

void su2_dag_mul(cplx_t *restrict c, const cplx_t *restrict a, const cplx_t *restrict b)
{
  c[0] = conj(a[0]) * b[0] + conj(a[2]) * b[2];
  c[1] = conj(a[0]) * b[1] + conj(a[2]) * b[3];
  c[2] = conj(a[1]) * b[0] + conj(a[3]) * b[2];
  c[3] = conj(a[1]) * b[1] + conj(a[3]) * b[3];
}

int su2_exp_alg(cplx_t *u, const double *x)
{
  double t2 = 0.25 * (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  if (!isfinite(t2)) return EMF_EDOM;
  double t = sqrt(t2), c = cos(t), s;
  if (t < 1e-3)
    s = 1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0));
  else
    s = sin(t) / t;
  s *= 0.5;
  u[0] = c + I * (s * x[2]);
  u[1] = s * x[1] + I * (s * x[0]);
  u[2] = -s * x[1] + I * (s * x[0]);
  u[3] = c - I * (s * x[2]);
  return EMF_SUCCESS;
}

int su2_exp_mul(cplx_t *u, const double *x, double c)
{
  const double y[3] = {c * x[0], c * x[1], c * x[2]};
  cplx_t e[4], m[4];
  int st = su2_exp_alg(e, y);
  if (st != EMF_SUCCESS) return st;
  su2_mul(m, e, u);
  for (int k = 0; k < 4; k++) u[k] = m[k];
  return EMF_SUCCESS;
}

void su2_to_alg(double *x, const cplx_t *m)
{
  x[0] = cimag(m[1]) + cimag(m[2]);
  x[1] = creal(m[1]) - creal(m[2]);
  x[2] = cimag(m[0]) - cimag(m[3]);
}

void su2_from_alg(cplx_t *m, const double *x)
{
  double s = 0.5 * x[0], t = 0.5 * x[1], d = 0.5 * x[2];
  m[0] = I * d;
  m[1] = t + I * s;
  m[2] = -t + I * s;
  m[3] = -I * d;
}
