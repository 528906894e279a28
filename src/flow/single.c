/*******************************************************************************
 * single.c: the flow of a block of independent SU(N) matrices (Katsman et
 * al.'s single-matrix experiment; each matrix is a lattice of one link whose
 * one loop is the link itself).
 *
 * flow_single_t *flow_single_alloc(const nn_t *net, int N, int nb,
 *                                  long n_steps, const char *adaptive)
 *   Workspace for blocks of nb matrices: network adapter, loop-level
 *   potential workspace (K = net->cfg.n_x / 2), an RKMK workspace for the
 *   hand-written RK4 (n_steps >= 1 fixed steps on [0, 1], each recorded for
 *   backpropagation) and, when adaptive is not NULL, one for that stepper
 *   (ode_stepper_get name with an error estimate: "rkf45", "rkck", "rk8pd",
 *   "rk2", "rk4").  NULL on a bad argument or no memory.  The field
 *   evaluations that no backward follows (flow_single_field outside a
 *   recording run: sampling, adaptive runs, fixed runs with record = 0)
 *   use the reduced jets of flow_nnf_set_reduced; recorded stages use the
 *   full jets their backward needs.
 *
 * int flow_single_set_reduced(flow_single_t *fs, int on)
 *   Switches the non-recording evaluations between the reduced (on != 0,
 *   the default) and the full jets (same results to rounding).  Returns
 *   the status of flow_nnf_set_reduced.
 *
 * void flow_single_free(flow_single_t *fs)
 *
 * int flow_single_field(double t, const cplx_t *u, double *x, double *r,
 *                       void *params)
 *   The ode_field_fn: for each of the nb matrices, x = grad F(f(U), t)
 *   (pot_loop_gradient) and r = -L = -div X (one link per loop, so the
 *   divergence is the group Laplacian of F at W = U).
 *
 * int flow_single_run_fixed(fs, theta, u, logq, record)
 * int flow_single_run_adaptive(fs, theta, par, u, logq, stats)
 *   Integrate t = 0 -> 1; u (nb N x N) in: U_0, out: U_1; logq (nb) gets
 *   -int_0^1 div X dt added.  See flow.h.
 *
 * int flow_single_vjp(fs, theta, ubar, logqbar, dtheta)
 *   Backpropagation through the recorded fixed-step map: reverse sweep of
 *   ode_rkmk_step_backward over the steps, last first.  Every stage evaluated by a
 *   recording run kept its own loop-engine and network caches (4 n_steps
 *   of each), so the field VJP calls pot_loop_backward on the stage's
 *   caches directly (xbar, Lbar = -rbar), which calls nn_backward and
 *   accumulates dtheta; no forward is repeated.  A recording is consumed by
 *   one vjp (EMF_EINVAL for a second call without a new recording).
 *
 * Context: local (no MPI); one workspace serves one thread at a time.  The
 * results for a block depend only on the block's matrices and theta (the
 * same calls in the same order), so fixed global blocks give the same bits
 * on any number of ranks.
 ******************************************************************************/
#include <string.h>
#include "flow.h"
#include "util.h"

void flow_single_free(flow_single_t *fs)
{
  if (!fs) return;
  flow_nnf_release(&fs->nnf);
  pot_loop_ws_free(fs->lws);
  ode_workspace_free(fs->ode_fixed);
  ode_workspace_free(fs->ode_adapt);
  if (fs->stages)
    for (long k = 0; k < fs->n_steps; k++) ode_stages_free(fs->stages[k]);
  afree(fs->stages);
  if (fs->slws)
    for (long k = 0; k < 4 * fs->n_steps; k++) pot_loop_ws_free(fs->slws[k]);
  if (fs->snnf)
    for (long k = 0; k < 4 * fs->n_steps; k++) flow_nnf_release(&fs->snnf[k]);
  afree(fs->slws);
  afree(fs->snnf);
  afree(fs->sF);
  afree(fs->ubar);
  afree(fs->lbar);
  afree(fs);
}

flow_single_t *flow_single_alloc(const nn_t *net, int N, int nb, long n_steps,
                                 const char *adaptive)
{
  flow_single_t *fs;
  int bad = 0;
  if (net == NULL || nb < 1 || n_steps < 1 || N < 2 || N > EMF_NMAX) return NULL;
  if (adaptive) {
    const ode_stepper_type_t *st = ode_stepper_get(adaptive);
    if (st == NULL || !st->adaptive) return NULL;
  }
  fs = acalloc(1, sizeof *fs);
  if (!fs) return NULL;
  fs->N = N;
  fs->nn = N * N;
  fs->ngen = N * N - 1;
  fs->K = net->cfg.n_x / 2;
  fs->nb = nb;
  fs->n_steps = n_steps;
  fs->net = net;
  if (flow_nnf_init(&fs->F, &fs->nnf, net, nb) != EMF_SUCCESS) {
    afree(fs);
    return NULL;
  }
  fs->lws = pot_loop_ws_alloc(N, fs->K, nb);
  fs->ode_fixed = ode_workspace_alloc((size_t)nb, N, (size_t)nb, "rk4classic");
  if (adaptive) fs->ode_adapt = ode_workspace_alloc((size_t)nb, N, (size_t)nb, adaptive);
  fs->stages = acalloc((size_t)n_steps, sizeof *fs->stages);
  fs->ubar = acalloc((size_t)2 * nb * fs->ngen, sizeof(double));
  fs->lbar = acalloc((size_t)nb, sizeof(double));
  bad = !fs->lws || !fs->ode_fixed || (adaptive && !fs->ode_adapt) || !fs->stages ||
        !fs->ubar || !fs->lbar;
  for (long k = 0; !bad && k < n_steps; k++) {
    fs->stages[k] = ode_stages_alloc((size_t)nb, N, (size_t)nb);
    bad = fs->stages[k] == NULL;
  }
  if (!bad) {
    fs->sF = acalloc((size_t)(4 * n_steps), sizeof *fs->sF);
    fs->snnf = acalloc((size_t)(4 * n_steps), sizeof *fs->snnf);
    fs->slws = acalloc((size_t)(4 * n_steps), sizeof *fs->slws);
    bad = !fs->sF || !fs->snnf || !fs->slws;
  }
  for (long k = 0; !bad && k < 4 * n_steps; k++) {
    bad = flow_nnf_init(&fs->sF[k], &fs->snnf[k], net, nb) != EMF_SUCCESS;
    if (!bad) fs->slws[k] = pot_loop_ws_alloc(N, fs->K, nb);
    bad = bad || fs->slws[k] == NULL;
  }
  if (!bad) bad = flow_nnf_set_reduced(&fs->nnf, fs->lws) != EMF_SUCCESS;
  if (bad) {
    flow_single_free(fs);
    return NULL;
  }
  return fs;
}

int flow_single_set_reduced(flow_single_t *fs, int on)
{
  return flow_nnf_set_reduced(&fs->nnf, on ? fs->lws : NULL);
}

int flow_single_field(double t, const cplx_t *u, double *x, double *r,
                      void *params)
{
  flow_single_t *fs = params;
  const int m = 2 * fs->K;
  pot_loop_ws_t *lws = fs->lws;
  const pot_func_t *F = &fs->F;
  int status;
  if (fs->recording) {   /* keep this stage's caches for the backward sweep */
    if (fs->rec_idx >= 4 * fs->n_steps) return EMF_EINVAL;
    lws = fs->slws[fs->rec_idx];
    F = &fs->sF[fs->rec_idx];
    fs->rec_idx++;
  }
  status = pot_loop_forward(lws, F, 0, t, fs->nb, u, 1);
  if (status != EMF_SUCCESS) return status;
  pot_loop_gradient(lws, fs->nb, x);
  for (int b = 0; b < fs->nb; b++) r[b] = -lws->out[(size_t)b * (m + 2) + m + 1];
  return EMF_SUCCESS;
}

/* The stages are visited last first, so the caches are used in reverse
 * order of recording; the forward is not repeated. */
static int single_field_vjp(double t, const cplx_t *u, const double *x,
                            const double *xbar, const double *rbar, double *ubar,
                            void *ctx)
{
  flow_single_t *fs = ctx;
  long k = --fs->rec_idx;
  (void)u;
  (void)x;
  if (k < 0) return EMF_EINVAL;
  for (int b = 0; b < fs->nb; b++) fs->lbar[b] = -rbar[b];
  return pot_loop_backward(fs->slws[k], &fs->sF[k], 0, t, fs->nb, NULL, xbar, fs->lbar,
                           ubar, 1);
}

int flow_single_run_fixed(flow_single_t *fs, const double *theta, cplx_t *u,
                          double *logq, int record)
{
  const double dt = 1.0 / (double)fs->n_steps;
  fs->recorded = 0;
  fs->recording = record != 0;
  fs->rec_idx = 0;
  flow_nnf_set(&fs->nnf, theta, NULL);
  for (long k = 0; k < 4 * fs->n_steps; k++) flow_nnf_set(&fs->snnf[k], theta, NULL);
  for (long k = 0; k < fs->n_steps; k++) {
    int status = ode_rkmk_step_fixed(fs->ode_fixed, (double)k * dt, dt, u, logq,
                                     flow_single_field, fs,
                                     record ? fs->stages[k] : NULL);
    if (status != EMF_SUCCESS) {
      fs->recording = 0;
      return status;
    }
  }
  fs->recording = 0;
  fs->recorded = record != 0 && fs->rec_idx == 4 * fs->n_steps;
  return EMF_SUCCESS;
}

int flow_single_run_adaptive(flow_single_t *fs, const double *theta,
                             const ode_adaptive_t *par, cplx_t *u,
                             double *logq, ode_stats_t *stats)
{
  if (fs->ode_adapt == NULL) return EMF_EINVAL;
  fs->recorded = 0;
  flow_nnf_set(&fs->nnf, theta, NULL);
  return ode_integrate_adaptive(fs->ode_adapt, 0.0, 1.0, par, u, logq,
                                flow_single_field, fs, stats);
}

int flow_single_vjp(flow_single_t *fs, const double *theta, double *ubar,
                    const double *logqbar, double *dtheta)
{
  if (!fs->recorded) return EMF_EINVAL;
  for (long k = 0; k < 4 * fs->n_steps; k++) flow_nnf_set(&fs->snnf[k], theta, dtheta);
  fs->rec_idx = 4 * fs->n_steps;
  fs->recorded = 0;   /* the caches are consumed */
  {
    const size_t na = (size_t)fs->nb * fs->ngen;
    double *a = fs->ubar, *b = fs->ubar + na, *tmp;
    memcpy(a, ubar, na * sizeof(double));
    for (long k = fs->n_steps - 1; k >= 0; k--) {
      int status = ode_rkmk_step_backward(fs->ode_fixed, fs->stages[k], a, logqbar,
                                          single_field_vjp, fs, b);
      if (status != EMF_SUCCESS) return status;
      tmp = a;
      a = b;
      b = tmp;
    }
    memcpy(ubar, a, na * sizeof(double));
  }
  return EMF_SUCCESS;
}
