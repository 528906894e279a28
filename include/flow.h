/*******************************************************************************
 * flow.h: the equivariant manifold flow (DESIGN.md sections 3-5; doc/flow.md).
 *
 * The flow is the time-1 map of dU/dt = X(U, t) U with X = grad Phi,
 * Phi = sum over loops of F(f(W), t), F the MLP of nn.h.  The log-density
 * obeys d log q / dt = -div X, and div X = sum over loops of (links in the
 * loop) * Laplacian of F, which for a single matrix (one loop of one link,
 * W = U) is the L output of the network jets.  The prior is Haar, so
 * log q_0 = 0.
 *
 * Three layers:
 *  - flow_nnf: the pot_func_t adapter around the network (forward = nn
 *    jets with the engine's G and h; backward = nn_backward).  Shared by
 *    the single-matrix and (later) the lattice flow.
 *  - flow_rk4_vjp: the vector-Jacobian product of one hand-written RKMK-RK4
 *    step (ode_rkmk_step_fixed with recorded stages) for any field whose
 *    own VJP the caller supplies.  Shared likewise.
 *  - flow_single: the flow of a block of nb independent SU(N) matrices:
 *    field, fixed-step (training) and adaptive (sampling) integration, and
 *    the exact gradient of a loss by backpropagation through the fixed-step
 *    map.
 *
 * Cotangents of group elements are left-trivialised: ubar_a = D_{T_a} J =
 * d/ds J(exp(s T_a) U) at s = 0, in algebra coordinates (N^2-1 per matrix).
 ******************************************************************************/
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>
#include "global.h"
#include "nn.h"
#include "ode.h"
#include "potential.h"

/* ---- the potential network as a pot_func_t (nnf.c) ----------------------- */

typedef struct flow_nnf {
  const nn_t *net;
  const double *theta;    /* parameters (n_params) */
  double *dtheta;         /* parameter gradients accumulate here (n_params) */
  nn_workspace_t *ws;
  int nb_max, m;
  double *zero;           /* (nb_max, m*m + m) zeros: G and h when not given */
  double *dscratch;       /* (n_params) sink for params == 0 */
} flow_nnf_t;

/* Points F at c, an adapter for batches of up to nb_max loops with
 * net->cfg.n_x = 2K features.  theta and dtheta are set by flow_nnf_set.
 * Returns EMF_SUCCESS, EMF_EINVAL (n_x odd or > POT_MMAX, nb_max < 1) or
 * EMF_ENOMEM. */
int flow_nnf_init(pot_func_t *F, flow_nnf_t *c, const nn_t *net, int nb_max);
void flow_nnf_release(flow_nnf_t *c);
/* Parameters to evaluate with and where their gradients go (dtheta may be
 * NULL when no backward with params != 0 follows). */
void flow_nnf_set(flow_nnf_t *c, const double *theta, double *dtheta);

/* ---- backpropagation through one RKMK-RK4 step (rk4vjp.c) ----------------- */

/* VJP of the field at the n matrices u at time t: given the cotangents xbar
 * (n*(N^2-1)) of X and rbar (m) of r, write ubar (n*(N^2-1)) = D_{T_a} of
 * <xbar, X(u)> + rbar.r(u) (left-trivialised) and accumulate the parameter
 * gradient wherever the caller keeps it.  Returns an EMF_* status. */
typedef int (*flow_field_vjp_fn)(double t, const cplx_t *u, const double *xbar,
                                 const double *rbar, double *ubar, void *ctx);

typedef struct flow_rk4_adj flow_rk4_adj_t;   /* opaque scratch */

flow_rk4_adj_t *flow_rk4_adj_alloc(size_t n, int N, size_t m);
void flow_rk4_adj_free(flow_rk4_adj_t *a);
/* Given the stages st of one ode_rkmk_step_fixed from U0 to U1 (with extras
 * e1 = e0 + h sum_s b_s r_s), and the cotangents ubar (in: of U1, out: of
 * U0; n*(N^2-1)) and ebar (m, of e1 = of e0, unchanged), runs the reverse
 * sweep: dexp^{-1} truncation (bilinear), U_s = exp(Y_s) U0 (Ad and
 * dexp^T summed to convergence) and the field VJP at each stage.  The
 * re-unitarisation of U1 (a rounding-level change) is treated as the
 * identity.  Returns EMF_SUCCESS, EMF_EINVAL on mismatched sizes, or the
 * status of vjp. */
int flow_rk4_vjp(flow_rk4_adj_t *a, const ode_stages_t *st, double *ubar,
                 const double *ebar, flow_field_vjp_fn vjp, void *ctx);

/* Left-trivialised VJPs of U = exp(Y) U0 (exposed for the tests):
 * u0bar = Ad_{exp(-Y)} ubar,  ybar = dexp_Y^T ubar = sum_k (-1)^k
 * ad_Y^k ubar / (k+1)!, summed until the terms stop changing the sum. */
void flow_vjp_exp(int N, const double *y, const double *ubar, double *u0bar,
                  double *ybar);
/* VJP of K = X - [Y,X]/2 + [Y,[Y,X]]/12: accumulates xbar and ybar. */
void flow_vjp_dexpinv2(int N, const double *y, const double *x,
                       const double *kbar, double *xbar, double *ybar);

/* ---- a block of single SU(N) matrices (single.c) ------------------------- */

typedef struct flow_single {
  int N, nn, ngen, K, nb;
  long n_steps;            /* fixed steps on [0, 1] */
  const nn_t *net;
  pot_func_t F;
  flow_nnf_t nnf;
  pot_loop_ws_t *lws;
  ode_workspace_t *ode_fixed;   /* "rk4classic" */
  ode_workspace_t *ode_adapt;   /* adaptive stepper (NULL if none asked) */
  ode_stages_t **stages;        /* n_steps recorded steps (training) */
  /* per recorded stage (n_steps * 4): the loop and network caches of its
   * forward evaluation, kept for the backward sweep */
  pot_func_t *sF;
  flow_nnf_t *snnf;
  pot_loop_ws_t **slws;
  long rec_idx;                 /* next stage cache to fill / to use */
  int recording;
  flow_rk4_adj_t *adj;
  double *ubar;                 /* (nb, ngen) scratch */
  double *lbar;                 /* (nb) scratch */
  int recorded;                 /* stages hold the last fixed run */
} flow_single_t;

/* Workspace for blocks of nb matrices of SU(N) (the network's n_x = 2K),
 * n_steps fixed RK4 steps, and an adaptive stepper by name (NULL: none).
 * NULL on bad arguments (unknown stepper, sizes) or no memory. */
flow_single_t *flow_single_alloc(const nn_t *net, int N, int nb, long n_steps,
                                 const char *adaptive);
void flow_single_free(flow_single_t *fs);

/* ode_field_fn of the flow (params = flow_single_t*, theta set by the
 * run functions): x = grad F(f(U), t) per matrix, r = -L = -div X. */
int flow_single_field(double t, const cplx_t *u, double *x, double *r,
                      void *params);
/* Flow of the nb matrices u (in: U_0, out: U_1) with n_steps classical
 * RKMK-RK4 steps; logq (nb) gets -integral div X dt added (pass zeros for
 * the Haar prior).  record != 0 keeps the stages for flow_single_vjp.
 * Returns an EMF_* status (u, logq then undefined). */
int flow_single_run_fixed(flow_single_t *fs, const double *theta, cplx_t *u,
                          double *logq, int record);
/* The same with the adaptive stepper (ode_integrate_adaptive, tolerances
 * par); stats optional.  EMF_EINVAL if no adaptive stepper was allocated. */
int flow_single_run_adaptive(flow_single_t *fs, const double *theta,
                             const ode_adaptive_t *par, cplx_t *u,
                             double *logq, ode_stats_t *stats);
/* Gradient of J = sum_b <ubar_b, .>(U_1) + logqbar_b logq_b with respect to
 * theta after flow_single_run_fixed(record = 1): ubar (nb, ngen) the
 * left-trivialised cotangent of U_1 (overwritten: on return the cotangent
 * of U_0), logqbar (nb).  The parameter gradient is ACCUMULATED into
 * dtheta.  Returns EMF_SUCCESS, EMF_EINVAL (nothing recorded) or a status. */
int flow_single_vjp(flow_single_t *fs, const double *theta, double *ubar,
                    const double *logqbar, double *dtheta);

#endif
