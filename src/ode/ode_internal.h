/*******************************************************************************
 * ode_internal.h: the workspace of the ode module (private to src/ode).
 ******************************************************************************/
#ifndef ODE_INTERNAL_H
#define ODE_INTERNAL_H

#include <gsl/gsl_odeiv2.h>
#include "ode.h"
#include "sun.h"

struct ode_workspace {
  const ode_stepper_type_t *type;
  const sun_type_t *st;
  size_t n, m;        /* matrices, extra components */
  size_t na;          /* n * ngen: chart coordinates */
  size_t dim;         /* na + m: GSL state */
  int N, nn, ngen;

  /* during a call */
  cplx_t *u0;         /* chart centre: the caller's link array */
  ode_field_fn field;
  void *params;
  int status;         /* EMF code of a failed field evaluation */
  long n_eval;

  /* buffers */
  cplx_t *us;         /* [n*nn] links at the last evaluation */
  double *y;          /* [dim] GSL state: chart coordinates, then extra */
  double *yerr;       /* [dim] */
  double *x;          /* [na] field at the last evaluation */
  double *r;          /* [max(m,1)] extra rates at the last evaluation */
  double *ylast;      /* [na] chart coordinates of the last evaluation */
  double *ys;         /* [na] stage coordinates (hand-written RK4) */
  double *kk;         /* [4*na] stage slopes (hand-written RK4) */
  double *rk;         /* [4*max(m,1)] stage extra rates (hand-written RK4) */
  double *bw;         /* [6*na] backward pass (ode_rk4_adj.c) */
  double *bgr;        /* [max(m,1)] backward pass */

  /* evaluation cache (adaptive mode, see ode_rkmk.c) */
  int cache_on;       /* reuse the last evaluation at the new centre */
  int last_valid;     /* ylast, tlast, us, x, r describe the last evaluation */
  double tlast;
  int centre_valid;   /* x, r are the field at (centre_t, u0) */
  double centre_t;

  /* GSL objects (NULL for a hand-written stepper) */
  gsl_odeiv2_step *step;
  gsl_odeiv2_control *control;         /* GSL standard control */
  gsl_odeiv2_control *control_global;  /* same rule, reduced error ratio */
  int use_global;                      /* ode_workspace_set_reduce was called */
  gsl_odeiv2_evolve *evolve;
  gsl_odeiv2_system sys;
};

/* ode_stepper.c */
const gsl_odeiv2_step_type *ode_gsl_step_type(const ode_stepper_type_t *t);
/* highest k <= n_ad with a non-zero dexp^{-1} coefficient */
int ode_dexpinv_kmax(int n_ad);
/* per link: out = dexp^{-1}_y(x), truncated after ad^n_ad */
void ode_dexpinv_link(const sun_type_t *st, int n_ad, double *out,
                      const double *y, const double *x);

/* ode_control.c */
gsl_odeiv2_control *ode_control_global_alloc(void);
void ode_control_global_set(gsl_odeiv2_control *c, ode_reduce_fn reduce,
                            void *ctx);

/* ode_rkmk.c */
/* us_i = exp(y_i) u0_i for all links (copy where y_i = 0), then the field at
 * (t, us) into x, r.  Counts the evaluation, checks finiteness. */
int ode_eval_at(ode_workspace_t *w, double t, const double *y, cplx_t *us,
                double *x, double *r);
/* k = dexp^{-1}_y(x) link by link with the workspace's truncation n_ad */
void ode_dexpinv_all(const ode_workspace_t *w, int n_ad, double *k,
                     const double *y, const double *x);
/* u_i <- exp(y_i) u_i */
int ode_recentre(const ode_workspace_t *w, cplx_t *u, const double *y);

#endif
