/*******************************************************************************
 * ode_stepper.c: the table of RKMK steppers and the truncated dexp^{-1}.
 *
 * const ode_stepper_type_t *ode_stepper_get(const char *name)
 *   The stepper called name ("rk2", "rk4", "rkf45", "rkck", "rk8pd",
 *   "rk4classic"), or NULL if there is none.
 *
 * const ode_stepper_type_t *ode_stepper_at(int i)
 *   The i-th entry of the table (i = 0, 1, ...), NULL for i out of range:
 *   tests and input validation loop over all steppers with it.
 *
 * int ode_dexpinv(int N, int n_ad, double *out, const double *y,
 *                 const double *x)
 *   out = dexp^{-1}_y(x) = sum_{k=0}^{n_ad} (B_k / k!) ad_y^k x for one su(N)
 *   element given by coordinates (B_k the Bernoulli numbers, B_1 = -1/2:
 *   coefficients 1, -1/2, 1/12, 0, -1/720, 0, 1/30240, 0, -1/1209600).
 *   0 <= n_ad <= 8 and 2 <= N <= EMF_NMAX, else EMF_EINVAL.  out may not
 *   alias y or x.
 *
 * Truncation rule: a Runge-Kutta method of order p used in RKMK keeps the
 * terms up to ad_Y^(p-2) (Munthe-Kaas 1999): along the flow Y = h X + O(h^2)
 * is nearly parallel to X, so ad_Y^k X = O(h^(k+1)) and the dropped term
 * changes the local error only at O(h^(k+2)) >= O(h^(p+1)).  The order p is
 * that of the solution the stepper propagates (see ode.h: GSL's rk2 advances
 * with Kutta's third-order formula, so it keeps ad_Y^1).
 *
 * Internal (ode_internal.h): ode_gsl_step_type, ode_dexpinv_kmax,
 * ode_dexpinv_link.
 *
 * Context: read-only tables, no state; thread-safe.
 ******************************************************************************/
#include <string.h>
#include "ode_internal.h"

static const ode_stepper_type_t stepper_table[] = {
    /* name        order n_ad n_eval gsl adaptive */
    {"rk2", 3, 1, 3, 1, 1},
    {"rk4", 4, 2, 11, 1, 1},
    {"rkf45", 5, 3, 6, 1, 1},
    {"rkck", 5, 3, 6, 1, 1},
    {"rk8pd", 8, 6, 13, 1, 1},
    {"rk4classic", 4, 2, 4, 0, 0},
};

#define N_STEPPERS ((int)(sizeof stepper_table / sizeof stepper_table[0]))

/* B_k / k! for k = 0..8 */
static const double dexpinv_coef[9] = {
    1.0, -0.5, 1.0 / 12.0, 0.0, -1.0 / 720.0, 0.0, 1.0 / 30240.0, 0.0,
    -1.0 / 1209600.0};

const ode_stepper_type_t *ode_stepper_get(const char *name)
{
  if (name == NULL) return NULL;
  for (int i = 0; i < N_STEPPERS; i++)
    if (strcmp(name, stepper_table[i].name) == 0) return &stepper_table[i];
  return NULL;
}

const ode_stepper_type_t *ode_stepper_at(int i)
{
  return (i >= 0 && i < N_STEPPERS) ? &stepper_table[i] : NULL;
}

const gsl_odeiv2_step_type *ode_gsl_step_type(const ode_stepper_type_t *t)
{
  if (t == NULL || !t->is_gsl) return NULL;
  if (strcmp(t->name, "rk2") == 0) return gsl_odeiv2_step_rk2;
  if (strcmp(t->name, "rk4") == 0) return gsl_odeiv2_step_rk4;
  if (strcmp(t->name, "rkf45") == 0) return gsl_odeiv2_step_rkf45;
  if (strcmp(t->name, "rkck") == 0) return gsl_odeiv2_step_rkck;
  if (strcmp(t->name, "rk8pd") == 0) return gsl_odeiv2_step_rk8pd;
  return NULL;
}

int ode_dexpinv_kmax(int n_ad)
{
  int k = n_ad < 8 ? n_ad : 8;
  while (k > 0 && dexpinv_coef[k] == 0.0) k--;
  return k;
}

void ode_dexpinv_link(const sun_type_t *st, int n_ad, double *out,
                      const double *y, const double *x)
{
  const int nn = st->nn, ngen = st->ngen;
  const int kmax = ode_dexpinv_kmax(n_ad);
  cplx_t ym[EMF_NMAX * EMF_NMAX], t[EMF_NMAX * EMF_NMAX];
  cplx_t a[EMF_NMAX * EMF_NMAX], b[EMF_NMAX * EMF_NMAX];
  cplx_t acc[EMF_NMAX * EMF_NMAX];
  double corr[EMF_NMAX * EMF_NMAX];
  int zero = 1;

  for (int i = 0; i < ngen; i++)
    if (y[i] != 0.0) zero = 0;
  if (zero || kmax == 0) {
    /* Y = 0 (first stage after re-centring) or no correction kept: exact */
    memcpy(out, x, (size_t)ngen * sizeof(double));
    return;
  }
  st->from_alg(ym, y);
  st->from_alg(t, x);
  for (int i = 0; i < nn; i++) acc[i] = 0.0;
  for (int k = 1; k <= kmax; k++) {
    st->mul(a, ym, t);             /* t <- [Y, t] */
    st->mul(b, t, ym);
    for (int i = 0; i < nn; i++) t[i] = a[i] - b[i];
    if (dexpinv_coef[k] != 0.0)
      for (int i = 0; i < nn; i++) acc[i] += dexpinv_coef[k] * t[i];
  }
  st->to_alg(corr, acc);
  for (int i = 0; i < ngen; i++) out[i] = x[i] + corr[i];
}

int ode_dexpinv(int N, int n_ad, double *out, const double *y, const double *x)
{
  const sun_type_t *st = sun_type_get(N);
  if (st == NULL || n_ad < 0 || n_ad > 8 || out == NULL || y == NULL ||
      x == NULL)
    return EMF_EINVAL;
  ode_dexpinv_link(st, n_ad, out, y, x);
  return EMF_SUCCESS;
}
