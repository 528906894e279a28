/*******************************************************************************
 * group_run.c: schema of the group `run` (run_parms_t).
 *
 *   seed    int64, required, >= 0       seed of every random stream
 *   tasks   array of task names (each at most once, run in the given
 *           order): "init", "hmc", "train", "sample", "compare", "exact"
 *   resume  bool, default false: continue from the run directory (hmc:
 *           the last hmc configuration of ensemble.h5; tasks without
 *           continuation ignore it)
 *
 * Cross-key checks (after all groups are read): task "hmc" needs
 * target.type = "lattice"; task "exact" with target.type = "lattice"
 * needs D = 2 (lattice.extent with two entries).
 *
 * Exports the descriptor cfg_group_run (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const tasks[] = {"init",   "hmc",     "train", "sample",
                                    "compare", "exact", NULL};

static const cfg_key_t keys[] = {
    {"seed", CFG_INT64, CFG_REQUIRED | CFG_MIN, NULL, 0, 0, 0, 0, NULL,
     CFG_OFF(run.seed), 0, CFG_SIZE(run.seed),
     "seed of all random numbers (same seed, same numbers on any grid)"},
    {"tasks", CFG_ENUM_ARRAY, CFG_REQUIRED | CFG_UNIQUE, NULL, 0, 0, 1, PARMS_TASKS_MAX,
     tasks, CFG_OFF(run.tasks), CFG_OFF(run.n_tasks), CFG_SIZE(run.tasks),
     "tasks to run, in this order"},
    {"resume", CFG_BOOL, CFG_NOHASH, "false", 0, 0, 0, 0, NULL,
     CFG_OFF(run.resume), 0, CFG_SIZE(run.resume),
     "continue what the run directory holds (hmc: the last stored hmc configuration)"},
};

static void check(parms_t *p, cfg_ctx_t *ctx)
{
  if (cfg_task_requested(p, TASK_HMC) && p->target.type != TARGET_LATTICE)
    cfg_fail(ctx, "run.tasks",
             "task hmc needs target.type = \"lattice\" (target.type is \"single\")");
  if (cfg_task_requested(p, TASK_EXACT) && p->target.type == TARGET_LATTICE &&
      p->lattice.D != 2)
    cfg_fail(ctx, "run.tasks",
             "task exact with target.type = \"lattice\" needs a 2D lattice "
             "(lattice.extent has %d entries)", p->lattice.D);
}

const cfg_group_t cfg_group_run = {
    "run", keys, (int)(sizeof keys / sizeof keys[0]), check,
    "what to run and with which seed"};
