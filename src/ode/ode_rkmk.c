/*******************************************************************************
 * ode_rkmk.c: RKMK integration on SU(N)^n x R^m driven by GSL odeiv2.
 *
 * int ode_step(ode_workspace_t *w, double t, double h, cplx_t *u,
 *              double *extra, ode_field_fn field, void *params,
 *              double *ychart, double *yerr)
 *   One step of w's stepper from t to t + h (h != 0, either sign) in the
 *   chart centred at u, then re-centred: u_i <- exp(Y_i) u_i (re-unitarised,
 *   see below) and extra updated.  ychart (optional, n(N^2-1)+m): the step's chart coordinates Y
 *   followed by the new extra values.  yerr (optional, same length): GSL's
 *   error estimate of the step (zeros for the hand-written "rk4classic").
 *   Returns EMF_SUCCESS, the field's code if it failed, EMF_ERANGE if it
 *   returned a non-finite value, EMF_EINVAL for bad arguments.  On error u
 *   and extra are unchanged.
 *
 * int ode_integrate_fixed(ode_workspace_t *w, double t0, double t1,
 *                         long n_steps, cplx_t *u, double *extra,
 *                         ode_field_fn field, void *params,
 *                         ode_stats_t *stats)
 *   n_steps >= 1 steps of size h = (t1 - t0)/n_steps with w's stepper; the
 *   k-th step starts at t0 + k (t1 - t0)/n_steps.  t1 < t0 integrates
 *   backwards (the inverse map up to the method's error).  A GSL stepper
 *   is called through gsl_odeiv2_step_apply with dydt_in = dydt_out = NULL,
 *   so a step costs exactly the stepper's n_eval field evaluations.
 *   stats (optional) receives the counts.  Errors as ode_step; on error u
 *   and extra hold the state after the last completed step.
 *
 * int ode_integrate_adaptive(ode_workspace_t *w, double t0, double t1,
 *                            const ode_adaptive_t *par, cplx_t *u,
 *                            double *extra, ode_field_fn field,
 *                            void *params, ode_stats_t *stats)
 *   Adaptive integration from t0 to t1 (either direction) with
 *   gsl_odeiv2_evolve_apply and gsl_odeiv2_control_standard (a_y = 1,
 *   a_dydt = 0, tolerances from par), re-centring after every accepted
 *   step.  Returns EMF_ENOTSUP for a stepper without error estimate,
 *   EMF_EINVAL for bad parameters (eps_abs <= 0, eps_rel < 0, ...),
 *   EMF_ETOL when GSL cannot meet the tolerance (step size underflow),
 *   EMF_EMAXITER after par->max_steps accepted steps, the field's code on
 *   its failure.  stats (optional): accepted and rejected steps,
 *   evaluations, last and next step size.  With ode_workspace_set_reduce
 *   the controller's error ratio is reduced over ranks (ode_control.c).
 *
 * Re-centring and GSL's state (doc/ode.md).  The GSL state vector is
 * y = (Y, e): chart coordinates and extra components; after every accepted
 * step Y is folded into the links and set to 0, so the next step is a new
 * initial-value problem in a new chart.  This is consistent with GSL:
 *  - the explicit RK steppers offered (rk2, rk4, rkf45, rkck, rk8pd) keep
 *    no information between steps (their state is scratch space), so no
 *    gsl_odeiv2_step_reset is needed between steps (one is done at the start
 *    of every integration);
 *  - gsl_odeiv2_evolve_apply (GSL >= 1.15, here 2.7) evaluates dydt_in
 *    only when its step count is 0 and otherwise copies the previous step's
 *    dydt_out into dydt_in (first-same-as-last reuse done by evolve for
 *    every stepper that can use dydt_in).  After re-centring that value is
 *    wrong: it is dexp^{-1}_Y X in the old chart, while the new chart needs
 *    X at Y = 0.  Reusing it made the adaptive results wrong by far more
 *    than the tolerance (measured: 6e-11 at eps_abs = 1e-14 with rk8pd).  So
 *    gsl_odeiv2_evolve_reset is called after every accepted step: evolve
 *    then evaluates dydt_in at Y = 0 in the new chart.  The rejected-step
 *    counter is accumulated before each reset.
 *  - Multistep (msadams, msbdf) and implicit steppers keep history or need a
 *    Jacobian and are not offered.
 * The reset costs no field evaluation: evolve's dydt_out is one evaluation
 * at the accepted point, and the field X there (before dexp^{-1}) is the
 * first stage of the next step in the new chart, so it is kept and handed
 * back when evolve asks for dydt_in at Y = 0 and the same t.  The new centre
 * is then the stage's own links exp(Y) U0, exactly the product re-centring
 * computes; both then re-unitarise (below), so the cached X differs from a
 * fresh evaluation only by the rounding-level change of the
 * re-unitarisation.  Net cost: the stepper's stages plus one evaluation per
 * accepted step (rk8pd 13, rkf45 and rkck 6, rk4 11, rk2 3), plus the
 * stages of rejected steps.
 *
 * Re-unitarisation: every re-centred link is passed through
 * sun_reunitarize (Gram-Schmidt + determinant phase, an O(rounding) change
 * for a link that is in SU(N) to rounding), so the distance from SU(N) does
 * not drift with the number of steps (without it, ~2e-17 per step was
 * measured: 6e-13 after 3e4 steps).
 *
 * The tolerance applies to the chart coordinates of a step: with
 * |U - U'|_F ~ |Y - Y'|/sqrt(2) in the metric <X,Y> = -2 tr XY, eps_abs
 * bounds the local error per link coordinate.  eps_rel multiplies |Y_i|,
 * the size of the step's increment, so it acts essentially on the extra
 * components only.
 *
 * Context: local (no MPI).  The field may communicate: in fixed-step mode
 * it is called in lockstep on all ranks; in adaptive mode only when the
 * step-size decisions agree, i.e. with ode_workspace_set_reduce (or when
 * every rank holds the same field).  One workspace serves one integration
 * at a time.
 ******************************************************************************/
#include <math.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "ode_internal.h"

int ode_eval_at(ode_workspace_t *w, double t, const double *y, cplx_t *us,
                double *x, double *r)
{
  const sun_type_t *st = w->st;
  const int nn = w->nn, ngen = w->ngen;
  cplx_t e[EMF_NMAX * EMF_NMAX];
  int s;

  for (size_t i = 0; i < w->n; i++) {
    const double *yi = y + i * (size_t)ngen;
    int zero = 1;
    for (int a = 0; a < ngen; a++)
      if (yi[a] != 0.0) zero = 0;
    if (zero) {
      memcpy(us + i * (size_t)nn, w->u0 + i * (size_t)nn,
             (size_t)nn * sizeof(cplx_t));
    } else {
      s = st->exp_alg(e, yi);
      if (s != EMF_SUCCESS) return s;
      st->mul(us + i * (size_t)nn, e, w->u0 + i * (size_t)nn);
    }
  }
  w->n_eval++;
  s = w->field(t, us, x, r, w->params);
  if (s != EMF_SUCCESS) return s;
  for (size_t i = 0; i < w->na; i++)
    if (!isfinite(x[i])) return EMF_ERANGE;
  for (size_t j = 0; j < w->m; j++)
    if (!isfinite(r[j])) return EMF_ERANGE;
  return EMF_SUCCESS;
}

void ode_dexpinv_all(const ode_workspace_t *w, int n_ad, double *k,
                     const double *y, const double *x)
{
  const size_t ngen = (size_t)w->ngen;
  for (size_t i = 0; i < w->n; i++)
    ode_dexpinv_link(w->st, n_ad, k + i * ngen, y + i * ngen, x + i * ngen);
}

int ode_recentre(const ode_workspace_t *w, cplx_t *u, const double *y)
{
  const int nn = w->nn, ngen = w->ngen;
  cplx_t e[EMF_NMAX * EMF_NMAX], v[EMF_NMAX * EMF_NMAX];

  for (size_t i = 0; i < w->n; i++) {
    const double *yi = y + i * (size_t)ngen;
    cplx_t *ui = u + i * (size_t)nn;
    int zero = 1, s;
    for (int a = 0; a < ngen; a++)
      if (yi[a] != 0.0) zero = 0;
    if (zero) continue;
    s = w->st->exp_alg(e, yi);
    if (s != EMF_SUCCESS) return s;
    w->st->mul(v, e, ui);
    s = sun_reunitarize(w->N, v);
    if (s != EMF_SUCCESS) return s;
    memcpy(ui, v, (size_t)nn * sizeof(cplx_t));
  }
  return EMF_SUCCESS;
}

/* The RKMK right-hand side for GSL: dY/dt = dexp^{-1}_Y X(exp(Y) U0, t),
 * de/dt = r(exp(Y) U0, t).  A failed field evaluation is stored in
 * w->status and reported to GSL as GSL_EBADFUNC, which makes the stepper
 * and evolve return at once. */
static int rkmk_rhs(double t, const double y[], double dydt[], void *params)
{
  ode_workspace_t *w = params;
  int s;

  if (w->centre_valid && t == w->centre_t) {
    int zero = 1;
    for (size_t i = 0; i < w->na && zero; i++)
      if (y[i] != 0.0) zero = 0;
    if (zero) {
      memcpy(dydt, w->x, w->na * sizeof(double));
      if (w->m) memcpy(dydt + w->na, w->r, w->m * sizeof(double));
      return GSL_SUCCESS;
    }
  }
  w->centre_valid = 0;
  w->last_valid = 0;
  s = ode_eval_at(w, t, y, w->us, w->x, w->r);
  if (s != EMF_SUCCESS) {
    w->status = s;
    return GSL_EBADFUNC;
  }
  ode_dexpinv_all(w, w->type->n_ad, dydt, y, w->x);
  if (w->m) memcpy(dydt + w->na, w->r, w->m * sizeof(double));
  if (w->cache_on) {
    memcpy(w->ylast, y, w->na * sizeof(double));
    w->tlast = t;
    w->last_valid = 1;
  }
  return GSL_SUCCESS;
}

static int gsl_to_emf(const ode_workspace_t *w, int gs)
{
  switch (gs) {
    case GSL_SUCCESS: return EMF_SUCCESS;
    case GSL_EBADFUNC: return w->status != EMF_SUCCESS ? w->status : EMF_EFAILED;
    case GSL_FAILURE: return EMF_ETOL;
    case GSL_EINVAL: return EMF_EINVAL;
    case GSL_ENOMEM: return EMF_ENOMEM;
    default: return EMF_EFAILED;
  }
}

/* Set up the call context; the GSL state starts at Y = 0, e = extra. */
static void begin_call(ode_workspace_t *w, cplx_t *u, const double *extra,
                       ode_field_fn field, void *params, int cache_on)
{
  w->u0 = u;
  w->field = field;
  w->params = params;
  w->status = EMF_SUCCESS;
  w->n_eval = 0;
  w->cache_on = cache_on;
  w->last_valid = 0;
  w->centre_valid = 0;
  w->sys.function = rkmk_rhs;
  memset(w->y, 0, w->na * sizeof(double));
  if (w->m) memcpy(w->y + w->na, extra, w->m * sizeof(double));
}

/* Fold the accepted chart coordinates into the links (or take the links of
 * the last evaluation when it was made at exactly this point) and zero Y. */
static int accept_step(ode_workspace_t *w, double *extra)
{
  int s = EMF_SUCCESS;
  for (size_t i = 0; i < w->dim; i++)
    if (!isfinite(w->y[i])) return EMF_ERANGE;
  if (w->cache_on && w->last_valid &&
      memcmp(w->ylast, w->y, w->na * sizeof(double)) == 0) {
    for (size_t i = 0; i < w->n; i++) {
      cplx_t *ui = w->u0 + i * (size_t)w->nn;
      memcpy(ui, w->us + i * (size_t)w->nn, (size_t)w->nn * sizeof(cplx_t));
      s = sun_reunitarize(w->N, ui);
      if (s != EMF_SUCCESS) return s;
    }
    w->centre_valid = 1;
    w->centre_t = w->tlast;
  } else {
    w->centre_valid = 0;
    s = ode_recentre(w, w->u0, w->y);
    if (s != EMF_SUCCESS) return s;
  }
  w->last_valid = 0;
  memset(w->y, 0, w->na * sizeof(double));
  if (w->m) memcpy(extra, w->y + w->na, w->m * sizeof(double));
  return s;
}

static int args_ok(const ode_workspace_t *w, const cplx_t *u,
                   const double *extra, ode_field_fn field)
{
  return w != NULL && u != NULL && field != NULL && (w->m == 0 || extra != NULL);
}

int ode_step(ode_workspace_t *w, double t, double h, cplx_t *u, double *extra,
             ode_field_fn field, void *params, double *ychart, double *yerr)
{
  int gs, s;

  if (!args_ok(w, u, extra, field) || !(h != 0.0) || !isfinite(h) ||
      !isfinite(t))
    return EMF_EINVAL;
  if (!w->type->is_gsl) {
    double *ys = w->ys;
    s = ode_rkmk_step_fixed(w, t, h, u, extra, field, params, NULL);
    if (s != EMF_SUCCESS) return s;
    /* ode_rkmk_step_fixed leaves the step's Y in w->ys */
    if (ychart) {
      memcpy(ychart, ys, w->na * sizeof(double));
      if (w->m) memcpy(ychart + w->na, extra, w->m * sizeof(double));
    }
    if (yerr) memset(yerr, 0, w->dim * sizeof(double));
    return EMF_SUCCESS;
  }
  begin_call(w, u, extra, field, params, 0);
  gsl_odeiv2_step_reset(w->step);
  gs = gsl_odeiv2_step_apply(w->step, t, h, w->y, w->yerr, NULL, NULL, &w->sys);
  if (gs != GSL_SUCCESS) return gsl_to_emf(w, gs);
  if (ychart) memcpy(ychart, w->y, w->dim * sizeof(double));
  if (yerr) memcpy(yerr, w->yerr, w->dim * sizeof(double));
  return accept_step(w, extra);
}

int ode_integrate_fixed(ode_workspace_t *w, double t0, double t1, long n_steps,
                        cplx_t *u, double *extra, ode_field_fn field,
                        void *params, ode_stats_t *stats)
{
  const double h = (t1 - t0) / (double)n_steps;
  long k, n_eval = 0;
  int s = EMF_SUCCESS;

  if (stats) memset(stats, 0, sizeof *stats);
  if (!args_ok(w, u, extra, field) || n_steps < 1 || !isfinite(t0) ||
      !isfinite(t1) || !(h != 0.0))
    return EMF_EINVAL;

  if (w->type->is_gsl) {
    begin_call(w, u, extra, field, params, 0);
    gsl_odeiv2_step_reset(w->step);
  }
  for (k = 0; k < n_steps; k++) {
    const double t = t0 + (t1 - t0) * ((double)k / (double)n_steps);
    if (w->type->is_gsl) {
      int gs = gsl_odeiv2_step_apply(w->step, t, h, w->y, w->yerr, NULL, NULL,
                                     &w->sys);
      if (gs != GSL_SUCCESS) {
        s = gsl_to_emf(w, gs);
        break;
      }
      s = accept_step(w, extra);
      if (s != EMF_SUCCESS) break;
    } else {
      s = ode_rkmk_step_fixed(w, t, h, u, extra, field, params, NULL);
      n_eval += w->n_eval;
      if (s != EMF_SUCCESS) break;
    }
  }
  if (stats) {
    stats->n_steps = k;
    stats->n_eval = w->type->is_gsl ? w->n_eval : n_eval;
    stats->h_last = k > 0 ? h : 0.0;
    stats->h_next = h;
  }
  return s;
}

int ode_integrate_adaptive(ode_workspace_t *w, double t0, double t1,
                           const ode_adaptive_t *par, cplx_t *u, double *extra,
                           ode_field_fn field, void *params, ode_stats_t *stats)
{
  double t = t0, h, h_last = 0.0;
  gsl_odeiv2_control *ctl;
  long max_steps, n_acc = 0, n_rej = 0;
  int s = EMF_SUCCESS;

  if (stats) memset(stats, 0, sizeof *stats);
  if (!args_ok(w, u, extra, field) || par == NULL || !isfinite(t0) ||
      !isfinite(t1) || !(par->eps_abs > 0.0) || !(par->eps_rel >= 0.0) ||
      !isfinite(par->eps_abs) || !isfinite(par->eps_rel) ||
      !isfinite(par->h_init) || par->max_steps < 0)
    return EMF_EINVAL;
  if (!w->type->adaptive || !w->type->is_gsl) return EMF_ENOTSUP;
  if (t1 == t0) return EMF_SUCCESS;

  max_steps = par->max_steps > 0 ? par->max_steps : 1000000L;
  h = par->h_init != 0.0 ? fabs(par->h_init) : fabs(t1 - t0) / 64.0;
  if (t1 < t0) h = -h;

  ctl = w->use_global ? w->control_global : w->control;
  if (gsl_odeiv2_control_init(ctl, par->eps_abs, par->eps_rel, 1.0, 0.0) !=
      GSL_SUCCESS)
    return EMF_EINVAL;
  gsl_odeiv2_evolve_reset(w->evolve);
  gsl_odeiv2_step_reset(w->step);
  begin_call(w, u, extra, field, params, 1);

  while (t != t1) {
    int gs;
    n_rej += (long)w->evolve->failed_steps;
    gsl_odeiv2_evolve_reset(w->evolve);   /* no dydt_in reuse across charts */
    if (n_acc >= max_steps) {
      s = EMF_EMAXITER;
      break;
    }
    gs = gsl_odeiv2_evolve_apply(w->evolve, ctl, w->step, &w->sys, &t, t1, &h,
                                 w->y);
    if (gs != GSL_SUCCESS) {
      s = gsl_to_emf(w, gs);
      break;
    }
    s = accept_step(w, extra);
    if (s != EMF_SUCCESS) break;
    h_last = w->evolve->last_step;
    n_acc++;
  }
  if (stats) {
    stats->n_steps = n_acc;
    stats->n_rejected = n_rej + (long)w->evolve->failed_steps;
    stats->n_eval = w->n_eval;
    stats->h_last = h_last;
    stats->h_next = h;
  }
  return s;
}
