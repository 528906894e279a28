/*******************************************************************************
 * task_sample.c: the sample task: draw from the trained flow, independence
 * Metropolis and reweighting.
 *
 * int task_sample(task_ctx_t *ctx)
 *   target.type = "lattice": flow_task_sample_lattice (flow_lattice.c).
 *   Single-matrix target: reads <run dir>/model.h5 (written by the train task
 *   of the same model configuration), draws sample.n prior samples (seed
 *   run.seed, RNG_FLOW_PRIOR, index = sample number), flows them with the
 *   adaptive RKMK integrator (sample.stepper, eps_abs, eps_rel) and, unless
 *   sample.ref_factor = 0, again at tolerances / ref_factor for the
 *   log-density error report (train_single_sample_all).  Then, with
 *   log w = -S - log q (log p = -S - log Z):
 *     ESS, IMH chain (metro_summary_compute: acceptance, Gamma-method errors
 *     and tau_int of the chain observables), reweighted <(1/N) Re tr U^k>
 *     (k = 1, 2, 3) with delta-method errors, log Z = log mean w with its
 *     error, KL(q||p) = mean(log q + S) + log Z_exact with its error, and
 *     the exact values (exact_single).
 *   Writes <run dir>/ensemble.h5 (rank 0; temporary file and rename):
 *     /logq, /action, /logw (n), /observables (n, 3), /logq_ref, /action_ref
 *     (n, when measured), /samples (n, N, N, 2: re, im; with
 *     sample.save_samples); attributes N, beta, c, seed, generator "flow",
 *     version, stepper, eps_abs, eps_rel, model_step.
 *   Summary keys: doc/flow.md ("summary.json"), at least sample.ess,
 *   sample.acceptance, sample.logZ.{mean,error},
 *   sample.observables.ReTrU_over_N.{mean,error} (also ReTrU2_over_N,
 *   ReTrU3_over_N, each with "exact"), sample.logq_error.*.
 *   Returns EMF_EXIT_OK; ends the run with EMF_EXIT_INPUT (no usable
 *   model.h5), EMF_EXIT_RUNTIME (integration failed), EMF_EXIT_IO
 *   (ensemble.h5 not writable).
 *
 * Context: collective over ctx->comm; every number is the same bits on any
 * number of ranks (fixed global blocks, gathered in global order).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exact.h"
#include "flow_common.h"
#include "io.h"
#include "metro.h"
#include "report.h"
#include "util.h"

#ifndef EMF_VERSION
#define EMF_VERSION "unknown"
#endif

/* ensemble.h5 on rank 0 (io_serial: temporary file and rename) */
static int write_ensemble(const char *path, const parms_t *p, const train_sample_t *s,
                          const double *logw, long model_step, const char *stepper)
{
  const size_t N = (size_t)p->lattice.N, n = (size_t)s->n;
  const size_t d2[2] = {n, 3}, d4[4] = {n, N, N, 2};
  io_serial_t *f = io_serial_create(path);
  if (f == NULL) return 0;
  io_serial_write(f, "logq", s->logq, 1, &n);
  io_serial_write(f, "action", s->action, 1, &n);
  io_serial_write(f, "logw", logw, 1, &n);
  io_serial_write(f, "observables", s->obs, 2, d2);
  if (p->sample.ref_factor > 0) {
    io_serial_write(f, "logq_ref", s->logq_ref, 1, &n);
    io_serial_write(f, "action_ref", s->action_ref, 1, &n);
  }
  if (s->u) io_serial_write(f, "samples", (const double *)s->u, 4, d4);
  io_serial_set_int(f, "N", p->lattice.N);
  io_serial_set_doubles(f, "beta", &p->action.beta, 1);
  io_serial_set_doubles(f, "c", p->target.c, p->target.n_c);
  io_serial_set_long(f, "seed", p->run.seed);
  io_serial_set_long(f, "model_step", model_step);
  io_serial_set_doubles(f, "eps_abs", &p->sample.eps_abs, 1);
  io_serial_set_doubles(f, "eps_rel", &p->sample.eps_rel, 1);
  io_serial_set_string(f, "generator", "flow");
  io_serial_set_string(f, "target", "single");
  io_serial_set_string(f, "stepper", stepper);
  io_serial_set_string(f, "version", EMF_VERSION);
  io_serial_set_string(f, "observables_names", "ReTrU_over_N ReTrU2_over_N ReTrU3_over_N");
  return io_serial_commit(f, NULL, 0) == EMF_SUCCESS;
}

int task_sample(task_ctx_t *ctx)
{
  static const char *const steppers[] = {"rk2", "rk4", "rkf45", "rkck", "rk8pd"};
  static const char *const names[3] = {"ReTrU_over_N", "ReTrU2_over_N", "ReTrU3_over_N"};
  const parms_t *p = ctx->p;
  const char *stepper = steppers[p->sample.stepper];
  nn_t net;
  train_target_t tg;
  adam_state_t *adam;
  train_ckpt_info_t info;
  train_sample_t smp;
  metro_summary_t sum;
  metro_logq_error_t lqe;
  exact_single_t ex;
  ode_adaptive_t par = {p->sample.eps_abs, p->sample.eps_rel, 0.0, 0};
  double *theta, *logw, klm = 0, kl2 = 0;
  char path[PARMS_PATH_MAX + 32], key[128];
  int rank, status, ok = 1;
  const int want_ref = p->sample.ref_factor > 0;

  if (p->target.type == TARGET_LATTICE) return flow_task_sample_lattice(ctx);
  MPI_Comm_rank(ctx->comm, &rank);
  flow_task_net(p, &net);
  flow_task_target(p, &tg);
  theta = acalloc(net.n_params, sizeof(double));
  adam = adam_alloc(net.n_params);
  ERROR(!theta || !adam, EMF_EXIT_RUNTIME, "sample: out of memory");
  flow_task_load(ctx, &net, theta, adam, &info, 1);
  if (info.step < p->train.steps)
    log_warning("sample: model.h5 holds step %ld of train.steps = %d", info.step,
                p->train.steps);
  status = exact_single(tg.N, tg.beta, tg.c, tg.n_c, &ex);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: exact values failed (%s)",
             error_string(status));

  status = train_single_sample_all(&net, theta, &tg, p->sample.n, p->sample.block, stepper,
                                   &par, p->sample.ref_factor, (uint64_t)p->run.seed,
                                   p->sample.save_samples, &smp, ctx->comm);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: flow integration failed: %s",
             error_string(status));
  logw = acalloc((size_t)smp.n, sizeof(double));
  ERROR(!logw, EMF_EXIT_RUNTIME, "sample: out of memory");
  for (long i = 0; i < smp.n; i++) {
    const double l = smp.logq[i] + smp.action[i];
    logw[i] = -l;
    klm += l;
    kl2 += l * l;
  }
  klm /= smp.n;
  kl2 = sqrt(fmax(kl2 / smp.n - klm * klm, 0.0) / smp.n);
  status = metro_summary_compute(logw, smp.obs, smp.n, 3, (uint64_t)p->run.seed, 0,
                                 p->sample.burnin, STATS_S_DEFAULT, &sum);
  ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: analysis failed: %s",
             error_string(status));
  if (want_ref) {
    status = metro_logq_error(smp.logq, smp.logq_ref, smp.action, smp.action_ref, smp.n, &lqe);
    ERROR_ROOT(status != EMF_SUCCESS, EMF_EXIT_RUNTIME, "sample: log q error failed: %s",
               error_string(status));
  }

  message("sample: %ld samples (%s, eps %.1e/%.1e) in %.2f s, %ld field evaluations; "
          "model step %ld", smp.n, stepper, par.eps_abs, par.eps_rel, smp.seconds, smp.n_eval,
          info.step);
  message("sample: ESS %.5f  IMH acceptance %.5f  log Z %.6f +- %.6f (exact %.6f)  "
          "KL %.6f +- %.6f", sum.ess, sum.imh.acceptance, sum.logz, sum.dlogz, ex.logZ,
          klm + ex.logZ, kl2);
  for (int k = 0; k < 3; k++)
    message("sample: <(1/N) Re tr U^%d> = %.6f +- %.6f (exact %.6f, %.2f sigma)", k + 1,
            sum.rw[k].mean, sum.rw[k].error, ex.retr_uk_over_n[k],
            (sum.rw[k].mean - ex.retr_uk_over_n[k]) / sum.rw[k].error);
  if (want_ref)
    message("sample: log q error vs tolerance / %g: max %.3e rms %.3e; ESS %.6f vs %.6f",
            p->sample.ref_factor, lqe.max_abs, lqe.rms, lqe.ess, lqe.ess_ref);

  if (rank == 0) {
    snprintf(path, sizeof path, "%s/ensemble.h5", ctx->outdir);
    ok = write_ensemble(path, p, &smp, logw, info.step, stepper);
  }
  ERROR_ROOT(!ok, EMF_EXIT_IO, "sample: cannot write %s/ensemble.h5", ctx->outdir);

  report_set_int(ctx->summary, "sample.n", smp.n);
  flow_task_report_sample(ctx->summary, info.step, stepper, &par, &sum);
  report_set_number(ctx->summary, "sample.logZ.exact", ex.logZ);
  report_set_number(ctx->summary, "sample.kl.mean", klm + ex.logZ);
  report_set_number(ctx->summary, "sample.kl.error", kl2);
  report_set_number(ctx->summary, "sample.logw_std", sum.logw_std);
  for (int k = 0; k < 3; k++) {
    snprintf(key, sizeof key, "sample.observables.%s", names[k]);
    flow_task_report_pair(ctx->summary, key, "mean", sum.rw[k].mean);
    flow_task_report_pair(ctx->summary, key, "error", sum.rw[k].error);
    flow_task_report_pair(ctx->summary, key, "exact", ex.retr_uk_over_n[k]);
    snprintf(key, sizeof key, "sample.imh.%s", names[k]);
    flow_task_report_pair(ctx->summary, key, "mean", sum.imh.obs[k].mean);
    flow_task_report_pair(ctx->summary, key, "error", sum.imh.obs[k].error);
    flow_task_report_pair(ctx->summary, key, "tau_int", sum.imh.obs[k].tau_int);
  }
  report_set_number(ctx->summary, "sample.imh.acceptance_tau_int", sum.imh.acc.tau_int);
  if (want_ref) {
    flow_task_report_logq_error(ctx->summary, p->sample.ref_factor, &lqe);
    report_set_number(ctx->summary, "sample.seconds_ref", smp.seconds_ref);
  }
  report_set_number(ctx->summary, "sample.seconds", smp.seconds);
  report_set_int(ctx->summary, "sample.n_eval", smp.n_eval);

  afree(logw);
  train_sample_release(&smp);
  adam_free(adam);
  afree(theta);
  return EMF_EXIT_OK;
}
