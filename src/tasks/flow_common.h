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

/* ---- lattice target (flow_lattice.c) ---------------------------------- */
#include "flow_lat.h"
#include "geom.h"

#define FLOW_TASK_NB 64   /* loops per network call */

/* Everything the lattice train and sample tasks share: ranks split into
 * n_groups batch groups x domains, one F per shape of flow.shapes (a
 * network, or the linear F when flow.model = "linear"), parameters (shape
 * after shape), Adam state over all of them. */
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
  pot_func_t F[2];
  flow_nnf_t nnf[2];
  flow_linf_t lin[2];
  flow_lat_term_t terms[2];
  double *theta, *gbuf;         /* (n_terms * net.n_params) */
  double *thp[2];               /* theta of each term */
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
