/*******************************************************************************
 * task_compare.c: the compare task: flow (IMH) against HMC from the same
 * run.
 *
 * int task_compare(task_ctx_t *ctx)
 *   Reads the results that the train, sample and hmc tasks of this run left
 *   in ctx->summary (they must come earlier in run.tasks; a missing one ends
 *   the run with EMF_EXIT_CONFIG and says which) and sets, for the
 *   plaquette:
 *     compare.flow.acceptance    IMH acceptance (sample.acceptance)
 *     compare.flow.tau_int       integrated autocorrelation time of the IMH
 *                                chain's plaquette (Gamma method)
 *     compare.flow.n_independent sample.n / (2 tau_int)
 *     compare.flow.cost_per_independent_sample
 *         = (train.core_seconds_total + sample.core_seconds) / n_independent
 *         (core-seconds: wall seconds x ranks; the training cost is that of
 *         all runs of the training since step train.cost_from_step, which
 *         is 0 unless it was resumed from a checkpoint without costs)
 *     compare.flow.cost_per_independent_sample_sampling_only
 *         = sample.core_seconds / n_independent
 *     compare.flow.plaquette.{mean,error}   the IMH chain's estimate
 *     compare.flow.ess           sample.ess
 *     compare.hmc.acceptance, compare.hmc.tau_int (hmc.tau_int),
 *     compare.hmc.cost_per_independent_sample
 *         = hmc.seconds_per_trajectory x ranks x 2 tau_int (from the hmc
 *         task), compare.hmc.plaquette.{mean,error}
 *     compare.cost_ratio         hmc cost / flow cost (> 1: the flow is
 *                                cheaper per independent sample, training
 *                                included)
 *     compare.exact.plaquette    exact_lattice2d_volume (D = 2 only) and
 *     compare.{flow,hmc}.plaquette.deviation (in standard errors).
 *   Prints the same as a short table.  Returns EMF_EXIT_OK.
 *
 * Context: collective over ctx->comm (every rank holds the same summary).
 ******************************************************************************/
#include <math.h>
#include <stdio.h>
#include "exact.h"
#include "report.h"
#include "tasks.h"
#include "util.h"

/* value of key, ending the run when the summary lacks it */
static double need(const task_ctx_t *ctx, const char *key, const char *task)
{
  double x = NAN;
  const int st = report_get_number(ctx->summary, key, &x);
  ERROR_ROOT(st != EMF_SUCCESS, EMF_EXIT_CONFIG,
             "compare: the summary has no %s: run the %s task before compare in run.tasks "
             "(the same run)", key, task);
  return x;
}

/* the sampling cost of all sample.n samples: sample.core_seconds_total
 * (lattice: this run plus the samples it continued), else this run's */
static double sampling_core_seconds(const task_ctx_t *ctx)
{
  double x = NAN;
  if (report_get_number(ctx->summary, "sample.core_seconds_total", &x) == EMF_SUCCESS) return x;
  return need(ctx, "sample.core_seconds", "sample");
}

int task_compare(task_ctx_t *ctx)
{
  const parms_t *p = ctx->p;
  report_t *r = ctx->summary;
  exact_lattice2d_t ex;
  int have_ex = 0;
  const double f_acc = need(ctx, "sample.acceptance", "sample");
  const double f_tau = need(ctx, "sample.imh.plaquette.tau_int", "sample");
  const double f_n = need(ctx, "sample.n", "sample");
  const double f_ess = need(ctx, "sample.ess", "sample");
  const double f_pm = need(ctx, "sample.imh.plaquette.mean", "sample");
  const double f_pe = need(ctx, "sample.imh.plaquette.error", "sample");
  const double s_core = sampling_core_seconds(ctx);
  const double t_core = need(ctx, "train.core_seconds_total", "train");
  const double t_from = need(ctx, "train.cost_from_step", "train");
  const double t_all = need(ctx, "train.steps", "train");
  const double h_acc = need(ctx, "hmc.acceptance", "hmc");
  const double h_tau = need(ctx, "hmc.tau_int", "hmc");
  const double h_cost = need(ctx, "hmc.cost_per_independent_sample", "hmc");
  const double h_pm = need(ctx, "hmc.plaquette.mean", "hmc");
  const double h_pe = need(ctx, "hmc.plaquette.error", "hmc");
  const double n_ind = f_n / (2.0 * f_tau);
  const double f_cost = (t_core + s_core) / n_ind, f_cost_s = s_core / n_ind;

  if (p->lattice.D == 2)
    have_ex = exact_lattice2d_volume(p->lattice.N, p->action.beta,
                                     (long)p->lattice.extent[0] * p->lattice.extent[1],
                                     &ex) == EMF_SUCCESS;
  if (t_from > 0)
    log_warning("compare: training cost covers steps %.0f to %.0f only (the checkpoint it "
                "resumed from recorded no cost)", t_from, t_all);
  report_set_number(r, "compare.flow.acceptance", f_acc);
  report_set_number(r, "compare.flow.tau_int", f_tau);
  report_set_number(r, "compare.flow.ess", f_ess);
  report_set_number(r, "compare.flow.n_independent", n_ind);
  report_set_number(r, "compare.flow.training_core_seconds", t_core);
  report_set_number(r, "compare.flow.sampling_core_seconds", s_core);
  report_set_number(r, "compare.flow.cost_per_independent_sample", f_cost);
  report_set_number(r, "compare.flow.cost_per_independent_sample_sampling_only", f_cost_s);
  report_set_number(r, "compare.flow.plaquette.mean", f_pm);
  report_set_number(r, "compare.flow.plaquette.error", f_pe);
  report_set_number(r, "compare.hmc.acceptance", h_acc);
  report_set_number(r, "compare.hmc.tau_int", h_tau);
  report_set_number(r, "compare.hmc.cost_per_independent_sample", h_cost);
  report_set_number(r, "compare.hmc.plaquette.mean", h_pm);
  report_set_number(r, "compare.hmc.plaquette.error", h_pe);
  report_set_number(r, "compare.cost_ratio", h_cost / f_cost);
  if (have_ex) {
    report_set_number(r, "compare.exact.plaquette", ex.plaquette);
    report_set_number(r, "compare.flow.plaquette.deviation", (f_pm - ex.plaquette) / f_pe);
    report_set_number(r, "compare.hmc.plaquette.deviation", (h_pm - ex.plaquette) / h_pe);
  }
  message("compare:        acceptance  tau_int   core-s/indep. sample   plaquette");
  message("compare: flow   %10.4f  %7.2f   %12.4g           %.5f +- %.5f", f_acc, f_tau,
          f_cost, f_pm, f_pe);
  message("compare: hmc    %10.4f  %7.2f   %12.4g           %.5f +- %.5f", h_acc, h_tau,
          h_cost, h_pm, h_pe);
  if (have_ex) message("compare: exact plaquette %.5f", ex.plaquette);
  message("compare: cost ratio hmc / flow %.3g (flow sampling alone: %.4g core-s per "
          "independent sample)", h_cost / f_cost, f_cost_s);
  return EMF_EXIT_OK;
}
