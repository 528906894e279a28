/*******************************************************************************
 * group_run.c: schema of the group `run` (run_parms_t).
 *
 *   seed    int64, required, >= 0       seed of every random stream
 *   tasks   array of task names (each at most once, run in the given
 *           order): "init", "hmc", "train", "sample", "compare", "exact"
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
};

const cfg_group_t cfg_group_run = {
    "run", keys, (int)(sizeof keys / sizeof keys[0]), NULL,
    "what to run and with which seed"};
