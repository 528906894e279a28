/*******************************************************************************
 * task_train.c: the train task: reverse-KL training of the flow.
 *
 * int task_train(task_ctx_t *ctx)
 *   target.type = "lattice": flow_task_train_lattice (flow_lattice.c).
 *   Single-matrix target (target.type = "single"): builds the network of
 *   the flow group, initialises it from run.seed (nn_init_params_seed with
 *   flow.init_scale) or, with run.resume = true and an existing model.h5 of
 *   the same model hash, continues from that checkpoint (without run.resume
 *   an existing model.h5 is refused, EMF_EXIT_INPUT, as the hmc task refuses
 *   an existing chain), and takes Adam steps
 *   (train_single_step_all: batch train.batch in blocks of train.block,
 *   flow.steps fixed RKMK-RK4 steps, exact gradients) until train.steps
 *   steps have been taken.  Writes <run dir>/model.h5 every
 *   train.checkpoint_every steps and at the end (rank 0, temporary file and
 *   rename).  Log line every train.log_every steps: loss, its spread over
 *   the batch, KL = loss + log Z (exact log Z of the target), gradient norm,
 *   learning rate, time.
 *   Summary: train.loss, train.loss_std, train.kl, train.steps,
 *   train.steps_this_run, train.resumed_from, train.negative_kl_steps (steps
 *   whose batch KL estimate was below 0 by > 5 standard errors: a warning
 *   sign that the fixed-step log q is being exploited), train.seconds,
 *   train.seconds_per_step, train.cpu_seconds (CPU time summed over the
 *   ranks), train.core_seconds, train.core_hours, the totals over all runs
 *   of a resumed training (train.seconds_total, cpu_seconds_total,
 *   core_seconds_total, core_hours_total, cost_from_step; also stored in
 *   model.h5), train.n_params, train.logZ_exact,
 *   train.history.{step,loss,kl} (at the log points), train.model_hash.
 *   Returns EMF_EXIT_OK; ends the run with EMF_EXIT_RUNTIME on a numerical
 *   failure (non-finite loss or gradient), EMF_EXIT_IO if model.h5 cannot
 *   be written, EMF_EXIT_INPUT for an unusable model.h5.
 *
 * Context: collective over ctx->comm; the trained parameters are the same
 * bits on any number of ranks (train.h).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "exact.h"
#include "flow_common.h"
#include "report.h"
#include "util.h"

int task_train(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  nn_t net;
  train_target_t tg;
  adam_parms_t ap = flow_task_adam_parms(p);
  adam_state_t *adam;
  train_single_t *tr;
  train_ckpt_info_t info = {0};
  flow_task_cost_t cost;
  exact_single_t ex;
  train_stats_t st = {NAN, NAN, NAN, NAN, 0};
  double *theta, *hist;
  char path[PARMS_PATH_MAX + 32], hash[32];
  long start, nh = 0, maxh;
  int rank, status, resumed = 0;
  long n_neg = 0;

  if (p->target.type == TARGET_LATTICE) return flow_task_train_lattice(ctx);
  MPI_Comm_rank(ctx->comm, &rank);
  flow_task_net(p, &net);
  flow_task_target(p, &tg);
  status = exact_single(tg.N, tg.beta, tg.c, tg.n_c, &ex);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "train: exact log Z failed (%s)",
             error_string(status));
  theta = acalloc(net.n_params, sizeof(double));
  adam = adam_alloc(net.n_params);
  tr = train_single_alloc(&net, &tg, p->train.batch, p->train.block, p->flow.steps,
                          (uint64_t)p->run.seed);
  maxh = p->train.steps / p->train.log_every + 2;
  hist = acalloc((size_t)maxh * 3, sizeof(double));
  ERROR(!theta || !adam || !tr || !hist, EMF_EXIT_RUNTIME, "train: out of memory");

  resumed = flow_task_resume(ctx, &net, theta, adam, &info);
  if (!resumed) nn_init_params_seed(theta, &net, (uint64_t)p->run.seed, p->flow.init_scale);
  start = adam->t;
  info.seed = (uint64_t)p->run.seed;
  info.cfg_hash = flow_task_model_hash(p);
  snprintf(path, sizeof path, "%s/model.h5", ctx->outdir);
  message("train: SU(%d) single matrix, beta %g, %d coefficients; network %d-%dx%d-1 (%s), "
          "%zu parameters; batch %d (blocks of %d), %d RK4 steps; %s at step %ld of %d",
          tg.N, tg.beta, tg.n_c, net.n_in, net.cfg.width, net.cfg.depth, net.cfg.act->name,
          net.n_params, p->train.batch, p->train.block, p->flow.steps,
          resumed ? "resumed" : "starting", start, p->train.steps);

  flow_task_cost_start(&cost, &info);
  for (long s = start; s < p->train.steps; s++) {
    status = train_single_step_all(tr, theta, adam, &ap, &st, ctx->comm);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "train: step %ld failed: %s", s,
               error_string(status));
    /* KL >= 0: a batch estimate far below 0 means the fixed-step log q is
     * inaccurate for this field (the optimiser exploits the integration
     * error); doc/flow.md */
    if (st.loss + ex.logZ < -5.0 * st.loss_std / sqrt((double)p->train.batch)) {
      if (n_neg == 0)
        log_warning("train: step %ld: batch KL estimate %.4f < 0 by more than 5 standard "
                    "errors: the %d-step RK4 log q is inaccurate for this flow; increase "
                    "flow.steps", s, st.loss + ex.logZ, p->flow.steps);
      n_neg++;
    }
    if (s % p->train.log_every == 0 || s + 1 == p->train.steps) {
      message("train: step %6ld  loss %.6f  std %.4f  KL %.6f  |g| %.3e  lr %.3e  %.1f s", s,
              st.loss, st.loss_std, st.loss + ex.logZ, st.grad_norm, st.lr,
              wtime() - cost.wall0);
      if (nh < maxh) {
        hist[nh] = (double)s;
        hist[maxh + nh] = st.loss;
        hist[2 * maxh + nh] = st.loss + ex.logZ;
        nh++;
      }
    }
    if (p->train.checkpoint_every > 0 && (s + 1) % p->train.checkpoint_every == 0 &&
        s + 1 < p->train.steps) {
      info.step = adam->t;
      flow_task_cost_update(&cost, &info, ctx->comm);
      status = rank == 0 ? train_ckpt_write(path, &net, theta, adam, &info) : EMF_SUCCESS;
      ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "train: cannot write %s", path);
    }
  }
  {
    const long done = adam->t - start;
    info.step = adam->t;
    flow_task_cost_update(&cost, &info, ctx->comm);
    status = rank == 0 ? train_ckpt_write(path, &net, theta, adam, &info) : EMF_SUCCESS;
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_IO, "train: cannot write %s", path);
    message("train: %ld steps in %.2f s (%.4f s/step, %.2f CPU s over all ranks; %.2f CPU s "
            "since step %ld); model written to %s", done, cost.seconds,
            done > 0 ? cost.seconds / done : 0.0, cost.cpu_seconds, info.cpu_seconds,
            info.cost_from_step, path);
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)info.cfg_hash);
    report_set_number(ctx->summary, "train.loss", st.loss);
    report_set_number(ctx->summary, "train.loss_std", st.loss_std);
    report_set_number(ctx->summary, "train.kl", st.loss + ex.logZ);
    report_set_number(ctx->summary, "train.logZ_exact", ex.logZ);
    report_set_int(ctx->summary, "train.steps", adam->t);
    report_set_int(ctx->summary, "train.steps_this_run", done);
    report_set_int(ctx->summary, "train.resumed_from", resumed ? start : -1);
    flow_task_report_cost(ctx->summary, &cost, &info, done);
    report_set_int(ctx->summary, "train.n_params", (long long)net.n_params);
    report_set_int(ctx->summary, "train.negative_kl_steps", n_neg);
    report_set_string(ctx->summary, "train.model_hash", hash);
    report_set_numbers(ctx->summary, "train.history.step", hist, (int)nh);
    report_set_numbers(ctx->summary, "train.history.loss", hist + maxh, (int)nh);
    report_set_numbers(ctx->summary, "train.history.kl", hist + 2 * maxh, (int)nh);
  }
  afree(hist);
  train_single_free(tr);
  adam_free(adam);
  afree(theta);
  return EMF_EXIT_OK;
}
