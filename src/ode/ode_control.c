/*******************************************************************************
 * ode_control.c: a step-size controller whose decision is global.
 *
 * void ode_workspace_set_reduce(ode_workspace_t *w, ode_reduce_fn reduce,
 *                               void *ctx)
 *   With reduce != NULL, ode_integrate_adaptive uses this module's control
 *   type instead of gsl_odeiv2_control_standard: the same rule (below), but
 *   the largest error ratio of the local components is passed to
 *   reduce(&rmax, ctx) before the decision, and reduce must replace it by the
 *   maximum over all ranks that integrate together (e.g. MPI_Allreduce with
 *   MPI_MAX).  Every rank then takes the same accepted and rejected steps, so
 *   a field that communicates is called in lockstep, and the result for each
 *   link equals that of one process integrating all links (bit for bit when
 *   the field is link-local and m = 0, tests/mpi/ode/check_reduce.c).
 *   reduce = NULL restores the GSL standard control.
 *
 * Control rule (GSL's "standard" control as documented for
 * gsl_odeiv2_control_standard_new, a_y = 1, a_dydt = 0 here):
 *   D_i = eps_abs + eps_rel (a_y |y_i| + a_dydt |h y'_i|),
 *   rmax = max_i |yerr_i| / D_i  (reduced over ranks),
 *   rmax > 1.1: h <- h max(0.2, 0.9 rmax^(-1/q))        (reject, decrease)
 *   rmax < 0.5: h <- h min(5, max(1, 0.9 rmax^(-1/(q+1))))  (increase)
 *   else unchanged;  q = the stepper's order as GSL reports it.
 * With reduce the identity, results equal the GSL standard control's bit for
 * bit (tests/unit/ode/test_control.c).
 *
 * Internal (ode_internal.h): ode_control_global_alloc, ode_control_global_set.
 *
 * Context: local; reduce is called once per attempted step, on every rank
 * in the same order (collective if reduce is).
 ******************************************************************************/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include "ode_internal.h"

typedef struct {
  double eps_abs, eps_rel, a_y, a_dydt;
  ode_reduce_fn reduce;
  void *ctx;
} gctl_state_t;

static void *gctl_alloc(void) { return calloc(1, sizeof(gctl_state_t)); }

static int gctl_init(void *vs, double eps_abs, double eps_rel, double a_y,
                     double a_dydt)
{
  gctl_state_t *s = vs;
  if (!(eps_abs >= 0.0) || !(eps_rel >= 0.0) || !(a_y >= 0.0) ||
      !(a_dydt >= 0.0))
    return GSL_EINVAL;
  s->eps_abs = eps_abs;
  s->eps_rel = eps_rel;
  s->a_y = a_y;
  s->a_dydt = a_dydt;
  return GSL_SUCCESS;
}

static int gctl_hadjust(void *vs, size_t dim, unsigned int ord,
                        const double y[], const double yerr[],
                        const double yp[], double *h)
{
  const gctl_state_t *s = vs;
  const double safety = 0.9, h_old = *h;
  double rmax = DBL_MIN;

  for (size_t i = 0; i < dim; i++) {
    double d0 = s->eps_rel * (s->a_y * fabs(y[i]) + s->a_dydt * fabs(h_old * yp[i])) +
                s->eps_abs;
    double r = fabs(yerr[i]) / fabs(d0);
    if (r > rmax) rmax = r;
  }
  if (s->reduce) s->reduce(&rmax, s->ctx);
  if (rmax > 1.1) {
    double f = safety / pow(rmax, 1.0 / ord);
    if (f < 0.2) f = 0.2;
    *h = f * h_old;
    return GSL_ODEIV_HADJ_DEC;
  }
  if (rmax < 0.5) {
    double f = safety / pow(rmax, 1.0 / (ord + 1.0));
    if (f > 5.0) f = 5.0;
    if (f < 1.0) f = 1.0;
    *h = f * h_old;
    return GSL_ODEIV_HADJ_INC;
  }
  return GSL_ODEIV_HADJ_NIL;
}

static int gctl_errlevel(void *vs, const double y, const double dydt,
                         const double h, const size_t ind, double *errlev)
{
  const gctl_state_t *s = vs;
  (void)ind;
  *errlev = s->eps_rel * (s->a_y * fabs(y) + s->a_dydt * fabs(h * dydt)) + s->eps_abs;
  return *errlev > 0.0 ? GSL_SUCCESS : GSL_ESANITY;
}

static int gctl_set_driver(void *vs, const gsl_odeiv2_driver *d)
{
  (void)vs;
  (void)d;
  return GSL_SUCCESS;
}

static void gctl_free(void *vs) { free(vs); }

static const gsl_odeiv2_control_type gctl_type = {
    "emf_global_standard", gctl_alloc,      gctl_init, gctl_hadjust,
    gctl_errlevel,         gctl_set_driver, gctl_free};

gsl_odeiv2_control *ode_control_global_alloc(void)
{
  return gsl_odeiv2_control_alloc(&gctl_type);
}

void ode_control_global_set(gsl_odeiv2_control *c, ode_reduce_fn reduce,
                            void *ctx)
{
  gctl_state_t *s = c->state;
  s->reduce = reduce;
  s->ctx = ctx;
}

void ode_workspace_set_reduce(ode_workspace_t *w, ode_reduce_fn reduce,
                              void *ctx)
{
  if (w == NULL || w->control_global == NULL) return;
  ode_control_global_set(w->control_global, reduce, ctx);
  w->use_global = reduce != NULL;
}
