/*******************************************************************************
 * ode_workspace.c: allocation of the ode workspace and of stage records.
 *
 * ode_workspace_t *ode_workspace_alloc(size_t n, int N, size_t m,
 *                                      const char *stepper)
 *   Workspace for n >= 1 matrices in SU(N) (2 <= N <= EMF_NMAX) and m >= 0
 *   extra real components, integrated with the named stepper (ode.h).  All
 *   buffers of every integration mode, and for a GSL stepper the
 *   gsl_odeiv2_step, _control (standard, and ode_control.c's global one)
 *   and _evolve objects, are allocated
 *   here once; nothing is allocated while integrating.  Returns NULL for an
 *   unknown stepper, bad sizes, or when memory runs out; GSL's error handler
 *   is switched off during the GSL allocations, so it never fires here.
 *
 * void ode_workspace_free(ode_workspace_t *w)
 *   Releases w (NULL is allowed).
 *
 * const ode_stepper_type_t *ode_workspace_stepper(const ode_workspace_t *w)
 *   The stepper w was allocated for.
 *
 * ode_stages_t *ode_stages_alloc(size_t n, int N, size_t m)
 *   A record of the stage values of one hand-written RK4 RKMK step (ode.h,
 *   ode_rkmk_step_fixed) for n matrices of SU(N) and m extra components.
 *   NULL on bad sizes or no memory.
 *
 * void ode_stages_free(ode_stages_t *s)
 *   Releases s (NULL is allowed).
 *
 * Context: local (no MPI); not thread-safe while the GSL error handler is
 * switched off (a few microseconds inside ode_workspace_alloc).
 ******************************************************************************/
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include "ode_internal.h"
#include "util.h"

static int sizes_ok(size_t n, int N, size_t m)
{
  size_t lim = (size_t)1 << 40;   /* far beyond memory: guards the products */
  return n >= 1 && n < lim && m < lim && N >= 2 && N <= EMF_NMAX &&
         sun_type_get(N) != NULL;
}

void ode_workspace_free(ode_workspace_t *w)
{
  if (w == NULL) return;
  if (w->evolve) gsl_odeiv2_evolve_free(w->evolve);
  if (w->control) gsl_odeiv2_control_free(w->control);
  if (w->control_global) gsl_odeiv2_control_free(w->control_global);
  if (w->step) gsl_odeiv2_step_free(w->step);
  afree(w->us);
  afree(w->y);
  afree(w->yerr);
  afree(w->x);
  afree(w->r);
  afree(w->ylast);
  afree(w->ys);
  afree(w->kk);
  afree(w->rk);
  afree(w->bw);
  afree(w->bgr);
  free(w);
}

ode_workspace_t *ode_workspace_alloc(size_t n, int N, size_t m,
                                     const char *stepper)
{
  const ode_stepper_type_t *type = ode_stepper_get(stepper);
  ode_workspace_t *w;
  size_t m1 = m > 0 ? m : 1;

  if (type == NULL || !sizes_ok(n, N, m)) return NULL;
  w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->type = type;
  w->st = sun_type_get(N);
  w->N = N;
  w->nn = N * N;
  w->ngen = N * N - 1;
  w->n = n;
  w->m = m;
  w->na = n * (size_t)w->ngen;
  w->dim = w->na + m;

  w->us = amalloc(n * (size_t)w->nn * sizeof(cplx_t));
  w->y = amalloc(w->dim * sizeof(double));
  w->yerr = amalloc(w->dim * sizeof(double));
  w->x = amalloc(w->na * sizeof(double));
  w->r = amalloc(m1 * sizeof(double));
  w->ylast = amalloc(w->na * sizeof(double));
  w->ys = amalloc(w->na * sizeof(double));
  w->kk = amalloc(ODE_RK4_NSTAGE * w->na * sizeof(double));
  w->rk = amalloc(ODE_RK4_NSTAGE * m1 * sizeof(double));
  w->bw = amalloc(6 * w->na * sizeof(double));
  w->bgr = amalloc(m1 * sizeof(double));
  if (!w->us || !w->y || !w->yerr || !w->x || !w->r || !w->ylast || !w->ys ||
      !w->kk || !w->rk || !w->bw || !w->bgr) {
    ode_workspace_free(w);
    return NULL;
  }

  if (type->is_gsl) {
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    w->step = gsl_odeiv2_step_alloc(ode_gsl_step_type(type), w->dim);
    /* tolerances are set per call (gsl_odeiv2_control_init) */
    w->control = gsl_odeiv2_control_standard_new(1e-8, 0.0, 1.0, 0.0);
    w->control_global = ode_control_global_alloc();
    w->evolve = gsl_odeiv2_evolve_alloc(w->dim);
    gsl_set_error_handler(old);
    if (!w->step || !w->control || !w->control_global || !w->evolve) {
      ode_workspace_free(w);
      return NULL;
    }
  }
  w->sys.function = NULL;   /* set in ode_rkmk.c */
  w->sys.jacobian = NULL;
  w->sys.dimension = w->dim;
  w->sys.params = w;
  return w;
}

const ode_stepper_type_t *ode_workspace_stepper(const ode_workspace_t *w)
{
  return w ? w->type : NULL;
}

void ode_stages_free(ode_stages_t *s)
{
  if (s == NULL) return;
  afree(s->u0);
  afree(s->y);
  afree(s->u);
  afree(s->x);
  afree(s->k);
  afree(s->r);
  afree(s->yend);
  free(s);
}

ode_stages_t *ode_stages_alloc(size_t n, int N, size_t m)
{
  ode_stages_t *s;
  size_t na, nu, m1 = m > 0 ? m : 1;

  if (!sizes_ok(n, N, m)) return NULL;
  s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->n = n;
  s->N = N;
  s->m = m;
  na = n * (size_t)(N * N - 1);
  nu = n * (size_t)(N * N);
  s->u0 = amalloc(nu * sizeof(cplx_t));
  s->y = amalloc(ODE_RK4_NSTAGE * na * sizeof(double));
  s->u = amalloc(ODE_RK4_NSTAGE * nu * sizeof(cplx_t));
  s->x = amalloc(ODE_RK4_NSTAGE * na * sizeof(double));
  s->k = amalloc(ODE_RK4_NSTAGE * na * sizeof(double));
  s->r = amalloc(ODE_RK4_NSTAGE * m1 * sizeof(double));
  s->yend = amalloc(na * sizeof(double));
  if (!s->u0 || !s->y || !s->u || !s->x || !s->k || !s->r || !s->yend) {
    ode_stages_free(s);
    return NULL;
  }
  return s;
}
