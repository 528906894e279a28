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
 *   of train_parms_t before init_from with steps, checkpoint_every,
 *   log_every and groups zeroed (so a finished run may be continued to
 *   more steps), and run.seed; with train.gradient not "total", that hash
 *   and the estimator hashed again (model hashes of earlier runs hold).
 *   train.init_from is not part of it.
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
 * int flow_task_resume(const task_ctx_t *ctx, const nn_t *net, double *theta,
 *                      adam_state_t *adam, train_ckpt_info_t *info)
 *   The start of a training run: with run.resume flow_task_load (returns 1
 *   when model.h5 was loaded, 0 when there is none); without it an existing
 *   model.h5 ends the run (EMF_EXIT_INPUT), as the hmc task refuses an
 *   existing chain.
 *
 * adam_parms_t flow_task_adam_parms(const parms_t *p)
 *   Adam's learning rate, lr_min, schedule, warm-up, total steps (at least
 *   warm-up + 1) and clipping norm from the train group.  Local.
 *
 * void flow_task_cost_start(flow_task_cost_t *c, const train_ckpt_info_t *info)
 * void flow_task_cost_update(flow_task_cost_t *c, train_ckpt_info_t *info,
 *                            MPI_Comm comm)
 *   Training cost: _start takes the totals of the runs before (info, from
 *   model.h5; 0 for a fresh start) and starts the wall and CPU clocks
 *   (local); _update measures this run so far (wall seconds: maximum over
 *   the ranks of comm, CPU seconds: sum over them, core seconds: wall x
 *   ranks) and sets info->seconds, cpu_seconds, core_seconds to the totals
 *   over all runs, ready for train_ckpt_write (collective over comm).
 *
 * void flow_task_report_cost(report_t *r, const flow_task_cost_t *c,
 *                            const train_ckpt_info_t *info, long steps_this_run)
 *   train.seconds, train.seconds_per_step, train.cpu_seconds,
 *   train.core_seconds, train.core_hours of this run and
 *   train.seconds_total, train.cpu_seconds_total, train.core_seconds_total,
 *   train.core_hours_total, train.cost_from_step over all runs
 *   (doc/summary.md).  Local.
 *
 * void flow_task_report_logq_error(report_t *r, double ref_factor,
 *                                  const metro_logq_error_t *e)
 *   sample.logq_error.{ref_factor, n, max_abs, rms, mean, ess, ess_ref,
 *   dess, logZ, logZ_ref}.  Local.
 *
 * void flow_task_report_pair(report_t *r, const char *base, const char *leaf,
 *                            double v)
 *   report_set_number(r, "<base>.<leaf>", v).  Local.
 *
 * Context: collective over ctx->comm (the ERROR_ROOT calls) unless marked
 * local.
 ******************************************************************************/
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
  /* the bytes before init_from (parms.h): the model hashes of runs from
   * before that key are unchanged, and a transferred start is not part of
   * the model's identity (model.h5 records it) */
  h[4] = cfg_hash_bytes(&tr, offsetof(train_parms_t, init_from));
  h[5] = (uint64_t)p->run.seed;
  if (p->train.gradient == TRAIN_GRADIENT_TOTAL) return cfg_hash_bytes(h, sizeof h);
  {
    const uint64_t hg[2] = {cfg_hash_bytes(h, sizeof h), (uint64_t)p->train.gradient};
    return cfg_hash_bytes(hg, sizeof hg);
  }
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

int flow_task_resume(const task_ctx_t *ctx, const nn_t *net, double *theta,
                     adam_state_t *adam, train_ckpt_info_t *info)
{
  if (ctx->p->run.resume) return flow_task_load(ctx, net, theta, adam, info, 0);
  ERROR_ROOT(flow_task_model_exists(ctx), EMF_EXIT_INPUT,
             "%s/model.h5 already holds a trained model; set run.resume = true to "
             "continue it, or use another output.dir", ctx->outdir);
  return 0;
}

adam_parms_t flow_task_adam_parms(const parms_t *p)
{
  adam_parms_t ap = adam_parms_default();
  ap.lr = p->train.lr;
  ap.lr_min = p->train.lr_min;
  ap.schedule = p->train.schedule == TRAIN_SCHEDULE_COSINE ? NN_LR_COSINE : NN_LR_CONSTANT;
  ap.warmup_steps = p->train.warmup;
  ap.total_steps = p->train.steps > p->train.warmup ? p->train.steps : p->train.warmup + 1;
  ap.clip_norm = p->train.clip_norm;
  return ap;
}

/* CPU time of this process (the machines are shared: wall time alone
 * overstates the cost when other jobs compete for the cores). */
static double cpu_seconds(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return NAN;
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void flow_task_cost_start(flow_task_cost_t *c, const train_ckpt_info_t *info)
{
  memset(c, 0, sizeof *c);
  c->base[0] = info->seconds;
  c->base[1] = info->cpu_seconds;
  c->base[2] = info->core_seconds;
  c->wall0 = wtime();
  c->cpu0 = cpu_seconds();
}

void flow_task_cost_update(flow_task_cost_t *c, train_ckpt_info_t *info, MPI_Comm comm)
{
  const double wall = wtime() - c->wall0, cpu = cpu_seconds() - c->cpu0;
  int nranks;
  MPI_Comm_size(comm, &nranks);
  MPI_Allreduce(&wall, &c->seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(&cpu, &c->cpu_seconds, 1, MPI_DOUBLE, MPI_SUM, comm);
  c->core_seconds = c->seconds * nranks;
  info->seconds = c->base[0] + c->seconds;
  info->cpu_seconds = c->base[1] + c->cpu_seconds;
  info->core_seconds = c->base[2] + c->core_seconds;
}

void flow_task_report_cost(report_t *r, const flow_task_cost_t *c,
                           const train_ckpt_info_t *info, long steps_this_run)
{
  report_set_number(r, "train.seconds", c->seconds);
  report_set_number(r, "train.seconds_per_step",
                    steps_this_run > 0 ? c->seconds / (double)steps_this_run : NAN);
  report_set_number(r, "train.cpu_seconds", c->cpu_seconds);
  report_set_number(r, "train.core_seconds", c->core_seconds);
  report_set_number(r, "train.core_hours", c->core_seconds / 3600.0);
  report_set_number(r, "train.seconds_total", info->seconds);
  report_set_number(r, "train.cpu_seconds_total", info->cpu_seconds);
  report_set_number(r, "train.core_seconds_total", info->core_seconds);
  report_set_number(r, "train.core_hours_total", info->core_seconds / 3600.0);
  report_set_int(r, "train.cost_from_step", info->cost_from_step);
}

void flow_task_report_logq_error(report_t *r, double ref_factor, const metro_logq_error_t *e)
{
  report_set_number(r, "sample.logq_error.ref_factor", ref_factor);
  report_set_int(r, "sample.logq_error.n", e->n);
  report_set_number(r, "sample.logq_error.max_abs", e->max_abs);
  report_set_number(r, "sample.logq_error.rms", e->rms);
  report_set_number(r, "sample.logq_error.mean", e->mean);
  report_set_number(r, "sample.logq_error.ess", e->ess);
  report_set_number(r, "sample.logq_error.ess_ref", e->ess_ref);
  report_set_number(r, "sample.logq_error.dess", e->dess);
  report_set_number(r, "sample.logq_error.logZ", e->logz);
  report_set_number(r, "sample.logq_error.logZ_ref", e->logz_ref);
}

void flow_task_report_pair(report_t *r, const char *base, const char *leaf, double v)
{
  char key[256];
  snprintf(key, sizeof key, "%s.%s", base, leaf);
  report_set_number(r, key, v);
}
