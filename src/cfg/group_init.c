/*******************************************************************************
 * group_init.c: schema of the group `init` (init_parms_t).
 *
 *   start   "hot" | "cold" (default)    start configuration of the init task
 *
 * Exports the descriptor cfg_group_init (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const char *const starts[] = {"hot", "cold", NULL};

static const cfg_key_t keys[] = {
    {"start", CFG_ENUM, 0, "\"cold\"", 0, 0, 0, 0, starts,
     CFG_OFF(init.start), 0, CFG_SIZE(init.start),
     "\"cold\": all links 1; \"hot\": Haar-random links"},
};

const cfg_group_t cfg_group_init = {
    "init", keys, (int)(sizeof keys / sizeof keys[0]), NULL,
    "the init task: start configuration"};
