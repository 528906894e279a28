/*******************************************************************************
 * group_hmc.c: schema of the group `hmc` (hmc_task_parms_t).
 *
 *   trajectories    int >= 1, default 1000   measured trajectories
 *   thermalization  int >= 0, default 100    trajectories before those
 *   tau             float > 0, default 1.0   trajectory length
 *   steps           int >= 1, default 10     integrator steps per trajectory
 *   integrator      "leapfrog" | "omelyan2mn" (default)
 *   save_every      int >= 0, default 10     store every n-th configuration
 *                                            (0: none; the last one of a
 *                                            run is always stored)
 *   commit_seconds  float >= 0, default 120  shortest interval between
 *                                            commits of ensemble.h5 at
 *                                            stored configurations (0: at
 *                                            every one); not hashed
 *
 * Exports the descriptor cfg_group_hmc (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const integrators[] = {"leapfrog", "omelyan2mn", NULL};

static const cfg_key_t keys[] = {
    {"trajectories", CFG_INT, CFG_MIN, "1000", 1, 0, 0, 0, NULL,
     CFG_OFF(hmc.trajectories), 0, CFG_SIZE(hmc.trajectories),
     "trajectories measured after thermalization"},
    {"thermalization", CFG_INT, CFG_MIN, "100", 0, 0, 0, 0, NULL,
     CFG_OFF(hmc.thermalization), 0, CFG_SIZE(hmc.thermalization),
     "trajectories discarded before measuring"},
    {"tau", CFG_FLOAT, CFG_MIN_EXCL, "1.0", 0, 0, 0, 0, NULL,
     CFG_OFF(hmc.tau), 0, CFG_SIZE(hmc.tau),
     "molecular-dynamics trajectory length"},
    {"steps", CFG_INT, CFG_MIN, "10", 1, 0, 0, 0, NULL,
     CFG_OFF(hmc.steps), 0, CFG_SIZE(hmc.steps),
     "integrator steps per trajectory (step size tau/steps)"},
    {"integrator", CFG_ENUM, 0, "\"omelyan2mn\"", 0, 0, 0, 0, integrators,
     CFG_OFF(hmc.integrator), 0, CFG_SIZE(hmc.integrator),
     "molecular-dynamics integrator"},
    {"save_every", CFG_INT, CFG_MIN, "10", 0, 0, 0, 0, NULL,
     CFG_OFF(hmc.save_every), 0, CFG_SIZE(hmc.save_every),
     "store every n-th measured configuration in ensemble.h5 (0: none; the last is always stored)"},
    {"commit_seconds", CFG_FLOAT, CFG_MIN | CFG_NOHASH, "120.0", 0, 0, 0, 0, NULL,
     CFG_OFF(hmc.commit_seconds), 0, CFG_SIZE(hmc.commit_seconds),
     "shortest interval (s) between commits of ensemble.h5 at stored configurations"},
};

const cfg_group_t cfg_group_hmc = {
    "hmc", keys, (int)(sizeof keys / sizeof keys[0]), NULL,
    "the hmc task: Hybrid Monte Carlo with the Wilson action"};
