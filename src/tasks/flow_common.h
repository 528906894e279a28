/*******************************************************************************
 * flow_common.h: helpers shared by the train and sample tasks (internal to
 * src/tasks).
 ******************************************************************************/
#ifndef FLOW_COMMON_H
#define FLOW_COMMON_H

#include <stdint.h>
#include "metro.h"
#include "ode.h"
#include "tasks.h"
#include "train.h"

/* The network of the flow group; ends the run (EMF_EXIT_CONFIG) on an
 * inconsistent configuration.  Collective (ERROR_ROOT). */
void flow_task_net(const parms_t *p, nn_t *net);
/* The single-matrix target of lattice.N, action.beta, target.c. */
void flow_task_target(const parms_t *p, train_target_t *tg);
/* Hash of everything that determines the trained model: the groups
 * lattice, action, target, flow, the train keys except steps (and those
 * that do not change results) and run.seed.  A checkpoint from another
 * model hash is refused. */
uint64_t flow_task_model_hash(const parms_t *p);
/* 1 if outdir/model.h5 exists (rank 0 decides).  Collective. */
int flow_task_model_exists(const task_ctx_t *ctx);

/* The sample.* summary keys shared by the single-matrix and lattice sample
 * tasks: model step, stepper, tolerances, ESS, IMH acceptance (with error),
 * longest rejection run, invalid proposals, log Z with error.  Local. */
void flow_task_report_sample(report_t *r, long model_step, const char *stepper,
                             const ode_adaptive_t *par, const metro_summary_t *sum);
/* Reads outdir/model.h5 on rank 0 and broadcasts theta, Adam state and
 * info.  Returns 1 if read, 0 if absent (nothing changed); ends the run
 * (EMF_EXIT_INPUT) on an unreadable file, another network or another model
 * hash.  Collective. */
int flow_task_load(const task_ctx_t *ctx, const nn_t *net, double *theta,
                   adam_state_t *adam, train_ckpt_info_t *info, int required);

/* With run.resume: flow_task_load (1 if model.h5 was loaded, else 0);
 * without it an existing model.h5 ends the run (EMF_EXIT_INPUT).
 * Collective. */
int flow_task_resume(const task_ctx_t *ctx, const nn_t *net, double *theta,
                     adam_state_t *adam, train_ckpt_info_t *info);
/* Adam hyperparameters of the train group.  Local. */
adam_parms_t flow_task_adam_parms(const parms_t *p);

/* Cost of a training run and the totals over the runs that led to it. */
typedef struct flow_task_cost {
  double wall0, cpu0;          /* clocks at the start of this run */
  double base[3];              /* totals before it: seconds, CPU, core seconds */
  double seconds;              /* this run: wall seconds (max over ranks) */
  double cpu_seconds;          /* CPU seconds summed over ranks */
  double core_seconds;         /* seconds x ranks */
} flow_task_cost_t;
/* Starts the clocks; the totals so far come from info (model.h5 or 0). */
void flow_task_cost_start(flow_task_cost_t *c, const train_ckpt_info_t *info);
/* Measures this run up to now and sets info's totals to base + this run.
 * Collective over comm. */
void flow_task_cost_update(flow_task_cost_t *c, train_ckpt_info_t *info, MPI_Comm comm);
/* train.seconds, seconds_per_step, cpu_seconds, core_seconds, core_hours
 * (this run) and train.seconds_total, cpu_seconds_total,
 * core_seconds_total, core_hours_total, cost_from_step (all runs: info
 * after flow_task_cost_update).  Local. */
void flow_task_report_cost(report_t *r, const flow_task_cost_t *c,
                           const train_ckpt_info_t *info, long steps_this_run);
/* sample.logq_error.{ref_factor,n,max_abs,rms,mean,ess,ess_ref,dess,
 * logZ,logZ_ref}.  Local. */
void flow_task_report_logq_error(report_t *r, double ref_factor,
                                 const metro_logq_error_t *e);
/* report_set_number(r, "<base>.<leaf>", v).  Local. */
void flow_task_report_pair(report_t *r, const char *base, const char *leaf, double v);

/* ---- lattice target (flow_lattice.c) ---------------------------------- */
#include "flow_lat.h"
#include "geom.h"

#define FLOW_TASK_NB 64   /* loops per network call */

/* Everything the lattice train and sample tasks share: ranks split into
 * n_groups batch groups x domains, one F per shape of flow.shapes (a
 * network, or the linear F when flow.model = "linear"; the pair term's
 * coefficients), parameters (term after term), Adam state over all of
 * them. */
typedef struct flow_task_lat {
  int n_groups, group;
  MPI_Comm dom;                 /* this rank's group (one domain) */
  int grid[EMF_DMAX];           /* process grid of a domain */
  geom_t *g;
  int linear;                   /* flow.model = "linear" */
  nn_t net;                     /* the network of every shape (MLP model) */
  nn_t ck;                      /* checkpoint view: n_params of all shapes
                                   (linear model: activation "linear",
                                   width = depth = 0, n_freq = time_basis) */
  int n_terms;
  pot_func_t F[FLOW_SHAPES_MAX];
  flow_nnf_t nnf[FLOW_SHAPES_MAX];
  flow_linf_t lin[FLOW_SHAPES_MAX];
  flow_lat_term_t terms[FLOW_SHAPES_MAX];
  flow_lat_pair_t pair;         /* coefficients of the "plaquette-pair" term */
  double *theta, *gbuf;         /* (n_terms * net.n_params) */
  double *thp[FLOW_SHAPES_MAX]; /* theta of each term */
  adam_state_t *adam;
  flow_lat_t *fl;
} flow_task_lat_t;

/* Builds it (adaptive stepper by name, NULL: none); ends the run on
 * failure.  Collective. */
void flow_task_lat_setup(const task_ctx_t *ctx, const char *adaptive, flow_task_lat_t *s);
void flow_task_lat_release(flow_task_lat_t *s);
/* The train and sample tasks for target.type = "lattice". */
int flow_task_train_lattice(task_ctx_t *ctx);
int flow_task_sample_lattice(task_ctx_t *ctx);

#endif
