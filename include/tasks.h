/*******************************************************************************
 * tasks.h: the tasks of emflow-lqft (run.tasks), one function each.
 *
 * The program (src/main/emflow-lqft.c) validates the parameters, creates
 * the run directory and calls the task functions in the order of run.tasks
 * through its dispatch table; a task that is not in that table is refused
 * when the configuration is validated.  Each task function is collective:
 * every rank of ctx->comm calls it with the same parameters.  It adds its
 * headline numbers under its own name to ctx->summary (the same values on
 * every rank; rank 0's tree is written to summary.json after each task) and
 * returns EMF_EXIT_OK, or an EMF_EXIT_* code (the same on every rank) to end
 * the run; fatal errors may also end it through ERROR (util.h).  A task that
 * builds the geometry sets "run.grid" to the process grid in use
 * (doc/summary.md).
 *
 * Adding a task: declare its function here, implement it in
 * src/tasks/task_<name>.c, and add one line {TASK_<NAME>, task_<name>} to
 * task_table in src/main/emflow-lqft.c.
 ******************************************************************************/
#ifndef TASKS_H
#define TASKS_H

#include <mpi.h>
#include "parms.h"
#include "report.h"

typedef struct task_ctx {
  const parms_t *p;     /* validated parameters (identical on all ranks) */
  MPI_Comm comm;        /* the ranks of the run */
  const char *outdir;   /* run directory, exists and is writable */
  report_t *summary;    /* summary.json tree: write under "<task>." */
} task_ctx_t;

/* task_init.c: cold/hot start, plaquette, configuration to the run
 * directory; summary "init.plaquette". */
int task_init(task_ctx_t *ctx);

/* task_hmc.c: Hybrid Monte Carlo (Wilson action) from init.start or, with
 * run.resume, from the last hmc configuration of ensemble.h5; series and
 * configurations to ensemble.h5; summary "hmc.*" (doc/summary.md). */
int task_hmc(task_ctx_t *ctx);

/* task_exact.c: exact results for the target (2D lattice: character
 * expansion; single matrix: Weyl integration); summary "exact.*". */
int task_exact(task_ctx_t *ctx);

/* task_train.c: reverse-KL training of the flow (single-matrix target);
 * model.h5; summary "train.loss", "train.steps", ... */
int task_train(task_ctx_t *ctx);

/* task_sample.c: samples of the trained flow, independence Metropolis and
 * reweighting (single-matrix target); ensemble.h5; summary "sample.ess",
 * "sample.acceptance", "sample.logZ", "sample.observables", ... */
int task_sample(task_ctx_t *ctx);

/* task_compare.c: flow (IMH) against HMC from the summary of this run
 * (train, sample and hmc must run earlier); summary "compare.*". */
int task_compare(task_ctx_t *ctx);

#endif
