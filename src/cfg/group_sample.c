/*******************************************************************************
 * group_sample.c: schema of the group `sample` (sample_parms_t): drawing
 * from the trained flow (doc/flow.md).
 *
 *   n             int >= 1, default 16384   samples (a multiple of block)
 *   block         int >= 1, default 64      samples per fixed block
 *   stepper       "rk2" | "rk4" | "rkf45" | "rkck" | "rk8pd" (default)
 *   eps_abs       float > 0, default 1e-8   adaptive tolerance (absolute)
 *   eps_rel       float >= 0, default 1e-8  adaptive tolerance (relative)
 *   ref_factor    float >= 0, default 100   the log-density error is measured
 *                                           against a run at tolerances / this
 *                                           (0: no reference run)
 *   burnin        int >= 0, default 0       IMH steps left out of the chain
 *                                           analysis
 *   save_samples  bool, default true        store the matrices in ensemble.h5
 *   ref_n         int >= 0, default 256     lattice: samples redone at the
 *                                           reference tolerance (0: all)
 *
 * Exports the descriptor cfg_group_sample (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const steppers[] = {"rk2", "rk4", "rkf45", "rkck", "rk8pd", NULL};

static const cfg_key_t keys[] = {
    {"n", CFG_INT, CFG_MIN, "16384", 1, 0, 0, 0, NULL, CFG_OFF(sample.n), 0,
     CFG_SIZE(sample.n), "samples drawn from the flow (a multiple of sample.block)"},
    {"block", CFG_INT, CFG_MIN, "64", 1, 0, 0, 0, NULL, CFG_OFF(sample.block), 0,
     CFG_SIZE(sample.block), "samples per fixed block (one adaptive integration)"},
    {"stepper", CFG_ENUM, 0, "\"rk8pd\"", 0, 0, 0, 0, steppers, CFG_OFF(sample.stepper), 0,
     CFG_SIZE(sample.stepper), "adaptive GSL stepper of the RKMK integration"},
    {"eps_abs", CFG_FLOAT, CFG_MIN_EXCL, "1e-8", 0, 0, 0, 0, NULL, CFG_OFF(sample.eps_abs), 0,
     CFG_SIZE(sample.eps_abs), "absolute tolerance of the adaptive integration"},
    {"eps_rel", CFG_FLOAT, CFG_MIN, "1e-8", 0, 0, 0, 0, NULL, CFG_OFF(sample.eps_rel), 0,
     CFG_SIZE(sample.eps_rel), "relative tolerance of the adaptive integration"},
    {"ref_factor", CFG_FLOAT, CFG_MIN, "100.0", 0, 0, 0, 0, NULL, CFG_OFF(sample.ref_factor), 0,
     CFG_SIZE(sample.ref_factor),
     "log-density error against a run at tolerances divided by this (0: none)"},
    {"burnin", CFG_INT, CFG_MIN, "0", 0, 0, 0, 0, NULL, CFG_OFF(sample.burnin), 0,
     CFG_SIZE(sample.burnin), "independence-Metropolis steps left out of the chain analysis"},
    {"save_samples", CFG_BOOL, 0, "true", 0, 0, 0, 0, NULL, CFG_OFF(sample.save_samples), 0,
     CFG_SIZE(sample.save_samples), "store the sampled matrices in ensemble.h5"},
    {"ref_n", CFG_INT, CFG_MIN, "256", 0, 0, 0, 0, NULL, CFG_OFF(sample.ref_n), 0,
     CFG_SIZE(sample.ref_n),
     "lattice flow: samples redone at the reference tolerance (0: all)"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  if (p->sample.n % p->sample.block != 0)
    cfg_fail(ctx, "sample.n", "%d is not a multiple of sample.block = %d", p->sample.n,
             p->sample.block);
  if (p->sample.burnin >= p->sample.n)
    cfg_fail(ctx, "sample.burnin", "must be smaller than sample.n = %d", p->sample.n);
}

const cfg_group_t cfg_group_sample = {
    "sample", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "the sample task: independence Metropolis and reweighting with the flow"};
