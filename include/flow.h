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
 * Two layers (backpropagation through one RKMK-RK4 step is the ode module's
 * ode_rkmk_step_backward):
 *  - flow_nnf: the pot_func_t adapter around the network (forward = nn
 *    jets with the engine's G and h; backward = nn_backward).  Shared by
 *    the single-matrix and (later) the lattice flow.
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
  /* reduced mode (flow_nnf_set_reduced): jets along a basis of span(Df) */
  const pot_loop_ws_t *lws;  /* loop workspace whose W^k the forward reads
                                (NULL: full jets, the default) */
  int r, r_alloc;         /* directions min(N - 1, m); buffers sized for r_alloc */
  double *V, *Mr, *outr;  /* (nb_max, m, r), (nb_max, r, r), (nb_max, r + 2) */
  double *J;              /* (m, N^2 - 1, 4) Jacobians of a block of 4 */
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
/* Evaluation-only reduced mode (doc/flow.md, "Reduced jets"): with lws not
 * NULL, forward runs the network jets along an orthonormal basis V of the
 * span of the feature Jacobian Df (rank <= N - 1: f is a class function)
 * instead of the m unit vectors, with M = V^T G V, and returns g' = V V^T g
 * (the same field to rounding), F and L.  Df is taken from the powers W^k
 * that pot_loop_forward(lws, ...) has just stored in lws->pw, so forward
 * must be called by pot_loop_forward on lws (checked: f == lws->f, else
 * EMF_EINVAL); backward is refused (EMF_EINVAL).  lws = NULL restores the
 * full jets.  Returns EMF_SUCCESS, EMF_EINVAL (lws->K != m/2 or lws->nb_max
 * > nb_max) or EMF_ENOMEM (the adapter then stays in full mode). */
int flow_nnf_set_reduced(flow_nnf_t *c, const pot_loop_ws_t *lws);
/* J (m, ngen), J[j*ngen + a] = D_{T_a} f_j, the Jacobian of the features
 * f = (Re tr W^k, Im tr W^k)_{k=1..K} from pw = W^1..W^K (K nn), with
 * D_T tr W^k = k tr(T W^k), in the orthonormal basis of su(N) (<T, T> =
 * -2 tr T^2 = 1): i (E_ij + E_ji)/2 and (E_ij - E_ji)/2 for each pair i < j,
 * then (i/2) sqrt(2/(l(l+1))) diag(1, .., 1, -l, 0, ..), l = 1..N-1 (the
 * span of J's columns and J J^T = G do not depend on the basis). */
void flow_nnf_jacobian(double *J, const sun_type_t *su, int K, const cplx_t *pw);
/* Orthonormal basis V (m, r; row-major, V[j*r + i]) of the column span of
 * J (m, n) by column-pivoted modified Gram-Schmidt, each new column
 * orthogonalised a second time against the previous ones (a residual of
 * pure rounding, at equal eigenvalues, still gives an orthonormal column);
 * a column whose residual norm^2 is <= DBL_MIN is set to zero (span
 * exhausted, e.g. W central: Df = 0).  M (r, r) = (V^T J)(V^T J)^T (= V^T G V
 * for G = J J^T) if want_M, else zeros.  J is overwritten.  Returns the
 * number of non-zero columns. */
int flow_nnf_basis(double *V, double *M, double *J, int want_M, int m, int n,
                   int r);

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
  double *ubar;                 /* (2, nb, ngen) cotangent buffers */
  double *lbar;                 /* (nb) scratch */
  int recorded;                 /* stages hold the last fixed run */
} flow_single_t;

/* Workspace for blocks of nb matrices of SU(N) (the network's n_x = 2K),
 * n_steps fixed RK4 steps, and an adaptive stepper by name (NULL: none).
 * NULL on bad arguments (unknown stepper, sizes) or no memory. */
flow_single_t *flow_single_alloc(const nn_t *net, int N, int nb, long n_steps,
                                 const char *adaptive);
void flow_single_free(flow_single_t *fs);
/* Non-recording field evaluations (sampling, adaptive runs, fixed runs with
 * record = 0) use the reduced jets (on != 0, the default after alloc) or the
 * full jets (on = 0); the results agree to rounding.  Recorded stages always
 * use the full jets.  Returns EMF_SUCCESS or the flow_nnf_set_reduced
 * status. */
int flow_single_set_reduced(flow_single_t *fs, int on);

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
