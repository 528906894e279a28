/*******************************************************************************
 * ode_rk4.c: one hand-written classical RK4 RKMK step with its stages.
 *
 * int ode_rkmk_step_fixed(ode_workspace_t *w, double t, double dt,
 *                         cplx_t *u, double *extra, ode_field_fn field,
 *                         void *params, ode_stages_t *stages)
 *   Advances (u, extra) from t to t + dt (dt != 0, either sign) by one
 *   classical RK4 step in the chart U = exp(Y) U0 centred at the input u
 *   (tableau and stage definitions in ode.h, ode_stages_t), with dexp^{-1}
 *   truncated after ad_Y^2, and re-centres: u_i <- exp(Y_i) u_i.  Four
 *   field evaluations.  stages (optional) receives U0, Y_s, U_s, X_s, K_s,
 *   r_s, Y, t and dt, everything a backward pass through this map needs; it
 *   must match w's n, N and m.  Works with a workspace of any stepper (it
 *   uses only w's buffers).  Returns EMF_SUCCESS, EMF_EINVAL for bad
 *   arguments, the field's code if it failed, EMF_ERANGE for a non-finite
 *   field value; on error u and extra are unchanged.
 *
 * The update sums in the order of GSL's rk4 stepper (Y = h/6 K1 + h/3 K2 +
 * h/3 K3 + h/6 K4, left to right; stage points 0 + (h/2) K), so that this
 * step agrees to rounding with one classical RK4 step of GSL's "rk4" in
 * the same chart (tests/unit/ode/test_rk4classic.c).
 *
 * Context: local (no MPI); one workspace serves one call at a time.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include "ode_internal.h"

/* c_s and a_{s,s-1} of the classical tableau; b = 1/6, 1/3, 1/3, 1/6 */
static const double rk4_c[ODE_RK4_NSTAGE] = {0.0, 0.5, 0.5, 1.0};

int ode_rkmk_step_fixed(ode_workspace_t *w, double t, double dt, cplx_t *u,
                        double *extra, ode_field_fn field, void *params,
                        ode_stages_t *stages)
{
  const size_t na = w ? w->na : 0, m = w ? w->m : 0;
  const size_t nu = w ? w->n * (size_t)w->nn : 0;
  const size_t m1 = m > 0 ? m : 1;
  double *k[ODE_RK4_NSTAGE], *rs[ODE_RK4_NSTAGE];
  const double h6 = dt / 6.0, h3 = dt / 3.0;
  int s;

  if (w == NULL || u == NULL || field == NULL || (m > 0 && extra == NULL) ||
      !(dt != 0.0) || !isfinite(dt) || !isfinite(t))
    return EMF_EINVAL;
  if (stages != NULL &&
      (stages->n != w->n || stages->N != w->N || stages->m != w->m))
    return EMF_EINVAL;

  w->u0 = u;
  w->field = field;
  w->params = params;
  w->n_eval = 0;
  w->centre_valid = 0;
  w->last_valid = 0;
  if (stages) {
    memcpy(stages->u0, u, nu * sizeof(cplx_t));
    stages->t = t;
    stages->h = dt;
  }

  for (int st = 0; st < ODE_RK4_NSTAGE; st++) {
    double *ys = stages ? stages->y + st * na : w->ys;
    cplx_t *us = stages ? stages->u + st * nu : w->us;
    double *xs = stages ? stages->x + st * na : w->x;
    const double ts = t + rk4_c[st] * dt;
    k[st] = stages ? stages->k + st * na : w->kk + st * na;
    rs[st] = stages ? stages->r + st * m1 : w->rk + st * m1;

    if (st == 0) {
      memset(ys, 0, na * sizeof(double));
    } else {
      const double a = (st == 3) ? dt : 0.5 * dt;
      for (size_t i = 0; i < na; i++) ys[i] = a * k[st - 1][i];
    }
    s = ode_eval_at(w, ts, ys, us, xs, rs[st]);
    if (s != EMF_SUCCESS) return s;
    ode_dexpinv_all(w, 2, k[st], ys, xs);
  }

  /* Y into w->ys (read by ode_step) and stages->yend */
  for (size_t i = 0; i < na; i++) {
    double y = 0.0;
    y += h6 * k[0][i];
    y += h3 * k[1][i];
    y += h3 * k[2][i];
    y += h6 * k[3][i];
    w->ys[i] = y;
  }
  if (stages) memcpy(stages->yend, w->ys, na * sizeof(double));
  for (size_t i = 0; i < na; i++)
    if (!isfinite(w->ys[i])) return EMF_ERANGE;

  s = ode_recentre(w, u, w->ys);
  if (s != EMF_SUCCESS) return s;
  for (size_t j = 0; j < m; j++) {
    extra[j] += h6 * rs[0][j];
    extra[j] += h3 * rs[1][j];
    extra[j] += h3 * rs[2][j];
    extra[j] += h6 * rs[3][j];
  }
  return EMF_SUCCESS;
}
