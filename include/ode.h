/*******************************************************************************
 * ode.h: Runge-Kutta-Munthe-Kaas (RKMK) integration on SU(N)^n x R^m.
 *
 * State: n matrices U_i in SU(N) (all links of a lattice, or a batch of
 * single matrices), u[i*N*N ...], plus m real components e_j ("extra", e.g.
 * the log-density).  The caller supplies the vector field
 *
 *     dU_i/dt = X_i(U, t) U_i,   X_i in su(N),     de_j/dt = r_j(U, t)
 *
 * through an ode_field_fn that writes the N^2-1 algebra coordinates of every
 * X_i (sun_to_alg convention, x[i*(N^2-1) + a]) and the m values r_j.
 *
 * RKMK (DESIGN.md section 4, doc/ode.md): around the chart centre U0,
 * U = exp(Y) U0 with Y in su(N)^n given by its n(N^2-1) coordinates, and
 *     dY/dt = dexp^{-1}_Y(X) = X - 1/2 [Y,X] + 1/12 [Y,[Y,X]]
 *                              - 1/720 ad_Y^4 X + 1/30240 ad_Y^6 X - ...
 * truncated after ad_Y^(p-2) for a method of order p.  This ODE in
 * R^{n(N^2-1)+m} is integrated by a Runge-Kutta stepper; after every step
 * the chart is re-centred (U0 <- exp(Y) U0 passed through sun_reunitarize,
 * Y = 0), so the links stay in SU(N) to rounding however many steps are
 * taken.
 *
 * Steppers, chosen by name (ode_stepper_get):
 *   GSL odeiv2 driven:  "rk2"  (GSL's rk2 propagates Kutta's 3rd-order
 *                              solution: order 3, error estimate of order 2)
 *                       "rk4"  (classical RK4 with GSL's step doubling: one
 *                              step of h = two RK4 steps of h/2 in one chart,
 *                              11 evaluations; order 4)
 *                       "rkf45" (order 5), "rkck" (order 5), "rk8pd" (order 8)
 *   hand-written:       "rk4classic" (one classical RK4 step, 4 evaluations,
 *                              stages exposed for backpropagation; fixed-step
 *                              only, no error estimate); its backward pass is
 *                              ode_rkmk_step_backward
 * ode_rkmk_step_fixed always uses the hand-written classical RK4 whatever
 * the workspace's stepper.
 ******************************************************************************/
#ifndef ODE_H
#define ODE_H

#include <stddef.h>
#include "global.h"

/* Vector field.  u: n matrices (read only); x: n*(N^2-1) coordinates of the
 * X_i (out); r: m values (out; a valid pointer even when m = 0); params: the
 * caller's.  Returns EMF_SUCCESS or an EMF_* code, which aborts the
 * integration and is returned by it. */
typedef int (*ode_field_fn)(double t, const cplx_t *u, double *x, double *r,
                            void *params);

/* Vector-Jacobian product of the field, for ode_rkmk_step_backward: at
 * (t, u) with x = X(u, t) (as computed in the forward pass), given
 * gx[n(N^2-1)] = dL/dX and gr[m] = dL/dr, write au[n(N^2-1)] = the
 * left-trivialised gradient of <gx, X(u,t)> + <gr, r(u,t)> with respect to
 * u (D_eta = sum_i <au_i, eta_i> for u_i -> exp(eps eta_i) u_i); parameter
 * gradients may be accumulated through params.  Returns an EMF_* code. */
typedef int (*ode_field_vjp_fn)(double t, const cplx_t *u, const double *x,
                                const double *gx, const double *gr, double *au,
                                void *params);

typedef struct ode_stepper_type {
  const char *name;
  int order;      /* order of the solution the stepper propagates */
  int n_ad;       /* highest power of ad_Y kept in dexp^{-1} (= order - 2) */
  int n_eval;     /* field evaluations per fixed step */
  int is_gsl;     /* 1: GSL odeiv2 stepper, 0: hand-written */
  int adaptive;   /* 1: has an error estimate (usable by ode_integrate_adaptive) */
} ode_stepper_type_t;

typedef struct ode_workspace ode_workspace_t;   /* opaque */

/* Replaces *rmax by its maximum over all ranks integrating together (e.g.
 * MPI_Allreduce(MPI_IN_PLACE, rmax, 1, MPI_DOUBLE, MPI_MAX, comm)). */
typedef void (*ode_reduce_fn)(double *rmax, void *ctx);

/* Statistics of one integration call. */
typedef struct ode_stats {
  long n_steps;     /* accepted steps */
  long n_rejected;  /* rejected steps (adaptive mode) */
  long n_eval;      /* calls of the field function */
  double h_last;    /* last accepted step size (signed) */
  double h_next;    /* step size the controller proposes next (adaptive) */
} ode_stats_t;

/* Adaptive-mode parameters: GSL standard control with a_y = 1, a_dydt = 0,
 * i.e. per component |err_i| <= eps_abs + eps_rel |y_i|, applied to the chart
 * coordinates of the step (|y_i| = |Y_i| is the size of the step's increment,
 * so for the links eps_abs is what counts) and to the extra components. */
typedef struct ode_adaptive {
  double eps_abs;   /* > 0 */
  double eps_rel;   /* >= 0 */
  double h_init;    /* first trial step size (its sign is ignored); 0: |t1-t0|/64 */
  long max_steps;   /* limit on accepted steps; 0: 10^6 */
} ode_adaptive_t;

/* Stage values of one hand-written classical RK4 RKMK step from U0 at t
 * with step h (c = 0, 1/2, 1/2, 1; b = 1/6, 1/3, 1/3, 1/6):
 *   Y_1 = 0, Y_2 = h/2 K_1, Y_3 = h/2 K_2, Y_4 = h K_3,
 *   U_s = exp(Y_s) U0,  X_s = X(U_s, t + c_s h),  r_s = r(U_s, t + c_s h),
 *   K_s = dexp^{-1}_{Y_s}(X_s) truncated after ad^2 (X - [Y,X]/2 + [Y,[Y,X]]/12),
 *   Y = h (K_1/6 + K_2/3 + K_3/3 + K_4/6),  U1 = exp(Y) U0,
 *   e1 = e0 + h (r_1/6 + r_2/3 + r_3/3 + r_4/6). */
#define ODE_RK4_NSTAGE 4
typedef struct ode_stages {
  size_t n, m;      /* sizes the block was allocated for */
  int N;
  double t, h;      /* time and step of the recorded step */
  cplx_t *u0;       /* [n*N*N] U0 */
  double *y;        /* [4][n*(N^2-1)] Y_s */
  cplx_t *u;        /* [4][n*N*N] U_s */
  double *x;        /* [4][n*(N^2-1)] X_s */
  double *k;        /* [4][n*(N^2-1)] K_s */
  double *r;        /* [4][m] r_s */
  double *yend;     /* [n*(N^2-1)] Y */
} ode_stages_t;

/* ode_stepper.c */
const ode_stepper_type_t *ode_stepper_get(const char *name);  /* NULL: unknown */
const ode_stepper_type_t *ode_stepper_at(int i);   /* i-th of the table, NULL past end */
/* out = dexp^{-1}_y(x) truncated after ad_y^n_ad (0 <= n_ad <= 8), for one
 * su(N) element in coordinates.  EMF_EINVAL for a bad N or n_ad. */
int ode_dexpinv(int N, int n_ad, double *out, const double *y, const double *x);

/* ode_workspace.c */
/* n >= 1 matrices, 2 <= N <= EMF_NMAX, m >= 0 extra components.  NULL for an
 * unknown stepper, bad sizes or no memory (GSL's handler is not called). */
ode_workspace_t *ode_workspace_alloc(size_t n, int N, size_t m,
                                     const char *stepper);
void ode_workspace_free(ode_workspace_t *w);
const ode_stepper_type_t *ode_workspace_stepper(const ode_workspace_t *w);
ode_stages_t *ode_stages_alloc(size_t n, int N, size_t m);      /* NULL on failure */
void ode_stages_free(ode_stages_t *s);

/* ode_rkmk.c */
/* One step of the workspace's stepper from t to t + h (h may be negative),
 * re-centred: u and extra are updated in place.  Optional outputs (NULL to
 * skip): ychart[n(N^2-1)+m], the step's chart coordinates Y followed by the
 * new extra values; yerr[n(N^2-1)+m], the stepper's error estimate (zeros
 * for the hand-written stepper). */
int ode_step(ode_workspace_t *w, double t, double h, cplx_t *u, double *extra,
             ode_field_fn field, void *params, double *ychart, double *yerr);
/* n_steps >= 1 equal steps from t0 to t1 (t1 < t0 integrates backwards: the
 * inverse map of the forward integration up to the method's error). */
int ode_integrate_fixed(ode_workspace_t *w, double t0, double t1, long n_steps,
                        cplx_t *u, double *extra, ode_field_fn field,
                        void *params, ode_stats_t *stats);
/* Adaptive integration from t0 to t1 with gsl_odeiv2_evolve and the standard
 * control.  EMF_ENOTSUP for a stepper without error estimate, EMF_ETOL when
 * the tolerance cannot be met (step size underflow), EMF_EMAXITER past
 * max_steps.  stats (optional) reports steps, rejections and evaluations. */
int ode_integrate_adaptive(ode_workspace_t *w, double t0, double t1,
                           const ode_adaptive_t *par, cplx_t *u, double *extra,
                           ode_field_fn field, void *params, ode_stats_t *stats);

/* ode_control.c */
/* Adaptive mode with a global step-size decision: the controller's largest
 * error ratio is passed through reduce before every accept/reject decision,
 * so all ranks take the same steps (a distributed field is called in
 * lockstep).  reduce = NULL: back to GSL's standard control. */
void ode_workspace_set_reduce(ode_workspace_t *w, ode_reduce_fn reduce,
                              void *ctx);

/* ode_rk4.c */
/* One hand-written classical RK4 RKMK step (see ode_stages_t) from t to
 * t + dt, u and extra updated in place.  stages (optional): records U0, Y_s,
 * U_s, X_s, K_s, r_s and Y; it must have been allocated for the same n, N,
 * m (EMF_EINVAL otherwise).  The field's status is returned unchanged; on
 * any error u and extra are left as they were. */
int ode_rkmk_step_fixed(ode_workspace_t *w, double t, double dt, cplx_t *u,
                        double *extra, ode_field_fn field, void *params,
                        ode_stages_t *stages);

/* ode_rk4_adj.c */
/* Backpropagation through one ode_rkmk_step_fixed step recorded in st:
 * a1 = dL/dU1 (left-trivialised coordinates), g1 = dL/de1 -> a0 = dL/dU0
 * (dL/de0 = g1).  vjp supplies the field's vector-Jacobian product per
 * stage.  EMF_EINVAL for mismatched sizes, else vjp's code. */
int ode_rkmk_step_backward(ode_workspace_t *w, const ode_stages_t *st,
                           const double *a1, const double *g1,
                           ode_field_vjp_fn vjp, void *params, double *a0);

#endif
