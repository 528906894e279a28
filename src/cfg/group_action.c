/*******************************************************************************
 * group_action.c: schema of the group `action` (action_parms_t).
 *
 *   beta    float, required, > 0     Wilson action S = -(beta/N) sum_P Re tr U_P
 *                                    (also the beta of a single-matrix target)
 *
 * Exports the descriptor cfg_group_action (cfg_int.h).  Read-only.
 ******************************************************************************/
#include "cfg_int.h"

static const cfg_key_t keys[] = {
    {"beta", CFG_FLOAT, CFG_REQUIRED | CFG_MIN_EXCL, NULL, 0, 0, 0, 0, NULL,
     CFG_OFF(action.beta), 0, CFG_SIZE(action.beta),
     "inverse coupling: S = -(beta/N) sum_P Re tr U_P"},
};

const cfg_group_t cfg_group_action = {
    "action", keys, (int)(sizeof keys / sizeof keys[0]), NULL,
    "the Wilson gauge action"};
