/*******************************************************************************
 * flow_common.c: helpers of the train and sample tasks.
 *
 * void flow_task_net(const parms_t *p, nn_t *net)
 *   nn_config_t from the flow group (n_x = 2 flow.K, n_freq = flow.time_freq,
 *   width, depth, activation) and nn_init.  Ends the run (EMF_EXIT_CONFIG)
 *   if the network cannot be built.
 *
 * void flow_task_target(const parms_t *p, train_target_t *tg)
 *   N = lattice.N, beta = action.beta, c = target.c; ends the run
 *   (EMF_EXIT_CONFIG) if target.c has more than POT_KMAX entries.
 *
 * uint64_t flow_task_model_hash(const parms_t *p)
 *   FNV-1a over cfg_hash_group of lattice, action, target, flow, the bytes
 *   of train_parms_t with steps, checkpoint_every and log_every
 *   zeroed (so a finished run may be continued to more steps), and
 *   run.seed.
 *
 * int flow_task_load(const task_ctx_t *ctx, const nn_t *net, double *theta,
 *                    adam_state_t *adam, train_ckpt_info_t *info,
 *                    int required)
 *   Rank 0 reads <run dir>/model.h5 (train_ckpt_read) and broadcasts it.
 *   Returns 1 when loaded, 0 when the file does not exist and required is 0;
 *   ends the run with EMF_EXIT_INPUT when it is required but absent, is
 *   unreadable, holds another network, or carries another model hash.
 *
 * int flow_task_model_exists(const task_ctx_t *ctx)
 *   1 if <run dir>/model.h5 exists (rank 0 looks, broadcast), else 0.
 *
 * void flow_task_report_sample(report_t *r, long model_step, const char *stepper,
 *                              const ode_adaptive_t *par, const metro_summary_t *sum)
 *   Sets the sample.* summary keys that the single-matrix and the lattice
 *   sample tasks share (doc/summary.md).  Local.
 *
 * Context: collective over ctx->comm (the ERROR_ROOT calls).
 ******************************************************************************/
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cfg.h"
#include "flow_common.h"
#include "util.h"

void flow_task_net(const parms_t *p, nn_t *net)
{
  static const char *const acts[] = {"tanh", "softplus", "silu", "sin"};
  nn_config_t cfg;
  int st;
  memset(&cfg, 0, sizeof cfg);
  cfg.n_x = 2 * p->flow.K;
  cfg.n_freq = p->flow.time_freq;
  cfg.width = p->flow.width;
  cfg.depth = p->flow.depth;
  cfg.act = nn_act_lookup(acts[p->flow.activation]);
  st = cfg.act ? nn_init(net, &cfg) : EMF_EINVAL;
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG,
             "flow: cannot build the network (K = %d, width %d, depth %d)", p->flow.K,
             p->flow.width, p->flow.depth);
}

void flow_task_target(const parms_t *p, train_target_t *tg)
{
  ERROR_ROOT(p->target.n_c > POT_KMAX, EMF_EXIT_CONFIG,
             "target.c: at most %d coefficients are supported by the flow tasks", POT_KMAX);
  memset(tg, 0, sizeof *tg);
  tg->N = p->lattice.N;
  tg->beta = p->action.beta;
  tg->n_c = p->target.n_c;
  for (int k = 0; k < tg->n_c; k++) tg->c[k] = p->target.c[k];
}

uint64_t flow_task_model_hash(const parms_t *p)
{
  static const char *const groups[] = {"lattice", "action", "target", "flow"};
  train_parms_t tr;
  uint64_t h[6];
  for (int i = 0; i < 4; i++) h[i] = cfg_hash_group(p, groups[i]);
  memcpy(&tr, &p->train, sizeof tr);  /* padding as broadcast (zeroed by cfg) */
  /* train group without steps (a run may be continued to more steps) and
   * the keys that do not change results */
  tr.steps = 0;
  tr.checkpoint_every = 0;
  tr.log_every = 0;
  tr.groups = 0;
  h[4] = cfg_hash_bytes(&tr, sizeof tr);
  h[5] = (uint64_t)p->run.seed;
  return cfg_hash_bytes(h, sizeof h);
}

int flow_task_model_exists(const task_ctx_t *ctx)
{
  char path[PARMS_PATH_MAX + 32];
  int rank, exists = 0;
  MPI_Comm_rank(ctx->comm, &rank);
  snprintf(path, sizeof path, "%s/model.h5", ctx->outdir);
  if (rank == 0) exists = access(path, F_OK) == 0;
  MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm);
  return exists;
}

int flow_task_load(const task_ctx_t *ctx, const nn_t *net, double *theta,
                   adam_state_t *adam, train_ckpt_info_t *info, int required)
{
  char path[PARMS_PATH_MAX + 32], msg[PARMS_PATH_MAX + 256];
  int rank, st = EMF_SUCCESS, exists = 0;
  const uint64_t want = flow_task_model_hash(ctx->p);
  MPI_Comm_rank(ctx->comm, &rank);
  snprintf(path, sizeof path, "%s/model.h5", ctx->outdir);
  msg[0] = 0;
  if (rank == 0) {
    exists = access(path, F_OK) == 0;
    if (exists) st = train_ckpt_read(path, net, theta, adam, info, msg, (int)sizeof msg);
  }
  MPI_Bcast(&exists, 1, MPI_INT, 0, ctx->comm);
  ERROR_ROOT(!exists && required, EMF_EXIT_INPUT,
             "%s does not exist: run the train task first (same run directory)", path);
  if (!exists) return 0;
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_INPUT, "%s", msg);
  ERROR_ROOT(info->cfg_hash != want, EMF_EXIT_INPUT,
             "%s was trained with another model configuration (model hash %016llx, "
             "this configuration %016llx); use another output.dir or remove the file",
             path, (unsigned long long)info->cfg_hash, (unsigned long long)want);
  MPI_Bcast(theta, (int)net->n_params, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(adam->m, (int)net->n_params, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(adam->v, (int)net->n_params, MPI_DOUBLE, 0, ctx->comm);
  MPI_Bcast(&adam->t, 1, MPI_LONG, 0, ctx->comm);
  MPI_Bcast(info, (int)sizeof *info, MPI_BYTE, 0, ctx->comm);
  return 1;
}

void flow_task_report_sample(report_t *r, long model_step, const char *stepper,
                             const ode_adaptive_t *par, const metro_summary_t *sum)
{
  report_set_int(r, "sample.model_step", model_step);
  report_set_string(r, "sample.stepper", stepper);
  report_set_number(r, "sample.eps_abs", par->eps_abs);
  report_set_number(r, "sample.eps_rel", par->eps_rel);
  report_set_number(r, "sample.ess", sum->ess);
  report_set_number(r, "sample.acceptance", sum->imh.acceptance);
  report_set_number(r, "sample.acceptance_error", sum->imh.acc.error);
  report_set_int(r, "sample.rejection_run_max", sum->imh.rej_run_max);
  report_set_int(r, "sample.n_invalid", sum->n_invalid + sum->n_zero);
  report_set_number(r, "sample.logZ.mean", sum->logz);
  report_set_number(r, "sample.logZ.error", sum->dlogz);
}
